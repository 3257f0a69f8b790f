"""Hostile CSV files through ingest and validation (real DuckDB, real GX): each case says where every byte went —
loaded, rejected with a rule ID, or quarantined with a reason — and the month still gets its other files."""

from __future__ import annotations

import json

import builders as b
from builders import MEGABYTE, assert_every_byte_accounted, raw_rows, rejection, rules_by_row


def test_empty_file_is_quarantined(zone, con, month):
    expected = b.case_empty(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)


def test_header_only_files_are_loaded_with_no_rows(zone, con, month):
    expected = b.case_header_only(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    for path in (b.name("jianghan", "license", 2), b.name("jianghan", "license", 3), b.name("tax", "license", 4, "xlsx")):
        f = got[path]
        assert (f.rows_total, f.rows_accepted, f.rows_rejected) == (0, 0, 0)
        # the file still says which columns it carries: a header-only file is a submission of nothing
        assert json.loads(con.execute("SELECT columns_json FROM audit.files WHERE path = ?", [path]).fetchone()[0]) \
            == {"license": sorted(b.CODES)}


def test_file_cut_off_in_the_middle_of_a_row(zone, con, month):
    expected = b.case_cut_off(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    unquoted, quoted, utf8, gbk, complete = (b.name("jianghan", "license", s) for s in range(10, 15))
    for path in (unquoted, quoted, utf8, gbk):
        f = got[path]
        # the complete rows are accepted; the cut-off row is kept in raw and rejected, not dropped, not trusted
        assert (f.rows_total, f.rows_accepted, f.rows_rejected) == (3, 2, 1), path
        assert "MALFORMED_LINE" in rules_by_row(con, f.file_id)[3]
        field, value, message, unit, feed = rejection(con, f.file_id, 3, "MALFORMED_LINE")
        assert (unit, feed) == ("jianghan", "license")   # a CSV row has its unit: it shows in the unit's list
    rows = raw_rows(con, got[unquoted].file_id)
    assert rows[3]["XK_JDRQ"] == "2022-06-01" and rows[3]["XK_YXQZ"] == "" and rows[3]["XK_LYDWDM"] is None
    assert rules_by_row(con, got[unquoted].file_id)[3] == {"MALFORMED_LINE", "REQUIRED"}
    assert "中途结束" in rejection(con, got[unquoted].file_id, 3, "MALFORMED_LINE")[2]
    assert raw_rows(con, got[quoted].file_id)[3]["XK_NR"] == "食品经营,"
    assert "引号内结束" in rejection(con, got[quoted].file_id, 3, "MALFORMED_LINE")[2]
    # cut in the middle of a character: the encoding is still recognised, the broken character shown as U+FFFD
    enc = dict(con.execute("SELECT path, encoding FROM audit.files").fetchall())
    assert (enc[utf8], enc[gbk]) == ("utf-8", "gbk")
    for path in (utf8, gbk):
        assert raw_rows(con, got[path].file_id)[3]["XK_LYDW"] == "江汉区市场监督管理\ufffd"
        assert rules_by_row(con, got[path].file_id)[3] == {"MALFORMED_LINE"}   # every other rule passes
    # no final line break alone is no cut
    assert (got[complete].rows_accepted, got[complete].rows_rejected) == (3, 0)


def test_binary_junk_named_csv_is_quarantined_with_what_it_is(zone, con, month):
    expected = b.case_binary_junk(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    reasons = {p: got[p].reason for p in expected if got[p].status == "quarantined"}
    assert "PNG图片" in reasons[b.name("jianghan", "penalty", 21)]
    assert "XLSX工作簿" in reasons[b.name("jianghan", "penalty", 22)]
    assert "UTF-16" in reasons[b.name("jianghan", "penalty", 23)]


def test_mixed_and_invalid_encodings_are_quarantined(zone, con, month):
    expected = b.case_encodings(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    assert "1 行UTF-8，1 行GBK" in got[b.name("jianghan", "license", 40)].reason
    assert "BOM" in got[b.name("jianghan", "license", 42)].reason


def test_quoted_fields_keep_newlines_and_commas_and_broken_quotes_are_not_merged(zone, con, month):
    expected = b.case_quoted_fields(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    good, broken = got[b.name("jianghan", "license", 50)], got[b.name("jianghan", "license", 51)]
    rows = raw_rows(con, good.file_id)
    # row N is the N-th record: a field with line breaks does not shift the rows after it
    assert sorted(rows) == [1, 2, 3] and (good.rows_accepted, good.rows_rejected) == (3, 0)
    assert rows[1]["XK_NR"] == "食品经营,含冷藏冷冻食品\n（仅限预包装）" and rows[1]["BZ"] == '他说："已核实"'
    assert rows[3]["XK_XKJG"] == "江汉区\r\n市场监督管理局" and rows[2]["XK_WSH"] == "武江汉许〔2022〕51号"
    # text after a closing quote (row 2); a quote opened in row 4 and closed two lines later: rows 4-6 of the
    # file are one record, kept whole in raw and rejected — never silently merged into an accepted row
    assert broken.rows_total == 5 and rules_by_row(con, broken.file_id) == {2: {"MALFORMED_LINE"},
                                                                           4: {"MALFORMED_LINE"}}
    merged = raw_rows(con, broken.file_id)[4]["XK_NR"]
    assert "武汉甲57号公司" in merged and merged.count("\n") == 2
    assert raw_rows(con, broken.file_id)[5]["XK_WSH"] == "武江汉许〔2022〕59号"


def test_a_one_megabyte_field_is_kept_in_raw_and_rejected_as_too_long(zone, con, month):
    expected = b.case_one_megabyte_field(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("jianghan", "license", 60)]
    assert (f.rows_accepted, f.rows_rejected) == (2, 2)
    assert rules_by_row(con, f.file_id) == {2: {"LENGTH"}, 4: {"LENGTH"}}
    assert len(raw_rows(con, f.file_id)[2]["XK_NR"]) == MEGABYTE                 # every byte in raw
    field, value, message, *_ = rejection(con, f.file_id, 2, "LENGTH")
    assert field == "XK_NR" and value == "许" * 200 + f"…（共{MEGABYTE}个字符）"   # the rejection shows a preview
    assert "超过4000个字符" in message


def test_two_hundred_extra_columns_are_kept_in_extra(zone, con, month):
    expected = b.case_extra_columns(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("jianghan", "license", 70)]
    assert (f.rows_total, f.rows_accepted, f.rows_rejected) == (4, 4, 0)
    rows = raw_rows(con, f.file_id)
    extra = json.loads(rows[1]["extra"])
    assert len(extra) == 200 and extra["自定义0"] == "v0-0" and extra["自定义199"] == "v0-199"
    # cells beyond the header are kept under their column number
    n = len(b.CODES) + 200
    assert json.loads(rows[4]["extra"]) == {f"column#{n + 1}": "溢出1", f"column#{n + 2}": "溢出2"}


def test_duplicate_column_names_first_wins_the_rest_kept(zone, con, month):
    expected = b.case_duplicate_columns(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("jianghan", "license", 80)]
    assert (f.rows_accepted, f.rows_rejected) == (2, 0)
    row = raw_rows(con, f.file_id)[1]
    n = len(b.CODES)
    assert row["XK_WSH"] == "武江汉许〔2022〕80号"
    assert json.loads(row["extra"]) == {f"XK_WSH#{n + 1}": "第二列0", f"行政许可决定文书号#{n + 2}": "第三列0",
                                        "备用": "甲", f"备用#{n + 4}": "乙", f"column#{n + 5}": "空表头"}


def test_full_width_spaces_are_trimmed_full_width_digits_are_not_fixed(zone, con, month):
    expected = b.case_full_width(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("jianghan", "license", 90)]
    assert rules_by_row(con, f.file_id) == {2: {"DATE_FORMAT"}, 3: {"USCC_CHECKSUM"}, 4: {"ENUM"},
                                            5: {"ID_CHECKSUM"}}
    rows = raw_rows(con, f.file_id)
    assert rows[1]["XK_XDR_MC"] == "\u3000武汉\u3000全角空格公司\u3000"   # raw keeps the text as sent
    assert rejection(con, f.file_id, 2, "DATE_FORMAT")[1] == "２０２２-０６-０１"
    assert rejection(con, f.file_id, 5, "ID_CHECKSUM")[1].startswith("４２０１")   # masked, first 4 kept


def test_ids_and_usccs_excel_turned_into_numbers_are_rejected_with_a_clear_message(zone, con, month):
    expected = b.case_excel_numbers_csv(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("jianghan", "license", 100)]
    assert rules_by_row(con, f.file_id) == {1: {"ID_CHECKSUM"}, 2: {"USCC_CHECKSUM"}, 3: {"ID_CHECKSUM"},
                                            4: {"USCC_CHECKSUM"}}
    _, value, message, *_ = rejection(con, f.file_id, 1, "ID_CHECKSUM")
    assert value == "4.20***E+17" and "被Excel转成数字" in message
    _, value, message, *_ = rejection(con, f.file_id, 2, "USCC_CHECKSUM")
    assert value == "9.14201E+17" and "被Excel转成数字" in message and "18位" in message
    assert (f.rows_accepted, f.rows_rejected) == (2, 4)


def test_file_names_with_spaces_chinese_or_other_encodings(zone, con, month):
    expected = b.case_names(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    for path, (status, _) in expected.items():
        if status == "loaded":
            assert (got[path].rows_accepted, got[path].rows_rejected) != (0, 0)
    unit = dict(con.execute("SELECT path, unit_code FROM audit.files").fetchall())
    assert unit[f"六月 报送/江汉区/{b.name('jianghan', 'license', 115)}"] == "jianghan"

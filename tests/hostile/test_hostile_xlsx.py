"""Hostile XLSX files: not a workbook, several sheets, merged header cells, formulas, date cells, numbers where
codes belong, a wrong <dimension> — through ingest and validation with a real DuckDB and GX."""

from __future__ import annotations

import json

import builders as b
from builders import assert_every_byte_accounted, raw_rows, rejection, rules_by_row


def test_xlsx_that_is_not_a_workbook_is_quarantined(zone, con, month):
    expected = b.case_bad_xlsx(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    assert "不是有效的XLSX文件" in got[b.name("tax", "license", 30, "xlsx")].reason
    assert "旧版Excel（.xls）" in got[b.name("tax", "license", 31, "xlsx")].reason
    assert "不是有效的XLSX工作簿" in got[b.name("tax", "license", 32, "xlsx")].reason
    assert got[b.name("tax", "license", 33, "xlsx")].code == "UNREADABLE"   # cut off: no zip directory


def test_only_the_first_sheet_is_read_and_a_first_sheet_without_header_says_where_the_data_is(zone, con, month):
    expected = b.case_xlsx_sheets(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    first = got[b.name("tax", "license", 120, "xlsx")]
    assert (first.rows_total, first.rows_accepted) == (2, 2)   # feeds.md: first sheet; 第二批 is not read
    assert {r["XK_WSH"] for r in raw_rows(con, first.file_id).values()} == {"武江汉许〔2022〕120号", "武江汉许〔2022〕121号"}
    reason = got[b.name("tax", "license", 121, "xlsx")].reason
    assert "第一个工作表「说明」" in reason and "数据" in reason


def test_merged_header_cells(zone, con, month):
    expected = b.case_xlsx_merged_header(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    # a merged title row above the header: the header is not on row 1, and the reason says so
    assert "第1行「江汉区行政许可信息报送表」不是表头" in got[b.name("tax", "license", 130, "xlsx")].reason
    # a header cell merged over two columns: the second column has no name, its cells are kept by number
    f = got[b.name("tax", "license", 131, "xlsx")]
    row = raw_rows(con, f.file_id)[1]
    assert json.loads(row["extra"]) == {"column#3": "第三列的值"} and row["XK_XDR_SHXYM"] == b.USCC_OK
    assert (f.rows_accepted, f.rows_rejected) == (1, 0)


def test_formulas_count_by_their_saved_result(zone, con, month):
    expected = b.case_xlsx_formulas(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("tax", "license", 140, "xlsx")]
    rows = raw_rows(con, f.file_id)
    assert (rows[1]["XK_WSH"], rows[1]["XK_NR"]) == ("武江汉许〔2022〕140号", "普通")   # Excel's saved results
    # a formula saved without a result is no value (REQUIRED here); its text is kept
    assert rows[2]["XK_NR"] is None and json.loads(rows[2]["extra"]) == {"XK_NR（未计算的公式）": '=P3&"经营"'}
    assert rules_by_row(con, f.file_id) == {2: {"REQUIRED"}}
    # error values are no values either: kept in extra, never loaded as text
    assert rows[3]["BZ"] is None and rows[3]["XK_XKBH"] is None
    assert json.loads(rows[3]["extra"]) == {"XK_XKBH（Excel错误值）": "#N/A", "BZ（公式结果为错误值）": "=1/0 → #DIV/0!"}


def test_excel_date_cells_are_dates(zone, con, month):
    expected = b.case_xlsx_dates(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("tax", "license", 150, "xlsx")]
    rows = raw_rows(con, f.file_id)
    assert [(r["XK_JDRQ"], r["XK_YXQZI"]) for r in rows.values()] == [
        ("2022-06-01", "2027-05-31"), ("2022-06-01", "2027-05-31"), ("2022-06-01 09:30:00", "2027-05-31")]
    assert rules_by_row(con, f.file_id) == {3: {"DATE_FORMAT"}}   # a date with a time of day is no date
    mac = got[b.name("tax", "license", 151, "xlsx")]
    assert raw_rows(con, mac.file_id)[1]["XK_JDRQ"] == "2022-06-01" and mac.rows_accepted == 1


def test_ids_and_usccs_in_number_cells_are_never_accepted(zone, con, month):
    expected = b.case_xlsx_numbers(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("tax", "license", 160, "xlsx")]
    rows = raw_rows(con, f.file_id)
    # Excel's 15 significant digits, as Excel shows them; even all 18 digits in the file's XML
    assert rows[1]["XK_XDR_ZJHM"] == rows[2]["XK_XDR_ZJHM"] == "4.20106199001011E+17"
    assert rows[3]["XK_XDR_ZJHM"] == "2.0106199001011E+16"
    assert rules_by_row(con, f.file_id) == {1: {"ID_CHECKSUM"}, 2: {"ID_CHECKSUM"}, 3: {"ID_CHECKSUM"},
                                            4: {"USCC_CHECKSUM"}, 5: {"USCC_CHECKSUM"}}
    assert "被Excel转成数字" in rejection(con, f.file_id, 2, "ID_CHECKSUM")[2]
    assert rows[6]["XK_XDR_ZJHM"] == b.digits_only_id() and f.rows_accepted == 1   # the same ID as text passes


def test_a_wrong_dimension_does_not_cut_rows_short(zone, con, month):
    expected = b.case_xlsx_wrong_dimension(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got[b.name("tax", "license", 170, "xlsx")]
    assert (f.rows_total, f.rows_accepted) == (3, 3)
    assert raw_rows(con, f.file_id)[3]["XK_LYDWDM"] == b.USCC_OK   # the last column of the last row

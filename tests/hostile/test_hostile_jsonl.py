"""A hostile platform export: every kind of bad line is kept as MALFORMED_LINE with its text, the good lines load."""

from __future__ import annotations

import json

import builders as b
from builders import assert_every_byte_accounted, raw_rows, rules_by_row


def test_every_bad_line_is_malformed_and_nothing_is_named_after_it(zone, con, month, tmp_path):
    expected = b.case_jsonl(zone)
    month()
    got = assert_every_byte_accounted(con, zone, expected)
    f = got["platform__p1__20220608T100200.jsonl"]
    assert (f.rows_total, f.rows_accepted, f.rows_rejected) == (10, 2, 8)
    assert rules_by_row(con, f.file_id) == {n: {"MALFORMED_LINE"} for n in (2, 3, 4, 5, 6, 7, 9, 10)}
    details = dict(con.execute("SELECT source_row, message_zh FROM audit.rejections WHERE file_id = ?",
                               [f.file_id]).fetchall())
    assert "未知报送单位：../../etc" in details[2]
    assert "不是有效的JSON" in details[5] and "ISO 8601" in details[6] and "代理项" in details[7]
    assert "不是UTF-8" in details[9] and "不是有效的JSON" in details[10]
    # malformed lines name no unit; their text is kept (the 200,000-character line too)
    assert con.execute("SELECT count(*) FROM audit.rejections WHERE file_id = ? AND unit_code IS NOT NULL",
                       [f.file_id]).fetchone()[0] == 0
    texts = dict(con.execute("SELECT source_row, line_text FROM raw.malformed_lines WHERE file_id = ?",
                             [f.file_id]).fetchall())
    assert len(texts[5]) == 200_000 and '"../../etc"' in texts[2]
    # a field given twice (code and Chinese name): the first is the value, the second kept in extra
    row = raw_rows(con, f.file_id)[8]
    assert row["XK_WSH"] == "武江汉许〔2022〕187号" and json.loads(row["extra"]) == {"行政许可决定文书号": "另一个文号"}
    assert not list(tmp_path.rglob("etc")) and not (zone.parent.parent / "etc").exists()

"""Ingest of a landing zone into raw and audit.files: names, encodings, headers, quarantine, duplicates, reruns."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from credit_feeds.feeds import LICENSE, PENALTY
from credit_feeds.ingest import ingest
from credit_feeds.landing import LandingZoneError, load_reference
from credit_feeds.warehouse import connect, create_schemas

UNITS = "unit_code,unit_name,unit_kind,uscc\njianghan,江汉区,district,11420103MB1234567X\ntax,市税务局,department,\n"
HEADER_CODES = ["XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_WSH", "XK_JDRQ"]


def landing(tmp_path: Path, platforms: str | None = None) -> Path:
    ref = tmp_path / "landing" / "_reference"
    ref.mkdir(parents=True)
    (ref / "reporting_units.csv").write_text(UNITS, encoding="utf-8")
    if platforms is not None:
        (ref / "platforms.csv").write_text(platforms, encoding="utf-8")
    return tmp_path / "landing"


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "wh.duckdb")
    create_schemas(c)
    yield c
    c.close()


def files(con) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in con.execute(
        "SELECT path, status, reason, encoding, header_style, rows_total, unit_code, feed FROM audit.files").fetchall()}


def test_reads_every_encoding_and_header_style(tmp_path, con):
    zone = landing(tmp_path)
    rows = [["武汉某某科技有限公司", "法人及非法人组织", "91420103MA4K1234X0", "武江汉审批〔2022〕1号", "2022-06-01"]]
    chinese = [LICENSE.by_code[c].name_zh for c in HEADER_CODES]
    (zone / "a").mkdir()
    (zone / "a" / "jianghan__license__20220608T103100.csv").write_bytes(csv_text(HEADER_CODES, rows).encode("utf-8"))
    (zone / "jianghan__license__20220609T103100.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(chinese, rows).encode("utf-8"))
    (zone / "jianghan__license__20220610T103100.csv").write_bytes(csv_text(chinese, rows).encode("gbk"))
    # 㐀 is in GB18030 but not GBK
    (zone / "jianghan__license__20220613T103100.csv").write_bytes(
        csv_text(HEADER_CODES, [[rows[0][0] + "㐀", *rows[0][1:]]]).encode("gb18030"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(reversed(HEADER_CODES)) + ["自定义列"])
    ws.append(list(reversed(rows[0])) + ["x"])
    wb.save(zone / "tax__license__20220614T090000.xlsx")

    summary = ingest(zone, con)
    assert summary.as_dict()["loaded"] == 5 and not summary.quarantined
    got = files(con)
    assert got["a/jianghan__license__20220608T103100.csv"][2:4] == ("utf-8", "code")
    assert got["jianghan__license__20220609T103100.csv"][2:4] == ("utf-8-sig", "chinese")
    assert got["jianghan__license__20220610T103100.csv"][2:4] == ("gbk", "chinese")
    assert got["jianghan__license__20220613T103100.csv"][2] == "gb18030"
    names = {r[0] for r in con.execute("SELECT XK_XDR_MC FROM raw.license").fetchall()}
    assert names == {"武汉某某科技有限公司", "武汉某某科技有限公司㐀"}
    xlsx = con.execute("SELECT XK_WSH, XK_JDRQ, extra, source_row, unit_code FROM raw.license WHERE unit_code='tax'").fetchone()
    assert xlsx[:2] == ("武江汉审批〔2022〕1号", "2022-06-01")
    assert json.loads(xlsx[2]) == {"自定义列": "x"} and xlsx[3:] == (1, "tax")


def test_quarantine_duplicates_and_rerun(tmp_path, con):
    zone = landing(tmp_path)
    good = csv_text(HEADER_CODES, [["甲公司", "法人及非法人组织", "91420103MA4K1234X0", "文〔2022〕1号", "2022-06-01"]])
    (zone / "jianghan__license__20220608T103100.csv").write_text(good, encoding="utf-8")
    (zone / "copy").mkdir()
    (zone / "copy" / "jianghan__license__20220608T103100.csv").write_text(good, encoding="utf-8")
    (zone / "notes.txt").write_text("hello", encoding="utf-8")
    (zone / "nobody__license__20220608T103100.csv").write_text(good + "1", encoding="utf-8")
    (zone / "jianghan__lottery__20220608T103100.csv").write_text(good + "2", encoding="utf-8")
    (zone / "jianghan__penalty__20221399T103100.csv").write_text(good + "3", encoding="utf-8")
    (zone / "tax__penalty__20220608T103100.xlsx").write_bytes(b"not a zip at all")
    (zone / "tax__penalty__20220609T103100.csv").write_bytes(b"")
    (zone / "tax__penalty__20220610T103100.csv").write_bytes("名称\n".encode() + "甲".encode("utf-8") + b"\n" + "乙".encode("gbk") + b"\n")
    (zone / "platform__p1__20220608T103100.jsonl").write_text("{}\n", encoding="utf-8")

    ingest(zone, con)
    got = files(con)
    status = {p: (s, (r or "").split(":")[0]) for p, (s, r, *_rest) in got.items()}
    assert status == {
        "copy/jianghan__license__20220608T103100.csv": ("loaded", ""),
        "jianghan__license__20220608T103100.csv": ("duplicate", "DUPLICATE_FILE"),
        "notes.txt": ("quarantined", "BAD_NAME"),
        "nobody__license__20220608T103100.csv": ("quarantined", "UNKNOWN_UNIT"),
        "jianghan__lottery__20220608T103100.csv": ("quarantined", "UNKNOWN_FEED"),
        "jianghan__penalty__20221399T103100.csv": ("quarantined", "BAD_TIMESTAMP"),
        "tax__penalty__20220608T103100.xlsx": ("quarantined", "UNREADABLE"),
        "tax__penalty__20220609T103100.csv": ("quarantined", "EMPTY_FILE"),
        "tax__penalty__20220610T103100.csv": ("quarantined", "MIXED_ENCODING"),
        # platforms.csv is optional; without it a platform export is attributed by its lines
        "platform__p1__20220608T103100.jsonl": ("loaded", ""),
    }
    before = con.execute("SELECT count(*) FROM audit.files").fetchone()[0], \
        con.execute("SELECT count(*) FROM raw.license").fetchone()[0]
    again = ingest(zone, con)
    assert again.files_new == 0
    after = con.execute("SELECT count(*) FROM audit.files").fetchone()[0], \
        con.execute("SELECT count(*) FROM raw.license").fetchone()[0]
    assert before == after == (10, 1)


def test_jsonl_lines_carry_their_own_time_and_malformed_lines_are_kept(tmp_path, con):
    zone = landing(tmp_path, platforms="platform_code,platform_name,owner_unit_code,connected_on\np1,平台,tax,2022-06-01\n")
    lines = [
        {"feed": "penalty", "unit_code": "jianghan", "submitted_at": "2022-06-08T10:31:00+08:00",
         "record": {"CF_WSH": "罚〔2022〕1号", "处罚决定日期": "2022-06-01", "OTHER": 1}},
        {"feed": "license", "unit_code": "tax", "submitted_at": "2022-06-30T17:00:00Z", "record": {"XK_WSH": "许〔2022〕2号"}},
    ]
    text = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines)
    text += '\nnot json\n{"feed": "license", "unit_code": "../../etc", "submitted_at": "x", "record": {}}\n'
    (zone / "platform__p1__20220701T000000.jsonl").write_text(text, encoding="utf-8")
    (zone / "platform__p9__20220701T000000.jsonl").write_text(text + "\n", encoding="utf-8")
    ingest(zone, con)
    got = files(con)
    assert got["platform__p9__20220701T000000.jsonl"][0] == "quarantined"
    assert got["platform__p1__20220701T000000.jsonl"][4] == 4  # rows_total includes the malformed lines
    pen = con.execute("SELECT unit_code, submitted_at, CF_WSH, CF_JDRQ, extra FROM raw.penalty").fetchone()
    assert pen[0] == "jianghan" and str(pen[1]) == "2022-06-08 10:31:00" and pen[2:4] == ("罚〔2022〕1号", "2022-06-01")
    assert json.loads(pen[4]) == {"OTHER": 1}
    lic = con.execute("SELECT submitted_at FROM raw.license").fetchone()
    assert str(lic[0]) == "2022-07-01 01:00:00"  # UTC 17:00 is 01:00 the next day in Beijing
    rej = con.execute("SELECT source_row, unit_code, rule_id FROM audit.rejections ORDER BY source_row").fetchall()
    assert rej == [(3, None, "MALFORMED_LINE"), (4, None, "MALFORMED_LINE")]
    assert con.execute("SELECT count(*) FROM raw.malformed_lines").fetchone()[0] == 2


def test_missing_reference_stops(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(LandingZoneError, match="reporting_units.csv"):
        load_reference(tmp_path / "empty")

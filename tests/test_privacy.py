"""Privacy and safety of a whole month (issue 7, item 5; rules.md "Personal data").

`credit-feeds run` goes through the committed sample plus a planted folder that puts ID numbers everywhere a unit
could put one (a person's 证件号码, a legal representative's, free text, an unknown column, a wrong field, a rejected
value, a malformed JSONL line, a file name), values a spreadsheet would take for formulas (= + - @) and values that
look like paths (`../../etc`). Then it scans everything the run left outside `raw`: every table and view of the
other schemas, every file under --out (text, docx, xlsx, Data Docs, audit site), the task logs (the run's console
output and every file under its AIRFLOW_HOME). An ID number counts as exposed when its full value appears; masked
(`4201**********1234`, identifiers.mask) is fine. Hits are reported masked, so a failing test leaks nothing either.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest

from credit_feeds.feeds import LICENSE, PENALTY
from credit_feeds.identifiers import (ID_NUMBER_IN_TEXT, id_check_char, is_valid_resident_id, mask,
                                      mask_id_numbers, uscc_check_char)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "include" / "sample_feeds"
CLI = Path(sys.executable).parent / "credit-feeds"
MONTH = "2022-06"


def resident_id(area: str, birth: str, seq: int) -> str:
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + id_check_char(first17)


def wrong_check(number: str) -> str:
    """The same number with a wrong check character: still someone's number mistyped, still personal data."""
    return number[:17] + next(c for c in "0123456789X" if c != number[17])


def uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


AUTHORITY = uscc("11420103MB1234567")
COMPANY = uscc("91420103MA4K00001")

# Every planted ID number, by where it was planted. Each is distinct, so a hit says where it came from.
PLANTED = {
    "penalty.subject": resident_id("420103", "19850317", 21),
    "penalty.legal_rep": resident_id("420104", "19700101", 32),
    "penalty.content": resident_id("420105", "19911230", 43),
    "penalty.remark": resident_id("420106", "20000229", 54),
    "penalty.subject_name": resident_id("420107", "19660606", 65),
    "penalty.facts_rejected": resident_id("420111", "19580808", 76),
    "penalty.in_uscc_field": resident_id("420112", "19770707", 87),
    "penalty.wrong_check": wrong_check(resident_id("420113", "19880808", 98)),
    "penalty.too_long": resident_id("420114", "19990909", 109),
    "penalty.extra_column": resident_id("420115", "19820202", 110),
    "penalty.passport": "EK9731562",
    "license_xlsx.subject": resident_id("420116", "19810101", 121),
    "license_xlsx.legal_rep": resident_id("420117", "19720303", 132),
    "license_xlsx.rejected": resident_id("420118", "19931111", 143),
    "jsonl.subject": resident_id("420102", "19900505", 154),
    "jsonl.unit_is_path": resident_id("420103", "19950515", 165),
    "jsonl.not_json": resident_id("420104", "19840404", 176),
    "jsonl.unit_is_id": resident_id("420105", "19830303", 187),
    "file_name": resident_id("420106", "19761010", 198),
}
FORMULAS = ("=1+1", '=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "-0.5", "=TODAY()")


# ------------------------------------------------------------------------------------------------- the landing zone

def csv_text(header: list[str], rows: list[dict]) -> str:
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(ch in v for ch in ',"\r\n') else v
    return "".join(",".join(cell(r.get(c, "")) for c in header) + "\n" for r in [dict(zip(header, header)), *rows])


def penalty_row(n: int, **changes) -> dict:
    """A compliant 行政处罚 row of a natural person; `n` makes its document number unique."""
    row = {
        "CF_XDR_MC": f"李{n}", "CF_XDR_LB": "自然人", "CF_XDR_ZJLX": "身份证",
        "CF_WSH": f"武江汉市监罚〔2022〕{9000 + n}号", "CF_WFXW": "未按规定公示年度报告",
        "CF_SY": "当事人未按规定公示年度报告", "CF_YJ": "《企业信息公示暂行条例》第十七条", "CF_CFLB": "警告",
        "CF_NR": "给予警告的行政处罚", "CF_JDRQ": "2022-06-10", "CF_YXQ": "2023-06-09", "CF_GSJZQ": "2022-12-10",
        "CF_CFJG": "武汉市江汉区市场监督管理局", "CF_CFJGDM": AUTHORITY, "CF_SJLY": "武汉市江汉区市场监督管理局",
        "CF_SJLYDM": AUTHORITY,
    }
    row.update(changes)
    return row


def license_row(n: int, **changes) -> dict:
    row = {
        "XK_XDR_MC": f"赵{n}", "XK_XDR_LB": "自然人", "XK_XDR_ZJLX": "身份证",
        "XK_XKWS": "行政许可决定书", "XK_WSH": f"武洪审批许〔2022〕{9000 + n}号", "XK_XKLB": "普通",
        "XK_NR": "食品经营", "XK_JDRQ": "2022-06-13", "XK_YXQZ": "2022-06-13", "XK_YXQZI": "2027-06-12",
        "XK_XKJG": "武汉市洪山区行政审批局", "XK_XKJGDM": AUTHORITY, "XK_ZT": "1",
        "XK_LYDW": "武汉市洪山区行政审批局", "XK_LYDWDM": AUTHORITY,
    }
    row.update(changes)
    return row


def plant(zone: Path) -> None:
    """Add the planted files to a copy of the sample landing zone."""
    p = PLANTED
    folder = zone / "planted"
    folder.mkdir()

    # 行政处罚 CSV: IDs in every field a unit could put one in, accepted and rejected rows, formula-like values
    header = [f.code for f in PENALTY.fields] + ["身份证号"]          # an unknown column, kept in raw.extra
    rows = [
        penalty_row(1, CF_XDR_MC="=1+1", CF_XDR_ZJHM=p["penalty.subject"], CF_NR='=HYPERLINK("http://x","y")',
                    BZ=f"身份证号码{p['penalty.remark']}，见../../etc/passwd", **{"身份证号": p["penalty.extra_column"]}),
        penalty_row(2, CF_XDR_MC="武汉甲乙科技有限公司", CF_XDR_LB="法人及非法人组织", CF_XDR_SHXYM=COMPANY,
                    CF_XDR_ZJLX="", CF_FRDB="王某", CF_FR_ZJLX="身份证", CF_FR_ZJHM=p["penalty.legal_rep"]),
        penalty_row(3, CF_XDR_ZJHM=resident_id("420101", "19800101", 3),
                    CF_NR=f"对当事人（公民身份号码：{p['penalty.content']}）给予警告"),
        penalty_row(4, CF_XDR_MC=f"王五{p['penalty.subject_name']}", CF_XDR_ZJHM=resident_id("420101", "19800101", 4)),
        penalty_row(5, CF_XDR_ZJHM=resident_id("420101", "19800101", 5), CF_WFXW="信访",
                    CF_SY=f"当事人{p['penalty.facts_rejected']}多次越级信访"),                      # PROHIBITED_MATTER
        penalty_row(6, CF_XDR_SHXYM=p["penalty.in_uscc_field"]),                    # SUBJECT_ID, USCC_CHECKSUM
        penalty_row(7, CF_XDR_ZJHM=p["penalty.wrong_check"]),                                  # ID_CHECKSUM
        penalty_row(8, CF_XDR_ZJLX="护照号", CF_XDR_ZJHM=p["penalty.passport"]),
        penalty_row(9, CF_XDR_ZJHM=resident_id("420101", "19800101", 9),                       # LENGTH
                    CF_NR=f"{p['penalty.too_long']}" + "处罚内容" * 1100),
        # values a spreadsheet takes for formulas, in rejected fields (they reach the rejection lists)
        penalty_row(10, CF_XDR_ZJHM=resident_id("420101", "19800101", 10), CF_CFLB="罚款", CF_NR_FK="=1+1",
                    CF_JDRQ="@SUM(A1)", CF_YXQ="+1"),
        penalty_row(11, CF_XDR_MC="../../etc/passwd", CF_XDR_ZJHM=resident_id("420101", "19800101", 11),
                    CF_CFLB="罚款", CF_NR_FK="-0.5", CF_WSH="../../../../tmp/evil〔2022〕1号", CF_GSJZQ="=TODAY()"),
    ]
    (folder / "jianghan__penalty__20220615T100000.csv").write_text(csv_text(header, rows), encoding="utf-8")

    # 行政许可 XLSX (text cells, as units type them)
    codes = [f.code for f in LICENSE.fields]
    lic = [
        license_row(1, XK_XDR_MC="=1+1", XK_XDR_ZJHM=p["license_xlsx.subject"], XK_NR='=HYPERLINK("http://x","y")'),
        license_row(2, XK_XDR_MC="武汉丙丁餐饮有限公司", XK_XDR_LB="法人及非法人组织", XK_XDR_SHXYM=COMPANY,
                    XK_XDR_ZJLX="", XK_FRDB="陈某", XK_FR_ZJLX="身份证", XK_FR_ZJHM=p["license_xlsx.legal_rep"]),
        license_row(3, XK_XDR_ZJHM=p["license_xlsx.rejected"], XK_XKLB="=1+1", XK_JDRQ="-1"),  # ENUM, DATE_FORMAT
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(codes)
    for r in lic:
        ws.append([r.get(c) or None for c in codes])
    for row in ws.iter_rows():
        for c in row:
            c.data_type = "s"   # as typed into text cells: "=1+1" is text here, not a formula
    wb.save(folder / "hongshan__license__20220616T090000.xlsx")

    # a platform export: a good line, a line whose unit is a path, one that is no JSON, one whose unit is an ID
    lines = [
        {"feed": "license", "unit_code": "caidian", "submitted_at": "2022-06-17T10:00:00+08:00",
         "record": license_row(4, XK_XDR_ZJHM=p["jsonl.subject"])},
        {"feed": "license", "unit_code": "../../etc", "submitted_at": "2022-06-17T10:01:00+08:00",
         "record": license_row(5, XK_XDR_ZJHM=p["jsonl.unit_is_path"])},
        {"feed": "license", "unit_code": p["jsonl.unit_is_id"], "submitted_at": "2022-06-17T10:02:00+08:00",
         "record": license_row(6, XK_XDR_ZJHM=resident_id("420101", "19800101", 12))},
    ]
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    text += '{"feed": "license", "unit_code": "caidian", "record": {"XK_XDR_ZJHM": "' + p["jsonl.not_json"] + '"\n'
    platform = folder / "platforms" / "caidian-bigdata"
    platform.mkdir(parents=True)
    (platform / "platform__caidian-bigdata__20220617T100500.jsonl").write_text(text, encoding="utf-8")

    # a file named after a person (BAD_NAME), and an unreadable upload in a folder named like a formula
    (folder / f"张三{p['file_name']}身份证复印件.csv").write_text("证件号码\n", encoding="utf-8")
    (zone / "=1+1").mkdir()
    (zone / "=1+1" / "jianghan__penalty__20220616T101010.xlsx").write_bytes(b"no zip, just text\n")


# --------------------------------------------------------------------------------------------------------- the run

@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("privacy")
    zone = base / "landing"
    shutil.copytree(SAMPLE, zone)
    plant(zone)
    # --out deep inside base: whatever `../` an input smuggles into a path still lands under base, where we look
    out = base / "a" / "b" / "c" / "d" / "out"
    warehouse = base / "warehouse" / "w.duckdb"
    home = base / "airflow"
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
           "MPLCONFIGDIR": str(home / "matplotlib")}
    before = files_under(base)
    landing_before = digests(zone)
    r = subprocess.run([str(CLI), "run", "--feeds", str(zone), "--month", MONTH, "--warehouse", str(warehouse),
                        "--out", str(out)], capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return {"base": base, "zone": zone, "out": out, "warehouse": warehouse, "home": home,
            "console": r.stdout + r.stderr, "before": before, "landing_before": landing_before}


@pytest.fixture
def con(run):
    c = duckdb.connect(str(run["warehouse"]), read_only=True)
    yield c
    c.close()


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def digests(folder: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files_under(folder)}


# -------------------------------------------------------------------------------------------------------- scanning

# 18 characters that may be an ID number (not part of a longer number); validity is checked after
ID_SHAPE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


@dataclass(frozen=True)
class Hit:
    where: str
    snippet: str

    def __str__(self) -> str:
        return f"{self.where}: …{self.snippet}…"


def exposed(text: str, needles: tuple[str, ...] = tuple(PLANTED.values())) -> list[str]:
    """The ID numbers `text` shows in full: any planted value, and any valid 身份证 number."""
    found = [n for n in needles if n in text]
    found += [m for m in ID_SHAPE.findall(text) if is_valid_resident_id(m.upper()) and m not in found]
    return found


def hits_in(where: str, text: str) -> list[Hit]:
    """One hit per exposed number, with 30 characters around it; every exposed number in the snippet is masked."""
    numbers = exposed(text)
    out = []
    for number in numbers:
        i = text.index(number)
        snippet = text[max(0, i - 30): i + len(number) + 30]
        for n in numbers:
            snippet = snippet.replace(n, mask(n))
        out.append(Hit(where, snippet.replace("\n", " ")))
    return out


def relations(con, skip: tuple[str, ...] = ("raw",)) -> list[tuple[str, str]]:
    """(schema, name) of every table and view of the database, but those of the schemas in `skip`."""
    rows = con.execute("SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = "
                       "current_database() AND table_schema NOT IN ('information_schema', 'pg_catalog') ORDER BY 1, 2")
    return [r for r in rows.fetchall() if r[0] not in skip]


def scan_tables(con, skip: tuple[str, ...] = ("raw",)) -> list[Hit]:
    """Every column of every table and view (outside `skip`), cast to text (JSON and structs included)."""
    needles = "|".join(re.escape(n) for n in PLANTED.values())
    pattern = rf"[0-9]{{17}}[0-9Xx]|{needles}"
    hits = []
    for schema, table in relations(con, skip):   # one query a relation: staging views compute as they are read
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
            "AND table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()]
        texts = [f'CAST("{c}" AS VARCHAR)' for c in columns]
        rows = con.execute(f'SELECT DISTINCT {", ".join(texts)} FROM "{schema}"."{table}" '
                           f"WHERE regexp_matches(concat_ws(chr(31), {', '.join(texts)}), ?)", [pattern]).fetchall()
        for row in rows:
            for column, value in zip(columns, row):
                if value is not None:
                    hits += hits_in(f"{schema}.{table}.{column}", value)
    return hits


def docx_texts(path: Path):
    import docx

    doc = docx.Document(str(path))

    def tables(tbls, where):
        for t, table in enumerate(tbls):
            for r, row in enumerate(table.rows):
                for c, cell in enumerate(row.cells):
                    yield f"{where} table {t} cell ({r},{c})", cell.text
                    yield from tables(cell.tables, f"{where} table {t} cell ({r},{c})")

    yield "body", "\n".join(p.text for p in doc.paragraphs)
    yield from tables(doc.tables, "body")
    for s, section in enumerate(doc.sections):
        for part in (section.header, section.footer):
            yield f"section {s} header/footer", "\n".join(p.text for p in part.paragraphs)
            yield from tables(part.tables, f"section {s} header/footer")
    props = doc.core_properties
    yield "properties", " ".join(str(getattr(props, k) or "") for k in ("title", "subject", "author", "comments",
                                                                        "keywords", "category"))


def xlsx_texts(path: Path):
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield f"{ws.title}!{cell.coordinate}", str(cell.value)


def zip_texts(path: Path):
    """Every member of an Office file as text: whatever the parsers above do not show (shared strings, metadata)."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            yield name, html.unescape(re.sub(r"<[^>]+>", "", z.read(name).decode("utf-8", "replace")))


def file_texts(path: Path):
    if path.suffix in (".docx", ".xlsx") and zipfile.is_zipfile(path):
        yield from (docx_texts(path) if path.suffix == ".docx" else xlsx_texts(path))
        yield from zip_texts(path)
    else:   # md, html, json, csv, Data Docs, PNG metadata: the bytes as text
        yield "", path.read_bytes().decode("utf-8", "replace")


def scan_files(folder: Path) -> list[Hit]:
    hits = []
    for path in sorted(files_under(folder)):
        for where, text in file_texts(path):
            hits += hits_in(f"{path.relative_to(folder)} {where}".strip(), text)
    return hits


def report(hits: list[Hit]) -> str:
    return f"{len(hits)} unmasked ID number(s):\n" + "\n".join(map(str, sorted(set(hits), key=str)))


# ----------------------------------------------------------------------------------------------------------- tests

def test_the_planted_numbers_reached_raw(con):
    """The scans below can only fail if the planted numbers came in: every one is in raw (or the file's name)."""
    raw = []
    for schema, table in relations(con, ()):
        if schema == "raw":
            raw += [str(r) for r in con.execute(f'SELECT * FROM raw."{table}"').fetchall()]
    raw_text = "\n".join(raw)
    missing = [k for k, v in PLANTED.items() if v not in raw_text and k != "file_name"]
    assert not missing
    # the sample's own natural persons are there too
    assert len({m for m in ID_SHAPE.findall(raw_text) if is_valid_resident_id(m)}) > 50


def test_masked_numbers_are_where_they_belong(con):
    """Masked, not dropped: in rejections, facts, staging free text and the quarantined file's recorded name."""
    def column(sql: str) -> list:
        return [v for (v,) in con.execute(sql).fetchall()]

    p = PLANTED
    assert mask(p["penalty.wrong_check"]) in column("SELECT value_masked FROM audit.rejections")
    assert mask(p["penalty.in_uscc_field"]) in column("SELECT value_masked FROM audit.rejections "
                                                      "WHERE rule_id = 'USCC_CHECKSUM'")
    assert {mask(p["penalty.subject"]), mask(p["penalty.passport"])} <= set(
        column("SELECT subject_id_masked FROM marts.fct_disclosures"))
    assert mask(p["license_xlsx.legal_rep"]) in column("SELECT legal_rep_id_masked FROM staging.stg_license")
    assert f"王五{mask(p['penalty.subject_name'])}" in column("SELECT subject_name FROM marts.fct_disclosures")
    assert f"对当事人（公民身份号码：{mask(p['penalty.content'])}）给予警告" in column(
        "SELECT content FROM staging.stg_penalty")
    assert f"planted/张三{mask(p['file_name'])}身份证复印件.csv" in column(
        "SELECT path FROM audit.files WHERE status = 'quarantined'")


def test_no_unmasked_id_in_any_table_outside_raw(con, run):
    assert {s for s, _ in relations(con)} >= {"audit", "staging", "marts"}
    hits = scan_tables(con)
    # the analysts' copy beside the warehouse (credit_feeds.publish) holds no raw at all: all of it is scanned
    for copy in sorted(run["warehouse"].parent.glob("*.duckdb")):
        if copy != run["warehouse"]:
            other = duckdb.connect(str(copy), read_only=True)
            try:
                assert relations(other, ())
                hits += [Hit(f"{copy.name}: {h.where}", h.snippet) for h in scan_tables(other, ())]
            finally:
                other.close()
    assert not hits, report(hits)


def test_no_unmasked_id_in_any_output_file(run):
    names = {p.suffix for p in files_under(run["out"])}
    assert {".md", ".html", ".docx", ".xlsx", ".png"} <= names, names
    assert (run["out"] / "data_docs" / "index.html").exists() and (run["out"] / "audit" / "index.html").exists()
    hits = scan_files(run["out"])
    assert not hits, report(hits)


def test_no_unmasked_id_in_the_task_logs(run):
    """`credit-feeds run` runs the DAG in-process: task logs go to its console; Airflow's home holds the rest."""
    assert "ingest_landing_zone" in run["console"] and "write_bulletin" in run["console"]
    assert f"quarantined planted/张三{mask(PLANTED['file_name'])}身份证复印件.csv" in run["console"]   # ingest's log
    hits = hits_in("console", run["console"]) + scan_files(run["home"])
    assert not hits, report(hits)


def test_no_spreadsheet_cell_is_a_formula(run):
    books = sorted(run["out"].rglob("*.xlsx"))
    assert books
    formulas, shown = [], set()
    for book in books:
        for ws in openpyxl.load_workbook(book).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        formulas.append(f"{book.name} {ws.title}!{cell.coordinate}")
                    if isinstance(cell.value, str):
                        shown |= {f for f in FORMULAS if f in cell.value}
        with zipfile.ZipFile(book) as z:   # no <f> element at all, whatever a reader makes of it
            formulas += [f"{book.name} {n}" for n in z.namelist() if re.search(rb"<f[ >]", z.read(n))]
    assert not formulas
    assert {"=1+1", "@SUM(A1)", "+1", "-0.5", "=TODAY()"} <= shown, shown   # they did reach the spreadsheets


def test_nothing_is_written_outside_the_output_folder(run):
    allowed = (run["out"], run["home"], run["warehouse"].parent)
    new = sorted(p for p in files_under(run["base"]) - run["before"] if not any(p.is_relative_to(a) for a in allowed))
    assert not new
    assert all(p.name.startswith("w.") for p in run["warehouse"].parent.iterdir())   # the warehouse's own files
    assert digests(run["zone"]) == run["landing_before"]   # the landing zone is only read


def test_every_link_of_the_html_outputs_stays_inside_the_output_folder(run):
    out = run["out"].resolve()
    outside = []
    for page in run["out"].rglob("*.html"):
        for link in re.findall(r'(?:href|src)="([^"#?]+)', page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", link):
                continue   # http(s)/data/mailto: not a path
            if not (page.parent / link).resolve().is_relative_to(out):
                outside.append(f"{page.relative_to(out)} -> {link}")
    assert not outside


def test_the_table_scan_finds_what_it_should():
    con = duckdb.connect()
    person = resident_id("110105", "19491231", 2)
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts")
    con.execute("CREATE TABLE raw.t AS SELECT ? AS id_no", [person])                      # raw may hold it
    con.execute("CREATE TABLE marts.t (n INTEGER, extra JSON, remark VARCHAR)")
    con.execute("INSERT INTO marts.t VALUES (1, ?, ?), (2, NULL, ?)",
                [json.dumps({"证件": person}), mask(person), f"备注{PLANTED['penalty.passport']}"])
    con.execute("CREATE VIEW marts.v AS SELECT extra FROM marts.t")
    assert sorted(h.where for h in scan_tables(con)) == ["marts.t.extra", "marts.t.remark", "marts.v.extra"]
    assert all(person not in h.snippet for h in scan_tables(con))


@pytest.mark.parametrize("text, expected", [
    (f"身份证{PLANTED['penalty.subject']}，", f"身份证{mask(PLANTED['penalty.subject'])}，"),
    (f"{PLANTED['penalty.wrong_check']}", mask(PLANTED["penalty.wrong_check"])),       # masked, valid or not
    (f"a{PLANTED['penalty.subject']},{PLANTED['penalty.remark']}b",
     f"a{mask(PLANTED['penalty.subject'])},{mask(PLANTED['penalty.remark'])}b"),
    ("91110000600037341L 114201120707049996 武江汉市监罚〔2022〕9001号", None),        # USCCs, a document number
    ("4.20106E+17 4201061990010 20220615T100000", None),
    (None, None),
])
def test_mask_id_numbers(text, expected):
    assert mask_id_numbers(text) == (text if expected is None else expected)


def test_python_and_sql_mask_the_same_pattern():
    """identifiers.mask_id_numbers (rejections, file names, rejection lists) and the dbt macro (staging) agree."""
    macro = (ROOT / "dbt_project" / "macros" / "mask_id_numbers.sql").read_text(encoding="utf-8")
    assert f"set pattern = '{ID_NUMBER_IN_TEXT.pattern}'" in macro


@pytest.mark.parametrize("text, expected", [
    (f"罚款对象 {PLANTED['penalty.subject']} 已处理", 1),
    (f"{mask(PLANTED['penalty.subject'])}", 0),
    (f"x{PLANTED['penalty.passport']}y", 1),                       # a planted non-身份证 number, anywhere
    (resident_id("110105", "19491231", 2), 1),                      # any valid 身份证 number, not only planted ones
    ("91110000600037341L 11420103MB1234567X", 0),                   # USCCs are not ID numbers
    (wrong_check(resident_id("110105", "19491231", 2)), 0),         # not valid and not planted
])
def test_the_scanner_finds_what_it_should(text, expected):
    assert len(hits_in("planted", text)) == expected

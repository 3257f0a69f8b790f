"""The dbt project on a real DuckDB warehouse: `dbt build` (models, data tests, unit tests) then exact figures.

A handful of raw rows covers the metrics of warehouse.md: rejected rows and duplicates-within-file count as
submitted; a correction replaces the earlier accepted row in the facts; the working-day lag follows the real
2022 calendar (Labour Day 调休 Saturday 2022-05-07 is a working day, Dragon Boat 2022-06-03 is not); rates are
NULL when their denominator is 0; personal ID numbers are masked.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import chinese_calendar
import duckdb
import pytest
import yaml

from credit_feeds.feeds import FEEDS, LICENSE, PENALTY
from credit_feeds.identifiers import mask
from credit_feeds.warehouse import create_schemas, raw_feed_columns

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"

UNITS = [
    ("hongshan", "洪山区", "district", "11420111MB1234567X"),
    ("jiangxia", "江夏区", "district", "11420115MB7654321Y"),
    ("market-regulation", "市市场监督管理局", "department", "11420100MB0000001A"),
]

# Files: (file_id, unit_code, feed, submitted_at, status). Loaded files' rows are in ROWS below.
FILES = [
    ("P0", "jiangxia", "penalty", "2022-05-09 10:00:00", "loaded"),
    ("L1", "hongshan", "license", "2022-06-08 10:31:00", "loaded"),
    ("P1", "jiangxia", "penalty", "2022-06-08 15:00:00", "loaded"),
    ("P2", "jiangxia", "penalty", "2022-06-10 09:00:00", "loaded"),
    ("M1", "market-regulation", "license", "2022-06-15 11:00:00", "loaded"),
    ("M1-copy", "market-regulation", "license", "2022-06-15 11:00:00", "duplicate"),
    ("Q1", None, None, "2022-06-20 00:00:00", "quarantined"),   # unknown unit in the file name
    ("L2", "hongshan", "license", "2022-07-05 09:00:00", "loaded"),
    ("M2", "market-regulation", "penalty", "2022-07-01 08:00:00", "loaded"),
    ("Q2", None, None, None, "quarantined"),                     # no time in the name: month of receipt
]

FW = "\u3000"  # full-width space, trimmed like any white space (rules.md)
PERSON_ID = "420102199001011234"
ORG_A, ORG_B, ORG_C = "91420100MA4K1234X1", "91420100MA4K5678Y2", "91420100MA4K9999Z3"

# (file_id, source_row, fields): fields by field code; decision dates as sent.
LICENSE_ROWS = [
    ("L1", 1, {"XK_WSH": "洪市监许〔2022〕1号", "XK_XDR_MC": "甲公司", "XK_XDR_SHXYM": ORG_A, "XK_JDRQ": "2022-06-01", "XK_XKLB": "普通"}),
    ("L1", 2, {"XK_WSH": "洪市监许〔2022〕2号", "XK_XDR_MC": "乙公司", "XK_XDR_SHXYM": ORG_B, "XK_JDRQ": "2022/05/20", "XK_XKLB": "登记"}),
    ("L1", 3, {"XK_WSH": "洪市监许〔2022〕3号", "XK_XDR_MC": "丙公司", "XK_XDR_SHXYM": ORG_C, "XK_JDRQ": "2022-13-01", "XK_XKLB": "普通"}),
    ("L1", 4, {"XK_WSH": "洪市监许〔2022〕1号", "XK_XDR_MC": "甲公司", "XK_XDR_SHXYM": ORG_A, "XK_JDRQ": "2022-06-01", "XK_XKLB": "普通"}),
    ("L1", 5, {"XK_WSH": "洪市监许〔2022〕4号", "XK_XDR_MC": "丁公司", "XK_XDR_SHXYM": ORG_C, "XK_JDRQ": "2022-06-09", "XK_XKLB": "普通"}),
    # correction of 2号 a month later (trailing full-width space: still the same record key)
    ("L2", 1, {"XK_WSH": f"洪市监许〔2022〕2号{FW}", "XK_XDR_MC": "乙公司（更正）", "XK_XDR_SHXYM": ORG_B, "XK_JDRQ": "2022-05-20", "XK_XKLB": "核准"}),
    ("M1", 1, {"XK_WSH": "武市监许〔2022〕100号", "XK_XDR_MC": "戊公司", "XK_XDR_SHXYM": ORG_A, "XK_JDRQ": "2022-06-13", "XK_XKLB": "特许"}),
    ("M1", 2, {"XK_WSH": "武市监许〔2022〕101号", "XK_XDR_MC": "己公司", "XK_XDR_SHXYM": ORG_B, "XK_JDRQ": "2022-06-15", "XK_XKLB": "特许"}),
]
PENALTY_ROWS = [
    ("P0", 1, {"CF_WSH": "江夏罚〔2022〕5号", "CF_XDR_MC": "庚公司", "CF_XDR_SHXYM": ORG_A, "CF_JDRQ": "2022-05-05", "CF_CFLB": "警告"}),
    ("P1", 1, {"CF_WSH": "江夏罚〔2022〕10号", "CF_XDR_MC": "张三", "CF_XDR_LB": "自然人", "CF_XDR_ZJLX": "身份证",
               "CF_XDR_ZJHM": f" {PERSON_ID}{FW}", "CF_JDRQ": "2022-06-02", "CF_CFLB": "警告；罚款", "CF_NR_FK": "0.2"}),
    ("P1", 2, {"CF_WSH": f"{FW}江夏罚〔2022〕11号 ", "CF_XDR_MC": "辛公司", "CF_XDR_SHXYM": ORG_B, "CF_FR_ZJHM": "42010219800101567X",
               "CF_JDRQ": "2022-05-27", "CF_CFLB": "罚款,没收违法所得", "CF_NR_FK": "1.5", "CF_NR_WFFF": "0.35"}),
    ("P1", 3, {"CF_WSH": "江夏罚〔2022〕12号", "CF_XDR_MC": "壬公司", "CF_XDR_SHXYM": ORG_C, "CF_FR_ZJHM": "A123456",
               "CF_JDRQ": "2022-05-26", "CF_CFLB": "警告"}),
    ("P1", 4, {"CF_WSH": "江夏罚〔2022〕13号", "CF_XDR_MC": "癸公司", "CF_XDR_SHXYM": ORG_A, "CF_JDRQ": "2022-06-01", "CF_CFLB": "罚款"}),
    ("P2", 1, {"CF_WSH": "江夏罚〔2022〕13号", "CF_XDR_MC": "癸公司", "CF_XDR_SHXYM": ORG_A, "CF_JDRQ": "2022-06-01", "CF_CFLB": "罚款", "CF_NR_FK": "0.5"}),
    ("P2", 2, {"CF_WSH": "江夏罚〔2022〕10号", "CF_XDR_MC": "张三", "CF_XDR_LB": "自然人", "CF_XDR_ZJLX": "身份证",
               "CF_XDR_ZJHM": PERSON_ID, "CF_JDRQ": "2022-06-02", "CF_CFLB": "警告;罚款", "CF_NR_FK": "0.3"}),
    ("M2", 1, {"CF_WSH": "武市监罚〔2022〕7号", "CF_XDR_MC": "子公司", "CF_XDR_SHXYM": ORG_B, "CF_JDRQ": "6月1日", "CF_CFLB": "警告"}),
]
# (file_id, source_row, feed, rule_id): one row per broken rule
REJECTIONS = [
    ("L1", 3, "license", "DATE_FORMAT"),
    ("L1", 4, "license", "DUPLICATE"),
    ("L1", 5, "license", "DATE_FUTURE"),
    ("P1", 4, "penalty", "FINE_AMOUNT"),
    ("P1", 4, "penalty", "REQUIRED"),     # two broken rules, one rejected row
    ("M2", 1, "penalty", "DATE_FORMAT"),
]


def _calendar_days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        yield day, chinese_calendar.is_workday(day), name, "chinesecalendar"
        day += dt.timedelta(days=1)


def _insert_feed_rows(con, feed, rows):
    units = {f[0]: (f[1], f[3]) for f in FILES}
    cols = [c for c, _ in raw_feed_columns(feed)]
    placeholders = ", ".join("?" for _ in cols)
    quoted = ", ".join(f'"{c}"' for c in cols)
    for file_id, source_row, fields in rows:
        unit_code, submitted_at = units[file_id]
        values = {"file_id": file_id, "source_row": source_row, "unit_code": unit_code,
                  "submitted_at": submitted_at, **fields}
        con.execute(f"INSERT INTO raw.{feed.table} ({quoted}) VALUES ({placeholders})",
                    [values.get(c) for c in cols])


def _build_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    create_schemas(con)
    con.executemany("INSERT INTO raw.reporting_units VALUES (?, ?, ?, ?)", UNITS)
    con.executemany("INSERT INTO raw.calendar_days VALUES (?, ?, ?, ?)",
                    list(_calendar_days(dt.date(2022, 5, 1), dt.date(2022, 7, 31))))
    _insert_feed_rows(con, LICENSE, LICENSE_ROWS)
    _insert_feed_rows(con, PENALTY, PENALTY_ROWS)
    for file_id, unit_code, feed, submitted_at, status in FILES:
        con.execute(
            "INSERT INTO audit.files (file_id, path, sha256, size_bytes, unit_code, feed, submitted_at, received_at,"
            " status) VALUES (?, ?, ?, 100, ?, ?, ?, ?, ?)",
            [file_id, f"{file_id}.csv", file_id.lower().ljust(64, "0"), unit_code, feed, submitted_at,
             "2022-06-30 20:00:00" if submitted_at is None else submitted_at, status])
    unit_of = {f[0]: f[1] for f in FILES}
    con.executemany(
        "INSERT INTO audit.rejections (file_id, source_row, unit_code, feed, rule_id, message_zh) VALUES (?, ?, ?, ?, ?, ?)",
        [(f, r, unit_of[f], feed, rule, "测试") for f, r, feed, rule in REJECTIONS])
    con.close()


def _dbt(args: list[str], target: Path):
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(args + ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
                                        "--target-path", str(target), "--log-path", str(target / "logs")])
    if not result.success:
        problems = [f"{r.node.name}: {r.status} {r.message}" for r in getattr(result.result, "results", [])
                    if str(r.status) in ("error", "fail", "skipped")]
        pytest.fail(f"dbt {args[0]} failed: {result.exception or problems}")
    return result


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dbt")
    path = tmp / "warehouse.duckdb"
    _build_warehouse(path)
    env = {"CREDIT_FEEDS_WAREHOUSE": str(path), "CREDIT_FEEDS_MASK": "4,4",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        _dbt(["build"], tmp / "target")
        _dbt(["docs", "generate"], tmp / "target")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return path, tmp / "target"


def _query(path: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(path))  # same configuration as the in-process dbt-duckdb connection
    try:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def test_schemas_are_exactly_the_contract_names(warehouse):
    path, _ = warehouse
    tables = _query(path, "SELECT table_schema, table_name FROM information_schema.tables")
    by_schema = {}
    for t in tables:
        by_schema.setdefault(t["table_schema"], set()).add(t["table_name"])
    assert set(by_schema) == {"raw", "audit", "staging", "marts"}
    assert {"fct_disclosures", "unit_monthly_quality", "monthly_overview", "dim_date", "dim_reporting_unit",
            "int_disclosures_submitted"} <= by_schema["marts"]
    assert {"stg_license", "stg_penalty", "stg_rejections", "stg_files", "stg_calendar_days",
            "stg_reporting_units"} <= by_schema["staging"]


def test_unit_monthly_quality(warehouse):
    path, _ = warehouse
    rows = _query(path, """
        SELECT strftime(report_month, '%Y-%m') AS month, unit_code, unit_name, unit_kind, feed, submitted, accepted,
               rejected, compliance_rate, timeliness_base, timely, timeliness_rate
        FROM marts.unit_monthly_quality ORDER BY month, unit_code, feed""")
    got = [tuple(r.values()) for r in rows]
    assert got == [
        ("2022-05", "jiangxia", "江夏区", "district", "penalty", 1, 1, 0, 1.0, 1, 1, 1.0),
        # 5 submitted incl. a duplicate within the file (row 4); base excludes the invalid and the future date
        ("2022-06", "hongshan", "洪山区", "district", "license", 5, 2, 3, 2 / 5, 3, 2, 2 / 3),
        # P1 row 4 broke two rules (one rejected row); P1 row 3 is 8 working days late; P2 corrections count
        ("2022-06", "jiangxia", "江夏区", "district", "penalty", 6, 5, 1, 5 / 6, 6, 5, 5 / 6),
        ("2022-06", "market-regulation", "市市场监督管理局", "department", "license", 2, 2, 0, 1.0, 2, 2, 1.0),
        ("2022-07", "hongshan", "洪山区", "district", "license", 1, 1, 0, 1.0, 1, 0, 0.0),
        # the only row has an invalid decision date: timeliness base 0 -> NULL rate, not 0 or 1
        ("2022-07", "market-regulation", "市市场监督管理局", "department", "penalty", 1, 0, 1, 0.0, 0, 0, None),
    ]
    types = _query(path, """SELECT column_name, data_type FROM information_schema.columns
                            WHERE table_schema = 'marts' AND table_name = 'unit_monthly_quality'""")
    types = {t["column_name"]: t["data_type"] for t in types}
    assert types["report_month"] == "DATE"
    assert types["compliance_rate"] == types["timeliness_rate"] == "DOUBLE"


def test_fct_disclosures_keeps_latest_accepted_submission(warehouse):
    path, _ = warehouse
    rows = _query(path, """
        SELECT feed, doc_no, subject_code, subject_id_masked, unit_code, decision_date::VARCHAR AS decision_date,
               strftime(report_month, '%Y-%m') AS month, lag_workdays, is_timely, fine_amount_wan,
               confiscation_amount_wan, penalty_kinds, licence_kind, file_id, source_row
        FROM marts.fct_disclosures ORDER BY feed, doc_no""")
    got = {(r["feed"], r["doc_no"]): r for r in rows}
    assert len(rows) == 9  # 11 accepted rows, 2 replaced by corrections
    assert sorted(got) == sorted([
        ("license", "洪市监许〔2022〕1号"), ("license", "洪市监许〔2022〕2号"),
        ("license", "武市监许〔2022〕100号"), ("license", "武市监许〔2022〕101号"),
        ("penalty", "江夏罚〔2022〕5号"), ("penalty", "江夏罚〔2022〕10号"), ("penalty", "江夏罚〔2022〕11号"),
        ("penalty", "江夏罚〔2022〕12号"), ("penalty", "江夏罚〔2022〕13号"),
    ])
    lineage = {k: (r["file_id"], r["source_row"]) for k, r in got.items()}
    # corrections: the July resubmission of 2号 and the P2 resubmission of 10号 (natural person, no USCC)
    assert lineage[("license", "洪市监许〔2022〕2号")] == ("L2", 1)
    assert lineage[("penalty", "江夏罚〔2022〕10号")] == ("P2", 2)
    # 13号 was rejected in P1 and accepted in P2; 1号's duplicate within L1 was rejected
    assert lineage[("penalty", "江夏罚〔2022〕13号")] == ("P2", 1)
    assert lineage[("license", "洪市监许〔2022〕1号")] == ("L1", 1)

    corrected = got[("license", "洪市监许〔2022〕2号")]
    assert (corrected["month"], corrected["decision_date"], corrected["lag_workdays"], corrected["is_timely"],
            corrected["licence_kind"]) == ("2022-07", "2022-05-20", 31, False, "核准")

    lags = {k[1]: (r["lag_workdays"], r["is_timely"]) for k, r in got.items()}
    assert lags == {
        "洪市监许〔2022〕1号": (4, True),      # 06-01 -> 06-08 across the Dragon Boat holiday 06-03
        "洪市监许〔2022〕2号": (31, False),
        "武市监许〔2022〕100号": (2, True),
        "武市监许〔2022〕101号": (0, True),     # decided the day it was submitted
        "江夏罚〔2022〕5号": (3, True),         # 05-05 -> 05-09 counts the 调休 Saturday 05-07
        "江夏罚〔2022〕10号": (5, True),
        "江夏罚〔2022〕11号": (7, True),        # exactly the deadline: 06-03 is a holiday
        "江夏罚〔2022〕12号": (8, False),
        "江夏罚〔2022〕13号": (6, True),
    }

    person = got[("penalty", "江夏罚〔2022〕10号")]
    assert person["subject_code"] is None
    assert person["subject_id_masked"] == "4201**********1234" == mask(PERSON_ID)
    assert str(person["fine_amount_wan"]) == "0.300000"
    assert person["penalty_kinds"] == "警告;罚款"
    trimmed = got[("penalty", "江夏罚〔2022〕11号")]
    assert (str(trimmed["fine_amount_wan"]), str(trimmed["confiscation_amount_wan"]), trimmed["penalty_kinds"]) == (
        "1.500000", "0.350000", "罚款;没收违法所得")


def test_monthly_overview(warehouse):
    path, _ = warehouse
    rows = _query(path, "SELECT * FROM marts.monthly_overview ORDER BY report_month")
    assert [r["report_month"] for r in rows] == [dt.date(2022, 5, 1), dt.date(2022, 6, 1), dt.date(2022, 7, 1)]
    may, june, july = rows
    assert may == {
        "report_month": dt.date(2022, 5, 1),
        "disclosures_submitted": 1, "disclosures_accepted": 1, "disclosures_compliance_rate": 1.0,
        "disclosures_timely": 1, "disclosures_timeliness_base": 1, "disclosures_timeliness_rate": 1.0,
        # no licence this month: rates are NULL, counts 0
        "license_submitted": 0, "license_accepted": 0, "license_compliance_rate": None,
        "license_timely": 0, "license_timeliness_base": 0, "license_timeliness_rate": None,
        "penalty_submitted": 1, "penalty_accepted": 1, "penalty_compliance_rate": 1.0,
        "penalty_timely": 1, "penalty_timeliness_base": 1, "penalty_timeliness_rate": 1.0,
        "units_reporting": 1,
        "files_received": 1, "files_loaded": 1, "files_duplicate": 0, "files_quarantined": 0,
    }
    assert june == {
        "report_month": dt.date(2022, 6, 1),
        "disclosures_submitted": 13, "disclosures_accepted": 9, "disclosures_compliance_rate": 9 / 13,
        "disclosures_timely": 9, "disclosures_timeliness_base": 11, "disclosures_timeliness_rate": 9 / 11,
        "license_submitted": 7, "license_accepted": 4, "license_compliance_rate": 4 / 7,
        "license_timely": 4, "license_timeliness_base": 5, "license_timeliness_rate": 4 / 5,
        "penalty_submitted": 6, "penalty_accepted": 5, "penalty_compliance_rate": 5 / 6,
        "penalty_timely": 5, "penalty_timeliness_base": 6, "penalty_timeliness_rate": 5 / 6,
        "units_reporting": 3,
        "files_received": 6, "files_loaded": 4, "files_duplicate": 1, "files_quarantined": 1,
    }
    assert july == {
        "report_month": dt.date(2022, 7, 1),
        "disclosures_submitted": 2, "disclosures_accepted": 1, "disclosures_compliance_rate": 0.5,
        "disclosures_timely": 0, "disclosures_timeliness_base": 1, "disclosures_timeliness_rate": 0.0,
        "license_submitted": 1, "license_accepted": 1, "license_compliance_rate": 1.0,
        "license_timely": 0, "license_timeliness_base": 1, "license_timeliness_rate": 0.0,
        "penalty_submitted": 1, "penalty_accepted": 0, "penalty_compliance_rate": 0.0,
        "penalty_timely": 0, "penalty_timeliness_base": 0, "penalty_timeliness_rate": None,
        "units_reporting": 2,
        # Q2 has no time in its name: received 2022-06-30 20:00 UTC = July in Beijing
        "files_received": 3, "files_loaded": 2, "files_duplicate": 0, "files_quarantined": 1,
    }


def test_staging_trims_parses_and_masks(warehouse):
    path, _ = warehouse
    rows = _query(path, """SELECT doc_no, legal_rep_id_masked, decision_date FROM staging.stg_penalty
                           WHERE file_id = 'P1' ORDER BY source_row""")
    assert rows[1]["doc_no"] == "江夏罚〔2022〕11号"
    # the macro masks as identifiers.mask does: first 4 / last 4 kept; a short number is all stars
    assert rows[1]["legal_rep_id_masked"] == "4201**********567X" == mask("42010219800101567X")
    assert rows[2]["legal_rep_id_masked"] == "*******" == mask("A123456")
    lic = _query(path, "SELECT source_row, decision_date FROM staging.stg_license WHERE file_id = 'L1' ORDER BY 1")
    assert [r["decision_date"] for r in lic] == [
        dt.date(2022, 6, 1), dt.date(2022, 5, 20), None, dt.date(2022, 6, 1), dt.date(2022, 6, 9)]
    # personal data stays unmasked only in raw
    masked_anywhere = _query(path, """SELECT count(*) AS n FROM marts.fct_disclosures
                                      WHERE subject_id_masked LIKE '%%19900101%%'""")
    assert masked_anywhere == [{"n": 0}]


def test_docs_catalog_covers_the_marts(warehouse):
    import json

    _, target = warehouse
    catalog = json.loads((target / "catalog.json").read_text())
    names = {node["metadata"]["name"] for node in catalog["nodes"].values()}
    assert {"fct_disclosures", "unit_monthly_quality", "monthly_overview", "dim_date"} <= names
    assert (target / "index.html").exists()


# --- the project is checked against the feed registry (style.md: a feed is described once) ---------------

def test_feed_deadlines_var_matches_registry():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["feed_deadlines"] == {f.name: f.deadline_workdays for f in FEEDS.values()}


@pytest.mark.parametrize("feed", [LICENSE, PENALTY], ids=lambda f: f.name)
def test_staging_yaml_maps_every_field_of_the_feed(feed):
    spec = yaml.safe_load((PROJECT_DIR / "models" / "staging" / "_staging.yml").read_text())
    model = next(m for m in spec["models"] if m["name"] == f"stg_{feed.table}")
    mapped = [c["config"]["meta"]["source_field"] for c in model["columns"] if "config" in c]
    assert mapped == feed.codes
    for column in model["columns"]:
        if "config" in column:
            assert feed.by_code[column["config"]["meta"]["source_field"]].name_zh in column["description"]


@pytest.mark.parametrize("model", ["stg_license", "stg_penalty", "stg_rejections", "stg_files", "stg_calendar_days",
                                   "stg_reporting_units", "stg_platforms", "dim_date", "dim_reporting_unit",
                                   "int_disclosures_submitted", "fct_disclosures", "unit_monthly_quality",
                                   "monthly_overview"])
def test_every_column_is_documented(warehouse, model):
    path, _ = warehouse
    documented = {}
    for yml in (PROJECT_DIR / "models").rglob("*.yml"):
        for m in yaml.safe_load(yml.read_text()).get("models", []):
            documented[m["name"]] = [c["name"] for c in m["columns"] if c.get("description")]
    actual = [r["column_name"] for r in _query(path, f"""
        SELECT column_name FROM information_schema.columns WHERE table_name = '{model}' ORDER BY ordinal_position""")]
    assert documented[model] == actual


@pytest.mark.parametrize("feed", [LICENSE, PENALTY], ids=lambda f: f.name)
def test_sources_yaml_documents_every_raw_column(feed):
    spec = yaml.safe_load((PROJECT_DIR / "models" / "sources.yml").read_text())
    raw = next(s for s in spec["sources"] if s["name"] == "raw")
    table = next(t for t in raw["tables"] if t["name"] == feed.table)
    assert [c["name"] for c in table["columns"]] == [c for c, _ in raw_feed_columns(feed)]

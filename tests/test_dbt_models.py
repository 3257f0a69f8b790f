"""The dbt project on a real DuckDB warehouse: `dbt build` (models, data tests, unit tests) then exact figures.

A handful of raw rows of every feed covers the metrics of warehouse.md: rejected rows and duplicates-within-file
count as submitted; a correction replaces the earlier accepted row in the facts (by the feed's record key); the
working-day lag follows the real 2022 calendar (Labour Day 调休 Saturday 2022-05-07 is a working day, Dragon Boat
2022-06-03 is not); rates are NULL when their denominator is 0; personal ID numbers are masked; missing document
numbers are suspected concealment, whatever bracket or digit width the number was written with.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import chinese_calendar
import duckdb
import pytest
import yaml

from credit_feeds.feeds import AMOUNT, COMMITMENT_TYPE_SYNONYMS, DATE, FEEDS, ID_NO, LICENSE, PENALTY
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
    # the other feeds (rows in OTHER_FEED_ROWS); PL1 is a platform export: its lines name their feeds and units
    ("E1", "hongshan", "enforcement", "2022-06-08 10:00:00", "loaded"),
    ("O1", "jiangxia", "other-action", "2022-06-09 10:00:00", "loaded"),
    ("I1", "market-regulation", "inspection", "2022-06-20 10:00:00", "loaded"),
    ("PL1", None, None, "2022-06-15 09:00:00", "loaded"),
    ("CN1", "hongshan", "commitment", "2022-06-10 10:00:00", "loaded"),
    ("CN2", "hongshan", "commitment", "2022-07-04 10:00:00", "loaded"),
    ("LY1", "jiangxia", "fulfilment", "2022-06-13 10:00:00", "loaded"),
    ("LY2", "jiangxia", "fulfilment", "2022-07-06 10:00:00", "loaded"),
    ("PJ1", "market-regulation", "grading", "2022-06-21 10:00:00", "loaded"),
    ("JC1", "market-regulation", "basic-info", "2022-06-22 10:00:00", "loaded"),
    ("AL1", "jiangxia", "joint-case", "2022-06-23 10:00:00", "loaded"),
    ("XC1", "hongshan", "publicity", "2022-06-24 10:00:00", "loaded"),
]

FW = "\u3000"  # full-width space, trimmed like any white space (rules.md)
PERSON_ID = "420102199001011234"
ORG_A, ORG_B, ORG_C = "91420100MA4K1234X1", "91420100MA4K5678Y2", "91420100MA4K9999Z3"
# issuing authorities (许可机关 / 处罚机关): each numbers its documents in a series (suspected concealment)
AUTH_HS, AUTH_JX, AUTH_M = "11420111MB0000011A", "11420115MB0000022B", "11420100MB0000033C"
AUTHORITY_OF_FILE = {  # file_id -> (authority code, name) written on each of its license / penalty rows
    "L1": (AUTH_HS, "洪山区市场监督管理局"), "L2": (AUTH_HS, "洪山区市场监督管理局"),
    "P0": (AUTH_JX, "江夏区市场监督管理局"), "P1": (AUTH_JX, "江夏区市场监督管理局"), "P2": (AUTH_JX, "江夏区市场监督管理局"),
    "M1": (AUTH_M, "市市场监督管理局"), "M2": (AUTH_M, "市市场监督管理局"),
}

# (file_id, source_row, fields): fields by field code; decision dates as sent.
LICENSE_ROWS = [
    ("L1", 1, {"XK_WSH": "洪市监许〔2022〕1号", "XK_XDR_MC": "甲公司", "XK_XDR_SHXYM": ORG_A, "XK_JDRQ": "2022-06-01", "XK_XKLB": "普通"}),
    ("L1", 2, {"XK_WSH": "洪市监许〔2022〕2号", "XK_XDR_MC": "乙公司", "XK_XDR_SHXYM": ORG_B, "XK_JDRQ": "2022/05/20", "XK_XKLB": "登记"}),
    ("L1", 3, {"XK_WSH": "洪市监许〔2022〕3号", "XK_XDR_MC": "丙公司", "XK_XDR_SHXYM": ORG_C, "XK_JDRQ": "2022-13-01", "XK_XKLB": "普通"}),
    ("L1", 4, {"XK_WSH": "洪市监许〔2022〕1号", "XK_XDR_MC": "甲公司", "XK_XDR_SHXYM": ORG_A, "XK_JDRQ": "2022-06-01", "XK_XKLB": "普通"}),
    # rejected (DATE_FUTURE) but received: its number, written with （） and full-width digits, is 6
    ("L1", 5, {"XK_WSH": "洪市监许（２０２２）６号", "XK_XDR_MC": "丁公司", "XK_XDR_SHXYM": ORG_C, "XK_JDRQ": "2022-06-09", "XK_XKLB": "普通"}),
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
    ("P1", 4, {"CF_WSH": "江夏罚[2022]13号", "CF_XDR_MC": "癸公司", "CF_XDR_SHXYM": ORG_A, "CF_JDRQ": "2022-06-01", "CF_CFLB": "罚款"}),
    ("P2", 1, {"CF_WSH": "江夏罚〔2022〕13号", "CF_XDR_MC": "癸公司", "CF_XDR_SHXYM": ORG_A, "CF_JDRQ": "2022-06-01", "CF_CFLB": "罚款", "CF_NR_FK": "0.5"}),
    ("P2", 2, {"CF_WSH": "江夏罚〔2022〕10号", "CF_XDR_MC": "张三", "CF_XDR_LB": "自然人", "CF_XDR_ZJLX": "身份证",
               "CF_XDR_ZJHM": PERSON_ID, "CF_JDRQ": "2022-06-02", "CF_CFLB": "警告;罚款", "CF_NR_FK": "0.3"}),
    ("M2", 1, {"CF_WSH": "武市监罚字第7号", "CF_XDR_MC": "子公司", "CF_XDR_SHXYM": ORG_B, "CF_JDRQ": "6月1日", "CF_CFLB": "警告"}),
]

def _action(doc_no, subject, code, decided, **more):
    return {"XZ_WSH": doc_no, "XZ_XDR_MC": subject, "XZ_XDR_SHXYM": code, "XZ_JDRQ": decided, "XZ_NR": "内容", **more}


def _commitment(no, kind, subject, code):
    return {"CN_BH": no, "CN_LX": kind, "CN_ZTMC": subject, "CN_SHXYM": code, "CN_SX": "承诺事项", "CN_RQ": "2022-06-01",
            "CN_SLJG": "洪山区政务服务中心", "CN_SLJGDM": AUTH_HS}


def _fulfilment(no, code, result, checked):
    return {"LY_CNBH": no, "LY_SHXYM": code, "LY_JG": result, "LY_RQ": checked, "LY_HCJG": "洪山区信用办"}


def _grading(subject, code, grade):
    return {"PJ_ZTMC": subject, "PJ_SHXYM": code, "PJ_LY": "市场监管", "PJ_DJ": grade, "PJ_RQ": "2022-06-01",
            "PJ_YXQZ": "2024-05-31", "PJ_JG": "市市场监督管理局"}


def _case(subject, code, kind, measures, day, effect=None):
    return {"AL_ZTMC": subject, "AL_SHXYM": code, "AL_LB": kind, "AL_MDLX": "严重失信主体名单" if kind == "失信惩戒" else "红名单",
            "AL_CS": measures, "AL_BM": "江夏区发展和改革局", "AL_RQ": day, "AL_XG": effect}


# the other twelve feeds: feed -> [(file_id, source_row, fields)]; a field "unit_code" overrides the file's unit
# (platform export lines name their own units)
OTHER_FEED_ROWS = {
    "enforcement": [
        ("E1", 1, _action("洪强〔2022〕1号", "甲公司", ORG_A, "2022-05-26")),   # 8 working days: within 14
        ("E1", 2, _action("洪强〔2022〕2号", "乙公司", ORG_B, "2022-05-06")),   # late
        ("E1", 3, _action("洪强〔2022〕3号", "丙公司", ORG_C, "2022-06-01", XZ_NR=None)),  # rejected, still timely
    ],
    "other-action": [
        ("O1", 1, _action("江征〔2022〕1号", "甲公司", ORG_A, "2022-06-01", XZ_XWLB="行政征收")),
        ("O1", 2, _action("江补〔2022〕1号", "乙公司", ORG_B, "2022-06-02", XZ_XWLB="行政补偿")),
        ("O1", 3, _action("江给〔2022〕1号", "丙公司", ORG_C, "2022-06-02", XZ_XWLB="行政奖励")),   # ENUM
    ],
    "inspection": [
        ("I1", 1, _action("武市监查〔2022〕1号", "李四", None, "2022-06-01", XZ_XDR_LB="自然人", XZ_XDR_ZJLX="身份证",
                          XZ_XDR_ZJHM=PERSON_ID)),
        ("I1", 2, _action("武市监查〔2022〕2号", "甲公司", ORG_A, "2022-05-20")),   # 20 working days: late
    ],
    "confirmation": [("PL1", 1, _action("洪确〔2022〕1号", "甲公司", ORG_A, "2022-06-14", unit_code="hongshan"))],
    "adjudication": [("PL1", 2, _action("江裁〔2022〕1号", "乙公司", ORG_B, "2022-06-30", unit_code="jiangxia"))],
    "reward": [("PL1", 3, _action("武奖〔2022〕1号", "丙公司", ORG_C, "2022-06-01", unit_code="market-regulation"))],
    "commitment": [
        ("CN1", 1, _commitment("HS-CN-001", "主动型", "甲公司", ORG_A)),
        ("CN1", 2, _commitment("HS-CN-002", "信用修复型", "乙公司", ORG_B)),
        ("CN1", 3, _commitment("HS-CN-003", "其他", "丙公司", "91420100MA4K9999Z0")),   # USCC_CHECKSUM
        ("CN2", 1, _commitment("HS-CN-002", "容缺受理型", "乙公司（更正）", ORG_B)),      # correction in July
    ],
    "fulfilment": [
        ("LY1", 1, _fulfilment("HS-CN-001", ORG_A, "已履约", "2022-06-10")),
        ("LY1", 2, _fulfilment("HS-CN-001", ORG_A, "已履约", "2022-06-10")),          # DUPLICATE in the file
        ("LY1", 3, _fulfilment("HS-CN-002", ORG_B, "部分履约", "2022-06-11")),
        ("LY2", 1, _fulfilment("HS-CN-002 ", ORG_B, "部分履约", "2022/06/11")),       # the same record again
    ],
    "grading": [
        ("PJ1", 1, _grading("甲公司", ORG_A, "A")),
        ("PJ1", 2, _grading("乙公司", ORG_B, "D")),
        ("PJ1", 3, _grading("丙公司", ORG_C, "E")),                                    # ENUM
    ],
    "basic-info": [
        ("JC1", 1, {"JC_ZTMC": "甲公司", "JC_SHXYM": ORG_A, "JC_FRDB": "王五", "JC_CLRQ": "2015-03-02", "JC_ZCZB": "100.5",
                    "JC_DZ": "武汉市洪山区珞喻路1号", "JC_DJJG": "武汉市市场监督管理局"}),
        ("JC1", 2, {"JC_ZTMC": "乙公司", "JC_SHXYM": ORG_B, "JC_FRDB": "赵六", "JC_CLRQ": "2015-02-30",       # DATE_FORMAT
                    "JC_DZ": "武汉市江夏区文化大道2号", "JC_DJJG": "武汉市市场监督管理局"}),
    ],
    "joint-case": [
        ("AL1", 1, _case("甲公司", ORG_A, "失信惩戒", "限制参与政府采购", "2022-06-20")),
        ("AL1", 2, _case("乙公司", ORG_B, "失信惩戒", "欠缴物业费", "2022-06-20")),       # PROHIBITED_MATTER
        ("AL1", 3, _case("丙公司", ORG_C, "守信激励", "容缺受理、优先办理", "2022-06-21", "节省办事时间3天")),
    ],
    "publicity": [
        ("XC1", 1, {"XC_MT": "长江日报", "XC_BT": "洪山区开展诚信宣传周活动", "XC_WZ": "https://example.cn/a", "XC_RQ": "2022-06-18"}),
        ("XC1", 2, {"XC_MT": "洪山发布", "XC_BT": "诚信兴商", "XC_WZ": "www.example.cn/b", "XC_RQ": "2022-06-19"}),    # URL
    ],
}
PLATFORMS = [
    ("hs-approval", "洪山区行政审批系统", "hongshan", "2022-05-10"),
    ("jx-enforcement", "江夏区行政执法系统", "jiangxia", "2022-06-20"),
    ("m-licensing", "市市场监管许可系统", "market-regulation", "2022-07-01"),
]

# (file_id, source_row, feed, rule_id): one row per broken rule
REJECTIONS = [
    ("L1", 3, "license", "DATE_FORMAT"),
    ("L1", 4, "license", "DUPLICATE"),
    ("L1", 5, "license", "DATE_FUTURE"),
    ("P1", 4, "penalty", "FINE_AMOUNT"),
    ("P1", 4, "penalty", "REQUIRED"),     # two broken rules, one rejected row
    ("M2", 1, "penalty", "DATE_FORMAT"),
    ("E1", 3, "enforcement", "REQUIRED"),
    ("O1", 3, "other-action", "ENUM"),
    ("PL1", 2, "adjudication", "DATE_FUTURE"),
    ("CN1", 3, "commitment", "USCC_CHECKSUM"),
    ("LY1", 2, "fulfilment", "DUPLICATE"),
    ("PJ1", 3, "grading", "ENUM"),
    ("JC1", 2, "basic-info", "DATE_FORMAT"),
    ("AL1", 2, "joint-case", "PROHIBITED_MATTER"),
    ("XC1", 2, "publicity", "URL"),
]


def _workday_lag(decided: str, submitted: str) -> int:
    """Working days d with decided < d <= submission day, straight from chinesecalendar (warehouse.md)."""
    day, last = dt.date.fromisoformat(decided), dt.date.fromisoformat(submitted[:10])
    lag = 0
    while day < last:
        day += dt.timedelta(days=1)
        lag += chinese_calendar.is_workday(day)
    return lag


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
    con.executemany("INSERT INTO raw.platforms VALUES (?, ?, ?, ?)", PLATFORMS)
    for feed, rows in ((LICENSE, LICENSE_ROWS), (PENALTY, PENALTY_ROWS)):
        code, name = feed.authority_code_field, feed.authority_name_field
        _insert_feed_rows(con, feed, [(f, r, {code: AUTHORITY_OF_FILE[f][0], name: AUTHORITY_OF_FILE[f][1], **x})
                                      for f, r, x in rows])
    for feed, rows in OTHER_FEED_ROWS.items():
        _insert_feed_rows(con, FEEDS[feed], rows)
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
            "int_disclosures_submitted", "int_rows_submitted", "int_doc_numbers", "fct_admin_actions",
            "fct_commitments", "fct_commitment_fulfilment", "fct_grading_results", "fct_joint_cases",
            "fct_basic_info", "fct_publicity_activities", "dim_platform", "suspected_concealment",
            "unparsed_doc_numbers"} <= by_schema["marts"]
    assert {"stg_rejections", "stg_files", "stg_calendar_days", "stg_reporting_units", "stg_platforms"} | {
        f"stg_{feed.table}" for feed in FEEDS.values()} <= by_schema["staging"]


def test_unit_monthly_quality(warehouse):
    path, _ = warehouse
    rows = _query(path, """
        SELECT strftime(report_month, '%Y-%m') AS month, unit_code, unit_name, unit_kind, feed, submitted, accepted,
               rejected, compliance_rate, timeliness_base, timely, timeliness_rate
        FROM marts.unit_monthly_quality WHERE feed IN ('license', 'penalty') ORDER BY month, unit_code, feed""")
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


def _other_feed_columns(counts: dict[str, tuple[int, int]]) -> dict[str, int]:
    """<feed table>_submitted / _accepted of monthly_overview for the feeds other than license and penalty."""
    out = {}
    for feed in FEEDS.values():
        if feed.name not in ("license", "penalty"):
            submitted, accepted = counts.get(feed.table, (0, 0))
            out[f"{feed.table}_submitted"], out[f"{feed.table}_accepted"] = submitted, accepted
    return out


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
        **_other_feed_columns({}),
        "five_kinds_submitted": 0, "five_kinds_accepted": 0,
        "platforms_connected": 1, "platforms_new": 1, "suspected_concealment_rows": 0,
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
        # 10 files of the other feeds (one a platform export)
        "files_received": 16, "files_loaded": 14, "files_duplicate": 1, "files_quarantined": 1,
        **_other_feed_columns({"enforcement": (3, 2), "confirmation": (1, 1), "adjudication": (1, 0),
                               "reward": (1, 1), "inspection": (2, 2), "other_action": (3, 2),
                               "commitment": (3, 2), "fulfilment": (3, 2), "grading": (3, 2), "basic_info": (2, 1),
                               "joint_case": (3, 2), "publicity": (2, 1)}),
        "five_kinds_submitted": 8, "five_kinds_accepted": 6,
        # 江夏罚〔2022〕6–9号 are missing, last received in June
        "platforms_connected": 2, "platforms_new": 1, "suspected_concealment_rows": 4,
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
        "files_received": 5, "files_loaded": 4, "files_duplicate": 0, "files_quarantined": 1,
        **_other_feed_columns({"commitment": (1, 1), "fulfilment": (1, 1)}),
        "five_kinds_submitted": 0, "five_kinds_accepted": 0,
        # 洪市监许〔2022〕4–5号 are missing, the series' last row (the correction L2) came in July
        "platforms_connected": 3, "platforms_new": 1, "suspected_concealment_rows": 2,
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
    assert {"fct_disclosures", "unit_monthly_quality", "monthly_overview", "dim_date", "fct_admin_actions",
            "suspected_concealment", "dim_platform", "stg_other_action"} <= names
    assert (target / "index.html").exists()


# --- the project is checked against the feed registry (style.md: a feed is described once) ---------------

def test_feed_deadlines_var_matches_registry():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["feed_deadlines"] == {f.name: f.deadline_workdays for f in FEEDS.values()}


def test_action_types_and_commitment_synonyms_match_registry():
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["vars"]["action_types"] == {f.name: f.action_type for f in FEEDS.values() if f.action_type}
    assert project["vars"]["commitment_type_synonyms"] == COMMITMENT_TYPE_SYNONYMS


def _model_specs() -> dict[str, dict]:
    specs = {}
    for yml in (PROJECT_DIR / "models").rglob("*.yml"):
        for m in yaml.safe_load(yml.read_text()).get("models", []):
            specs[m["name"]] = m
    return specs


# stage_fields() builds each feed's staging SELECT from these YAML lists: they must be the registry's fields
PARSE_OF_KIND = {DATE: "date", AMOUNT: "amount", ID_NO: "masked_id"}


@pytest.mark.parametrize("feed", FEEDS.values(), ids=lambda f: f.name)
def test_staging_yaml_maps_every_field_of_the_feed(feed):
    model = _model_specs()[f"stg_{feed.table}"]
    fields = [c for c in model["columns"] if "config" in c]
    assert [c["config"]["meta"]["source_field"] for c in fields] == feed.codes
    for column in fields:
        field = feed.by_code[column["config"]["meta"]["source_field"]]
        assert column["config"]["meta"].get("parse") == PARSE_OF_KIND.get(field.kind), column["name"]
        assert field.name_zh in column["description"] and field.code in column["description"]
    lineage = ["feed", "file_id", "source_row", "unit_code", "submitted_at"]
    assert [c["name"] for c in model["columns"]] == lineage + [c["name"] for c in fields] + ["extra"]


MODELS = sorted(p.stem for p in (PROJECT_DIR / "models").rglob("*.sql"))


@pytest.mark.parametrize("model", MODELS)
def test_every_column_is_documented(warehouse, model):
    path, _ = warehouse
    documented = {name: [c["name"] for c in m["columns"] if c.get("description")] for name, m in _model_specs().items()}
    actual = [r["column_name"] for r in _query(path, f"""
        SELECT column_name FROM information_schema.columns WHERE table_name = '{model}' ORDER BY ordinal_position""")]
    assert documented[model] == actual
    assert _model_specs()[model].get("description")


@pytest.mark.parametrize("feed", FEEDS.values(), ids=lambda f: f.name)
def test_sources_yaml_documents_every_raw_column(feed):
    spec = yaml.safe_load((PROJECT_DIR / "models" / "sources.yml").read_text())
    raw = next(s for s in spec["sources"] if s["name"] == "raw")
    table = next(t for t in raw["tables"] if t["name"] == feed.table)
    assert [c["name"] for c in table["columns"]] == [c for c, _ in raw_feed_columns(feed)]
    for column in table["columns"]:
        if column["name"] in feed.by_code:
            assert column["description"].startswith(feed.by_code[column["name"]].name_zh)
    assert feed.name_zh in table["description"]


# warehouse.md: a later accepted row with the same record key replaces the earlier one; the key is feeds.py
# key_fields (the whole row of field values when empty). Each fact declares its key as a uniqueness test.
FACT_OF_FEED = {"license": "fct_disclosures", "penalty": "fct_disclosures", "enforcement": "fct_admin_actions",
                "confirmation": "fct_admin_actions", "adjudication": "fct_admin_actions", "reward": "fct_admin_actions",
                "inspection": "fct_admin_actions", "other-action": "fct_admin_actions", "commitment": "fct_commitments",
                "fulfilment": "fct_commitment_fulfilment", "grading": "fct_grading_results",
                "basic-info": "fct_basic_info", "joint-case": "fct_joint_cases",
                "publicity": "fct_publicity_activities"}


@pytest.mark.parametrize("feed", FEEDS.values(), ids=lambda f: f.name)
def test_fact_record_key_is_the_registry_key(feed):
    specs = _model_specs()
    column_of = {c["config"]["meta"]["source_field"]: c["name"]
                 for c in specs[f"stg_{feed.table}"]["columns"] if "config" in c}
    key = [column_of[code] for code in (feed.key_fields or feed.codes)]
    fact = FACT_OF_FEED[feed.name]
    if sum(f == fact for f in FACT_OF_FEED.values()) > 1:
        key = ["feed", *key]   # a fact of several feeds keys each feed apart
    declared = [t["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
                for t in specs[fact].get("data_tests", []) if "unique_combination_of_columns" in t]
    declared += [[c["name"]] for c in specs[fact]["columns"] if "unique" in (c.get("data_tests") or [])]
    assert key in declared


# --- every feed: quality, facts, platforms, suspected concealment ------------------------------------------------

def _submitted_at(file_id: str) -> str:
    return next(f[3] for f in FILES if f[0] == file_id)


def test_unit_monthly_quality_covers_every_feed(warehouse):
    path, _ = warehouse
    rows = _query(path, """
        SELECT strftime(report_month, '%Y-%m') AS month, unit_code, feed, submitted, accepted, rejected,
               compliance_rate, timeliness_base, timely, timeliness_rate
        FROM marts.unit_monthly_quality WHERE feed NOT IN ('license', 'penalty') ORDER BY month, unit_code, feed""")
    got = [tuple(r.values()) for r in rows]
    assert got == [
        # the rejected enforcement row is in time (5 working days) and counts in the timeliness base
        ("2022-06", "hongshan", "commitment", 3, 2, 1, 2 / 3, None, None, None),
        ("2022-06", "hongshan", "confirmation", 1, 1, 0, 1.0, 1, 1, 1.0),
        ("2022-06", "hongshan", "enforcement", 3, 2, 1, 2 / 3, 3, 2, 2 / 3),
        ("2022-06", "hongshan", "publicity", 2, 1, 1, 0.5, None, None, None),
        # decided after submission (DATE_FUTURE): outside the base, so the rate is NULL, not 0
        ("2022-06", "jiangxia", "adjudication", 1, 0, 1, 0.0, 0, 0, None),
        ("2022-06", "jiangxia", "fulfilment", 3, 2, 1, 2 / 3, None, None, None),
        ("2022-06", "jiangxia", "joint-case", 3, 2, 1, 2 / 3, None, None, None),
        # other-action has no deadline
        ("2022-06", "jiangxia", "other-action", 3, 2, 1, 2 / 3, None, None, None),
        ("2022-06", "market-regulation", "basic-info", 2, 1, 1, 0.5, None, None, None),
        ("2022-06", "market-regulation", "grading", 3, 2, 1, 2 / 3, None, None, None),
        ("2022-06", "market-regulation", "inspection", 2, 2, 0, 1.0, 2, 1, 0.5),
        ("2022-06", "market-regulation", "reward", 1, 1, 0, 1.0, 1, 1, 1.0),
        ("2022-07", "hongshan", "commitment", 1, 1, 0, 1.0, None, None, None),
        ("2022-07", "jiangxia", "fulfilment", 1, 1, 0, 1.0, None, None, None),
    ]


@pytest.mark.parametrize("feed", FEEDS.values(), ids=lambda f: f.name)
def test_rows_submitted_carry_the_feeds_event_date(warehouse, feed):
    """int_rows_submitted.event_date is the registry's event_date field of the feed (feeds.py), as staged."""
    path, _ = warehouse
    column = next(c["name"] for c in _model_specs()[f"stg_{feed.table}"]["columns"]
                  if c.get("config", {}).get("meta", {}).get("source_field") == feed.event_date)
    rows = _query(path, f"""
        SELECT count(*) AS n, count(*) FILTER (WHERE r.event_date IS NOT DISTINCT FROM s.{column}) AS same
        FROM marts.int_rows_submitted AS r
        JOIN staging.stg_{feed.table} AS s USING (feed, file_id, source_row)""")
    expected = len(LICENSE_ROWS if feed is LICENSE else PENALTY_ROWS if feed is PENALTY else OTHER_FEED_ROWS[feed.name])
    assert rows == [{"n": expected, "same": expected}]


def test_fct_admin_actions(warehouse):
    path, _ = warehouse
    rows = _query(path, """
        SELECT feed, action_type, doc_no, subject_code, subject_id_masked, unit_code, decision_date::VARCHAR AS decided,
               strftime(report_month, '%Y-%m') AS month, lag_workdays, is_timely, file_id, source_row
        FROM marts.fct_admin_actions ORDER BY file_id, source_row""")
    got = {(r["file_id"], r["source_row"]): r for r in rows}
    # accepted rows only: E1/3, O1/3 and PL1/2 were rejected
    assert sorted(got) == [("E1", 1), ("E1", 2), ("I1", 1), ("I1", 2), ("O1", 1), ("O1", 2), ("PL1", 1), ("PL1", 3)]
    assert {k: (r["feed"], r["action_type"]) for k, r in got.items()} == {
        ("E1", 1): ("enforcement", "行政强制"), ("E1", 2): ("enforcement", "行政强制"),
        ("I1", 1): ("inspection", "行政监督检查"), ("I1", 2): ("inspection", "行政监督检查"),
        ("O1", 1): ("other-action", "行政征收"), ("O1", 2): ("other-action", "行政补偿"),
        ("PL1", 1): ("confirmation", "行政确认"), ("PL1", 3): ("reward", "行政奖励"),
    }
    # lag against chinesecalendar directly; the five action feeds have 14 working days, other-action none
    for (file_id, source_row), r in got.items():
        if r["feed"] == "other-action":
            assert (r["lag_workdays"], r["is_timely"]) == (None, None)
        else:
            lag = _workday_lag(r["decided"], _submitted_at(file_id))
            assert (r["lag_workdays"], r["is_timely"]) == (lag, lag <= 14), (file_id, source_row)
    assert [k for k, r in got.items() if r["is_timely"] is False] == [("E1", 2), ("I1", 2)]
    # the platform export's lines belong to the units they name
    assert (got[("PL1", 1)]["unit_code"], got[("PL1", 3)]["unit_code"]) == ("hongshan", "market-regulation")
    person = got[("I1", 1)]
    assert (person["subject_code"], person["subject_id_masked"]) == (None, mask(PERSON_ID))


def test_fct_commitments_and_fulfilment_keep_the_latest_accepted_record(warehouse):
    path, _ = warehouse
    commitments = _query(path, """
        SELECT commitment_no, commitment_type, subject_name, strftime(report_month, '%Y-%m') AS month, file_id,
               source_row
        FROM marts.fct_commitments ORDER BY commitment_no""")
    # 主动型 is stored as 主动承诺型; HS-CN-002 (信用修复型 in June) was corrected in July; HS-CN-003 was rejected
    assert [tuple(r.values()) for r in commitments] == [
        ("HS-CN-001", "主动承诺型", "甲公司", "2022-06", "CN1", 1),
        ("HS-CN-002", "容缺受理型", "乙公司（更正）", "2022-07", "CN2", 1),
    ]
    fulfilment = _query(path, """
        SELECT commitment_no, result, check_date::VARCHAR AS checked, strftime(report_month, '%Y-%m') AS month,
               file_id, source_row
        FROM marts.fct_commitment_fulfilment ORDER BY commitment_no""")
    # no record key of its own: the whole row is the key, so July's exact repeat replaces June's row
    assert [tuple(r.values()) for r in fulfilment] == [
        ("HS-CN-001", "已履约", "2022-06-10", "2022-06", "LY1", 1),
        ("HS-CN-002", "部分履约", "2022-06-11", "2022-07", "LY2", 1),
    ]


def test_other_facts_hold_the_accepted_rows(warehouse):
    path, _ = warehouse
    grading = _query(path, "SELECT subject_name, grade, valid_until::VARCHAR AS v, file_id, source_row "
                           "FROM marts.fct_grading_results ORDER BY subject_name")
    assert [tuple(r.values()) for r in grading] == [("乙公司", "D", "2024-05-31", "PJ1", 2),
                                                    ("甲公司", "A", "2024-05-31", "PJ1", 1)]
    basic = _query(path, "SELECT subject_code, legal_rep_name, established_on::VARCHAR AS est, "
                         "registered_capital_wan::VARCHAR AS capital, unit_code FROM marts.fct_basic_info")
    assert [tuple(r.values()) for r in basic] == [(ORG_A, "王五", "2015-03-02", "100.500000", "market-regulation")]
    cases = _query(path, "SELECT subject_name, case_kind, list_type, implemented_on::VARCHAR AS day, effect "
                         "FROM marts.fct_joint_cases ORDER BY subject_name")
    assert [tuple(r.values()) for r in cases] == [("丙公司", "守信激励", "红名单", "2022-06-21", "节省办事时间3天"),
                                                  ("甲公司", "失信惩戒", "严重失信主体名单", "2022-06-20", None)]
    publicity = _query(path, "SELECT unit_code, unit_name, media, title, url, activity_date::VARCHAR AS day, "
                             "strftime(report_month, '%Y-%m') AS month FROM marts.fct_publicity_activities")
    assert [tuple(r.values()) for r in publicity] == [
        ("hongshan", "洪山区", "长江日报", "洪山区开展诚信宣传周活动", "https://example.cn/a", "2022-06-18", "2022-06")]
    types = {t["column_name"]: t["data_type"] for t in _query(path, """
        SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'marts'
        AND table_name IN ('fct_admin_actions', 'fct_commitments', 'fct_publicity_activities')""")}
    assert types["report_month"] == "DATE" and types["submitted_at"] == "TIMESTAMP"


def test_dim_platform(warehouse):
    path, _ = warehouse
    rows = _query(path, "SELECT platform_code, owner_unit_code, owner_unit_name, connected_on::VARCHAR AS c, "
                        "connected_month::VARCHAR AS m FROM marts.dim_platform ORDER BY platform_code")
    assert [tuple(r.values()) for r in rows] == [
        ("hs-approval", "hongshan", "洪山区", "2022-05-10", "2022-05-01"),
        ("jx-enforcement", "jiangxia", "江夏区", "2022-06-20", "2022-06-01"),
        ("m-licensing", "market-regulation", "市市场监督管理局", "2022-07-01", "2022-07-01"),
    ]


def test_suspected_concealment(warehouse):
    """Every serial missing between an authority's smallest and largest received number is a row. Rejected rows
    count as received (洪市监许 3号 and （２０２２）６号 were rejected); so does 江夏罚[2022]13号 in square brackets.
    武市监许 100–101 has no gap; 武市监罚字第7号 does not parse and is counted apart."""
    path, _ = warehouse
    rows = _query(path, """
        SELECT authority_code, authority_name, unit_code, feed, doc_prefix, doc_year, missing_serial,
               strftime(report_month, '%Y-%m') AS month, smallest_serial, largest_serial
        FROM marts.suspected_concealment ORDER BY authority_code, missing_serial""")
    assert [tuple(r.values()) for r in rows] == [
        (AUTH_HS, "洪山区市场监督管理局", "hongshan", "license", "洪市监许", 2022, 4, "2022-07", 1, 6),
        (AUTH_HS, "洪山区市场监督管理局", "hongshan", "license", "洪市监许", 2022, 5, "2022-07", 1, 6),
    ] + [(AUTH_JX, "江夏区市场监督管理局", "jiangxia", "penalty", "江夏罚", 2022, n, "2022-06", 5, 13) for n in (6, 7, 8, 9)]
    unparsed = _query(path, "SELECT authority_code, unit_code, feed, \"rows\", strftime(report_month, '%Y-%m') "
                            "FROM marts.unparsed_doc_numbers")
    assert [tuple(r.values()) for r in unparsed] == [(AUTH_M, "market-regulation", "penalty", 1, "2022-07")]


def test_no_unmasked_id_numbers_in_any_mart(warehouse):
    path, _ = warehouse
    con = duckdb.connect(str(path))
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()]
        dumped = "\n".join(repr(con.execute(f'SELECT * FROM marts."{t}"').fetchall()) for t in tables)
    finally:
        con.close()
    assert PERSON_ID not in dumped and "42010219800101567X" not in dumped
    assert mask(PERSON_ID) in dumped

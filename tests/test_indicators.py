"""Code quality (marts.uscc_quality, 重错码率) and the monitoring indicators of seeds 000 and 004
(marts.monitoring_indicators) on a small warehouse with known data, built by a real `dbt build`.

June 2022 carries subject codes in every feed that has them: one failing code per feed (the rejection names the
feed's own subject code field, as feeds.py says), codes written with two names (重码), a code whose row was
rejected only for its *authority's* code, the 个体工商户 placeholder, a 自然人 with an ID number in the code
field and a MALFORMED_LINE row (none of these three is a code). July has a publicity activity and nothing else,
so its rates are NULL and its counts 0. Rejections are written by hand, as the validator would write them.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import re
from pathlib import Path

import duckdb
import pytest

from credit_feeds.feeds import FEEDS, INDIVIDUAL_BUSINESS_PLACEHOLDER, LICENSE
from credit_feeds.identifiers import mask, uscc_check_char
from credit_feeds.warehouse import create_schemas, raw_feed_columns
from test_dbt_models import PROJECT_DIR, _calendar_days, _dbt, _query

CATALOG = PROJECT_DIR / "seeds" / "monitoring_indicator_catalog.csv"
SEEDS_DIR = PROJECT_DIR.parents[1] / "shared" / "seeds"   # the office documents, beside the repository

UNITS = [
    ("hongshan", "洪山区", "district", "11420111MB1234567X"),
    ("jiangxia", "江夏区", "district", "11420115MB7654321Y"),
    ("market-regulation", "市市场监督管理局", "department", "11420100MB0000001A"),
]
# file_id -> (unit_code, submitted_at); PL1 is a platform export whose lines are jiangxia's
FILES = {
    "L1": ("hongshan", "2022-06-08 10:00:00"), "P1": ("jiangxia", "2022-06-10 09:00:00"),
    "E1": ("hongshan", "2022-06-08 10:00:00"), "PL1": ("jiangxia", "2022-06-15 09:00:00"),
    "I1": ("market-regulation", "2022-06-20 10:00:00"), "O1": ("jiangxia", "2022-06-09 10:00:00"),
    "CN1": ("hongshan", "2022-06-10 10:00:00"), "LY1": ("jiangxia", "2022-06-13 10:00:00"),
    "PJ1": ("market-regulation", "2022-06-21 10:00:00"), "PJ2": ("hongshan", "2022-06-21 11:00:00"),
    "JC1": ("market-regulation", "2022-06-22 10:00:00"), "AL1": ("jiangxia", "2022-06-23 10:00:00"),
    "XC1": ("hongshan", "2022-06-24 10:00:00"), "BAD": ("hongshan", "2022-06-27 10:00:00"),
    "XC2": ("hongshan", "2022-07-05 10:00:00"),
}


def _uscc(n: int) -> str:
    body = f"91420100MA4K{n:05d}"
    return body + uscc_check_char(body)


A, B, C, D, E, G, H, I, J, K, L, M, N = (_uscc(n) for n in range(1, 14))
PERSON_ID = "420102199001011234"
AUTH_HS, AUTH_JX = "11420111MB0000011A", "11420115MB0000022B"
ORG, PERSON, SHOP = "法人及非法人组织", "自然人", "个体工商户"


def _license(no, name, code, decided, kind=ORG, **more):
    return {"XK_WSH": f"洪市监许〔2022〕{no}号", "XK_XDR_MC": name, "XK_XDR_LB": kind, "XK_XDR_SHXYM": code,
            "XK_JDRQ": decided, "XK_XKJGDM": AUTH_HS, "XK_XKJG": "洪山区市场监督管理局", **more}


def _penalty(no, name, code, decided, kind=ORG, **more):
    return {"CF_WSH": f"江夏罚〔2022〕{no}号", "CF_XDR_MC": name, "CF_XDR_LB": kind, "CF_XDR_SHXYM": code,
            "CF_JDRQ": decided, "CF_CFLB": "警告", "CF_SY": "违法事实", "CF_CFJGDM": AUTH_JX, "CF_CFJG": "江夏区市场监督管理局",
            **more}


def _action(no, name, code, decided="2022-06-01", kind=ORG, **more):
    return {"XZ_WSH": no, "XZ_XDR_MC": name, "XZ_XDR_LB": kind, "XZ_XDR_SHXYM": code, "XZ_JDRQ": decided,
            "XZ_NR": "内容", **more}


def _commitment(no, kind, name, code):
    return {"CN_BH": no, "CN_LX": kind, "CN_ZTMC": name, "CN_SHXYM": code, "CN_SX": "承诺事项", "CN_RQ": "2022-06-01"}


def _grading(name, code, grade, domain):
    return {"PJ_ZTMC": name, "PJ_SHXYM": code, "PJ_DJ": grade, "PJ_LY": domain, "PJ_RQ": "2022-06-01"}


def _case(name, code, kind, measures="限制参与政府采购"):
    return {"AL_ZTMC": name, "AL_SHXYM": code, "AL_LB": kind, "AL_CS": measures, "AL_RQ": "2022-06-20"}


# feed -> [(file_id, source_row, fields)]
ROWS = {
    "license": [
        ("L1", 1, _license(1, "甲公司", A, "2022-06-01")),                    # lag 4 working days (06-03 holiday)
        ("L1", 2, _license(3, "乙公司", B, "2022-06-02")),                    # lag 3
        ("L1", 3, _license(4, "丁公司", C, "2022-05-20")),                    # late (12); its authority code failed
        ("L1", 4, _license(5, "武昌区张记小吃", INDIVIDUAL_BUSINESS_PLACEHOLDER, "2022-06-06", SHOP, XK_XDR_GSZC="4201066123")),
        ("L1", 5, _license(6, "洪山区李记饭店", INDIVIDUAL_BUSINESS_PLACEHOLDER, "2022-06-07", SHOP, XK_XDR_GSZC="4201116456")),
        ("L1", 6, _license(7, "甲公司", A, "2022-06-08")),                    # lag 0
    ],
    "penalty": [
        ("P1", 1, _penalty(1, "庚公司", D, "2022-06-01")),                    # lag 6
        ("P1", 2, _penalty(2, "张三", PERSON_ID, "2022-06-02", PERSON)),      # a natural person's ID in the code field
        ("P1", 3, _penalty(3, "辛公司", A, "2022-06-08")),                    # A's second name: 重码
        ("P1", 4, _penalty(4, "壬公司", E, "2022-05-30", CF_SY="当事人欠缴物业费")),  # PROHIBITED_MATTER, late (8)
        ("P1", 5, _penalty(5, "癸", "GARBAGE", "2022-06-08")),                # MALFORMED_LINE: cells not trusted
    ],
    "enforcement": [("E1", 1, _action("洪强〔2022〕1号", "甲公司", A))],
    "confirmation": [("PL1", 1, _action("江确〔2022〕1号", "甲公司", A)),
                     ("PL1", 2, _action("江确〔2022〕2号", "乙公司", B))],
    "adjudication": [("PL1", 3, _action("江裁〔2022〕1号", "乙公司", B)),
                     ("PL1", 4, _action("江裁〔2022〕2号", "甲公司", A)),
                     ("PL1", 5, _action("江裁〔2022〕3号", "庚公司", D))],
    "reward": [("PL1", 6, _action("江奖〔2022〕1号", "乙公司", B)),
               ("PL1", 7, _action("江奖〔2022〕2号", "亥公司", N, XZ_NR=None))],   # REQUIRED; N's second name: 重码
    "inspection": [("I1", 1, _action("武市监查〔2022〕1号", "李四", None, kind=PERSON, XZ_XDR_ZJLX="身份证",
                                     XZ_XDR_ZJHM=PERSON_ID))],
    "other-action": [("O1", 1, _action("江征〔2022〕1号", "甲公司", A, XZ_XWLB="行政征收")),
                     ("O1", 2, _action("江给〔2022〕1号", "乙公司", B, XZ_XWLB="行政给付")),
                     ("O1", 3, _action("江补〔2022〕1号", "庚公司", D, XZ_XWLB="行政补偿")),
                     ("O1", 4, _action("江奖〔2022〕9号", "丑公司", G, XZ_XWLB="行政奖励"))],    # ENUM
    "commitment": [("CN1", 1, _commitment("HS-CN-001", "主动型", "甲公司", A)),        # stored as 主动承诺型
                   ("CN1", 2, _commitment("HS-CN-002", "失信修复型", "乙公司", B)),
                   ("CN1", 3, _commitment("HS-CN-004", "容缺受理型", "甲公司", A)),
                   ("CN1", 4, _commitment("HS-CN-005", "审批替代型", "寅记", INDIVIDUAL_BUSINESS_PLACEHOLDER)),  # USCC_CHECKSUM
                   ("CN1", 5, _commitment("HS-CN-006", "行业自律型", "酉公司\u3000", M))],  # trimmed: one name
    "fulfilment": [("LY1", 1, {"LY_CNBH": "HS-CN-001", "LY_SHXYM": A, "LY_JG": "已履约", "LY_RQ": "2022-06-10"}),
                   ("LY1", 2, {"LY_CNBH": "HS-CN-002", "LY_SHXYM": B, "LY_JG": "部分履约", "LY_RQ": "2022-06-10"}),
                   ("LY1", 3, {"LY_CNBH": "HS-CN-004", "LY_SHXYM": H, "LY_JG": "未履约", "LY_RQ": "2022-06-10"})],
    "grading": [("PJ1", 1, _grading("甲公司", A, "A", "市场监管")),
                ("PJ1", 2, _grading("乙公司", B, "D", "市场监管")),
                ("PJ1", 3, _grading("卯公司", I, "B", "交通运输")),
                ("PJ1", 4, _grading("未公司", K, "E", "交通运输")),            # ENUM
                ("PJ1", 5, _grading("戌公司", N, "A", "市场监管")),
                ("PJ2", 1, _grading("辰公司", J, "C", "文化旅游"))],
    "basic-info": [("JC1", 1, {"JC_ZTMC": "甲公司", "JC_SHXYM": A, "JC_CLRQ": "2015-03-02"}),
                   ("JC1", 2, {"JC_ZTMC": "酉公司", "JC_SHXYM": M, "JC_CLRQ": "2016-03-02"})],
    "joint-case": [("AL1", 1, _case("甲公司", A, "失信惩戒")),
                   ("AL1", 2, _case("乙公司", B, "失信惩戒", "欠缴物业费")),       # PROHIBITED_MATTER
                   ("AL1", 3, _case("申公司", L, "守信激励"))],
    "publicity": [("XC1", 1, {"XC_MT": "长江日报", "XC_BT": "诚信宣传周", "XC_WZ": "https://example.cn/a", "XC_RQ": "2022-06-18"}),
                  ("XC1", 2, {"XC_MT": "洪山发布", "XC_BT": "诚信兴商", "XC_WZ": "www.example.cn/b", "XC_RQ": "2022-06-19"}),
                  ("XC2", 1, {"XC_MT": "长江日报", "XC_BT": "信用日", "XC_WZ": "https://example.cn/c", "XC_RQ": "2022-07-01"})],
}
FEEDS_WITH_CODES = [f for f in FEEDS.values() if f.subject_code_field]
# One failing code per feed with a subject code, in file BAD (one row number per feed), rejected under the feed's
# own subject code field (feeds.py): no decision date and no document number, so only the codes figures see them.
BAD_CODE = {f.name: f"91420100MA4KBAD{i:02d}X" for i, f in enumerate(FEEDS_WITH_CODES)}
for _i, _feed in enumerate(FEEDS_WITH_CODES, 1):
    _fields = {_feed.subject_code_field: BAD_CODE[_feed.name]}
    if _feed.subject_name_field:
        _fields[_feed.subject_name_field] = f"错码公司{_i}"
    ROWS[_feed.name].append(("BAD", _i, _fields))
# the license's failing code again, with another name: still one 错码, never also a 重码
ROWS["joint-case"].append(("AL1", 4, _case("另一家公司", BAD_CODE["license"], "失信惩戒")))

# (file_id, source_row, feed, rule_id, field)
REJECTIONS = [
    ("L1", 3, "license", "USCC_CHECKSUM", "XK_XKJGDM"),                  # the authority's code, not the subject's
    ("P1", 2, "penalty", "SUBJECT_ID", "CF_XDR_SHXYM"),
    ("P1", 2, "penalty", "USCC_CHECKSUM", "CF_XDR_SHXYM"),
    ("P1", 4, "penalty", "PROHIBITED_MATTER", "CF_SY"),
    ("P1", 5, "penalty", "MALFORMED_LINE", None),
    ("P1", 5, "penalty", "USCC_CHECKSUM", "CF_XDR_SHXYM"),
    ("PL1", 7, "reward", "REQUIRED", "XZ_NR"),
    ("O1", 4, "other-action", "ENUM", "XZ_XWLB"),
    ("CN1", 4, "commitment", "USCC_CHECKSUM", "CN_SHXYM"),              # the placeholder is a subject's only
    ("PJ1", 4, "grading", "ENUM", "PJ_DJ"),
    ("AL1", 2, "joint-case", "PROHIBITED_MATTER", "AL_CS"),
    ("AL1", 4, "joint-case", "USCC_CHECKSUM", "AL_SHXYM"),
    ("XC1", 2, "publicity", "URL", "XC_WZ"),
] + [("BAD", i, f.name, "USCC_CHECKSUM",
      # several failing fields of one row are listed in one rejection (validation.py)
      f"{f.subject_code_field},XK_XKJGDM" if f is LICENSE else f.subject_code_field)
     for i, f in enumerate(FEEDS_WITH_CODES, 1)]


def _build_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        _load(con)
    finally:
        con.close()


def _load(con) -> None:
    """The rows above into raw and audit (plain SQL with ? parameters: a DuckDB or PostgreSQL connection)."""
    create_schemas(con)
    con.executemany("INSERT INTO raw.reporting_units VALUES (?, ?, ?, ?)", UNITS)
    con.executemany("INSERT INTO raw.calendar_days VALUES (?, ?, ?, ?)",
                    list(_calendar_days(dt.date(2022, 5, 1), dt.date(2022, 7, 31))))
    for feed_name, rows in ROWS.items():
        feed = FEEDS[feed_name]
        cols = [c for c, _ in raw_feed_columns(feed)]
        quoted, placeholders = ", ".join(f'"{c}"' for c in cols), ", ".join("?" for _ in cols)
        for file_id, source_row, fields in rows:
            unit_code, submitted_at = FILES[file_id]
            values = {"file_id": file_id, "source_row": source_row, "unit_code": unit_code,
                      "submitted_at": submitted_at, **fields}
            con.execute(f"INSERT INTO raw.{feed.table} ({quoted}) VALUES ({placeholders})",
                        [values.get(c) for c in cols])
    for file_id, (unit_code, submitted_at) in FILES.items():
        con.execute("INSERT INTO audit.files (file_id, path, sha256, size_bytes, unit_code, submitted_at, received_at,"
                    " status) VALUES (?, ?, ?, 100, ?, ?, ?, 'loaded')",
                    [file_id, f"{file_id}.csv", file_id.lower().ljust(64, "0"), unit_code, submitted_at, submitted_at])
    con.executemany(
        "INSERT INTO audit.rejections (file_id, source_row, unit_code, feed, rule_id, field, message_zh)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(f, r, FILES[f][0], feed, rule, field, "测试") for f, r, feed, rule, field in REJECTIONS])


# the two models, everything they read, and the data tests of all of these
BUILD = ["build", "--select", "+uscc_quality", "+monitoring_indicators", "--indirect-selection", "cautious"]


@contextlib.contextmanager
def _environment(env: dict[str, str]):
    env = env | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("indicators")
    path = tmp / "warehouse.duckdb"
    _build_warehouse(path)
    with _environment({"CREDIT_FEEDS_WAREHOUSE": str(path)}):
        _dbt(BUILD, tmp / "target")
    return path


JUNE, JULY = dt.date(2022, 6, 1), dt.date(2022, 7, 1)


# --- uscc_quality --------------------------------------------------------------------------------------------

def test_uscc_quality_counts_and_rates(warehouse):
    rows = _query(warehouse, "SELECT * FROM marts.uscc_quality ORDER BY report_month")
    # June: A B C D E G H I J K L M N (C's row failed only its authority's code) and 13 failing codes, one per
    # feed with a subject code; not codes: the placeholder (license, commitment), the 自然人's ID number and the
    # MALFORMED_LINE row's cell. 重码: A and N.
    assert len(FEEDS_WITH_CODES) == 13
    assert rows == [
        {"report_month": JUNE, "codes_received": 26, "codes_failing_checksum": 13, "codes_duplicated": 2,
         "codes_in_error": 15, "checksum_error_rate": 13 / 26, "duplicate_code_rate": 2 / 26,
         "uscc_error_rate": 15 / 26},
        # only a publicity activity: nothing received, rates NULL (never 0 or 1)
        {"report_month": JULY, "codes_received": 0, "codes_failing_checksum": 0, "codes_duplicated": 0,
         "codes_in_error": 0, "checksum_error_rate": None, "duplicate_code_rate": None, "uscc_error_rate": None},
    ]


def test_uscc_error_rate_is_the_sum_of_its_two_shares(warehouse):
    [june] = _query(warehouse, "SELECT * FROM marts.uscc_quality WHERE report_month = DATE '2022-06-01'")
    assert june["uscc_error_rate"] == pytest.approx(june["checksum_error_rate"] + june["duplicate_code_rate"])
    types = {r["column_name"]: r["data_type"] for r in _query(warehouse, """
        SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = 'marts' AND table_name = 'uscc_quality'""")}
    assert types["report_month"] == "DATE"
    assert types["uscc_error_rate"] == types["checksum_error_rate"] == types["duplicate_code_rate"] == "DOUBLE"


def _codes_of_june(warehouse) -> dict[str, tuple[bool, int]]:
    """code -> (fails the checksum, number of names) for the codes uscc_quality counts in June, from the
    `per_code` step of its compiled SQL."""
    compiled = warehouse.parent / "target" / "compiled" / "credit_feeds" / "models" / "marts" / "uscc_quality.sql"
    sql = compiled.read_text()
    sql = sql.replace("select * from final", "select subject_code, fails_checksum, subject_names from per_code"
                                             " where report_month = date '2022-06-01'")
    return {r["subject_code"]: (r["fails_checksum"], r["subject_names"]) for r in _query(warehouse, sql)}


def test_which_codes_count_and_how(warehouse):
    codes = _codes_of_june(warehouse)
    # the placeholder, the natural person's ID number and the cells of a MALFORMED_LINE row are not codes
    # (staging masks an ID number wherever it is written, so look for both spellings)
    assert {INDIVIDUAL_BUSINESS_PLACEHOLDER, PERSON_ID, mask(PERSON_ID), "GARBAGE"}.isdisjoint(codes)
    # every feed's failing code is found through that feed's own subject code field (feeds.py)
    assert {code for code, (fails, _) in codes.items() if fails} == set(BAD_CODE.values())
    # C's row was rejected for its authority's code only: C itself is a good code
    assert codes[C] == (False, 1)
    # 重码: A (甲公司, 辛公司) and N (戌公司 accepted, 亥公司 rejected: received all the same); M's name with a
    # trailing full-width space is the same name; H (fulfilment) has no name
    assert {code for code, (fails, names) in codes.items() if not fails and names >= 2} == {A, N}
    assert codes[M] == (False, 1) and codes[H] == (False, 0)
    # the license's failing code also carries a second name, and is still counted once, as 错码
    assert codes[BAD_CODE["license"]] == (True, 2)


# --- monitoring_indicators -----------------------------------------------------------------------------------

# June's value of every supported measure on the data above (July: counts 0, rates NULL, one activity)
JUNE_VALUES = {
    # 双公示: license 6 + 1 failing row submitted, 5 accepted (not L1 row 3); penalty 5 + 1, 2 accepted (P1 rows 1, 3)
    "disclosure_compliance_rate": 7 / 13, "license_compliance_rate": 5 / 7, "penalty_compliance_rate": 2 / 6,
    # base: the 11 rows with a decision date; late: L1 row 3 (12 working days), P1 row 4 (8)
    "disclosure_timeliness_rate": 9 / 11, "disclosure_late_rows": 2, "disclosure_rejected_rows": 6,
    "disclosure_suspected_concealment": 1,                      # 洪市监许〔2022〕2号 between 1号 and 3号
    "collected_license": 5, "collected_penalty": 2, "collected_enforcement": 1, "collected_confirmation": 2,
    "collected_levy": 1, "collected_benefit": 1, "collected_adjudication": 3, "collected_compensation": 1,
    "collected_reward": 1, "collected_inspection": 1, "collected_commitment": 4, "collected_fulfilment": 3,
    "collected_grading": 5, "collected_basic_info": 2, "collected_joint_case": 2, "collected_total": 34,
    "uscc_error_codes": 15, "uscc_error_rate": 15 / 26,
    "publicity_activities": 1,
    "commitments_total": 4, "commitments_proactive": 1, "commitments_self_discipline": 1,
    "commitments_approval_substitute": 0,                       # its only row was rejected
    "commitments_incomplete_acceptance": 1, "commitments_repair": 1, "commitments_certification": 0,
    "commitments_other": 0,
    "grading_domains": 3, "grading_units": 2, "grading_results_total": 5,
    "grading_grade_a": 2, "grading_grade_b": 1, "grading_grade_c": 1, "grading_grade_d": 1,
    "joint_cases_total": 2, "joint_cases_reward": 1, "joint_cases_punishment": 1,
    "prohibited_matter_rows": 2,                                # P1 row 4, AL1 row 2
    "enforcement_compliance_rate": 1 / 2, "confirmation_compliance_rate": 2 / 3,
    "adjudication_compliance_rate": 3 / 4, "reward_compliance_rate": 1 / 3,
    "fulfilment_total": 3, "fulfilment_kept": 1, "fulfilment_partial": 1, "fulfilment_broken": 1,
}
JULY_VALUES = {code: (None if code.endswith("_rate") else 0.0) for code in JUNE_VALUES} | {"publicity_activities": 1}


def _catalogue() -> list[dict]:
    with CATALOG.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _indicators(warehouse, month: dt.date) -> list[dict]:
    return _query(warehouse, f"""SELECT * FROM marts.monitoring_indicators
                                 WHERE report_month = DATE '{month}' ORDER BY display_order""")


@pytest.mark.parametrize("month, expected", [(JUNE, JUNE_VALUES), (JULY, JULY_VALUES)], ids=["june", "july"])
def test_every_supported_indicator_has_its_value(warehouse, month, expected):
    rows = [r for r in _indicators(warehouse, month) if r["is_supported"]]
    got = {r["indicator_code"]: r["value"] for r in rows}
    assert got.keys() == expected.keys()
    for code, value in expected.items():
        assert got[code] == (None if value is None else pytest.approx(value)), code
    for r in rows:
        assert r["reason"] is None and r["source_model"] and r["rule"], r["indicator_code"]


def test_unsupported_indicators_have_no_value_and_a_reason(warehouse):
    rows = _indicators(warehouse, JUNE)
    unsupported = [r for r in rows if not r["is_supported"]]
    assert len(unsupported) == sum(c["is_supported"] == "false" for c in _catalogue()) > 20
    for r in unsupported:
        assert r["value"] is None and r["source_model"] is None and r["rule"] is None, r["indicator_code"]
        assert re.search(r"[\u4e00-\u9fff]", r["reason"]), r["indicator_code"]
    codes = {r["indicator_code"] for r in unsupported}
    # invented figures stay out: what the feeds do not carry
    assert {"uscc_codes_issued", "uscc_correction_rate", "disclosure_reporting_rate", "specific_info_collected",
            "serious_dishonesty_share", "credit_repairs_completed"} <= codes


def test_one_row_per_month_and_measure_of_the_catalogue(warehouse):
    catalogue = _catalogue()
    for month in (JUNE, JULY):
        rows = _indicators(warehouse, month)
        assert [(r["seed"], r["seed_item"], r["indicator_code"], r["indicator_name"], r["measure"], r["unit"])
                for r in rows] == [(c["seed"], c["seed_item"], c["indicator_code"], c["indicator_name"],
                                    c["measure"], c["unit"]) for c in catalogue]
    # the same measure in both seeds has the same value
    june = _indicators(warehouse, JUNE)
    by_code: dict[str, set] = {}
    for r in june:
        by_code.setdefault(r["indicator_code"], set()).add(r["value"])
    assert all(len(values) == 1 for values in by_code.values())


def test_rules_name_the_model_and_filter(warehouse):
    rows = {(r["seed"], r["indicator_code"]): r for r in _indicators(warehouse, JUNE)}
    license = rows[("000", "collected_license")]
    assert (license["source_model"], license["rule"]) == ("fct_disclosures", "count(*) from fct_disclosures where feed = 'license'")
    levy = rows[("000", "collected_levy")]
    assert levy["rule"] == "count(*) from fct_admin_actions where feed = 'other-action' and action_type = '行政征收'"
    assert rows[("004", "grading_domains")]["rule"] == "count(distinct domain) from fct_grading_results"
    assert rows[("000", "uscc_error_rate")]["rule"] == "uscc_error_rate from uscc_quality"
    assert rows[("004", "reward_compliance_rate")]["source_model"] == "monthly_overview"
    # each rule, run over its model for the month, gives the value back (an auditor's query)
    for r in rows.values():
        if not r["is_supported"] or r["source_model"] in ("monitoring_indicators", "stg_rejections"):
            continue   # a sum of other rows; rejections take their month from their row (int_rows_submitted)
        select, _, rest = r["rule"].partition(" from ")
        model, _, condition = rest.partition(" where ")
        sql = (f"SELECT CAST({select} AS DOUBLE) AS v FROM marts.{model} WHERE report_month = DATE '{JUNE}'"
               + (f" AND ({condition})" if condition else ""))
        assert _query(warehouse, sql)[0]["v"] == pytest.approx(r["value"]), r["rule"]


# --- the catalogue against the seeds -------------------------------------------------------------------------

ITEMS_000 = [str(n) for n in range(1, 19)]
ITEMS_004 = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五", "十六",
             "十七", "十八", "十九", "二十"]


def test_catalogue_lists_every_item_of_both_seeds_once_named():
    catalogue = _catalogue()
    for seed, items in (("000", ITEMS_000), ("004", ITEMS_004)):
        rows = [c for c in catalogue if c["seed"] == seed]
        assert list(dict.fromkeys(c["seed_item"] for c in rows)) == items
        for item in items:
            assert len({c["indicator_name"] for c in rows if c["seed_item"] == item}) == 1, (seed, item)
    assert [int(c["display_order"]) for c in catalogue] == list(range(1, len(catalogue) + 1))
    for c in catalogue:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", c["indicator_code"]), c
        assert (c["is_supported"] == "false") == bool(c["reason"]), c


@pytest.mark.skipif(not SEEDS_DIR.is_dir(), reason="the office documents (shared/seeds) are not beside the repository")
def test_catalogue_names_are_the_seeds_words():
    texts = {seed: next(SEEDS_DIR.glob(f"{seed}_*.txt")).read_text(encoding="utf-8") for seed in ("000", "004")}
    for c in _catalogue():
        text = texts[c["seed"]]
        if c["seed"] == "000":   # the 指标 column of the 落实责任清单: "<序号>\t<指标>\t"
            assert f"\n{c['seed_item']}\t{c['indicator_name']}\t" in text, c
        else:                    # "（三）统一社会信用代码纠正。" — brackets and spaces vary in the seed
            assert re.search(rf"[（(]\s*{c['seed_item']}\s*[）)]\s*{re.escape(c['indicator_name'])}。", text), c


# --- PostgreSQL ------------------------------------------------------------------------------------------------

def test_postgres_gives_the_same_figures(warehouse, postgres_server, tmp_path):
    """The same rows on PostgreSQL (profiles.yml target `postgres`; marts are built into marts_build): the two
    models and their data tests build, and every figure equals DuckDB's."""
    from credit_feeds import db

    admin = db.connect(postgres_server.url())
    admin.execute("CREATE DATABASE indicators")
    admin.close()
    url = postgres_server.url("indicators")
    con = db.connect(url)
    try:
        _load(con)
    finally:
        con.close()
    with _environment(db.dbt_target(url)[1]):
        _dbt(BUILD + ["--target", "postgres"], tmp_path / "target")
    queries = {"uscc_quality": "SELECT * FROM {schema}.uscc_quality ORDER BY report_month",
               "monitoring_indicators": "SELECT * FROM {schema}.monitoring_indicators"
                                        " ORDER BY report_month, display_order"}
    con = db.connect(url)
    try:
        for name, sql in queries.items():
            cur = con.execute(sql.format(schema="marts_build"))
            names = [d[0] for d in cur.description]
            on_postgres = [dict(zip(names, row)) for row in cur.fetchall()]
            on_duckdb = _query(warehouse, sql.format(schema="marts"))
            assert len(on_postgres) == len(on_duckdb) > 0
            for pg_row, duck_row in zip(on_postgres, on_duckdb):
                assert pg_row.keys() == duck_row.keys()
                for column, value in duck_row.items():
                    expected = pytest.approx(value) if isinstance(value, float) else value
                    assert pg_row[column] == expected, (name, column, duck_row)
    finally:
        con.close()

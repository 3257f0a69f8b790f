"""Every rule of rules.md through the real Validator (real GX): a row that breaks it and a row that does not.

Rows start from a compliant row of the feed (`valid_row`) and change one thing.
"""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest

from credit_feeds.feeds import AMOUNT, DATE, ENUM, FEEDS, ID_NO, MULTI_ENUM, URL, USCC
from credit_feeds.identifiers import id_check_char, uscc_check_char
from credit_feeds.rules import RULES
from credit_feeds.suites import suite_path
from credit_feeds.validation import Rejection, Validator

SUBMITTED = pd.Timestamp("2022-06-08 10:31:00")
USCC_OK = "91110000600037341L"
USCC_OK_2 = "91420100MA4K91XQ3" + uscc_check_char("91420100MA4K91XQ3")
USCC_A = "A1420100MA4K91XQ3" + uscc_check_char("A1420100MA4K91XQ3")
USCC_N = "N2420100MA4K91XQ3" + uscc_check_char("N2420100MA4K91XQ3")
USCC_Y = "Y1420100MA4K91XQ3" + uscc_check_char("Y1420100MA4K91XQ3")
ID_OK = "11010519491231002X"
ID_RETIRED_AREA = "11010419650315123" + id_check_char("11010419650315123")  # 宣武区, retired 2010


def valid_row(feed, n: int = 1) -> dict:
    """A compliant row of any feed, built from the registry; `n` makes its record key unique."""
    row = {}
    for f in feed.fields:
        if f.kind == ENUM:
            row[f.code] = f.values[0]
        elif f.kind == MULTI_ENUM:
            row[f.code] = "警告"
        elif f.kind == DATE:
            row[f.code] = "2022-06-01"
        elif f.kind == USCC:
            row[f.code] = USCC_OK
        elif f.kind == ID_NO:
            row[f.code] = ID_OK
        elif f.kind == AMOUNT:
            row[f.code] = "0.2"
        elif f.kind == URL:
            row[f.code] = f"https://www.example.cn/news/{n}"
        else:
            row[f.code] = f"{f.name_zh}{n}"[: f.max_length or 200]
    if feed.subject_prefix:
        p = feed.subject_prefix
        row.update({f"{p}XDR_LB": "法人及非法人组织", f"{p}FR_ZJLX": "身份证", f"{p}XDR_ZJLX": None,
                    f"{p}XDR_ZJHM": None})
    return row


def frame(feed, rows: list[dict]) -> pd.DataFrame:
    records = []
    for i, row in enumerate(rows, start=1):
        records.append({"source_row": i, "submitted_at": SUBMITTED, **row})
    return pd.DataFrame(records, columns=["source_row", "submitted_at", *feed.codes])


@pytest.fixture(scope="module")
def validator():
    return Validator()


def check(validator, feed_name: str, rows: list[dict], missing=frozenset()):
    feed = FEEDS[feed_name]
    return validator.validate(feed, frame(feed, rows), set(missing), batch_name=f"test#{feed_name}")


def rules_of(outcome) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for r in outcome.rejections:
        out.setdefault(r.source_row, set()).add(r.rule_id)
    return out


def one(outcome, row: int, rule_id: str) -> Rejection:
    found = [r for r in outcome.rejections if r.source_row == row and r.rule_id == rule_id]
    assert len(found) == 1, outcome.rejections
    return found[0]


def variant(feed_name: str, n: int = 1, **changes) -> dict:
    row = valid_row(FEEDS[feed_name], n)
    row.update(changes)
    return row


# ------------------------------------------------------------------------------------------- baseline


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_valid_rows_of_every_feed_pass(validator, feed_name):
    outcome = check(validator, feed_name, [valid_row(FEEDS[feed_name], n) for n in (1, 2, 3)])
    assert outcome.rejections == []
    assert outcome.success
    assert outcome.rows_evaluated == 3
    assert outcome.suite_name == feed_name
    assert outcome.suite_version == hashlib.sha256(suite_path(FEEDS[feed_name]).read_bytes()).hexdigest()
    assert outcome.evaluated_at.tzinfo is None
    json.loads(outcome.result_json)


def test_outcome_is_sorted_by_row_then_rule(validator):
    rows = [variant("license", 1, XK_XKLB="x", XK_WSH=None),
            variant("license", 2, XK_JDRQ="2022-13-01", XK_XKWS="名" * 201)]
    outcome = check(validator, "license", rows)
    keys = [(r.source_row, r.rule_id) for r in outcome.rejections]
    assert keys == sorted(keys) == [(1, "ENUM"), (1, "REQUIRED"), (2, "DATE_FORMAT"), (2, "LENGTH")]
    assert not outcome.success


def test_white_space_and_full_width_space_are_trimmed(validator):
    rows = [variant("license", 1, XK_XKLB="\u3000普通 ", XK_JDRQ=" 2022-06-01\t", XK_XKJGDM="\u3000" + USCC_OK),
            variant("license", 2, XK_NR=" \u3000 ")]
    outcome = check(validator, "license", rows)
    assert rules_of(outcome) == {2: {"REQUIRED"}}
    assert one(outcome, 2, "REQUIRED").field == "XK_NR"


# ------------------------------------------------------------------------------------- MISSING_COLUMN


def test_missing_required_column_rejects_every_row_and_nothing_else_on_it(validator):
    feed = FEEDS["license"]
    rows = [variant("license", 1), variant("license", 1), variant("license", 3, XK_JDRQ="2022-02-30")]
    df = frame(feed, rows).drop(columns=["XK_WSH", "XK_XKLB", "BZ"])
    outcome = validator.validate(feed, df, {"XK_WSH", "XK_XKLB", "BZ"}, batch_name="missing")
    assert rules_of(outcome) == {1: {"MISSING_COLUMN"}, 2: {"MISSING_COLUMN"}, 3: {"MISSING_COLUMN", "DATE_FORMAT"}}
    rejection = one(outcome, 1, "MISSING_COLUMN")
    assert rejection.field == "XK_WSH,XK_XKLB"
    assert rejection.message_zh.startswith(RULES["MISSING_COLUMN"])
    assert "XK_WSH（行政许可决定文书号）" in rejection.message_zh and "XK_XKLB" in rejection.message_zh
    # rows 1 and 2 share a record key, but its document number is missing: no DUPLICATE
    assert not outcome.success


def test_missing_optional_column_is_just_empty(validator):
    feed = FEEDS["penalty"]
    rows = [variant("penalty", 1, CF_CFLB="罚款", CF_NR_FK=None)]
    df = frame(feed, rows).drop(columns=["CF_NR_FK", "BZ"])
    outcome = validator.validate(feed, df, {"CF_NR_FK", "BZ"}, batch_name="optional")
    assert rules_of(outcome) == {1: {"FINE_AMOUNT"}}


# ------------------------------------------------------------------------------------------- REQUIRED


def test_required(validator):
    outcome = check(validator, "license", [variant("license", 1, XK_WSH=""), variant("license", 2)])
    assert rules_of(outcome) == {1: {"REQUIRED"}}
    rejection = one(outcome, 1, "REQUIRED")
    assert (rejection.field, rejection.value_masked) == ("XK_WSH", None)
    assert rejection.message_zh == "必填项为空：XK_WSH（行政许可决定文书号）"


def test_several_empty_required_fields_are_one_rejection(validator):
    outcome = check(validator, "license", [variant("license", 1, XK_NR=None, XK_WSH="  ", XK_ZT=None)])
    rejection = one(outcome, 1, "REQUIRED")
    assert rejection.field == "XK_WSH,XK_NR,XK_ZT"   # feed field order
    assert rejection.message_zh.startswith("必填项为空：XK_WSH（行政许可决定文书号）；XK_NR（许可内容）；XK_ZT")
    assert rules_of(outcome) == {1: {"REQUIRED"}}  # an empty enum or date field is REQUIRED's only


# ----------------------------------------------------------------------------------------------- ENUM


def test_enum(validator):
    outcome = check(validator, "license", [variant("license", 1, XK_XKLB="普通许可"), variant("license", 2, XK_XKLB="核准")])
    assert rules_of(outcome) == {1: {"ENUM"}}
    assert one(outcome, 1, "ENUM").value_masked == "普通许可"


def test_enum_synonyms_are_accepted(validator):
    rows = [variant("commitment", 1, CN_LX="主动型"), variant("commitment", 2, CN_LX="信用修复型"),
            variant("commitment", 3, CN_LX="主动")]
    assert rules_of(check(validator, "commitment", rows)) == {3: {"ENUM"}}


def test_multi_valued_penalty_kind(validator):
    rows = [variant("penalty", 1, CF_CFLB="警告;通报批评"),
            variant("penalty", 2, CF_CFLB="警告；通报批评, 罚款", CF_NR_FK="0.5"),
            variant("penalty", 3, CF_CFLB="警告，通报批评"),      # full-width comma is no separator
            variant("penalty", 4, CF_CFLB="警告;罚金"),
            variant("penalty", 5, CF_CFLB="暂扣或者吊销执照", CF_NR_ZKDX="营业执照 420100000000001")]
    outcome = check(validator, "penalty", rows)
    assert rules_of(outcome) == {3: {"ENUM"}, 4: {"ENUM"}}


# ---------------------------------------------------------------------------------------- DATE_FORMAT


@pytest.mark.parametrize("text", ["2022-02-30", "2022/6/1", "2022.06.01", "2022-06/01", "20220601", "2022年6月1日",
                                  "2022-06-01 00:00:00", "44713"])
def test_date_format_fails(validator, text):
    outcome = check(validator, "license", [variant("license", 1, XK_YXQZ=text)])
    assert rules_of(outcome) == {1: {"DATE_FORMAT"}}  # and no DATE_ORDER on the unreadable date
    assert one(outcome, 1, "DATE_FORMAT").field == "XK_YXQZ"


def test_date_format_passes(validator):
    rows = [variant("license", 1, XK_YXQZ="2022/06/01", XK_YXQZI="2099-12-31"),
            variant("license", 2, XK_JDRQ="2020-02-29", XK_YXQZ="2020/02/29", XK_YXQZI="9999/12/31")]
    assert check(validator, "license", rows).rejections == []


# ---------------------------------------------------------------------------------------- DATE_FUTURE


def test_date_future(validator):
    rows = [variant("license", 1, XK_JDRQ="2022-06-09"),
            variant("license", 2, XK_JDRQ="2022-06-08")]   # the day of submission
    outcome = check(validator, "license", rows)
    assert rules_of(outcome) == {1: {"DATE_FUTURE"}}
    rejection = one(outcome, 1, "DATE_FUTURE")
    assert (rejection.field, rejection.value_masked) == ("XK_JDRQ", "2022-06-09")


def test_unparseable_decision_date_is_not_also_in_the_future(validator):
    outcome = check(validator, "penalty", [variant("penalty", 1, CF_JDRQ="2099-02-30")])
    assert rules_of(outcome) == {1: {"DATE_FORMAT"}}


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_date_future_applies_to_every_feed(validator, feed_name):
    feed = FEEDS[feed_name]
    later = {code: "2022-07-01" for code in feed.codes if feed.by_code[code].kind == DATE}
    outcome = check(validator, feed_name, [variant(feed_name, 1, **later)])
    assert rules_of(outcome) == {1: {"DATE_FUTURE"}}
    assert one(outcome, 1, "DATE_FUTURE").field == feed.event_date


# ----------------------------------------------------------------------------------------- DATE_ORDER


def test_date_order_license(validator):
    rows = [variant("license", 1, XK_YXQZ="2022-06-01", XK_YXQZI="2022-05-31"),
            variant("license", 2, XK_YXQZ="2022-06-01", XK_YXQZI="2022-06-01")]
    outcome = check(validator, "license", rows)
    assert rules_of(outcome) == {1: {"DATE_ORDER"}}
    rejection = one(outcome, 1, "DATE_ORDER")
    assert rejection.field == "XK_YXQZI"
    assert rejection.message_zh == "日期先后顺序错误：XK_YXQZI（有效期至）早于XK_YXQZ（有效期自）"


def test_date_order_penalty_both_pairs_in_one_rejection(validator):
    rows = [variant("penalty", 1, CF_YXQ="2022-05-01", CF_GSJZQ="2022/05/02"),
            variant("penalty", 2, CF_GSJZQ=None)]
    outcome = check(validator, "penalty", rows)
    assert rules_of(outcome) == {1: {"DATE_ORDER"}}
    rejection = one(outcome, 1, "DATE_ORDER")
    assert rejection.field == "CF_YXQ,CF_GSJZQ"
    assert rejection.value_masked == "2022-05-01,2022/05/02"


def test_date_order_grading(validator):
    outcome = check(validator, "grading", [variant("grading", 1, PJ_YXQZ="2021-12-31"), variant("grading", 2)])
    assert rules_of(outcome) == {1: {"DATE_ORDER"}}


# ----------------------------------------------------------------------------------- SUBJECT_ID, LEGAL_REP


def test_subject_id(validator):
    p = "XK_"
    person = {f"{p}XDR_LB": "自然人", f"{p}XDR_SHXYM": None, f"{p}XDR_ZJLX": "身份证", f"{p}XDR_ZJHM": ID_OK,
              f"{p}FRDB": None, f"{p}FR_ZJLX": None, f"{p}FR_ZJHM": None}
    business = {f"{p}XDR_LB": "个体工商户", f"{p}FRDB": None, f"{p}FR_ZJLX": None, f"{p}FR_ZJHM": None}
    rows = [
        variant("license", 1, XK_XDR_SHXYM=None),                                           # 法人 without code
        variant("license", 2, XK_XDR_SHXYM="00000000000000000X"),                           # 法人 with placeholder
        variant("license", 3, **business, XK_XDR_SHXYM="00000000000000000X", XK_XDR_GSZC=None),
        variant("license", 4, **business, XK_XDR_SHXYM="00000000000000000X", XK_XDR_GSZC="420100600123456"),
        variant("license", 5, **business, XK_XDR_SHXYM=None, XK_XDR_GSZC="420100600123456"),
        variant("license", 6, **business, XK_XDR_SHXYM=USCC_OK_2),
        variant("license", 7, **{**person, f"{p}XDR_ZJHM": None}),                          # 自然人 without number
        variant("license", 8, **{**person, f"{p}XDR_ZJLX": None}),
        variant("license", 9, **{**person, f"{p}XDR_SHXYM": USCC_OK_2}),                    # 自然人 with a code
        variant("license", 10, **person),
    ]
    outcome = check(validator, "license", rows)
    assert rules_of(outcome) == {1: {"SUBJECT_ID"}, 2: {"SUBJECT_ID"}, 3: {"SUBJECT_ID"}, 7: {"SUBJECT_ID"},
                                 8: {"SUBJECT_ID"}, 9: {"SUBJECT_ID"}}
    assert one(outcome, 1, "SUBJECT_ID").field == "XK_XDR_SHXYM"
    assert one(outcome, 7, "SUBJECT_ID").field == "XK_XDR_ZJHM"
    assert one(outcome, 9, "SUBJECT_ID").value_masked == USCC_OK_2
    assert one(outcome, 3, "SUBJECT_ID").message_zh.startswith(RULES["SUBJECT_ID"] + "：个体工商户")


def test_subject_id_person_missing_both(validator):
    row = variant("penalty", 1, CF_XDR_LB="自然人", CF_XDR_SHXYM=None, CF_FRDB=None)
    rejection = one(check(validator, "penalty", [row]), 1, "SUBJECT_ID")
    assert rejection.field == "CF_XDR_ZJLX,CF_XDR_ZJHM"


def test_legal_rep(validator):
    rows = [variant("enforcement", 1, XZ_FRDB=None),
            variant("enforcement", 2, XZ_FRDB=None, XZ_XDR_LB="个体工商户"),
            variant("enforcement", 3)]
    outcome = check(validator, "enforcement", rows)
    assert rules_of(outcome) == {1: {"LEGAL_REP"}}
    assert one(outcome, 1, "LEGAL_REP").field == "XZ_FRDB"


# ------------------------------------------------------------------------------------------ USCC_CHECKSUM


def test_uscc_checksum(validator):
    rows = [variant("license", 1, XK_XKJGDM="91110000600037341M"),
            variant("license", 2, XK_LYDWDM="9.11100006000373E+17"),
            variant("license", 3, XK_XKJGDM="00000000000000000X"),   # the placeholder is no authority's code
            variant("license", 4, XK_XKJGDM=USCC_A, XK_LYDWDM=USCC_N, XK_XDR_SHXYM=USCC_Y),
            variant("license", 5, XK_XKJGDM="91110000600037341l", XK_LYDWDM="91110000600037341M")]
    outcome = check(validator, "license", rows)
    assert rules_of(outcome) == {1: {"USCC_CHECKSUM"}, 2: {"USCC_CHECKSUM"}, 3: {"USCC_CHECKSUM"},
                                 5: {"USCC_CHECKSUM"}}
    assert one(outcome, 5, "USCC_CHECKSUM").field == "XK_XKJGDM,XK_LYDWDM"


@pytest.mark.parametrize("feed_name", list(FEEDS))
def test_uscc_checksum_on_every_uscc_field(validator, feed_name):
    feed = FEEDS[feed_name]
    codes = [f.code for f in feed.fields if f.kind == USCC]
    if not codes:
        pytest.skip("feed has no 统一社会信用代码 field")
    outcome = check(validator, feed_name, [variant(feed_name, 1, **{c: "91110000600037341M" for c in codes})])
    assert rules_of(outcome) == {1: {"USCC_CHECKSUM"}}
    assert one(outcome, 1, "USCC_CHECKSUM").field == ",".join(codes)


# -------------------------------------------------------------------------------------------- ID_CHECKSUM


def test_id_checksum(validator):
    person = {"XK_XDR_LB": "自然人", "XK_XDR_SHXYM": None, "XK_XDR_ZJLX": "身份证"}
    rows = [variant("license", 1, **person, XK_XDR_ZJHM="110105194912310021"),
            variant("license", 2, **person, XK_XDR_ZJHM="4.20106E+17"),
            variant("license", 3, **{**person, "XK_XDR_ZJLX": "护照号"}, XK_XDR_ZJHM="E12345678"),
            variant("license", 4, XK_FR_ZJHM="42010619900230001X"),              # 30 February
            variant("license", 5, **person, XK_XDR_ZJHM=ID_RETIRED_AREA),
            variant("license", 6, XK_FR_ZJLX="外国人永久居留身份证", XK_FR_ZJHM="USA110090101001")]
    outcome = check(validator, "license", rows)
    assert rules_of(outcome) == {1: {"ID_CHECKSUM"}, 2: {"ID_CHECKSUM"}, 4: {"ID_CHECKSUM"}}
    first = one(outcome, 1, "ID_CHECKSUM")
    assert (first.field, first.value_masked) == ("XK_XDR_ZJHM", "1101**********0021")
    assert one(outcome, 2, "ID_CHECKSUM").value_masked == "4.20***E+17"
    assert one(outcome, 4, "ID_CHECKSUM").field == "XK_FR_ZJHM"


def test_id_numbers_never_leave_unmasked(validator, tmp_path):
    docs = Validator(tmp_path / "docs")
    bad, good = "110105194912310021", "11010519491231002X"
    rows = [variant("license", 1, XK_XDR_LB="自然人", XK_XDR_SHXYM=None, XK_XDR_ZJLX="身份证", XK_XDR_ZJHM=bad,
                    XK_FR_ZJHM=good),
            variant("license", 2, XK_FR_ZJHM=bad, XK_XDR_ZJHM=good, XK_XDR_ZJLX="身份证")]
    outcome = docs.validate(FEEDS["license"], frame(FEEDS["license"], rows), set(), batch_name="ids")
    index = docs.build_data_docs()
    assert index is not None and index.exists()
    for rejection in outcome.rejections:
        assert bad not in str(rejection) and good not in str(rejection)
    assert bad not in outcome.result_json and good not in outcome.result_json
    pages = [p.read_text(encoding="utf-8") for p in (tmp_path / "docs").rglob("*.html")]
    assert len(pages) >= 3 and any("ID_CHECKSUM" in p or "valid_resident_id" in p for p in pages)
    assert not any(bad in p or good in p or bad[:-4] in p for p in pages)


# ------------------------------------------------------------------ FINE_AMOUNT, CONFISCATION_AMOUNT, LICENCE_REVOKED


def test_fine_amount(validator):
    rows = [variant("penalty", 1, CF_CFLB="罚款", CF_NR_FK=None),
            variant("penalty", 2, CF_CFLB="罚款", CF_NR_FK="0"),
            variant("penalty", 3, CF_CFLB="警告;罚款", CF_NR_FK="两千元"),
            variant("penalty", 4, CF_CFLB="警告", CF_NR_FK="-1"),
            variant("penalty", 5, CF_CFLB="罚款", CF_NR_FK="1e3"),
            variant("penalty", 6, CF_CFLB="罚款", CF_NR_FK="0.2"),
            variant("penalty", 7, CF_CFLB="警告", CF_NR_FK="0"),
            variant("penalty", 8, CF_CFLB="警告", CF_NR_FK=None)]
    outcome = check(validator, "penalty", rows)
    assert rules_of(outcome) == {n: {"FINE_AMOUNT"} for n in (1, 2, 3, 4, 5)}
    assert one(outcome, 3, "FINE_AMOUNT").value_masked == "两千元"


def test_confiscation_amount(validator):
    rows = [variant("penalty", 1, CF_CFLB="没收违法所得", CF_NR_WFFF=None),
            variant("penalty", 2, CF_CFLB="警告,没收非法财物", CF_NR_WFFF="-0.1"),
            variant("penalty", 3, CF_CFLB="没收非法财物", CF_NR_WFFF="0"),
            variant("penalty", 4, CF_CFLB="警告", CF_NR_WFFF=None)]
    outcome = check(validator, "penalty", rows)
    assert rules_of(outcome) == {1: {"CONFISCATION_AMOUNT"}, 2: {"CONFISCATION_AMOUNT"}}


def test_licence_revoked(validator):
    rows = [variant("penalty", 1, CF_CFLB="吊销许可证件", CF_NR_ZKDX=None),
            variant("penalty", 2, CF_CFLB="暂扣或者吊销许可证", CF_NR_ZKDX=" "),
            variant("penalty", 3, CF_CFLB="警告;暂扣许可证件", CF_NR_ZKDX="食品经营许可证 JY14201000000001"),
            variant("penalty", 4, CF_CFLB="警告", CF_NR_ZKDX=None)]
    outcome = check(validator, "penalty", rows)
    assert rules_of(outcome) == {1: {"LICENCE_REVOKED"}, 2: {"LICENCE_REVOKED"}}


def test_empty_penalty_kind_is_required_only(validator):
    outcome = check(validator, "penalty", [variant("penalty", 1, CF_CFLB=None, CF_NR_FK=None)])
    assert rules_of(outcome) == {1: {"REQUIRED"}}


# ---------------------------------------------------------------------------------------------- DUPLICATE


def test_duplicate_record_key(validator):
    rows = [variant("license", 1), variant("license", 1, XK_NR="别的内容"), variant("license", 2),
            variant("license", 1, XK_WSH=" 行政许可决定文书号1\u3000"),        # equal once trimmed
            variant("license", 1, XK_XDR_SHXYM=USCC_OK_2)]                    # another subject
    outcome = check(validator, "license", rows)
    assert rules_of(outcome) == {2: {"DUPLICATE"}, 4: {"DUPLICATE"}}
    rejection = one(outcome, 2, "DUPLICATE")
    assert rejection.field == "XK_WSH,XK_XDR_SHXYM"
    assert rejection.value_masked == f"行政许可决定文书号1,{USCC_OK}"


def test_duplicate_persons_without_code(validator):
    person = {"XZ_XDR_LB": "自然人", "XZ_XDR_SHXYM": None, "XZ_XDR_ZJLX": "身份证", "XZ_XDR_ZJHM": ID_OK}
    rows = [variant("reward", 1, **person), variant("reward", 1, **person)]
    assert rules_of(check(validator, "reward", rows)) == {2: {"DUPLICATE"}}


def test_duplicate_with_empty_document_number_is_required_only(validator):
    rows = [variant("license", 1, XK_WSH=None), variant("license", 1, XK_WSH=None)]
    assert rules_of(check(validator, "license", rows)) == {1: {"REQUIRED"}, 2: {"REQUIRED"}}


def test_duplicate_commitment_number(validator):
    rows = [variant("commitment", 1), variant("commitment", 2, CN_BH="承诺书编号1"), variant("commitment", 3)]
    assert rules_of(check(validator, "commitment", rows)) == {2: {"DUPLICATE"}}


def test_duplicate_whole_row(validator):
    rows = [variant("fulfilment", 1), variant("fulfilment", 1), variant("fulfilment", 1, LY_JG="未履约"),
            variant("fulfilment", 1)]
    outcome = check(validator, "fulfilment", rows)
    assert rules_of(outcome) == {2: {"DUPLICATE"}, 4: {"DUPLICATE"}}
    assert one(outcome, 2, "DUPLICATE").field is None


# ------------------------------------------------------------------------------------- PROHIBITED_MATTER


def test_prohibited_matter(validator):
    rows = [variant("penalty", 1, CF_WFXW="阻挠拆迁"), variant("penalty", 2, CF_SY="当事人多次闯红灯，且不文明养犬"),
            variant("penalty", 3, CF_WFXW="未取得许可从事食品经营")]
    outcome = check(validator, "penalty", rows)
    assert rules_of(outcome) == {1: {"PROHIBITED_MATTER"}, 2: {"PROHIBITED_MATTER"}}
    assert one(outcome, 1, "PROHIBITED_MATTER").field == "CF_WFXW"
    joint = check(validator, "joint-case", [variant("joint-case", 1, AL_CS="欠缴物业费纳入失信名单"),
                                            variant("joint-case", 2)])
    assert rules_of(joint) == {1: {"PROHIBITED_MATTER"}}


# ------------------------------------------------------------------------------------------------- LENGTH


def test_length(validator):
    rows = [variant("license", 1, XK_XDR_MC="名" * 201), variant("license", 2, XK_WSH="号" * 129),
            variant("license", 3, XK_NR="内" * 4001),
            variant("license", 4, XK_XDR_MC="名" * 200, XK_WSH="号" * 128, XK_NR="内" * 4000)]
    outcome = check(validator, "license", rows)
    assert rules_of(outcome) == {1: {"LENGTH"}, 2: {"LENGTH"}, 3: {"LENGTH"}}
    assert one(outcome, 2, "LENGTH").message_zh == "字段长度超限：XK_WSH（行政许可决定文书号）超过128个字符"


# ---------------------------------------------------------------------------------------------------- URL


@pytest.mark.parametrize("url, ok", [("https://www.hubei.gov.cn/xxgk/2022/06/t20220601.shtml", True),
                                     ("http://news.example.cn/a?id=1#top", True),
                                     ("HTTPS://WWW.EXAMPLE.CN", True),
                                     ("www.example.cn/news", False), ("https://", False),
                                     ("ftp://example.cn/a", False), ("https://example .cn", False),
                                     ("见附件", False)])
def test_url(validator, url, ok):
    outcome = check(validator, "publicity", [variant("publicity", 1, XC_WZ=url)])
    assert rules_of(outcome) == ({} if ok else {1: {"URL"}})


# ----------------------------------------------------------------------------------- every rule has a message


def test_messages_start_with_the_rule_text(validator):
    rows = [variant("penalty", 1, CF_CFLB="罚款;吊销许可证件", CF_NR_FK=None, CF_NR_ZKDX=None, CF_WFXW="信访",
                    CF_XDR_SHXYM=None, CF_FRDB=None, CF_JDRQ="2022-06-30", CF_YXQ="2022-06-01",
                    CF_CFJGDM="1", CF_FR_ZJHM="1")]
    outcome = check(validator, "penalty", rows)
    assert {r.rule_id for r in outcome.rejections} == {
        "FINE_AMOUNT", "LICENCE_REVOKED", "PROHIBITED_MATTER", "SUBJECT_ID", "LEGAL_REP", "DATE_FUTURE",
        "DATE_ORDER", "USCC_CHECKSUM", "ID_CHECKSUM"}
    for r in outcome.rejections:
        assert re.match(re.escape(RULES[r.rule_id]) + "：.+", r.message_zh), r
    assert one(outcome, 1, "ID_CHECKSUM").value_masked == "*"

"""One Great Expectations suite per feed, built from the feed registry and rules.md, kept as JSON files.

`expectations/<feed>.json` is what validation runs: a reviewer reads and diffs it, and its SHA-256 is the
suite_version recorded with every validation. Each expectation's `meta` carries the rule ID, the field(s) it
reports and the Chinese message, so a result maps back to rules.md without a lookup table in code.
Expectations come in the order of rules.md, then of the feed's fields.

    python -m credit_feeds.suites            # (re)write every suite file
    python -m credit_feeds.suites --check    # exit 1 if a file differs from what the registry gives
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import great_expectations as gx
from great_expectations import expectations as gxe
from great_expectations.expectations.row_conditions import Column, Condition

from . import expectations as cfe
from .feeds import (
    CONFISCATION_KINDS, DATE, ENUM, FEEDS, FINE_KIND, ID_NO, ID_TYPE_RESIDENT, INDIVIDUAL_BUSINESS_PLACEHOLDER,
    LICENCE_REVOCATION_KINDS, MULTI_ENUM, PENALTY_KIND_SEPARATORS, PROHIBITED_MATTERS, URL, USCC, Feed,
)
from .rules import message

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations"

ORGANISATION, PERSON, INDIVIDUAL_BUSINESS = "法人及非法人组织", "自然人", "个体工商户"

# rules.md, URL: an http(s) URL with a host and no white space
URL_REGEX = r"(?i)^https?://[^\s/?#]+([/?#]\S*)?$"
PROHIBITED_REGEX = "|".join(re.escape(m) for m in PROHIBITED_MATTERS)


def suite_path(feed: Feed, suites_dir: Path = SUITES_DIR) -> Path:
    return suites_dir / f"{feed.name}.json"


def _label(feed: Feed, code: str) -> str:
    return f"{code}（{feed.by_code[code].name_zh}）"


def _meta(rule_id: str, field: str | None, detail: str | None) -> dict:
    return {"rule_id": rule_id, "field": field, "message_zh": message(rule_id, detail)}


def _is(code: str, value: str) -> Condition:
    return Column(code) == value


def _build(feed: Feed) -> list:
    """The feed's expectations, in the order of rules.md."""
    out: list = []
    lab = lambda code: _label(feed, code)  # noqa: E731 - short local alias keeps the list readable
    fields = feed.fields
    required = [f for f in fields if f.is_required]

    # MISSING_COLUMN: the runner leaves a missing required column out of the data (ValidationOutcome)
    for f in required:
        out.append(gxe.ExpectColumnToExist(column=f.code, meta=_meta("MISSING_COLUMN", f.code, lab(f.code))))

    for f in required:
        out.append(gxe.ExpectColumnValuesToNotBeNull(column=f.code, meta=_meta("REQUIRED", f.code, lab(f.code))))

    for f in fields:
        if f.kind == ENUM:
            accepted = list(f.values) + sorted(f.synonyms or {})
            out.append(gxe.ExpectColumnValuesToBeInSet(
                column=f.code, value_set=accepted, meta=_meta("ENUM", f.code, lab(f.code))))
        elif f.kind == MULTI_ENUM:
            out.append(cfe.ExpectColumnValuesToBeInMultiValueSet(
                column=f.code, value_set=list(f.values), separators=list(PENALTY_KIND_SEPARATORS),
                meta=_meta("ENUM", f.code, lab(f.code))))

    for f in fields:
        if f.kind == DATE:
            out.append(cfe.ExpectColumnValuesToBeValidDate(
                column=f.code, meta=_meta("DATE_FORMAT", f.code, f"{lab(f.code)}应为YYYY-MM-DD或YYYY/MM/DD格式的日期")))

    out.append(cfe.ExpectColumnPairDatesAToBeOnOrBeforeB(
        column_A=feed.event_date, column_B="submitted_at",
        meta=_meta("DATE_FUTURE", feed.event_date, f"{lab(feed.event_date)}晚于报送日期")))

    for later, earlier in feed.date_order:
        out.append(cfe.ExpectColumnPairDatesAToBeOnOrBeforeB(
            column_A=earlier, column_B=later,
            meta=_meta("DATE_ORDER", later, f"{lab(later)}早于{lab(earlier)}")))

    if feed.subject_prefix:
        out += _subject_rules(feed, feed.subject_prefix)

    for f in fields:
        if f.kind == USCC:
            # the placeholder stands for "no code" only as the subject's own code (feeds.md, subject block)
            placeholder_ok = f.code == f"{feed.subject_prefix}XDR_SHXYM"
            out.append(cfe.ExpectColumnValuesToBeValidUscc(
                column=f.code, allow_placeholder=placeholder_ok, meta=_meta("USCC_CHECKSUM", f.code, lab(f.code))))

    for f in fields:
        if f.kind == ID_NO:
            type_code = f.code.replace("ZJHM", "ZJLX")
            out.append(cfe.ExpectColumnValuesToBeValidResidentId(
                column=f.code, row_condition=_is(type_code, ID_TYPE_RESIDENT),
                meta=_meta("ID_CHECKSUM", f.code, f"{lab(type_code)}为身份证时，{lab(f.code)}不是有效的身份证号码")))

    if {"CF_CFLB", "CF_NR_FK", "CF_NR_WFFF", "CF_NR_ZKDX"} <= set(feed.by_code):
        out += _penalty_rules(feed)

    out.append(_duplicate_rule(feed))

    for code in feed.prohibited_fields:
        out.append(gxe.ExpectColumnValuesToNotMatchRegex(
            column=code, regex=PROHIBITED_REGEX,
            meta=_meta("PROHIBITED_MATTER", code, f"{lab(code)}含{'、'.join(PROHIBITED_MATTERS)}之一")))

    for f in fields:
        if f.max_length:
            out.append(gxe.ExpectColumnValueLengthsToBeBetween(
                column=f.code, max_value=f.max_length,
                meta=_meta("LENGTH", f.code, f"{lab(f.code)}超过{f.max_length}个字符")))

    for f in fields:
        if f.kind == URL:
            out.append(gxe.ExpectColumnValuesToMatchRegex(
                column=f.code, regex=URL_REGEX, meta=_meta("URL", f.code, f"{lab(f.code)}不是http或https网址")))
    return out


def _subject_rules(feed: Feed, p: str) -> list:
    """SUBJECT_ID and LEGAL_REP (rules.md) as built-in expectations on the rows of one 行政相对人类别."""
    lb, code, gszc = f"{p}XDR_LB", f"{p}XDR_SHXYM", f"{p}XDR_GSZC"
    lab = lambda c: _label(feed, c)  # noqa: E731
    org, person = _is(lb, ORGANISATION), _is(lb, PERSON)
    business_without_gszc = _is(lb, INDIVIDUAL_BUSINESS) & Column(gszc).is_null()
    placeholder = [INDIVIDUAL_BUSINESS_PLACEHOLDER]

    def sid(field: str, detail: str) -> dict:
        return _meta("SUBJECT_ID", field, detail)

    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column=code, row_condition=org, meta=sid(code, f"{ORGANISATION}未填写{lab(code)}")),
        gxe.ExpectColumnValuesToNotBeInSet(
            column=code, value_set=placeholder, row_condition=org,
            meta=sid(code, f"{ORGANISATION}的{lab(code)}不能是个体工商户占位码{INDIVIDUAL_BUSINESS_PLACEHOLDER}")),
        gxe.ExpectColumnValuesToNotBeNull(
            column=code, row_condition=business_without_gszc,
            meta=sid(code, f"{INDIVIDUAL_BUSINESS}未填写{lab(code)}或{lab(gszc)}")),
        gxe.ExpectColumnValuesToNotBeInSet(
            column=code, value_set=placeholder, row_condition=business_without_gszc,
            meta=sid(code, f"{INDIVIDUAL_BUSINESS}使用占位码{INDIVIDUAL_BUSINESS_PLACEHOLDER}时须填写{lab(gszc)}")),
        gxe.ExpectColumnValuesToNotBeNull(
            column=f"{p}XDR_ZJLX", row_condition=person, meta=sid(f"{p}XDR_ZJLX", f"{PERSON}未填写{lab(f'{p}XDR_ZJLX')}")),
        gxe.ExpectColumnValuesToNotBeNull(
            column=f"{p}XDR_ZJHM", row_condition=person, meta=sid(f"{p}XDR_ZJHM", f"{PERSON}未填写{lab(f'{p}XDR_ZJHM')}")),
        gxe.ExpectColumnValuesToBeNull(
            column=code, row_condition=person, meta=sid(code, f"{PERSON}不应填写{lab(code)}")),
        gxe.ExpectColumnValuesToNotBeNull(
            column=f"{p}FRDB", row_condition=org,
            meta=_meta("LEGAL_REP", f"{p}FRDB", f"{ORGANISATION}未填写{lab(f'{p}FRDB')}")),
    ]


def _penalty_rules(feed: Feed) -> list:
    lab = lambda c: _label(feed, c)  # noqa: E731
    kinds = "CF_CFLB"
    return [
        cfe.ExpectPenaltyDetailToBeGiven(
            column_A=kinds, column_B="CF_NR_FK", kinds=[FINE_KIND], amount="positive",
            filled_amount_not_negative=True,
            meta=_meta("FINE_AMOUNT", "CF_NR_FK",
                       f"处罚类别含{FINE_KIND}时{lab('CF_NR_FK')}应为大于0的数字；填写时不得为负数或非数字")),
        cfe.ExpectPenaltyDetailToBeGiven(
            column_A=kinds, column_B="CF_NR_WFFF", kinds=list(CONFISCATION_KINDS), amount="non_negative",
            meta=_meta("CONFISCATION_AMOUNT", "CF_NR_WFFF",
                       f"处罚类别含{'或'.join(CONFISCATION_KINDS)}时{lab('CF_NR_WFFF')}应为不小于0的数字")),
        cfe.ExpectPenaltyDetailToBeGiven(
            column_A=kinds, column_B="CF_NR_ZKDX", kinds=list(LICENCE_REVOCATION_KINDS),
            meta=_meta("LICENCE_REVOKED", "CF_NR_ZKDX",
                       f"处罚类别含暂扣或吊销许可证件、执照时应填写{lab('CF_NR_ZKDX')}")),
    ]


def _duplicate_rule(feed: Feed):
    key = list(feed.key_fields)
    if not key:
        return cfe.ExpectRecordKeyToBeUniqueInBatch(
            column_list=feed.codes, meta=_meta("DUPLICATE", None, "与本批次中前面一行的全部字段相同"))
    detail = f"记录键{'+'.join(_label(feed, c) for c in key)}与本批次中前面一行相同"
    meta = _meta("DUPLICATE", ",".join(key), detail)
    if len(key) == 1:
        return cfe.ExpectColumnValuesToBeUniqueInBatch(column=key[0], meta=meta)
    # an empty required part of the key is REQUIRED's, not DUPLICATE's (rules.md, notes)
    required_parts = [Column(c).is_not_null() for c in key if feed.by_code[c].is_required]
    condition = None
    for part in required_parts:
        condition = part if condition is None else condition & part
    return cfe.ExpectRecordKeyToBeUniqueInBatch(column_list=key, row_condition=condition, meta=meta)


def build_suite(feed: Feed) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=feed.name,
        expectations=_build(feed),
        meta={"feed": feed.name, "feed_zh": feed.name_zh, "source": "shared/spec/rules.md, shared/spec/feeds.md"},
    )


def _without_ids(value):
    """Suite JSON without the random ids GX would add, so the file is the same every time it is built."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if not (k in ("id", "notes") and v is None)}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def suite_json(feed: Feed) -> str:
    """The suite file's text: sorted keys, two-space indent, Chinese as is, a final newline."""
    return json.dumps(_without_ids(build_suite(feed).to_json_dict()), ensure_ascii=False, indent=2,
                      sort_keys=True) + "\n"


def write_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    suites_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for feed in FEEDS.values():
        path = suite_path(feed, suites_dir)
        path.write_text(suite_json(feed), encoding="utf-8")
        paths.append(path)
    return paths


def load_suite(feed: Feed, suites_dir: Path = SUITES_DIR) -> tuple[dict, str]:
    """The suite file of a feed as a dict, and its version (SHA-256 of the file's bytes)."""
    data = suite_path(feed, suites_dir).read_bytes()
    return json.loads(data), hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        stale = [f.name for f in FEEDS.values()
                 if not suite_path(f).exists() or suite_path(f).read_text(encoding="utf-8") != suite_json(f)]
        for name in stale:
            print(f"stale suite: {suite_path(FEEDS[name])}", file=sys.stderr)
        return 1 if stale else 0
    for path in write_suites():
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

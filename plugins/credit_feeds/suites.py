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
URL_REGEX = r"(?i)^https?://[^\s/?#]+(?:[/?#]\S*)?$"
PROHIBITED_REGEX = "|".join(re.escape(m) for m in PROHIBITED_MATTERS)
# An 18-character code Excel stored as a number is gone for good (15 significant digits): say so, so the unit
# knows why a code it typed correctly is refused.
EXCEL_NUMBER_HINT = "（被Excel转成数字的，如{}，无效，请将该列设为文本后重报）"


def suite_path(feed: Feed, suites_dir: Path = SUITES_DIR) -> Path:
    return suites_dir / f"{feed.name}.json"


def _meta(rule_id: str, field: str | None, detail: str) -> dict:
    return {"rule_id": rule_id, "field": field, "message_zh": message(rule_id, detail)}


def _is(code: str, value: str) -> Condition:
    return Column(code) == value


def _build(feed: Feed) -> list:
    """The feed's expectations, in the order of rules.md."""
    lab = feed_label(feed)
    fields = feed.fields
    required = [f.code for f in fields if f.is_required]
    out: list = []

    # the runner leaves a missing required column out of the data: then only this expectation fails
    out += [gxe.ExpectColumnToExist(column=c, meta=_meta("MISSING_COLUMN", c, lab(c))) for c in required]
    out += [gxe.ExpectColumnValuesToNotBeNull(column=c, meta=_meta("REQUIRED", c, lab(c))) for c in required]

    for f in fields:
        if f.kind == ENUM:
            out.append(gxe.ExpectColumnValuesToBeInSet(
                column=f.code, value_set=list(f.values) + sorted(f.synonyms or {}),
                meta=_meta("ENUM", f.code, lab(f.code))))
        elif f.kind == MULTI_ENUM:
            out.append(cfe.ExpectColumnValuesToBeInMultiValueSet(
                column=f.code, value_set=list(f.values), separators=list(PENALTY_KIND_SEPARATORS),
                meta=_meta("ENUM", f.code, lab(f.code))))

    out += [cfe.ExpectColumnValuesToBeValidDate(
        column=f.code, meta=_meta("DATE_FORMAT", f.code, f"{lab(f.code)}应为YYYY-MM-DD或YYYY/MM/DD格式的日期"))
        for f in fields if f.kind == DATE]

    out.append(cfe.ExpectColumnPairDatesAToBeOnOrBeforeB(
        column_A=feed.event_date, column_B="submitted_at",
        meta=_meta("DATE_FUTURE", feed.event_date, f"{lab(feed.event_date)}晚于报送日期")))
    out += [cfe.ExpectColumnPairDatesAToBeOnOrBeforeB(
        column_A=earlier, column_B=later, meta=_meta("DATE_ORDER", later, f"{lab(later)}早于{lab(earlier)}"))
        for later, earlier in feed.date_order]

    if feed.subject_prefix:
        out += _subject_rules(feed, feed.subject_prefix)

    # the placeholder stands for "no code" only as the subject's own code (feeds.md, subject block)
    out += [cfe.ExpectColumnValuesToBeValidUscc(
        column=f.code, allow_placeholder=f.code == f"{feed.subject_prefix}XDR_SHXYM",
        meta=_meta("USCC_CHECKSUM", f.code, f"{lab(f.code)}应为18位、校验位正确的代码{EXCEL_NUMBER_HINT.format('9.14201E+17')}"))
        for f in fields if f.kind == USCC]

    for f in fields:
        if f.kind == ID_NO:
            id_type = f.code.replace("ZJHM", "ZJLX")
            out.append(cfe.ExpectColumnValuesToBeValidResidentId(
                column=f.code, row_condition=_is(id_type, ID_TYPE_RESIDENT),
                meta=_meta("ID_CHECKSUM", f.code, f"{lab(id_type)}为身份证时，{lab(f.code)}应为18位、出生日期和校验位"
                                                  f"正确的身份证号码{EXCEL_NUMBER_HINT.format('4.20106E+17')}")))

    if {"CF_CFLB", "CF_NR_FK", "CF_NR_WFFF", "CF_NR_ZKDX"} <= set(feed.by_code):
        out += _penalty_rules(feed)

    out.append(_duplicate_rule(feed))

    out += [gxe.ExpectColumnValuesToNotMatchRegex(
        column=c, regex=PROHIBITED_REGEX,
        meta=_meta("PROHIBITED_MATTER", c, f"{lab(c)}含{'、'.join(PROHIBITED_MATTERS)}之一"))
        for c in feed.prohibited_fields]

    out += [gxe.ExpectColumnValueLengthsToBeBetween(
        column=f.code, max_value=f.max_length, meta=_meta("LENGTH", f.code, f"{lab(f.code)}超过{f.max_length}个字符"))
        for f in fields if f.max_length]

    out += [gxe.ExpectColumnValuesToMatchRegex(
        column=f.code, regex=URL_REGEX, meta=_meta("URL", f.code, f"{lab(f.code)}不是http或https网址"))
        for f in fields if f.kind == URL]
    return out


def feed_label(feed: Feed):
    """code -> "code（中文名）", the way messages name a field."""
    return lambda code: f"{code}（{feed.by_code[code].name_zh}）"


def _subject_rules(feed: Feed, p: str) -> list:
    """SUBJECT_ID and LEGAL_REP (rules.md) as built-in expectations on the rows of one 行政相对人类别."""
    lab = feed_label(feed)
    lb, code, gszc = f"{p}XDR_LB", f"{p}XDR_SHXYM", f"{p}XDR_GSZC"
    id_type, id_no, legal_rep = f"{p}XDR_ZJLX", f"{p}XDR_ZJHM", f"{p}FRDB"
    org, person = _is(lb, ORGANISATION), _is(lb, PERSON)
    business_without_gszc = _is(lb, INDIVIDUAL_BUSINESS) & Column(gszc).is_null()
    placeholder = INDIVIDUAL_BUSINESS_PLACEHOLDER

    def subject_id(field: str, detail: str) -> dict:
        return _meta("SUBJECT_ID", field, detail)

    return [
        gxe.ExpectColumnValuesToNotBeNull(
            column=code, row_condition=org, meta=subject_id(code, f"{ORGANISATION}未填写{lab(code)}")),
        gxe.ExpectColumnValuesToNotBeInSet(
            column=code, value_set=[placeholder], row_condition=org,
            meta=subject_id(code, f"{ORGANISATION}的{lab(code)}不能是个体工商户占位码{placeholder}")),
        gxe.ExpectColumnValuesToNotBeNull(
            column=code, row_condition=business_without_gszc,
            meta=subject_id(code, f"{INDIVIDUAL_BUSINESS}未填写{lab(code)}或{lab(gszc)}")),
        gxe.ExpectColumnValuesToNotBeInSet(
            column=code, value_set=[placeholder], row_condition=business_without_gszc,
            meta=subject_id(code, f"{INDIVIDUAL_BUSINESS}使用占位码{placeholder}时须填写{lab(gszc)}")),
        gxe.ExpectColumnValuesToNotBeNull(
            column=id_type, row_condition=person, meta=subject_id(id_type, f"{PERSON}未填写{lab(id_type)}")),
        gxe.ExpectColumnValuesToNotBeNull(
            column=id_no, row_condition=person, meta=subject_id(id_no, f"{PERSON}未填写{lab(id_no)}")),
        gxe.ExpectColumnValuesToBeNull(
            column=code, row_condition=person, meta=subject_id(code, f"{PERSON}不应填写{lab(code)}")),
        gxe.ExpectColumnValuesToNotBeNull(
            column=legal_rep, row_condition=org,
            meta=_meta("LEGAL_REP", legal_rep, f"{ORGANISATION}未填写{lab(legal_rep)}")),
    ]


def _penalty_rules(feed: Feed) -> list:
    """FINE_AMOUNT, CONFISCATION_AMOUNT, LICENCE_REVOKED: what a 处罚类别 requires besides itself."""
    lab = feed_label(feed)
    fine, confiscated, licence = "CF_NR_FK", "CF_NR_WFFF", "CF_NR_ZKDX"
    return [
        cfe.ExpectPenaltyDetailToBeGiven(
            column_A="CF_CFLB", column_B=fine, kinds=[FINE_KIND], amount="positive", filled_amount_not_negative=True,
            meta=_meta("FINE_AMOUNT", fine,
                       f"处罚类别含{FINE_KIND}时{lab(fine)}应为大于0的数字；填写时不得为负数或非数字")),
        cfe.ExpectPenaltyDetailToBeGiven(
            column_A="CF_CFLB", column_B=confiscated, kinds=list(CONFISCATION_KINDS), amount="non_negative",
            meta=_meta("CONFISCATION_AMOUNT", confiscated,
                       f"处罚类别含{'或'.join(CONFISCATION_KINDS)}时{lab(confiscated)}应为不小于0的数字")),
        cfe.ExpectPenaltyDetailToBeGiven(
            column_A="CF_CFLB", column_B=licence, kinds=list(LICENCE_REVOCATION_KINDS),
            meta=_meta("LICENCE_REVOKED", licence, f"处罚类别含暂扣或吊销许可证件、执照时应填写{lab(licence)}")),
    ]


def _duplicate_rule(feed: Feed):
    """DUPLICATE is per file (rules.md: "more than once in one file"); files are validated in batches, so the key
    always begins with the row's file_id."""
    key = list(feed.key_fields)
    if not key:
        return cfe.ExpectRecordKeyToBeUniqueInBatch(
            column_list=["file_id", *feed.codes], meta=_meta("DUPLICATE", None, "与同一文件中前面一行的全部字段相同"))
    lab = feed_label(feed)
    meta = _meta("DUPLICATE", ",".join(key), f"记录键{'+'.join(lab(c) for c in key)}与同一文件中前面一行相同")
    # an empty required part of the key is REQUIRED's, not DUPLICATE's (rules.md, notes)
    condition = None
    for c in key:
        if feed.by_code[c].is_required:
            condition = Column(c).is_not_null() if condition is None else condition & Column(c).is_not_null()
    return cfe.ExpectRecordKeyToBeUniqueInBatch(column_list=["file_id", *key], row_condition=condition, meta=meta)


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

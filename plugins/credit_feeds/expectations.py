"""Custom Great Expectations for the rules of rules.md that GX has no built-in for.

One small class per rule (FINE_AMOUNT, CONFISCATION_AMOUNT and LICENCE_REVOKED share one; DUPLICATE's key
always includes the file), vectorised with numpy and run once per distinct value (a pure-Python map
expectation costs ~2.5 s per million rows, stack-facts.md). Every check lets pass what it cannot judge because
another rule already rejects it ("does not fire a second time", rules.md): an empty value is REQUIRED's, an
unparseable date passes DATE_FUTURE and DATE_ORDER, an empty 处罚类别 requires no fine amount.

Importing this module registers the expectations with GX, so suite files that name them can be loaded.
The scalar references are identifiers.py (USCC, ID numbers); tests check that both agree.
"""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import (
    ColumnMapExpectation,
    ColumnPairMapExpectation,
    MulticolumnMapExpectation,
)
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    ColumnPairMapMetricProvider,
    MulticolumnMapMetricProvider,
    column_condition_partial,
    column_pair_condition_partial,
    multicolumn_condition_partial,
)
from great_expectations.render import LegacyRendererType, RenderedStringTemplateContent
from great_expectations.render.renderer.renderer import renderer

from .feeds import INDIVIDUAL_BUSINESS_PLACEHOLDER, PENALTY_KIND_SEPARATORS
from .identifiers import ID_CHECK, ID_WEIGHTS, USCC_CATEGORIES, USCC_CHARSET, USCC_WEIGHTS

# ---------------------------------------------------------------------------------------- vectorised checks
#
# Each check works on an array of distinct non-empty texts; `_per_row` runs it once per distinct value of a
# column (the runner hands GX categorical columns, so that is the categories) and spreads the result to rows.


def _per_row(check, values: pd.Series, empty) -> np.ndarray:
    """`check` applied to the distinct values of a column, per row; `empty` where the value is empty."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        distinct, codes = values.cat.categories.to_numpy(dtype=object), values.cat.codes.to_numpy()
    else:
        codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    if not len(distinct):
        return np.full(len(values), empty)
    result = np.asarray(check(distinct))
    return np.where(codes >= 0, result[np.maximum(codes, 0)], empty)


def _lengths(texts: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))


def _codepoints(texts: np.ndarray, width: int) -> np.ndarray:
    """Code points of texts that all have `width` characters, as an (n, width) int64 array."""
    return texts.astype(f"<U{width}").view(np.uint32).reshape(-1, width).astype(np.int64)


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _real_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """True where year/month/day form a real Gregorian calendar date (year 1 or later)."""
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    days = _DAYS_IN_MONTH[np.clip(m, 0, 12)] + (leap & (m == 2))
    return (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= days)


def _number(digits: np.ndarray) -> np.ndarray:
    """Digits (n, k) as the decimal numbers they spell."""
    return digits @ (10 ** np.arange(digits.shape[1] - 1, -1, -1))


def _date_numbers(texts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(texts), dtype=np.int64)
    ten = _lengths(texts) == 10
    if ten.any():
        cp = _codepoints(texts[ten], 10)
        sep = cp[:, 4]
        digits = cp[:, [0, 1, 2, 3, 5, 6, 8, 9]] - ord("0")
        ok = (sep == cp[:, 7]) & ((sep == ord("-")) | (sep == ord("/")))
        ok &= ((digits >= 0) & (digits <= 9)).all(axis=1)
        digits = np.clip(digits, 0, 9)
        y, m, d = _number(digits[:, :4]), _number(digits[:, 4:6]), _number(digits[:, 6:])
        ok &= _real_dates(y, m, d)
        out[ten] = np.where(ok, y * 10000 + m * 100 + d, 0)
    return out


def date_numbers(values: pd.Series) -> pd.Series:
    """Dates written YYYY-MM-DD or YYYY/MM/DD as yyyymmdd integers; 0 where empty or not a real date so written.

    Dates compare as these integers, without datetime range limits (9999-12-31 is a date).
    """
    return pd.Series(_per_row(_date_numbers, values, 0), index=values.index)


def timestamp_date_numbers(values: pd.Series) -> pd.Series:
    """Timestamps (e.g. submitted_at) as yyyymmdd integers of their date; 0 where empty."""
    numbers = values.dt.year * 10000 + values.dt.month * 100 + values.dt.day
    return numbers.fillna(0).astype(np.int64)


_USCC_VALUE = np.full(128, -1, dtype=np.int64)
_USCC_VALUE[[ord(c) for c in USCC_CHARSET]] = np.arange(len(USCC_CHARSET))
_USCC_CATEGORY_OK = np.zeros((len(USCC_CHARSET), len(USCC_CHARSET)), dtype=bool)
for _dept, _kinds in USCC_CATEGORIES.items():
    for _kind in _kinds:
        _USCC_CATEGORY_OK[USCC_CHARSET.index(_dept), USCC_CHARSET.index(_kind)] = True


def _valid_uscc(texts: np.ndarray, allow_placeholder: bool) -> np.ndarray:
    out = np.zeros(len(texts), dtype=bool)
    eighteen = _lengths(texts) == 18
    if eighteen.any():
        cp = _codepoints(texts[eighteen], 18)
        v = np.where(cp < 128, _USCC_VALUE[np.minimum(cp, 127)], -1)
        ok = (v >= 0).all(axis=1)
        v = np.maximum(v, 0)
        ok &= _USCC_CATEGORY_OK[v[:, 0], v[:, 1]]
        ok &= (31 - (v[:, :17] @ np.array(USCC_WEIGHTS)) % 31) % 31 == v[:, 17]
        out[eighteen] = ok
    if allow_placeholder:
        out |= texts == INDIVIDUAL_BUSINESS_PLACEHOLDER
    return out


def valid_uscc(values: pd.Series, allow_placeholder: bool = False) -> pd.Series:
    """identifiers.is_valid_uscc for a whole column (False where empty); the placeholder only when allowed."""
    return pd.Series(_per_row(lambda t: _valid_uscc(t, allow_placeholder), values, False), index=values.index)


_ID_CHECK_CODEPOINTS = np.array([ord(c) for c in ID_CHECK])


def _valid_resident_id(texts: np.ndarray) -> np.ndarray:
    out = np.zeros(len(texts), dtype=bool)
    eighteen = _lengths(texts) == 18
    if eighteen.any():
        cp = _codepoints(texts[eighteen], 18)
        digits = cp[:, :17] - ord("0")
        ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
        digits = np.clip(digits, 0, 9)
        y, m, d = _number(digits[:, 6:10]), _number(digits[:, 10:12]), _number(digits[:, 12:14])
        ok &= _real_dates(y, m, d) & (y >= 1800)
        ok &= cp[:, 17] == _ID_CHECK_CODEPOINTS[(digits @ np.array(ID_WEIGHTS)) % 11]
        out[eighteen] = ok
    return out


def valid_resident_id(values: pd.Series) -> pd.Series:
    """identifiers.is_valid_resident_id for a whole column (False where empty)."""
    return pd.Series(_per_row(_valid_resident_id, values, False), index=values.index)


def split_parts(text: str, separators=PENALTY_KIND_SEPARATORS) -> list[str]:
    """The parts of a multi-valued text (处罚类别), each stripped of white space."""
    return [part.strip() for part in re.split("|".join(re.escape(s) for s in separators), text)]


def parts_in_set(values: pd.Series, value_set, separators=PENALTY_KIND_SEPARATORS) -> pd.Series:
    """True where every part of a multi-valued text is in `value_set` (True where empty)."""
    accepted = set(value_set)
    check = lambda texts: [all(p in accepted for p in split_parts(t, separators)) for t in texts]  # noqa: E731
    return pd.Series(_per_row(check, values, True), index=values.index)


def includes_any(values: pd.Series, kinds, separators=PENALTY_KIND_SEPARATORS) -> pd.Series:
    """True where one of the parts of a multi-valued text is one of `kinds` (False where empty)."""
    wanted = set(kinds)
    check = lambda texts: [any(p in wanted for p in split_parts(t, separators)) for t in texts]  # noqa: E731
    return pd.Series(_per_row(check, values, False), index=values.index)


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def amounts(values: pd.Series) -> pd.Series:
    """Plain decimal numbers (no exponent, no thousands separators) as floats; NaN where empty or not one."""
    check = lambda texts: [float(t) if _NUMBER.fullmatch(t) else np.nan for t in texts]  # noqa: E731
    return pd.Series(_per_row(check, values, np.nan).astype(float), index=values.index)


# ------------------------------------------------------------------------------------------ the expectations
#
# The metrics see empty values too (filter_column_isnull = False, ignore_row_if "neither"/"never") and let them
# pass: GX would otherwise copy the whole frame to drop them, several times per expectation.


class _ShowsRule:
    """Data Docs show a custom expectation as the rule it checks (meta: rule ID and Chinese message)."""

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        config = configuration or (result.expectation_config if result else None)
        meta = (config.meta if config else None) or {}
        params = {"rule_id": meta.get("rule_id", cls.__name__), "message": meta.get("message_zh", "")}
        return [RenderedStringTemplateContent(
            content_block_type="string_template",
            string_template={"template": "$rule_id $message", "params": params,
                             "styling": {"params": {"rule_id": {"classes": ["badge", "badge-secondary"]}}}},
        )]


class ColumnValuesValidDate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_valid_date"
    filter_column_isnull = False

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return column.isna() | (date_numbers(column) > 0)


class ExpectColumnValuesToBeValidDate(_ShowsRule, ColumnMapExpectation):
    """Expect each value to be a real calendar date written YYYY-MM-DD or YYYY/MM/DD (rule DATE_FORMAT)."""

    map_metric = "column_values.credit_feeds_valid_date"
    success_keys = ("mostly",)


class ColumnPairDateANotAfterB(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.credit_feeds_date_a_not_after_b"
    condition_domain_keys = (
        "batch_id", "table", "column_A", "column_B", "row_condition", "condition_parser", "ignore_row_if",
    )

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, **kwargs):
        a = date_numbers(column_A)
        b = timestamp_date_numbers(column_B) if pd.api.types.is_datetime64_any_dtype(column_B) \
            else date_numbers(column_B)
        # an empty value, or one that is not a date (DATE_FORMAT's), cannot be out of order
        return (a == 0) | (b == 0) | (a <= b)


class ExpectColumnPairDatesAToBeOnOrBeforeB(_ShowsRule, ColumnPairMapExpectation):
    """Expect the date in column A to be on or before the date in column B (rules DATE_FUTURE, DATE_ORDER).

    Column B may hold a timestamp (submitted_at): then its date counts. Rows where either value is empty or
    not a date are not judged (REQUIRED and DATE_FORMAT speak for them).
    """

    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = "neither"
    map_metric = "column_pair_values.credit_feeds_date_a_not_after_b"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")


class ColumnValuesInMultiValueSet(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_in_multi_value_set"
    condition_value_keys = ("value_set", "separators")
    filter_column_isnull = False

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, value_set, separators, **kwargs):
        return parts_in_set(column, value_set, separators)


class ExpectColumnValuesToBeInMultiValueSet(_ShowsRule, ColumnMapExpectation):
    """Expect every part of each value, split on `separators`, to be in `value_set` (rule ENUM, 处罚类别)."""

    value_set: list[str]
    separators: list[str] = list(PENALTY_KIND_SEPARATORS)
    map_metric = "column_values.credit_feeds_in_multi_value_set"
    success_keys = ("value_set", "separators", "mostly")
    args_keys = ("column", "value_set")


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_valid_uscc"
    condition_value_keys = ("allow_placeholder",)
    filter_column_isnull = False

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, allow_placeholder=False, **kwargs):
        return column.isna() | valid_uscc(column, allow_placeholder=bool(allow_placeholder))


class ExpectColumnValuesToBeValidUscc(_ShowsRule, ColumnMapExpectation):
    """Expect each value to be a 统一社会信用代码 with a correct GB 32100-2015 check character (USCC_CHECKSUM).

    `allow_placeholder` accepts 00000000000000000X, the code a 个体工商户 without one writes (feeds.md).
    """

    allow_placeholder: bool = False
    map_metric = "column_values.credit_feeds_valid_uscc"
    success_keys = ("allow_placeholder", "mostly")


class ColumnValuesValidResidentId(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_valid_resident_id"
    filter_column_isnull = False

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return column.isna() | valid_resident_id(column)


class ExpectColumnValuesToBeValidResidentId(_ShowsRule, ColumnMapExpectation):
    """Expect each value to be a 居民身份证号码 (GB 11643-1999): 18 characters, a real birth date, a correct
    ISO 7064 MOD 11-2 check character (rule ID_CHECKSUM). Area codes are not checked: retired ones stay valid."""

    map_metric = "column_values.credit_feeds_valid_resident_id"
    success_keys = ("mostly",)


class ColumnPairPenaltyDetailGiven(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.credit_feeds_penalty_detail_given"
    condition_domain_keys = (
        "batch_id", "table", "column_A", "column_B", "row_condition", "condition_parser", "ignore_row_if",
    )
    condition_value_keys = ("kinds", "amount", "filled_amount_not_negative")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, kinds, amount=None, filled_amount_not_negative=False, **kwargs):
        required = includes_any(column_A, kinds)
        if amount is None:
            return ~required | column_B.notna()
        value = amounts(column_B)
        ok = ~required | (value > 0 if amount == "positive" else value >= 0)
        if filled_amount_not_negative:
            ok &= column_B.isna() | (value >= 0)
        return ok


class ExpectPenaltyDetailToBeGiven(_ShowsRule, ColumnPairMapExpectation):
    """Expect column B to be given when the 处罚类别 in column A includes one of `kinds`
    (rules FINE_AMOUNT, CONFISCATION_AMOUNT, LICENCE_REVOKED).

    With `amount` set, B must then be a plain decimal number: "positive" (> 0) or "non_negative" (≥ 0). With
    `filled_amount_not_negative`, a filled B must be a number ≥ 0 whatever column A says.
    """

    kinds: list[str]
    amount: Literal["positive", "non_negative", None] = None
    filled_amount_not_negative: bool = False
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = "neither"
    map_metric = "column_pair_values.credit_feeds_penalty_detail_given"
    success_keys = ("column_A", "column_B", "kinds", "amount", "filled_amount_not_negative", "ignore_row_if",
                    "mostly")


class CompoundColumnsFirstOccurrence(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.credit_feeds_first_occurrence"
    condition_domain_keys = ("batch_id", "table", "column_list", "row_condition", "condition_parser",
                             "ignore_row_if")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        return column_list.isna().all(axis=1) | ~column_list.duplicated(keep="first")


class ExpectRecordKeyToBeUniqueInBatch(_ShowsRule, MulticolumnMapExpectation):
    """Expect the combination of `column_list` (a record key of two or more columns, or the whole row) to
    occur once: every occurrence after the first is unexpected (rule DUPLICATE). Empty values count as equal;
    a row empty in every column is not judged."""

    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = "never"
    map_metric = "multicolumn_values.credit_feeds_first_occurrence"
    success_keys = ("mostly",)


CUSTOM_EXPECTATIONS = (
    ExpectColumnValuesToBeValidDate,
    ExpectColumnPairDatesAToBeOnOrBeforeB,
    ExpectColumnValuesToBeInMultiValueSet,
    ExpectColumnValuesToBeValidUscc,
    ExpectColumnValuesToBeValidResidentId,
    ExpectPenaltyDetailToBeGiven,
    ExpectRecordKeyToBeUniqueInBatch,
)

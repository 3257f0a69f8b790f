"""Custom Great Expectations for the rules of rules.md that GX has no built-in for.

One small class per rule, each vectorised with pandas/numpy (a pure-Python map expectation costs ~2.5 s per
million rows, stack-facts.md). Nulls never reach a column map condition (GX filters them), and every check lets
pass what it cannot judge because another rule already rejects it ("does not fire a second time", rules.md):
an unparseable date passes DATE_FUTURE and DATE_ORDER, an empty 处罚类别 requires no fine amount.

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

from .feeds import INDIVIDUAL_BUSINESS_PLACEHOLDER, PENALTY_KIND_SEPARATORS
from .identifiers import ID_CHECK, ID_WEIGHTS, USCC_CATEGORIES, USCC_CHARSET, USCC_WEIGHTS

# ---------------------------------------------------------------------------------------- vectorised checks


def _codepoints(values: pd.Series, width: int) -> np.ndarray:
    """Code points of strings that all have `width` characters, as an (n, width) int64 array."""
    arr = np.array(values.tolist(), dtype=f"<U{width}")
    return arr.view(np.uint32).reshape(-1, width).astype(np.int64)


def _has_length(values: pd.Series, width: int) -> np.ndarray:
    return (values.str.len() == width).to_numpy(dtype=bool, na_value=False)


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _real_dates(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """True where year/month/day form a real Gregorian calendar date (year 1 or later)."""
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    days = _DAYS_IN_MONTH[np.clip(m, 0, 12)] + (leap & (m == 2))
    return (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= days)


def _number(digits: np.ndarray) -> np.ndarray:
    """Digits (n, k) as the decimal numbers they spell."""
    return digits @ (10 ** np.arange(digits.shape[1] - 1, -1, -1))


def date_numbers(values: pd.Series) -> pd.Series:
    """Dates written YYYY-MM-DD or YYYY/MM/DD as yyyymmdd integers (0 where not a real date in that form).

    Dates compare as these integers; no datetime range limits apply (9999-12-31 is a date).
    """
    out = np.zeros(len(values), dtype=np.int64)
    ten = _has_length(values, 10)
    if ten.any():
        cp = _codepoints(values[ten], 10)
        sep = cp[:, 4]
        digits = cp[:, [0, 1, 2, 3, 5, 6, 8, 9]] - ord("0")
        ok = (sep == cp[:, 7]) & ((sep == ord("-")) | (sep == ord("/")))
        ok &= ((digits >= 0) & (digits <= 9)).all(axis=1)
        y, m, d = _number(digits[:, :4]), _number(digits[:, 4:6]), _number(digits[:, 6:])
        ok &= _real_dates(y, m, d)
        out[ten] = np.where(ok, y * 10000 + m * 100 + d, 0)
    return pd.Series(out, index=values.index)


def timestamp_date_numbers(values: pd.Series) -> pd.Series:
    """Timestamps (e.g. submitted_at) as yyyymmdd integers of their date."""
    return values.dt.year * 10000 + values.dt.month * 100 + values.dt.day


_USCC_VALUE = np.full(128, -1, dtype=np.int64)
_USCC_VALUE[[ord(c) for c in USCC_CHARSET]] = np.arange(len(USCC_CHARSET))
_USCC_CATEGORY_OK = np.zeros((len(USCC_CHARSET), len(USCC_CHARSET)), dtype=bool)
for _dept, _kinds in USCC_CATEGORIES.items():
    for _kind in _kinds:
        _USCC_CATEGORY_OK[USCC_CHARSET.index(_dept), USCC_CHARSET.index(_kind)] = True


def valid_uscc(values: pd.Series, allow_placeholder: bool = False) -> pd.Series:
    """identifiers.is_valid_uscc for a whole column; the 个体工商户 placeholder only when allowed."""
    out = np.zeros(len(values), dtype=bool)
    eighteen = _has_length(values, 18)
    if eighteen.any():
        cp = _codepoints(values[eighteen], 18)
        v = np.where(cp < 128, _USCC_VALUE[np.minimum(cp, 127)], -1)
        ok = (v >= 0).all(axis=1)
        vc = np.maximum(v, 0)
        ok &= _USCC_CATEGORY_OK[vc[:, 0], vc[:, 1]]
        check = (31 - (vc[:, :17] @ np.array(USCC_WEIGHTS)) % 31) % 31
        ok &= check == vc[:, 17]
        out[eighteen] = ok
    if allow_placeholder:
        out |= (values == INDIVIDUAL_BUSINESS_PLACEHOLDER).to_numpy(dtype=bool, na_value=False)
    return pd.Series(out, index=values.index)


_ID_CHECK_CODEPOINTS = np.array([ord(c) for c in ID_CHECK])


def valid_resident_id(values: pd.Series) -> pd.Series:
    """identifiers.is_valid_resident_id for a whole column (18 characters, real birth date, MOD 11-2)."""
    out = np.zeros(len(values), dtype=bool)
    eighteen = _has_length(values, 18)
    if eighteen.any():
        cp = _codepoints(values[eighteen], 18)
        digits = cp[:, :17] - ord("0")
        ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
        digits = np.clip(digits, 0, 9)
        y, m, d = _number(digits[:, 6:10]), _number(digits[:, 10:12]), _number(digits[:, 12:14])
        ok &= _real_dates(y, m, d) & (y >= 1800)
        ok &= cp[:, 17] == _ID_CHECK_CODEPOINTS[(digits @ np.array(ID_WEIGHTS)) % 11]
        out[eighteen] = ok
    return pd.Series(out, index=values.index)


def split_parts(values: pd.Series, separators: tuple[str, ...] | list[str]) -> pd.Series:
    """Multi-valued text (处罚类别) as one stripped part per row of the result, indexed like `values`."""
    pattern = "|".join(re.escape(s) for s in separators)
    has_sep = values.str.contains(pattern, regex=True).to_numpy(dtype=bool, na_value=False)
    single = values[~has_sep]
    if not has_sep.any():
        return single
    parts = values[has_sep].str.split(pattern, regex=True).explode().str.strip()
    return pd.concat([single, parts])


def includes_any(values: pd.Series, kinds: list[str], separators: tuple[str, ...] | list[str]) -> pd.Series:
    """True where one of the parts of a multi-valued text is one of `kinds`."""
    hits = split_parts(values, separators).isin(kinds)
    return hits.groupby(level=0).any().reindex(values.index, fill_value=False).astype(bool)


_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"


def amounts(values: pd.Series) -> pd.Series:
    """Decimal numbers as floats; NaN where empty or not a plain decimal number (no exponent, no commas)."""
    numeric = values.str.fullmatch(_NUMBER).to_numpy(dtype=bool, na_value=False)
    return pd.to_numeric(values.astype(object).where(numeric), errors="coerce").astype(float)


# ---------------------------------------------------------------------------------------------- DATE_FORMAT


class ColumnValuesValidDate(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_valid_date"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return date_numbers(column) > 0


class ExpectColumnValuesToBeValidDate(ColumnMapExpectation):
    """Expect each value to be a real calendar date written YYYY-MM-DD or YYYY/MM/DD (rule DATE_FORMAT)."""

    map_metric = "column_values.credit_feeds_valid_date"
    success_keys = ("mostly",)


# ------------------------------------------------------------------------------ DATE_FUTURE and DATE_ORDER


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
        # a date that is not a date breaks DATE_FORMAT, not this rule
        return (a == 0) | (b == 0) | (a <= b)


class ExpectColumnPairDatesAToBeOnOrBeforeB(ColumnPairMapExpectation):
    """Expect the date in column A to be on or before the date in column B (rules DATE_FUTURE, DATE_ORDER).

    Column B may hold a timestamp (submitted_at): then its date counts. Rows where either value is not a
    date are not judged (DATE_FORMAT rejects them).
    """

    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "either_value_is_missing"
    )
    map_metric = "column_pair_values.credit_feeds_date_a_not_after_b"
    success_keys = ("column_A", "column_B", "ignore_row_if", "mostly")


# --------------------------------------------------------------------------------------------- ENUM (multi)


class ColumnValuesInMultiValueSet(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_in_multi_value_set"
    condition_value_keys = ("value_set", "separators")

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, value_set, separators, **kwargs):
        known = split_parts(column, separators).isin(value_set)
        return known.groupby(level=0).all().reindex(column.index, fill_value=False).astype(bool)


class ExpectColumnValuesToBeInMultiValueSet(ColumnMapExpectation):
    """Expect every part of each value, split on `separators`, to be in `value_set` (rule ENUM, 处罚类别)."""

    value_set: list[str]
    separators: list[str] = list(PENALTY_KIND_SEPARATORS)
    map_metric = "column_values.credit_feeds_in_multi_value_set"
    success_keys = ("value_set", "separators", "mostly")
    args_keys = ("column", "value_set")


# -------------------------------------------------------------------------------------------- USCC_CHECKSUM


class ColumnValuesValidUscc(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_valid_uscc"
    condition_value_keys = ("allow_placeholder",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, allow_placeholder=False, **kwargs):
        return valid_uscc(column, allow_placeholder=bool(allow_placeholder))


class ExpectColumnValuesToBeValidUscc(ColumnMapExpectation):
    """Expect each value to be a 统一社会信用代码 with a correct GB 32100-2015 check character (USCC_CHECKSUM).

    `allow_placeholder` accepts 00000000000000000X, the code a 个体工商户 without one writes (feeds.md).
    """

    allow_placeholder: bool = False
    map_metric = "column_values.credit_feeds_valid_uscc"
    success_keys = ("allow_placeholder", "mostly")


# ---------------------------------------------------------------------------------------------- ID_CHECKSUM


class ColumnValuesValidResidentId(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_valid_resident_id"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return valid_resident_id(column)


class ExpectColumnValuesToBeValidResidentId(ColumnMapExpectation):
    """Expect each value to be a 居民身份证号码 (GB 11643-1999): 18 characters, a real birth date, a correct
    ISO 7064 MOD 11-2 check character (rule ID_CHECKSUM). Area codes are not checked: retired ones stay valid."""

    map_metric = "column_values.credit_feeds_valid_resident_id"
    success_keys = ("mostly",)


# ------------------------------------------------------------ FINE_AMOUNT, CONFISCATION_AMOUNT, LICENCE_REVOKED


class ColumnPairPenaltyDetailGiven(ColumnPairMapMetricProvider):
    condition_metric_name = "column_pair_values.credit_feeds_penalty_detail_given"
    condition_domain_keys = (
        "batch_id", "table", "column_A", "column_B", "row_condition", "condition_parser", "ignore_row_if",
    )
    condition_value_keys = ("kinds", "amount", "filled_amount_not_negative")

    @column_pair_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_A, column_B, kinds, amount=None, filled_amount_not_negative=False, **kwargs):
        required = includes_any(column_A, kinds, PENALTY_KIND_SEPARATORS)
        if amount is None:
            return ~required | column_B.notna()
        value = amounts(column_B)
        good = value > 0 if amount == "positive" else value >= 0
        ok = ~required | good
        if filled_amount_not_negative:
            ok &= column_B.isna() | (value >= 0)
        return ok


class ExpectPenaltyDetailToBeGiven(ColumnPairMapExpectation):
    """Expect column B to be given when the 处罚类别 in column A includes one of `kinds`
    (rules FINE_AMOUNT, CONFISCATION_AMOUNT, LICENCE_REVOKED).

    With `amount` set, B must then be a decimal number: "positive" (> 0) or "non_negative" (≥ 0). With
    `filled_amount_not_negative`, a filled B must be a number ≥ 0 whatever column A says.
    """

    kinds: list[str]
    amount: Literal["positive", "non_negative", None] = None
    filled_amount_not_negative: bool = False
    ignore_row_if: Literal["both_values_are_missing", "either_value_is_missing", "neither"] = (
        "both_values_are_missing"
    )
    map_metric = "column_pair_values.credit_feeds_penalty_detail_given"
    success_keys = ("column_A", "column_B", "kinds", "amount", "filled_amount_not_negative", "ignore_row_if",
                    "mostly")


# ------------------------------------------------------------------------------------------------ DUPLICATE


class ColumnValuesFirstOccurrence(ColumnMapMetricProvider):
    condition_metric_name = "column_values.credit_feeds_first_occurrence"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column, **kwargs):
        return ~column.duplicated(keep="first")


class ExpectColumnValuesToBeUniqueInBatch(ColumnMapExpectation):
    """Expect each value (a one-column record key) to occur once; every occurrence after the first is
    unexpected (rule DUPLICATE). GX's own uniqueness expectation flags the first occurrence too."""

    map_metric = "column_values.credit_feeds_first_occurrence"
    success_keys = ("mostly",)


class CompoundColumnsFirstOccurrence(MulticolumnMapMetricProvider):
    condition_metric_name = "multicolumn_values.credit_feeds_first_occurrence"
    condition_domain_keys = ("batch_id", "table", "column_list", "row_condition", "condition_parser",
                             "ignore_row_if")

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list, **kwargs):
        return ~column_list.duplicated(keep="first")


class ExpectRecordKeyToBeUniqueInBatch(MulticolumnMapExpectation):
    """Expect the combination of `column_list` (a record key of two or more columns, or the whole row) to
    occur once; every occurrence after the first is unexpected (rule DUPLICATE). Empty values count as equal."""

    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = "all_values_are_missing"
    map_metric = "multicolumn_values.credit_feeds_first_occurrence"
    success_keys = ("mostly",)


CUSTOM_EXPECTATIONS = (
    ExpectColumnValuesToBeValidDate,
    ExpectColumnPairDatesAToBeOnOrBeforeB,
    ExpectColumnValuesToBeInMultiValueSet,
    ExpectColumnValuesToBeValidUscc,
    ExpectColumnValuesToBeValidResidentId,
    ExpectPenaltyDetailToBeGiven,
    ExpectColumnValuesToBeUniqueInBatch,
    ExpectRecordKeyToBeUniqueInBatch,
)

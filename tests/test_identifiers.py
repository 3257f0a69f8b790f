"""USCC and resident ID checks (rules.md USCC_CHECKSUM, ID_CHECKSUM), masking, and the vectorised copies of the
checks that the GX expectations use, which must agree with identifiers.py value for value."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit_feeds.expectations import date_numbers, valid_resident_id, valid_uscc
from credit_feeds.identifiers import (
    USCC_CATEGORIES, USCC_CHARSET, id_check_char, is_valid_resident_id, is_valid_uscc, mask, uscc_check_char,
)


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def make_id(first17: str) -> str:
    return first17 + id_check_char(first17)


# One code per 登记管理部门码 + 机构类别码 pair that rules.md allows, letters (A, N, Y) included.
GOOD_USCCS = [make_uscc(f"{dept}{kind}420100MA4K{dept}{kind}XQ3"[:17]) for dept, kinds in USCC_CATEGORIES.items()
              for kind in kinds] + ["91110000600037341L"]


@pytest.mark.parametrize("code", GOOD_USCCS)
def test_valid_usccs_pass(code):
    assert len(code) == 18
    assert is_valid_uscc(code)
    assert valid_uscc(pd.Series([code])).tolist() == [True]


def test_codes_beginning_with_letters_pass():
    for first in ("A1", "N2", "Y1"):
        code = make_uscc(first + "110000MA01234567"[:15])
        assert is_valid_uscc(code), code


BAD_USCCS = [
    "91110000600037341M",           # wrong check character
    "91110000600037341l",           # lower case is not in the GB 32100 set
    "9111000060003734IL",           # I is not in the set
    "9111000060003734O1",           # O neither
    "9111000060003734",             # too short
    "91110000600037341LL",          # too long
    "9.11100006000373E+17",         # Excel turned it into a number
    "911100006000373410",           # Excel rounded the last digits
    make_uscc("B1110000600037341"),  # B is no 登记管理部门码
    make_uscc("Y2110000600037341"),  # Y allows only 机构类别码 1
    make_uscc("A2110000600037341"),  # A allows 1 and 9
    make_uscc("24110000600037341"),  # 2 allows 1 and 9
    make_uscc("01110000600037341"),  # 0 is no 登记管理部门码
    "９1110000600037341L",          # full-width digit
]


@pytest.mark.parametrize("code", BAD_USCCS)
def test_invalid_usccs_fail(code):
    assert not is_valid_uscc(code)
    assert valid_uscc(pd.Series([code])).tolist() == [False]


def test_placeholder_only_where_allowed():
    placeholder = pd.Series(["00000000000000000X"])
    assert is_valid_uscc("00000000000000000X")
    assert valid_uscc(placeholder, allow_placeholder=True).tolist() == [True]
    assert valid_uscc(placeholder, allow_placeholder=False).tolist() == [False]


GOOD_IDS = [
    "11010519491231002X",
    make_id("42010619800101001"),
    make_id("11010419650315123"),   # 110104 宣武区: retired in 2010, still on old cards
    make_id("42900119900607321"),   # 429001 随州市 (县级): retired code
    make_id("99000020000229000"),   # area code unchecked; 2000-02-29 is a real date
]


@pytest.mark.parametrize("number", GOOD_IDS)
def test_valid_resident_ids_pass(number):
    assert is_valid_resident_id(number)
    assert valid_resident_id(pd.Series([number])).tolist() == [True]


BAD_IDS = [
    "110105194912310021",            # wrong check digit
    "11010519491231002x",            # the check character is an upper-case X
    make_id("42010619900230001"),    # 30 February
    make_id("42010619001301001"),    # month 13
    make_id("42010619000229001"),    # 1900 was no leap year
    make_id("42010617991231001"),    # born before 1800
    make_id("42010619800100001"),    # day 0
    "4.20106E+17",                   # Excel turned it into a number
    "42010619800101001",             # 17 characters
    "420106800101001",               # old 15-digit number: not an 18-character 身份证号码
    "42010619800101001XX",
]


@pytest.mark.parametrize("number", BAD_IDS)
def test_invalid_resident_ids_fail(number):
    assert not is_valid_resident_id(number)
    assert valid_resident_id(pd.Series([number])).tolist() == [False]


def test_mask_keeps_first_and_last_four():
    assert mask("11010519491231002X") == "1101**********002X"
    assert mask("AB12") == "****"
    assert mask(None) is None


# ------------------------------------------------------------------ vectorised checks == scalar references

uscc_like = st.one_of(
    st.text(alphabet=USCC_CHARSET + "IOSVZa .", min_size=16, max_size=19),
    st.sampled_from(GOOD_USCCS + BAD_USCCS),
    st.builds(lambda code, i, c: code[:i] + c + code[i + 1:], st.sampled_from(GOOD_USCCS),
              st.integers(0, 17), st.sampled_from(USCC_CHARSET)),
)
id_like = st.one_of(
    st.text(alphabet="0123456789Xx", min_size=17, max_size=19),
    st.builds(make_id, st.text(alphabet="0123456789", min_size=17, max_size=17)),
    st.builds(lambda y, m, d: make_id(f"420106{y:04d}{m:02d}{d:02d}001"),
              st.integers(1700, 2100), st.integers(0, 13), st.integers(0, 32)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(uscc_like, min_size=1, max_size=40))
def test_vectorised_uscc_check_agrees(codes):
    series = pd.Series(codes, dtype=object)
    assert valid_uscc(series).tolist() == [is_valid_uscc(c) and c != "00000000000000000X" for c in codes]
    assert valid_uscc(series.astype("category"), allow_placeholder=True).tolist() == [is_valid_uscc(c) for c in codes]


@settings(max_examples=300, deadline=None)
@given(st.lists(id_like, min_size=1, max_size=40))
def test_vectorised_id_check_agrees(numbers):
    assert valid_resident_id(pd.Series(numbers, dtype=object)).tolist() == [is_valid_resident_id(n) for n in numbers]


def reference_date_number(text: str) -> int:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        if len(text) == 10 and text[4] == text[7] == fmt[2] and text.replace(fmt[2], "").isascii():
            try:
                d = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                return 0
            return d.year * 10000 + d.month * 100 + d.day
    return 0


date_like = st.one_of(
    st.builds(lambda y, m, d, sep: f"{y:04d}{sep}{m:02d}{sep}{d:02d}", st.integers(1, 9999), st.integers(0, 13),
              st.integers(0, 32), st.sampled_from(["-", "/", "."])),
    st.text(alphabet="0123456789-/ ", min_size=8, max_size=11),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(date_like, min_size=1, max_size=40))
def test_vectorised_date_parse_agrees(texts):
    assert date_numbers(pd.Series(texts, dtype=object)).tolist() == [reference_date_number(t) for t in texts]


def test_dates_accepted_and_refused():
    texts = ["2022-06-01", "2022/06/01", "2024-02-29", "9999-12-31", "2022-02-30", "2023-02-29", "2022/6/1",
             "2022.06.01", "2022-06/01", "20220601", "2022-06-01 00:00:00", "２０２２-06-01", None]
    assert date_numbers(pd.Series(texts, dtype=object)).tolist() == [
        20220601, 20220601, 20240229, 99991231, 0, 0, 0, 0, 0, 0, 0, 0, 0]

"""Property-based tests (hypothesis): the validators and the working-day lag against straightforward reference
implementations written here from the standards' text, independent of the production code."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from hypothesis import given, settings, strategies as st

from credit_feeds.identifiers import is_valid_resident_id, is_valid_uscc
from credit_feeds.workdays import WorkCalendar

# --- USCC, GB 32100-2015 -------------------------------------------------------------------------------------
CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ALLOWED = {"1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "129", "8": "19",
           "9": "123", "A": "19", "N": "1239", "Y": "1"}


def reference_uscc(code: str) -> bool:
    if code == "00000000000000000X":
        return True
    if len(code) != 18 or not set(code) <= set(CHARS):
        return False
    if code[0] not in ALLOWED or code[1] not in ALLOWED[code[0]]:
        return False
    total = 0
    for i in range(17):
        total += CHARS.index(code[i]) * (3 ** i % 31)
    check = 31 - total % 31
    return CHARS[0 if check == 31 else check] == code[17]


def with_check(body: str) -> str:
    total = sum(CHARS.index(c) * (3 ** i % 31) for i, c in enumerate(body))
    check = 31 - total % 31
    return body + CHARS[0 if check == 31 else check]


uscc_bodies = st.tuples(st.sampled_from(sorted(ALLOWED)), st.data()).flatmap(
    lambda t: st.builds(lambda second, rest: t[0] + second + rest, st.sampled_from(ALLOWED[t[0]]),
                        st.text(CHARS, min_size=15, max_size=15)))


@given(uscc_bodies)
def test_uscc_with_its_check_character_is_valid(body):
    assert is_valid_uscc(with_check(body)) and reference_uscc(with_check(body))


@given(st.one_of(st.text(CHARS + "IOSVZ-a ", min_size=0, max_size=20), uscc_bodies.map(lambda b: b + "0"),
                 uscc_bodies.map(with_check).map(lambda c: c[:5] + c[6] + c[5] + c[7:])))
def test_uscc_agrees_with_reference(code):
    assert is_valid_uscc(code) == reference_uscc(code)


# --- resident ID, GB 11643-1999 ------------------------------------------------------------------------------
def reference_id(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return False
    if not number.isascii():
        return False
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if int(number[6:10]) < 1800:
        return False
    weights = [2 ** (17 - i) % 11 for i in range(17)]   # ISO 7064 MOD 11-2
    remainder = (12 - sum(int(c) * w for c, w in zip(number, weights)) % 11) % 11
    return number[17] == ("X" if remainder == 10 else str(remainder))


ids = st.builds(lambda area, birth, seq: f"{area:06d}{birth:%Y%m%d}{seq:03d}", st.integers(110000, 659999),
                st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)), st.integers(0, 999))


@given(ids)
def test_id_with_its_check_digit_is_valid_whatever_the_area_code(body):
    checks = [body + c for c in "0123456789X"]
    valid = [c for c in checks if is_valid_resident_id(c)]
    assert len(valid) == 1 and reference_id(valid[0])


@given(st.one_of(ids.flatmap(lambda b: st.sampled_from([b + c for c in "0123456789X"])),
                 st.text("0123456789X", min_size=15, max_size=19)))
def test_id_agrees_with_reference(number):
    assert is_valid_resident_id(number) == reference_id(number)


# --- working-day lag -----------------------------------------------------------------------------------------
CAL = WorkCalendar()


@settings(max_examples=200)
@given(st.dates(dt.date(2004, 1, 1), dt.date(2026, 12, 1)), st.integers(0, 40))
def test_lag_counts_official_working_days(decision, days):
    submitted = min(decision + dt.timedelta(days=days), dt.date(2026, 12, 31))
    expected = sum(chinese_calendar.is_workday(decision + dt.timedelta(days=i))
                   for i in range(1, (submitted - decision).days + 1))
    assert CAL.lag(decision, submitted) == expected

"""Identifier checks, exactly as rules.md states them (USCC_CHECKSUM, ID_CHECKSUM), and masking.

Hand-written on purpose: python-stdnum rejects valid USCCs beginning with A/N/Y and ID numbers with retired
area codes (../shared/notes/stack-facts.md).
"""

from __future__ import annotations

import datetime as dt
import os
import re

from .feeds import INDIVIDUAL_BUSINESS_PLACEHOLDER

# GB 32100-2015 character set (no I, O, S, V, Z) and weights 3^(i-1) mod 31.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
# 登记管理部门码 -> allowed 机构类别码 (rules.md)
USCC_CATEGORIES = {
    "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "129",
    "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
}

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True for a well-formed USCC with a correct check character; the 个体工商户 placeholder is valid too."""
    if code == INDIVIDUAL_BUSINESS_PLACEHOLDER:
        return True
    if len(code) != 18 or any(c not in _USCC_VALUE for c in code):
        return False
    if code[1] not in USCC_CATEGORIES.get(code[0], ""):
        return False
    return uscc_check_char(code[:17]) == code[17]


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def is_valid_resident_id(number: str) -> bool:
    """GB 11643-1999: 18 characters, a real birth date, ISO 7064 MOD 11-2 check. Area codes are not checked."""
    if not _ID_RE.match(number):
        return False
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if birth.year < 1800:
        return False
    return id_check_char(number[:17]) == number[17]


def mask_pattern() -> tuple[int, int]:
    """How many leading and trailing characters stay visible; setting CREDIT_FEEDS_MASK="4,4" (rules.md)."""
    head, tail = os.environ.get("CREDIT_FEEDS_MASK", "4,4").split(",")
    return int(head), int(tail)


def mask(value: str | None) -> str | None:
    """Mask personal data: keep the first and last characters of the pattern, stars between."""
    if value is None:
        return None
    head, tail = mask_pattern()
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + (value[-tail:] if tail else "")


# An 18-character 身份证 number inside any other text (a name, free text, a code field, a file name): 6 digits,
# a birth date 18xx–20xx, 3 digits, a check character, which is not checked (a mistyped number is still someone's).
# USCCs hardly ever match (letters, or no date where the birth date would be). Same pattern as the dbt macro
# mask_id_numbers (dbt_project/macros/mask_id_numbers.sql), which masks free text in staging.
ID_NUMBER_IN_TEXT = re.compile(
    r"[0-9]{6}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]")


def mask_id_numbers(text: str | None) -> str | None:
    """Text with every ID number in it masked (rules.md: 证件号码 are masked everywhere outside raw)."""
    if not text:
        return text
    return ID_NUMBER_IN_TEXT.sub(lambda m: mask(m[0]), text)

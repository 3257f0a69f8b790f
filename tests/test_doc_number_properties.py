"""Property-based test (hypothesis) of the document-number parser (issue 7, item 6): the real SQL of
dbt_project/models/intermediate/int_doc_numbers.sql, compiled by dbt once and run on DuckDB, against a
straightforward reference written here from warehouse.md ("suspected concealment"):

    `<prefix>〔YYYY〕N号`, the year also in `[YYYY]`, `(YYYY)`, `（YYYY）`, digits also full-width.

Where the contract is silent the reference follows the choices the model documents (_intermediate.yml): a serial
may be written 第N; white space (space, tab, line breaks, form feed) may stand around the year; the prefix is
returned in one spelling (full-width digits as 0-9, every bracket as 〔〕) so one authority's series is one group;
the serial has at most 9 digits; a prefix holds no line break. The model's input comes from staging, so the
generated numbers are trimmed as staging trims them (macros/clean_text.sql), blank ones NULL.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

ROOT = Path(__file__).resolve().parents[1]
PROJECT_DIR = ROOT / "dbt_project"

# --- the reference ------------------------------------------------------------------------------------------
DIGITS = "0123456789"
FULL_WIDTH_DIGITS = "０１２３４５６７８９"
YEAR_BRACKETS = {"〔": "〕", "[": "]", "(": ")", "（": "）"}    # warehouse.md: these pairs, nothing else
SPACES = " \t\n\f\r"                                           # may stand around the year
TRIMMED = " \t\n\v\f\r\u00a0\u3000"                             # what staging trims off both ends


def one_spelling(text: str) -> str:
    text = text.translate(str.maketrans(FULL_WIDTH_DIGITS, DIGITS))
    for opening, closing in YEAR_BRACKETS.items():
        text = text.replace(opening, "〔").replace(closing, "〕")
    return text


def reference(doc_no: str | None) -> tuple[bool, str | None, int | None, int | None]:
    """(is_parsed, prefix, year, serial), read from the end: 号, the serial, 第, the bracketed year, the prefix."""
    nothing = (False, None, None, None)
    if doc_no is None:
        return nothing
    text = doc_no.translate(str.maketrans(FULL_WIDTH_DIGITS, DIGITS))
    if not text.endswith("号"):
        return nothing
    rest = text[:-1]
    serial = rest[len(rest.rstrip(DIGITS)):]
    if not 1 <= len(serial) <= 9:
        return nothing
    rest = rest[:-len(serial)]
    rest = rest.removesuffix("第").rstrip(SPACES)
    if len(rest) < 6:
        return nothing
    opening, year, closing = rest[-6], rest[-5:-1], rest[-1]
    if YEAR_BRACKETS.get(opening) != closing or any(c not in DIGITS for c in year):
        return nothing
    prefix = rest[:-6].rstrip(SPACES)
    if not prefix or "\n" in prefix:
        return nothing
    return True, one_spelling(prefix), int(year), int(serial)


def test_reference_on_the_documented_examples():
    """The reference itself, on the examples of the model's unit test and a few more."""
    assert reference("武市监许〔2022〕12号") == (True, "武市监许", 2022, 12)
    assert reference("武市监许[2022]13号") == (True, "武市监许", 2022, 13)
    assert reference("武市监许（２０２２）第０１６号") == (True, "武市监许", 2022, 16)
    assert reference("武(江汉)罚 (2022) 7号") == (True, "武〔江汉〕罚", 2022, 7)
    for bad in ("武市监许2022年18号", "武市监许〔22〕19号", "武市监许〔2022〕20", "〔2022〕1号", "武罚〔2022)1号",
                "武罚〔2022〕1234567890号", None):
        assert reference(bad)[0] is False, bad


# --- the model, compiled once -----------------------------------------------------------------------------
INPUT_COLUMNS = ("feed VARCHAR, file_id VARCHAR, source_row INTEGER, unit_code VARCHAR, submitted_at TIMESTAMP, "
                 "report_month DATE, is_accepted BOOLEAN, authority_code VARCHAR, authority_name VARCHAR, "
                 "doc_no VARCHAR")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A function running the compiled int_doc_numbers on a list of document numbers."""
    from dbt.cli.main import dbtRunner

    tmp = tmp_path_factory.mktemp("doc_numbers")
    warehouse = tmp / "warehouse.duckdb"
    saved = os.environ.get("CREDIT_FEEDS_WAREHOUSE")
    os.environ["CREDIT_FEEDS_WAREHOUSE"] = str(warehouse)
    try:
        result = dbtRunner().invoke([
            "compile", "--select", "int_doc_numbers", "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR), "--target", "duckdb", "--target-path", str(tmp / "target"),
            "--log-path", str(tmp / "logs"), "--no-introspect"])
    finally:
        if saved is None:
            os.environ.pop("CREDIT_FEEDS_WAREHOUSE")
        else:
            os.environ["CREDIT_FEEDS_WAREHOUSE"] = saved
    assert result.success, result.exception
    [compiled] = (tmp / "target" / "compiled").rglob("int_doc_numbers.sql")
    sql = compiled.read_text(encoding="utf-8")
    # the model reads int_disclosures_submitted: that relation, as dbt named it, becomes a table we fill
    [source] = set(re.findall(r'"[^"]+"\."[^"]+"\."int_disclosures_submitted"', sql))
    con = duckdb.connect(str(warehouse))
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {source.rsplit('.', 2)[-2]}")
    con.execute(f"CREATE TABLE {source.split('.', 1)[1]} ({INPUT_COLUMNS})")
    table = source.split(".", 1)[1]

    def run(doc_nos: list[str | None]) -> list[tuple]:
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} (feed, file_id, source_row, unit_code, is_accepted, authority_code, doc_no) "
                    "SELECT 'license', 'f1', i, 'u1', true, 'A1', ?[i] FROM range(1, ? + 1) AS r(i)",
                    [doc_nos, len(doc_nos)])
        rows = con.execute(f"SELECT source_row, is_parsed, doc_prefix, doc_year, doc_serial FROM ({sql}) "
                           "ORDER BY source_row").fetchall()
        return [tuple(r[1:]) for r in rows]

    yield run
    con.close()


def test_the_compiled_model_parses_the_documented_examples(model):
    examples = ["武市监许〔2022〕12号", "武市监许（２０２２）第０１６号", "武(江汉)罚 (2022) 7号", "武市监许2022年18号",
                "武罚〔2022)1号", "武罚(2022〕1号", None]
    assert model(examples) == [reference(d) for d in examples]


# --- generated document numbers -----------------------------------------------------------------------------
def staged(text: str) -> str | None:
    """What staging hands the model: trimmed, blank = NULL."""
    return text.strip(TRIMMED) or None


digits = st.text(DIGITS + FULL_WIDTH_DIGITS, min_size=1, max_size=1)
spaces = st.text(SPACES, max_size=2)
PREFIX_CHARS = "武市监罚许江汉(（[〔〕]）)第号年A-/ 　0２"
good_prefix = st.text(PREFIX_CHARS, min_size=1, max_size=8).filter(lambda p: p.strip(TRIMMED))


@st.composite
def parts(draw) -> dict[str, str]:
    """The parts of `<prefix>〔YYYY〕N号` in one of the accepted spellings."""
    o = draw(st.sampled_from(sorted(YEAR_BRACKETS)))
    return {
        "prefix": draw(good_prefix), "space1": draw(spaces), "open": o,
        "year": "".join(draw(st.lists(digits, min_size=4, max_size=4))), "close": YEAR_BRACKETS[o],
        "space2": draw(spaces), "di": draw(st.sampled_from(["", "第"])),
        "serial": "".join(draw(st.lists(digits, min_size=1, max_size=9))), "end": "号",
    }


# what each part may wrongly be: a mixed or unknown bracket, a short or long year, a long serial, odd spaces…
WRONG = {
    "prefix": st.sampled_from(["", "\n", "武\n罚", "　", "〔2022〕"]),
    "space1": st.sampled_from(["\u3000", "\v", "\n\n", "\u00a0"]),
    "open": st.sampled_from(["〔", "[", "(", "（", "［", "【", "{", "<", ""]),
    "year": st.text(DIGITS + FULL_WIDTH_DIGITS + "O一", min_size=0, max_size=6),
    "close": st.sampled_from(["〕", "]", ")", "）", "］", "】", "}", ">", ""]),
    "space2": st.sampled_from(["\u3000", "\v", "-", "年"]),
    "di": st.sampled_from(["第 ", "第第", "No.", "字第"]),
    "serial": st.sampled_from(["", "1234567890", "0", "000000001", "12a", "一", "１２-3"]),
    "end": st.sampled_from(["", "號", "号 ", "号号", "号\n", "号。", " 号"]),
}


@st.composite
def well_formed(draw) -> str:
    return "".join(draw(parts()).values())


@st.composite
def near_miss(draw) -> str:
    """A well-formed number with one or two parts gone wrong (which may still be right by chance)."""
    p = draw(parts())
    for name in draw(st.lists(st.sampled_from(sorted(WRONG)), min_size=1, max_size=2, unique=True)):
        p[name] = draw(WRONG[name])
    return "".join(p.values())


doc_numbers = st.one_of(well_formed(), near_miss(), near_miss(), st.text("〔〕[]()（）第号20２ 武\n", max_size=12)).map(staged)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(doc_numbers, min_size=10, max_size=50))
def test_model_agrees_with_reference(model, batch):
    got = model(batch)
    expected = [reference(d) for d in batch]
    differ = [(d, g, e) for d, g, e in zip(batch, got, expected) if g != e]
    assert not differ, "\n".join(f"{d!r}: model {g}, reference {e}" for d, g, e in differ)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(well_formed().map(staged), min_size=1, max_size=60))
def test_every_accepted_spelling_is_parsed(model, batch):
    assert all(parsed for parsed, *_ in model(batch))

"""Spot check of document numbers (文书号抽查), as the national centre does it (seed 001, 九、1).

The centre picks some units each month, takes "the larger document numbers" a unit reported as the range, looks
25 license and 25 penalty numbers of that range up in its database, and treats a number it cannot find as
suspected concealment (疑似瞒报). This module runs the same check on our warehouse first, so a unit can find its
gaps before the centre does:

1. Candidates: units with license / penalty rows of the report month whose document number parses and names an
   issuing authority (a series of marts.suspected_concealment: authority, prefix, year). `random.Random(seed)`
   picks `units` of them (a count, or a fraction of the candidates) from the sorted list.
2. Per picked unit and feed (行政许可 and 行政处罚 apart, as the centre does): for each series the unit reported
   in the month, its range is [smallest, largest] serial it reported that month and the upper part is the top
   quarter of that range (⌈(largest − smallest + 1) / 4⌉ serials ending at the largest, at least one). Up to
   `sample` of the unit's numbers in the upper parts are drawn at random ("抽样").
3. The missing serials near them ("上段缺号"): the serials of the upper part next to a drawn number (between it
   and the nearest serial received by the end of the report month, by anyone) that were not received by then;
   at most `sample` of them, the nearest to a drawn number first.
4. Each checked number is looked up in the warehouse as it is now: 已报送 (a row of it is in
   marts.fct_disclosures), 已报送但未通过校验 (received, every row rejected: the centre's database will not have
   it), 未报送（疑似瞒报）(never received). A gap filled by a later month's submission shows as 已报送 with when.

Reads marts.int_doc_numbers, marts.fct_disclosures, marts.dim_reporting_unit and audit.rejections (rule IDs only).
Same seed and same warehouse give byte-identical files. Nothing personal is read; an ID-number-like run of digits
inside a document number is masked all the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .feeds import FEEDS
from .identifiers import is_valid_resident_id, mask
from .returns import FORMULA_START
from .rules import RULES

DEFAULT_UNITS = 5        # seed 001: the centre draws 5–7 departments and industries a month
DEFAULT_SAMPLE = 25      # seed 001: 25 license and 25 penalty numbers
UPPER_PART = 4           # the upper part of a range is its top 1/UPPER_PART
DISCLOSURE_FEEDS = ("license", "penalty")

ACCEPTED, REJECTED, ABSENT = "已报送", "已报送但未通过校验", "未报送（疑似瞒报）"
RESULTS = (ACCEPTED, REJECTED, ABSENT)
SAMPLED, GAP = "sample", "gap"
HEADER = ("单位", "单位代码", "类别", "发证/处罚机关", "文书号", "结果", "说明")


class SpotCheckError(Exception):
    """The spot check cannot be made; the message says why in one line."""


class Series(NamedTuple):
    authority_code: str
    doc_prefix: str
    doc_year: int

    def doc_no(self, serial: int) -> str:
        return f"{self.doc_prefix}〔{self.doc_year}〕{serial}号"


@dataclass(frozen=True)
class Received:
    """What the warehouse holds of one document number, over all months."""
    first_month: dt.date
    accepted: bool
    units: tuple[str, ...]
    written: tuple[str, ...]
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Check:
    unit_code: str
    unit_name: str
    feed: str
    series: Series
    authority_name: str | None
    serial: int
    origin: str              # SAMPLED or GAP
    result: str              # one of RESULTS
    note: str

    def row(self) -> tuple[str, ...]:
        authority = f"{self.authority_name}（{self.series.authority_code}）" if self.authority_name \
            else self.series.authority_code
        return (self.unit_name, self.unit_code, FEEDS[self.feed].name_zh, authority,
                mask_ids(self.series.doc_no(self.serial)), self.result, self.note)


@dataclass
class SpotCheck:
    report_month: dt.date
    seed: int
    sample: int
    candidates: list[str]
    units: list[str]                      # the picked units, sorted
    unit_names: dict[str, str]
    checks: list[Check]
    gaps_not_listed: dict[tuple[str, str], int] = field(default_factory=dict)   # (unit, feed) -> count

    def count(self, result: str) -> int:
        return sum(c.result == result for c in self.checks)

    @property
    def stem(self) -> str:
        return f"spot-check-{self.report_month:%Y-%m}-seed{self.seed}"


_ID_LIKE = re.compile(r"\d{17}[\dXx]")


def mask_ids(text: str) -> str:
    """Mask any resident ID number inside a text (a unit could type one into a document number)."""
    return _ID_LIKE.sub(lambda m: mask(m[0]) if is_valid_resident_id(m[0].upper()) else m[0], text)


def upper_part(smallest: int, largest: int) -> range:
    """The top quarter of the serials smallest..largest, at least the largest itself."""
    width = math.ceil((largest - smallest + 1) / UPPER_PART)
    return range(largest - width + 1, largest + 1)


def units_to_pick(units: int | float, candidates: int) -> int:
    """A count (int ≥ 1) or a fraction of the candidates (0 < float ≤ 1, rounded up); never more than there are."""
    if isinstance(units, bool) or not isinstance(units, (int, float)):
        raise SpotCheckError(f"units must be a whole number ≥ 1 or a fraction in (0, 1], not {units!r}")
    if isinstance(units, float):
        if not 0 < units <= 1:
            raise SpotCheckError(f"a fraction of units must be in (0, 1], not {units}")
        return min(candidates, max(1, math.ceil(units * candidates)))
    if units < 1:
        raise SpotCheckError(f"units must be at least 1, not {units}")
    return min(candidates, units)


# ------------------------------------------------------------------------------------------------ reading marts

_PARSED = "is_parsed AND authority_code IS NOT NULL AND feed IN ('license', 'penalty')"


def _candidates(con, month: dt.date) -> list[str]:
    return [u for (u,) in con.execute(f"""
        SELECT DISTINCT unit_code FROM marts.int_doc_numbers
        WHERE {_PARSED} AND report_month = ? ORDER BY unit_code""", [month]).fetchall()]


def _reported(con, month: dt.date, units: list[str]) -> dict[tuple[str, str], dict[Series, set[int]]]:
    """(unit, feed) -> series -> the serials the unit reported in the month (accepted or rejected)."""
    out: dict[tuple[str, str], dict[Series, set[int]]] = {}
    for unit, feed, code, prefix, year, serial in con.execute(f"""
            SELECT DISTINCT unit_code, feed, authority_code, doc_prefix, doc_year, doc_serial
            FROM marts.int_doc_numbers
            WHERE {_PARSED} AND report_month = ? AND list_contains(?, unit_code)""", [month, units]).fetchall():
        out.setdefault((unit, feed), {}).setdefault(Series(code, prefix, year), set()).add(serial)
    return out


def _received(con, month: dt.date, units: list[str]) -> tuple[dict[Series, dict[int, Received]], dict[Series, str]]:
    """Every received number (any month, any unit) of the series the picked units reported in the month, and the
    authority name of each series."""
    rows = con.execute(f"""
        WITH series AS (
            SELECT DISTINCT authority_code, doc_prefix, doc_year FROM marts.int_doc_numbers
            WHERE {_PARSED} AND report_month = ? AND list_contains(?, unit_code)
        ),
        rejected AS (
            SELECT file_id, source_row, feed, list(DISTINCT rule_id ORDER BY rule_id) AS rule_ids
            FROM audit.rejections GROUP BY ALL
        )
        SELECT d.authority_code, d.doc_prefix, d.doc_year, d.doc_serial,
               min(d.report_month) AS first_month,
               bool_or(f.file_id IS NOT NULL) AS accepted,
               list(DISTINCT d.unit_code ORDER BY d.unit_code) AS units,
               list(DISTINCT d.doc_no ORDER BY d.doc_no) AS written,
               flatten(list(r.rule_ids) FILTER (WHERE r.rule_ids IS NOT NULL)) AS rule_ids,
               max(d.authority_name) AS authority_name
        FROM marts.int_doc_numbers AS d
        JOIN series USING (authority_code, doc_prefix, doc_year)
        LEFT JOIN marts.fct_disclosures AS f ON f.feed = d.feed AND f.file_id = d.file_id
            AND f.source_row = d.source_row
        LEFT JOIN rejected AS r ON r.feed = d.feed AND r.file_id = d.file_id AND r.source_row = d.source_row
        WHERE d.is_parsed
        GROUP BY d.authority_code, d.doc_prefix, d.doc_year, d.doc_serial""", [month, units]).fetchall()
    received: dict[Series, dict[int, Received]] = {}
    names: dict[Series, str] = {}
    for code, prefix, year, serial, first, accepted, units_, written, rule_ids, name in rows:
        series = Series(code, prefix, year)
        received.setdefault(series, {})[serial] = Received(
            first, bool(accepted), tuple(units_), tuple(w for w in written if w), tuple(sorted(set(rule_ids or []))))
        if name and (series not in names or name > names[series]):
            names[series] = name
    return received, names


# ------------------------------------------------------------------------------------------------ the check

def _near_gaps(drawn: list[tuple[Series, int]], parts: dict[Series, range], known: dict[Series, set[int]],
               limit: int) -> list[tuple[Series, int]]:
    """The `limit` upper-part serials nearest to a drawn number that lie between it and the nearest serial received
    by the month's end (and were not received by then). A walk stops after `limit` steps: gaps farther away could
    not be among the nearest `limit` (one wild serial such as 99999999号 makes a huge range)."""
    distance_of: dict[tuple[Series, int], int] = {}
    for series, serial in drawn:
        part, have = parts[series], known[series]
        for step in (1, -1):
            for distance in range(1, limit + 1):
                n = serial + step * distance
                if n not in part or n in have:
                    break
                distance_of[(series, n)] = min(distance, distance_of.get((series, n), distance))
    nearest = sorted((d, s, n) for (s, n), d in distance_of.items())[:limit]
    return sorted((s, n) for _, s, n in nearest)


def _note(check_origin: str, unit: str, month: dt.date, got: Received | None, names: dict[str, str],
          canonical: str) -> str:
    parts = ["抽样：本单位本月报送的上段文书号" if check_origin == SAMPLED else f"上段缺号：截至{month:%Y年%m月}末未收到"]
    if got is None:
        parts.append("请核查是否已作出决定而未报送；如为作废号或跳号，请书面说明原因")
        return "；".join(parts)
    if got.first_month > month:
        parts.append(f"已于{got.first_month:%Y-%m}补报")
    if unit not in got.units:
        parts.append("由" + "、".join(names.get(u, u) for u in got.units) + "报送")
    if not got.accepted:
        rules = "、".join(f"{r} {RULES.get(r, '')}".strip() for r in got.rule_ids) or "未通过校验"
        parts.append(f"报送的记录未通过校验（{rules}），国家库中查不到此号，请更正后重新报送")
    variants = [w for w in got.written if w != canonical]
    if variants:
        parts.append("报送写法：" + "、".join(mask_ids(w) for w in variants))
    return "；".join(parts)


def spot_check(con, report_month: dt.date, seed: int, units: int | float = DEFAULT_UNITS,
               sample: int = DEFAULT_SAMPLE) -> SpotCheck:
    """Draw the units and numbers for `seed` and look each number up in the warehouse (see the module's doc)."""
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 1:
        raise SpotCheckError(f"sample must be a whole number ≥ 1, not {sample!r}")
    candidates = _candidates(con, report_month)
    if not candidates:
        raise SpotCheckError(f"no unit submitted license or penalty rows with parsed document numbers in "
                             f"{report_month:%Y-%m}: nothing to spot-check")
    rng = random.Random(seed)
    picked = sorted(rng.sample(candidates, units_to_pick(units, len(candidates))))
    reported = _reported(con, report_month, picked)
    received, authority_names = _received(con, report_month, picked)
    unit_names = dict(con.execute("SELECT unit_code, unit_name FROM marts.dim_reporting_unit").fetchall())
    checks: list[Check] = []
    not_listed: dict[tuple[str, str], int] = {}
    for unit in picked:
        for feed in DISCLOSURE_FEEDS:
            series_serials = reported.get((unit, feed), {})
            parts = {s: upper_part(min(v), max(v)) for s, v in series_serials.items()}
            # received by the end of the report month, by any unit: what the centre could have found then
            known = {s: {n for n, r in received.get(s, {}).items() if r.first_month <= report_month} for s in parts}
            population = sorted((s, n) for s, v in series_serials.items() for n in v if n in parts[s])
            drawn = sorted(rng.sample(population, min(sample, len(population))))
            listed = _near_gaps(drawn, parts, known, sample)
            all_gaps = sum(len(part) - sum(n in part for n in known[s]) for s, part in parts.items())
            if all_gaps > len(listed):
                not_listed[(unit, feed)] = all_gaps - len(listed)
            for origin, numbers in ((SAMPLED, drawn), (GAP, listed)):
                for series, serial in numbers:
                    got = received.get(series, {}).get(serial)
                    result = ABSENT if got is None else ACCEPTED if got.accepted else REJECTED
                    checks.append(Check(unit, unit_names.get(unit, unit), feed, series, authority_names.get(series),
                                        serial, origin, result,
                                        _note(origin, unit, report_month, got, unit_names, series.doc_no(serial))))
    checks.sort(key=lambda c: (c.unit_code, DISCLOSURE_FEEDS.index(c.feed), c.series, c.serial))
    names = {u: unit_names.get(u, u) for u in picked}
    return SpotCheck(report_month, seed, sample, candidates, picked, names, checks, not_listed)


# ------------------------------------------------------------------------------------------------ writing

def _method_lines(result: SpotCheck) -> list[tuple[str, str]]:
    """The parameters and method, for the 抽查说明 sheet and the top of the .md."""
    return [
        ("报告月份", f"{result.report_month:%Y-%m}"),
        ("随机种子", str(result.seed)),
        ("可抽单位", f"{len(result.candidates)}个（本月报送了可解析文书号的行政许可、行政处罚信息的单位）"),
        ("抽中单位", "、".join(f"{result.unit_names.get(u, u)}（{u}）" for u in result.units)),
        ("抽取方法", f"每个单位的行政许可、行政处罚分别抽取：本单位本月报送的每个文书号序列（发证/处罚机关、前缀、年份）"
                 f"取其最小至最大序号的上四分之一为上段，从上段已报送文书号中随机抽取至多{result.sample}个，"
                 f"并列出与其相邻、截至月末未收到的缺号（至多{result.sample}个）"),
        ("结果含义", f"{ACCEPTED}：已入库；{REJECTED}：已报送但全部记录被打回，国家库中查不到；"
                 f"{ABSENT}：数据库中没有此文书号"),
        ("核对结果", f"核对{len(result.checks)}个：{ACCEPTED}{result.count(ACCEPTED)}个，"
                 f"{REJECTED}{result.count(REJECTED)}个，{ABSENT}{result.count(ABSENT)}个"),
        ("未列出的上段缺号", "；".join(f"{u} {FEEDS[f].name_zh}{n}个" for (u, f), n in sorted(result.gaps_not_listed.items()))
         + "（全部缺号见 marts.suspected_concealment）" if result.gaps_not_listed else "无"),
    ]


def _csv(result: SpotCheck) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    # a cell starting with = + - @ would be run as a formula by a spreadsheet opening the CSV: lead it with '
    writer.writerows([f"'{v}" if v.startswith(FORMULA_START) else v for v in c.row()] for c in result.checks)
    return buf.getvalue().encode("utf-8-sig")   # with a BOM, so Excel opens the Chinese text as UTF-8


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(result: SpotCheck) -> str:
    lines = [f"# {result.report_month:%Y年%m月}“双公示”文书号抽查（随机种子{result.seed}）", "",
             "仿照国家公共信用信息中心的抽查方法（武信用办〔2022〕12号通报 九、1）：在报送数据中选取较大文书号为划定范围，"
             "随机抽取行政许可、行政处罚文书号在数据库中比对。", ""]
    lines += [f"- {k}：{v}" for k, v in _method_lines(result)]
    lines += ["", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_md_cell(v) for v in c.row()) + " |" for c in result.checks]
    return "\n".join(lines) + "\n"


def _fixed_times(xlsx: bytes) -> bytes:
    """The same archive with one fixed time on every entry: openpyxl stamps the time of writing on some."""
    src, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16
            dst.writestr(entry, src.read(info))
    return out.getvalue()


def _xlsx(result: SpotCheck, path: Path) -> None:
    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    from openpyxl.styles import Font

    from .returns import _text_cell   # text, never a formula, whatever the value starts with

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "抽查结果"
    for r, row in enumerate([HEADER, *(c.row() for c in result.checks)], start=1):
        for col, value in enumerate(row, start=1):
            _text_cell(ws, r, col, value)
    for col, width in enumerate((20, 22, 10, 44, 28, 20, 80), start=1):
        ws.cell(row=1, column=col).font = Font(bold=True)
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = width
    ws.freeze_panes = "A2"
    info = wb.create_sheet("抽查说明")
    for i, (key, value) in enumerate(_method_lines(result), start=1):
        _text_cell(info, i, 1, key)
        _text_cell(info, i, 2, value)
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 18, 100
    # same warehouse and seed, same bytes: openpyxl's save() would set `modified` to now, so its ExcelWriter
    # writes the workbook (created / modified = the report month), then every zip entry gets one fixed time
    wb.properties.created = wb.properties.modified = dt.datetime.combine(result.report_month, dt.time())
    wb.properties.title = f"{result.report_month:%Y年%m月}文书号抽查（随机种子{result.seed}）"
    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    path.write_bytes(_fixed_times(buf.getvalue()))


def write_spot_check(result: SpotCheck, out_dir: Path) -> dict[str, Path]:
    """Write <out>/spot_checks/spot-check-YYYY-MM-seed<N>.{xlsx,csv,md}; their paths by extension."""
    folder = Path(out_dir) / "spot_checks"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {ext: folder / f"{result.stem}.{ext}" for ext in ("xlsx", "csv", "md")}
    _xlsx(result, paths["xlsx"])
    paths["csv"].write_bytes(_csv(result))
    paths["md"].write_text(_markdown(result), encoding="utf-8")
    return paths


def summary(result: SpotCheck, paths: dict[str, Path]) -> str:
    lines = [f"{result.report_month:%Y-%m} 文书号抽查（随机种子{result.seed}）：可抽单位{len(result.candidates)}个，"
             f"抽中{len(result.units)}个；核对{len(result.checks)}个文书号：{ACCEPTED}{result.count(ACCEPTED)}，"
             f"{REJECTED}{result.count(REJECTED)}，{ABSENT}{result.count(ABSENT)}"]
    for unit in result.units:
        mine = [c for c in result.checks if c.unit_code == unit]
        absent, rejected = (sum(c.result == r for c in mine) for r in (ABSENT, REJECTED))
        lines.append(f"  {result.unit_names[unit]}（{unit}）：核对{len(mine)}个，{ABSENT}{absent}，{REJECTED}{rejected}")
    lines.append(f"结果：{paths['xlsx']}（同名 .csv、.md 在同一目录）")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ command line

def parse_units(text: str) -> int | float:
    """--units: a whole number (how many units) or a decimal fraction of the candidates (0.5)."""
    if re.fullmatch(r"\d+", text or ""):
        return int(text)
    try:
        return float(text)
    except ValueError:
        raise SpotCheckError(f"--units must be a whole number ≥ 1 or a fraction in (0, 1], not {text!r}") from None


def command(args) -> int:
    """`credit-feeds spot-check`: exit 0 with a summary on stdout, or 1 with a one-line reason on stderr."""
    import sys

    import duckdb

    from .pipeline import RunError, parse_month

    def fail(message: str) -> int:
        print(f"credit-feeds: {message}", file=sys.stderr)
        return 1

    try:
        month = parse_month(args.month)
        if not re.fullmatch(r"\d+", args.seed or ""):
            raise SpotCheckError(f"--seed must be a whole number ≥ 0, not {args.seed!r}")
        if not re.fullmatch(r"\d+", args.sample or "") or int(args.sample) < 1:
            raise SpotCheckError(f"--sample must be a whole number ≥ 1, not {args.sample!r}")
        units = parse_units(args.units)
        units_to_pick(units, 1)   # checks the value before the warehouse is opened
    except (RunError, SpotCheckError) as exc:
        return fail(str(exc))
    warehouse = Path(args.warehouse)
    if not warehouse.is_file():
        return fail(f"warehouse {args.warehouse} does not exist")
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except Exception as exc:  # duckdb raises IOException (locked by a run), InvalidInputException (not DuckDB), ...
        return fail(f"cannot open warehouse {args.warehouse} read-only: {str(exc).splitlines()[0]}")
    try:
        try:
            result = spot_check(con, month, int(args.seed), units, int(args.sample))
        except duckdb.CatalogException:
            return fail(f"warehouse {args.warehouse} has no marts.int_doc_numbers / fct_disclosures: "
                        "run `credit-feeds run` on it first")
        except SpotCheckError as exc:
            return fail(str(exc))
    finally:
        con.close()
    paths = write_spot_check(result, Path(args.out))
    print(summary(result, paths))
    return 0

"""Readers for the three file formats of feeds.md: CSV (UTF-8 / GBK / GB18030), XLSX and platform JSONL.

A reader turns one received file into batches of rows per feed, each row a dict of field code -> raw text, with
its 1-based source row. Headers may be field codes or Chinese field names, in any order; unknown columns are kept
in `extra`. Anything that makes the whole file unreadable raises `Unreadable` with a quarantine reason; a single
record that cannot be read (a CSV cut off mid-row, broken quotes; a JSONL line that is no record) is kept and
marked, never dropped and never silently repaired.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .feeds import FEEDS, Feed
from .landing import LandingFile, quarantine_reason

BEIJING = dt.timezone(dt.timedelta(hours=8))
csv.field_size_limit(1 << 30)

# What a file is when its first bytes say it is no text at all (the name promised .csv or .xlsx).
BINARY_KINDS = (
    (b"PK\x03\x04", "ZIP压缩包或XLSX工作簿"),
    (b"\xd0\xcf\x11\xe0", "旧版Excel（.xls）或其他旧版Office文件"),
    (b"%PDF", "PDF文件"),
    (b"\x89PNG", "PNG图片"),
    (b"\xff\xd8\xff", "JPEG图片"),
    (b"Rar!", "RAR压缩包"),
    (b"7z\xbc\xaf", "7z压缩包"),
    (b"\x1f\x8b", "gzip压缩包"),
)
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

# Details of MALFORMED_LINE for a CSV record (the unit reads them in its rejection list).
CUT_OFF = "文件在此行中途结束（文件不完整，可能上传中断），请补全后重报"
OPEN_QUOTE = "文件在引号内结束（引号不配对，或文件不完整），其后的内容都被读进了这一格"
BAD_QUOTES = "引号不配对或使用错误（带引号的内容后应紧跟逗号或换行），无法确定各列的值"
SWALLOWED = "一格内含换行和一整行的逗号分隔内容，疑似引号不配对，把后面的行并入了这一格"


class Unreadable(Exception):
    """The file as a whole cannot be read; the message is the quarantine reason."""


@dataclass
class Row:
    source_row: int
    unit_code: str
    submitted_at: dt.datetime
    values: dict[str, str | None]        # field code -> raw text
    extra: dict[str, Any] | None = None  # unknown columns, kept in raw
    problem: str | None = None           # why the record cannot be trusted (MALFORMED_LINE), e.g. cut off


@dataclass
class Malformed:
    source_row: int
    line_text: str
    detail: str


@dataclass
class FeedBatch:
    """The rows of one feed in one file, and which of the feed's columns the file carries."""
    feed: Feed
    rows: list[Row] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)

    @property
    def missing_columns(self) -> set[str]:
        return set(self.feed.required_codes) - self.columns


@dataclass
class ReadResult:
    encoding: str | None = None
    header_style: str | None = None
    batches: dict[str, FeedBatch] = field(default_factory=dict)
    malformed: list[Malformed] = field(default_factory=list)

    def batch(self, feed: Feed) -> FeedBatch:
        return self.batches.setdefault(feed.name, FeedBatch(feed))


@dataclass(frozen=True)
class NotAValue:
    """An XLSX cell that shows no value: an Excel error (#REF!, #N/A…) or a formula saved without its result.
    The rules see it as empty; what it held is kept in `extra`."""
    shown: str
    why: str


# --- encodings ---------------------------------------------------------------------------------------------

def _decodes(data: bytes, encoding: str, final: bool = True) -> bool:
    """True when `data` decodes; with final=False an incomplete character at the very end is allowed."""
    try:
        if final:
            data.decode(encoding)
        else:
            codecs.getincrementaldecoder(encoding)().decode(data, final=False)
        return True
    except UnicodeDecodeError:
        return False


class _Votes:
    """What the non-ASCII lines of a file say about its encoding."""

    def __init__(self):
        self.utf8 = self.other = 0
        self.gbk = self.gb18030 = True

    def add(self, line: bytes, final: bool = True) -> None:
        if _decodes(line, "utf-8", final):
            self.utf8 += 1
            return
        self.other += 1
        if self.gbk and not _decodes(line, "gbk", final):
            self.gbk = False
        if not self.gbk and self.gb18030 and not _decodes(line, "gb18030", final):
            self.gb18030 = False

    def copy(self) -> _Votes:
        votes = _Votes()
        votes.utf8, votes.other, votes.gbk, votes.gb18030 = self.utf8, self.other, self.gbk, self.gb18030
        return votes

    def encoding(self) -> str:
        if self.other == 0:
            return "utf-8"
        if not self.gb18030:
            raise Unreadable(quarantine_reason("BAD_ENCODING"))
        if self.utf8:
            raise Unreadable(quarantine_reason("MIXED_ENCODING", f"{self.utf8} 行UTF-8，{self.other} 行GBK/GB18030"))
        return "gbk" if self.gbk else "gb18030"


def sniff_encoding(path: Path) -> tuple[str, bool]:
    """(encoding, cut): utf-8-sig, utf-8, gbk or gb18030 — decided line by line, never guessed — and whether the
    file ends in the middle of a character (an upload cut off: its last record is then MALFORMED_LINE).

    A GBK line is practically never valid UTF-8, so a file whose non-ASCII lines are all valid UTF-8 is UTF-8; one
    whose non-ASCII lines all fail UTF-8 but decode as GBK/GB18030 is that; a file with both kinds of lines mixes
    encodings and is refused, as is one with bytes invalid in every candidate. The last line, when it has no line
    break, may end with an incomplete character: it is judged after the others, first whole, then without its end.
    """
    with path.open("rb") as fh:
        head = fh.read(3)
    if head == codecs.BOM_UTF8:
        return "utf-8-sig", _check_decodes(path, "utf-8-sig")
    if head[:2] in UTF16_BOMS:
        raise Unreadable(quarantine_reason("BAD_ENCODING", "UTF-16编码（如Excel“Unicode文本”），请另存为UTF-8的CSV"))
    if _decodes_whole(path, "utf-8"):   # then every line is UTF-8 (a line break never splits a character)
        return "utf-8", False
    votes, tail = _Votes(), None
    with path.open("rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                tail = line   # only the last line can lack a line break
                break
            if not line.isascii():
                votes.add(line)
                if not votes.gb18030:
                    break
    if tail is None or tail.isascii():
        return votes.encoding(), False
    whole = votes.copy()
    whole.add(tail)
    try:
        return whole.encoding(), False
    except Unreadable as refused:
        cut = votes.copy()
        cut.add(tail, final=False)
        try:
            return cut.encoding(), True
        except Unreadable:
            raise refused from None


def _decodes_whole(path: Path, encoding: str) -> bool:
    """True when the whole file decodes (read in 1 MB chunks: any size, bounded memory)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """The encoding of a CSV (see `sniff_encoding`)."""
    return sniff_encoding(path)[0]


def _check_decodes(path: Path, encoding: str) -> bool:
    """Raise BAD_ENCODING unless the whole file decodes; True when only its last character is incomplete."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
        except UnicodeDecodeError as exc:
            raise Unreadable(quarantine_reason(
                "BAD_ENCODING", f"文件以UTF-8 BOM开头，但约第{offset + exc.start + 1}字节处不是UTF-8")) from exc
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return True
    return False


def _binary_kind(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(8)
    return next((kind for magic, kind in BINARY_KINDS if head.startswith(magic)), None)


# --- headers -----------------------------------------------------------------------------------------------

def _clean_header(cell: Any) -> str:
    if isinstance(cell, NotAValue):
        cell = cell.shown
    return str(cell if cell is not None else "").strip().strip("\ufeff").strip("\u3000").strip()


def _unique(name: str, i: int, used: set[str]) -> str:
    """`name`, or `name#<column>` when an earlier column already uses it (two unknown columns both called 备注)."""
    if name in used:
        name = f"{name}#{i + 1}"
    while name in used:
        name += "'"
    used.add(name)
    return name


def map_header(feed: Feed, header: list[Any]) -> tuple[list[str | None], list[str], str]:
    """Map header cells to field codes. Returns (code or None per column, names of the other columns, style).

    A column whose header is no field, or repeats a field an earlier column already has, keeps a unique name
    for `extra` (an empty or repeated header gets `#<column number>`)."""
    codes: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    used: set[str] = set()
    styles: set[str] = set()
    for i, cell in enumerate(header):
        text = _clean_header(cell)
        code = feed.header_map.get(text) or feed.header_map.get(text.upper())
        if code and code not in seen:
            seen.add(code)
            codes.append(code)
            styles.add("code" if text.upper() == code else "chinese")
        else:
            codes.append(None)
            unknown.append(_unique(text if text and not code else f"{text or 'column'}#{i + 1}", i, used))
    style = styles.pop() if len(styles) == 1 else ("mixed" if styles else "none")
    return codes, unknown, style


def _is_blank(cells: list[Any]) -> bool:
    for c in cells:
        if c is not None and (c.__class__ is not str or c.strip()):
            return False
    return True


def _no_header(feed: Feed, header: list[Any], records: Iterator[tuple[list[Any], str | None]], note: str = "") -> str:
    """The NO_HEADER reason for a first row that names no field; it says so when the header is one row lower
    (a title row above it, often merged cells)."""
    detail = "表头中没有任何标准字段"
    second = next(records, None)
    if second is not None and any(map_header(feed, second[0])[0]):
        title = next((_clean_header(c) for c in header if _clean_header(c)), "")
        detail = (f"第1行「{title[:40]}」不是表头（可能是合并单元格的标题行），表头在第2行；表头须在第1行"
                  if title else "第1行为空，表头在第2行；表头须在第1行")
    return quarantine_reason("NO_HEADER", detail + note)


def _rows_from_table(f: LandingFile, feed: Feed, records: Iterator[tuple[list[Any], str | None]],
                     result: ReadResult, no_header_note: str = "", cells_are_text: bool = False) -> None:
    """Rows of a table whose first record is the header; each record comes with its problem (None when sound).
    `cells_are_text`: no cell can be a NotAValue (CSV)."""
    first = next(records, None)
    if first is None:
        raise Unreadable(quarantine_reason("NO_HEADER"))
    header = first[0]
    codes, unknown, result.header_style = map_header(feed, header)
    if not any(codes):
        raise Unreadable(_no_header(feed, header, records, no_header_note))
    batch = result.batch(feed)
    batch.columns = {c for c in codes if c}
    used = set(unknown)
    unknown_iter = iter(unknown)
    names = [c if c else next(unknown_iter) for c in codes]
    width = len(codes)
    empty = dict.fromkeys(feed.codes)
    every_column_a_field = None not in codes
    for n, (cells, problem) in enumerate(records, start=1):
        if problem is None and _is_blank(cells):
            continue  # a blank line is no record; numbering still counts it so row N is the N-th record after the header
        values: dict[str, str | None] = empty.copy()
        if every_column_a_field and len(cells) == width and (
                cells_are_text or not any(cell.__class__ is NotAValue for cell in cells)):
            values.update(zip(codes, cells))   # the usual row: what the loop below does, without the loop
            batch.rows.append(Row(n, f.unit_code, f.submitted_at, values, None, problem))
            continue
        extra: dict[str, Any] = {}
        for i, cell in enumerate(cells):
            code = codes[i] if i < width else None
            if cell.__class__ is NotAValue:
                extra[f"{code}（{cell.why}）" if code else _name(names, i, used)] = cell.shown
            elif code:
                values[code] = cell
            elif cell is not None and cell != "":
                extra[_name(names, i, used)] = cell
        batch.rows.append(Row(n, f.unit_code, f.submitted_at, values, extra or None, problem))


def _name(names: list[str], i: int, used: set[str]) -> str:
    """The `extra` key of column i; a cell beyond the header gets `column#<number>`."""
    while len(names) <= i:
        names.append(_unique(f"column#{len(names) + 1}", len(names), used))
    return names[i]


# --- CSV ---------------------------------------------------------------------------------------------------

class _LineTap:
    """Hands csv.reader one line at a time and keeps the lines of the record being read, so a record the strict
    parser refuses can still be read leniently, and the last record's line ending can be checked."""

    def __init__(self, fh):
        self._fh = fh
        self.lines: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._fh)
        self.lines.append(line)
        return line


def csv_records(fh, cut_mid_char: bool = False) -> Iterator[tuple[list[str], str | None]]:
    """(cells, problem) per CSV record. The parser is strict about quotes: a record it refuses (quotes that do not
    close, text after a closing quote) is read leniently and marked, the next record starts on the next line.
    The last record is marked as cut off when the file ends inside quotes or in the middle of a character, or
    without a final line break and with fewer cells than the header."""
    tap = _LineTap(fh)
    reader = csv.reader(tap, strict=True)
    width, held = None, None   # cells of the header; the previous record, held until we know if it is the last
    while True:
        tap.lines = []
        try:
            cells, problem = next(reader), None
        except StopIteration:
            break
        except csv.Error as exc:
            text = "".join(tap.lines)
            cells = next(csv.reader(io.StringIO(text, newline=""), strict=False), [])
            problem = OPEN_QUOTE if "unexpected end of data" in str(exc) else BAD_QUOTES
        if problem is None and width and len(tap.lines) > 1 and _swallows_rows(cells, width):
            problem = SWALLOWED
        if held is not None:
            yield held[0], held[1]
        ended = bool(tap.lines) and tap.lines[-1].endswith(("\n", "\r"))
        held = (cells, problem, ended)
        if width is None:
            width = len(cells)
    if held is not None:
        cells, problem, ended = held
        if problem is None and not ended and (cut_mid_char or len(cells) < (width or 0)):
            problem = CUT_OFF
        yield cells, problem


def _swallows_rows(cells: list[str], width: int) -> bool:
    """A cell with a line break and at least a whole row's separators: well-formed CSV, but almost surely a quote
    opened by mistake in one row and closed in a later one, the rows between merged into one cell. (Text with
    line breaks alone, or with a few commas, is ordinary and passes.)"""
    return width > 2 and any(("\n" in c or "\r" in c) and c.count(",") >= width - 1 for c in cells)


def read_csv(f: LandingFile) -> ReadResult:
    if kind := _binary_kind(f.path):
        raise Unreadable(quarantine_reason("UNREADABLE", f"内容是{kind}，不是CSV文本"))
    encoding, cut = sniff_encoding(f.path)
    result = ReadResult(encoding=encoding)
    # an incomplete last character (cut-off upload) becomes U+FFFD; every other byte was checked above
    with f.path.open(encoding=encoding, errors="replace" if cut else "strict", newline="") as fh:
        _rows_from_table(f, FEEDS[f.feed], csv_records(fh, cut), result, cells_are_text=True)
    return result


# --- XLSX --------------------------------------------------------------------------------------------------

def _number_text(value: int | float) -> str:
    """A number cell as Excel shows it: whole numbers below 10^15 in full, others with Excel's 15 significant
    digits (4.20106199001011E+17). Excel cannot hold an 18-character ID number or USCC as a number, so such a code
    in a number cell never passes its rule."""
    if isinstance(value, int) and abs(value) < 10 ** 15:
        return str(value)
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return format(number, ".15G")


def _xlsx_cell(value: Any, data_type: str = "n") -> str | NotAValue | None:
    """Cell value as text the way the rules see it. Excel dates become YYYY-MM-DD; numbers are written as Excel
    shows them (an ID number Excel turned into 4.20106E+17 stays visibly broken and fails its rule); an Excel error
    is no value."""
    if value is None:
        return None
    if data_type == "e":
        return NotAValue(str(value), "Excel错误值")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _number_text(value)
    return str(value)


class _Workbook:
    """What openpyxl's read-only `load_workbook` reads of a workbook (shared strings, date styles, the date
    system, the sheet list), without opening every worksheet: read-only openpyxl scans a whole sheet for its
    <dimension> when the writing program left it out, before reading a single row."""

    def __init__(self, path: Path):
        from openpyxl.reader.excel import ExcelReader

        class Lister(ExcelReader):
            def read_worksheets(self):   # instead of building worksheets: their names and parts, in order
                self.sheets = [(sheet.name, None if "chartsheet" in rel.Type else rel.target)
                               for sheet, rel in self.parser.find_sheets() if rel.target in self.valid_files]

        self._reader = Lister(path, read_only=True, keep_links=False)
        try:
            self._reader.read()
        except BaseException:
            self._reader.archive.close()
            raise
        self.names = [name for name, _ in self._reader.sheets]
        worksheets = [(name, part) for name, part in self._reader.sheets if part]
        if not worksheets:
            raise IndexError("no worksheet")
        self.first_name, self._first_part = worksheets[0]

    def close(self) -> None:
        self._reader.archive.close()

    def plain_first_sheet(self) -> bool:
        """True when the first worksheet holds only what calamine reads exactly as openpyxl: no formulas, error
        or ISO-date cells, phonetic guides, _xHHHH_ escapes or empty texts (`_not_plain`), and every cell style
        one that both call a number (`_NUMBER_FORMATS`) or both call a date (`_DATE_FORMATS`, `_PLAIN_DATE`).
        Scanned in chunks: a sheet may be huge."""
        wb = self._reader.wb
        if "" in self._reader.shared_strings:
            return False
        styles: set[bytes] = set()
        parts = [self._first_part] + [n for n in self._reader.archive.namelist() if n.endswith("sharedStrings.xml")]
        for part in parts:
            with self._reader.archive.open(part) as src:
                tail = b""
                while chunk := src.read(1 << 22):
                    text = tail + chunk
                    if _not_plain(text):
                        return False
                    if part == self._first_part:
                        styles.update(_CELL_STYLE.findall(text))
                    tail = text[-4096:]   # a tag cut by the chunk's end is whole in the next search
        for style in map(int, styles):
            if style >= len(wb._cell_styles) or style in wb._timedelta_formats:
                return False
            number_format = wb._cell_styles[style].numFmtId
            if number_format in _NUMBER_FORMATS:
                continue
            date = number_format in _DATE_FORMATS or (
                number_format >= 164 and _PLAIN_DATE.fullmatch(_custom_format(wb, number_format) or ""))
            if not (date and style in wb._date_formats):
                return False
        return True

    def first_sheet_rows(self, data_only: bool) -> list[list[tuple[Any, str]]]:
        """The first worksheet's rows of (value, openpyxl data type), as read-only openpyxl gives them after
        `reset_dimensions()` (the <dimension> a program wrote may be wrong and would cut rows short): a missing
        row is empty, a row is as long as its last cell's column, an absent cell is (None, "n")."""
        wb = self._reader.wb
        with self._reader.archive.open(self._first_part) as src:
            parser = _sheet_parser_class()(src, self._reader.shared_strings, data_only=data_only, epoch=wb.epoch,
                                  date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
            rows, counter = [], 1
            for idx, cells in parser.parse():
                while counter < idx:           # rows the sheet leaves out
                    rows.append([])
                    counter += 1
                if counter == idx:             # (a repeated or backward row number is skipped, as openpyxl does)
                    counter += 1
                    width = cells[-1][0] if cells else 0
                    row = [(None, "n")] * width
                    for col, value, data_type in cells:
                        if 1 <= col <= width:
                            row[col - 1] = (value, data_type)
                    rows.append(row)
        return rows


@functools.cache
def _sheet_parser_class():
    """openpyxl's WorkSheetParser, faster on the cells every sheet is made of (defined lazily: openpyxl is heavy).

    Rows only (the sheet's other parts — views, print settings — are not needed), and a cell that is a plain
    number, a shared string or an inline string is decoded here; any other cell (formulas, dates, booleans, errors,
    rich text) goes through openpyxl's own parse_cell, so values and types are openpyxl's."""
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import (CELL_TAG, FORMULA_TAG, INLINE_STRING, ROW_TAG, VALUE_TAG,
                                            WorkSheetParser, _cast_number)
    from openpyxl.xml.functions import iterparse

    text_tag = INLINE_STRING.replace("}is", "}t")

    class SheetParser(WorkSheetParser):
        def parse(self):
            for _, element in iterparse(self.source):   # openpyxl's parser (stdlib, or defusedxml when installed)
                if element.tag == ROW_TAG:
                    row = self.parse_row(element)
                    element.clear()
                    yield row

        def parse_row(self, row):
            r = row.get("r")
            if r is None:
                self.row_counter += 1
            else:
                try:
                    self.row_counter = int(r)
                except ValueError:
                    val = float(r)
                    if not val.is_integer():
                        raise ValueError(f"{r} is not a valid row number") from None
                    self.row_counter = int(val)
            self.col_counter = 0
            return self.row_counter, [self.fast_cell(el) for el in row if el.tag == CELL_TAG]

        def fast_cell(self, element):
            """(column, value, data type) of a <c> element."""
            data_type = element.get("t", "n")
            if data_type not in ("n", "s", "inlineStr") or (
                    not self.data_only and element.find(FORMULA_TAG) is not None):
                return self.slow_cell(element)
            if data_type == "inlineStr":
                child = element.find(INLINE_STRING)
                if child is None:
                    value = None
                else:
                    parts = list(child)
                    if len(parts) != 1 or parts[0].tag != text_tag:
                        return self.slow_cell(element)  # rich text runs, phonetic guides
                    value, data_type = parts[0].text or "", "s"   # what Text.from_tree(<is>).content gives
            else:
                value = element.findtext(VALUE_TAG, None) or None
                if value is not None:
                    if data_type == "s":
                        value = self.shared_strings[int(value)]
                    else:
                        style = element.get("s")
                        if style and int(style) in self.date_formats:
                            return self.slow_cell(element)
                        value = _cast_number(value)
            coordinate = element.get("r")
            if coordinate:
                self.col_counter = coordinate_to_tuple(coordinate)[1]
            else:
                self.col_counter += 1
            return self.col_counter, value, data_type

        def slow_cell(self, element):
            cell = self.parse_cell(element)
            return cell["column"], cell["value"], cell["data_type"]

    return SheetParser


def xlsx_table(path: Path, fast: bool = True) -> tuple[list[list[Any]], str, list[str]]:
    """The first sheet as rows of cell texts, its name, and the names of the other sheets. A plain sheet is read by
    calamine, any other by openpyxl's parser (`fast=False`: always openpyxl's; the two give the same texts).

    A formula counts by the result Excel saved with it (what the unit saw); one saved without a result (written
    by a program, never calculated) or whose result is an error is no value (`NotAValue`)."""
    wb = _Workbook(path)
    try:
        name, others = wb.first_name, [s for s in wb.names if s != wb.first_name]
        table = _calamine_table(path, name) if fast and wb.plain_first_sheet() else None
        return (table if table is not None else _openpyxl_table(wb)), name, others
    finally:
        wb.close()


def _openpyxl_table(wb: _Workbook) -> list[list[Any]]:
    raw = wb.first_sheet_rows(data_only=False)
    has_formulas = any(t == "f" for row in raw for _, t in row)
    results = wb.first_sheet_rows(data_only=True) if has_formulas else None
    table = []
    for r, row in enumerate(raw):
        cells = []
        for c, (value, data_type) in enumerate(row):
            if data_type == "f":
                result, result_type = (results[r][c] if r < len(results) and c < len(results[r])
                                       else (None, "n"))
                cells.append(NotAValue(str(value), "未计算的公式") if result is None else
                             NotAValue(f"{value} → {result}", "公式结果为错误值") if result_type == "e" else
                             _xlsx_cell(result, result_type))
            else:
                cells.append(_xlsx_cell(value, data_type))
        table.append(cells)
    return table


def _calamine_table(path: Path, sheet: str) -> list[list[Any]] | None:
    """A plain sheet (`_Workbook.plain_first_sheet`) read by calamine (Rust; ~5× faster than openpyxl's parser):
    the same cell texts as the openpyxl path. Its grid is rectangular from A1, an absent cell ''; rows lose their
    trailing empty cells (openpyxl's end at their last cell; either way they give the same records). None when a
    value is one calamine reads differently (then openpyxl's path reads the sheet)."""
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as workbook:
        grid = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    table = []
    try:
        for row in grid:
            cells = [value if value.__class__ is str and value else _calamine_cell(value) for value in row]
            while cells and cells[-1] is None:
                cells.pop()
            table.append(cells)
    except _ReadsDifferently:
        return None
    return table


class _ReadsDifferently(Exception):
    pass


def _calamine_cell(value: Any) -> str | None:
    if value == "":
        return None
    if value.__class__ in (dt.time, dt.timedelta):
        raise _ReadsDifferently   # a date cell before 1900 (openpyxl: a date; calamine: a time of day)
    return _xlsx_cell(value)


# Built-in number formats neither calls a date, and built-in date formats both do (openpyxl: its BUILTIN_FORMATS;
# calamine: dates are 14-22, 27-36, 45-58); a custom format of year, month and day only, which both call a date.
_NUMBER_FORMATS = frozenset(range(0, 14)) | frozenset(range(37, 45)) | {48, 49}
_DATE_FORMATS = frozenset({14, 15, 16, 17, 22})
_PLAIN_DATE = re.compile(r'(?:yy|yyyy)(?:[-/.]|"[年/.-]"|年)m{1,2}(?:[-/.]|"[月/.-]"|月)d{1,2}(?:"日"|日)?')
_CELL_STYLE = re.compile(rb'<c [^>]*?\bs="(\d+)"')


def _custom_format(wb, number_format: int) -> str | None:
    index = number_format - 164
    return wb._number_formats[index] if 0 <= index < len(wb._number_formats) else None


# formulas (<f>), error and ISO-date cells, phonetic guides, empty texts (calamine shows them as absent), and
# escaped characters (_x000D_): openpyxl's path only. Literal tokens first (fast), patterns only when needed.
_NOT_PLAIN_TOKENS = (b"<f>", b"<f ", b"<f/", b't="e"', b't="d"', b"<rPh", b"<t/>", b"></t>")
_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_")
_EMPTY_TEXT = re.compile(rb"<t [^>]*/>")


def _not_plain(xml: bytes) -> bool:
    return (any(token in xml for token in _NOT_PLAIN_TOKENS) or (b"_x" in xml and _ESCAPE.search(xml) is not None)
            or (b"<t " in xml and _EMPTY_TEXT.search(xml) is not None))


def read_xlsx(f: LandingFile) -> ReadResult:
    if not zipfile.is_zipfile(f.path):
        kind = _binary_kind(f.path)
        detail = "是旧版Excel（.xls）文件，请另存为.xlsx" if kind and ".xls" in kind else "不是有效的XLSX文件"
        raise Unreadable(quarantine_reason("UNREADABLE", detail))
    try:
        table, sheet, others = xlsx_table(f.path)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise Unreadable(quarantine_reason("UNREADABLE", f"不是有效的XLSX工作簿（{type(exc).__name__}）")) from exc
    note = f"；读取的是第一个工作表「{sheet}」，文件另有工作表：{'、'.join(others)}" if others else ""
    result = ReadResult(encoding=None)
    _rows_from_table(f, FEEDS[f.feed], ((cells, None) for cells in table), result, note)
    return result


# --- JSONL -------------------------------------------------------------------------------------------------

def parse_submitted_at(text: Any) -> dt.datetime | None:
    """ISO 8601 time -> Beijing local time without zone; a time without zone is taken as Beijing time."""
    if not isinstance(text, str):
        return None
    try:
        t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if t.tzinfo is not None:
            t = t.astimezone(BEIJING).replace(tzinfo=None)
    except (ValueError, OverflowError):   # OverflowError: 0001-01-01T00:00+09:00 is before year 1 in Beijing
        return None
    return t


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _has_lone_surrogate(line: str, obj: Any) -> bool:
    """JSON may escape half a UTF-16 pair (\\ud800), which no database text can hold."""
    if "\\u" not in line or "\\ud" not in line.lower():
        return False
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def read_jsonl(f: LandingFile, unit_codes: set[str]) -> ReadResult:
    if kind := _binary_kind(f.path):   # not lines of text at all: no line could be kept meaningfully
        raise Unreadable(quarantine_reason("UNREADABLE", f"内容是{kind}，不是JSONL文本"))
    result = ReadResult(encoding="utf-8")
    with f.path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                result.malformed.append(Malformed(n, raw.decode("utf-8", "replace"), "不是UTF-8文本"))
                continue
            if not line.strip():
                continue
            problem, obj = None, None
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):   # RecursionError: nesting deeper than Python's stack
                problem = "不是有效的JSON"
            if problem is None:
                problem = _line_problem(obj, unit_codes)
            if problem is None and _has_lone_surrogate(line, obj):
                problem = "含无效的Unicode转义（不成对的代理项）"
            if problem:
                result.malformed.append(Malformed(n, line.rstrip("\r\n"), problem))
                continue
            feed = FEEDS[obj["feed"]]
            batch = result.batch(feed)
            values: dict[str, str | None] = {code: None for code in feed.codes}
            extra: dict[str, Any] = {}
            given: set[str] = set()
            for key, value in obj["record"].items():
                code = feed.header_map.get(str(key).strip())
                if code and code not in given:
                    given.add(code)
                    values[code] = _text(value)
                    batch.columns.add(code)
                else:   # unknown, or a field given twice (by its code and its Chinese name): kept, not used
                    extra[str(key)] = value
            batch.rows.append(Row(n, obj["unit_code"], parse_submitted_at(obj["submitted_at"]), values, extra or None))
    return result


def _line_problem(obj: Any, unit_codes: set[str]) -> str | None:
    if not isinstance(obj, dict):
        return "不是JSON对象"
    missing = [k for k in ("feed", "unit_code", "submitted_at", "record") if k not in obj]
    if missing:
        return "缺少键：" + "、".join(missing)
    if not isinstance(obj["feed"], str) or obj["feed"] not in FEEDS:
        return f"未知数据类别：{str(obj['feed'])[:40]}"
    if not isinstance(obj["unit_code"], str) or obj["unit_code"] not in unit_codes:
        return f"未知报送单位：{str(obj['unit_code'])[:40]}"
    if parse_submitted_at(obj["submitted_at"]) is None:
        return "submitted_at 不是ISO 8601时间"
    if not isinstance(obj["record"], dict):
        return "record 不是JSON对象"
    return None


def read_file(f: LandingFile, unit_codes: set[str]) -> ReadResult:
    if f.file_format == "csv":
        return read_csv(f)
    if f.file_format == "xlsx":
        return read_xlsx(f)
    if f.file_format == "jsonl":
        return read_jsonl(f, unit_codes)
    raise Unreadable(quarantine_reason("BAD_NAME", f.rel_path))

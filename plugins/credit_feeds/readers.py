"""Readers for the three file formats of feeds.md: CSV (UTF-8 / GBK / GB18030), XLSX and platform JSONL.

A reader turns one received file into batches of rows per feed, each row a dict of field code -> raw text, with
its 1-based source row. Headers may be field codes or Chinese field names, in any order; unknown columns are kept
in `extra`. Anything that makes the whole file unreadable raises `Unreadable` with a quarantine reason.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .feeds import FEEDS, Feed
from .landing import LandingFile, quarantine_reason

BEIJING = dt.timezone(dt.timedelta(hours=8))
csv.field_size_limit(1 << 30)


class Unreadable(Exception):
    """The file as a whole cannot be read; the message is the quarantine reason."""


@dataclass
class Row:
    source_row: int
    unit_code: str
    submitted_at: dt.datetime
    values: dict[str, str | None]        # field code -> raw text
    extra: dict[str, Any] | None = None  # unknown columns, kept in raw


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


# --- encodings ---------------------------------------------------------------------------------------------

def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, gbk or gb18030 — decided line by line, never guessed.

    A GBK line is practically never valid UTF-8, so a file whose non-ASCII lines are all valid UTF-8 is UTF-8; one
    whose non-ASCII lines all fail UTF-8 but decode as GBK/GB18030 is that; a file with both kinds of lines mixes
    encodings and is refused, as is one with bytes invalid in every candidate.
    """
    with path.open("rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            encoding = "utf-8-sig"
            _check_decodes(path, "utf-8-sig")
            return encoding
    utf8_lines = other_lines = 0
    gbk_ok = gb18030_ok = True
    with path.open("rb") as fh:
        for line in fh:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8_lines += 1
                continue
            except UnicodeDecodeError:
                other_lines += 1
            if gbk_ok:
                try:
                    line.decode("gbk")
                except UnicodeDecodeError:
                    gbk_ok = False
            if not gbk_ok:
                try:
                    line.decode("gb18030")
                except UnicodeDecodeError:
                    gb18030_ok = False
                    break
    if other_lines == 0:
        return "utf-8"
    if not gb18030_ok:
        raise Unreadable(quarantine_reason("BAD_ENCODING"))
    if utf8_lines:
        raise Unreadable(quarantine_reason("MIXED_ENCODING", f"{utf8_lines} 行UTF-8，{other_lines} 行GBK/GB18030"))
    return "gbk" if gbk_ok else "gb18030"


def _check_decodes(path: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise Unreadable(quarantine_reason("BAD_ENCODING", str(exc)[:120])) from exc


# --- headers -----------------------------------------------------------------------------------------------

def _clean_header(cell: Any) -> str:
    return str(cell if cell is not None else "").strip().strip("\ufeff").strip("\u3000").strip()


def map_header(feed: Feed, header: list[Any]) -> tuple[list[str | None], list[str], str]:
    """Map header cells to field codes. Returns (code or None per column, names of unknown columns, style)."""
    codes: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
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
            unknown.append(text if text and not code else f"{text or 'column'}#{i + 1}")
    style = styles.pop() if len(styles) == 1 else ("mixed" if styles else "none")
    return codes, unknown, style


def _rows_from_table(f: LandingFile, feed: Feed, table: Iterator[list[Any]], result: ReadResult) -> None:
    try:
        header = next(table)
    except StopIteration:
        raise Unreadable(quarantine_reason("NO_HEADER"))
    codes, unknown, result.header_style = map_header(feed, header)
    if not any(codes):
        raise Unreadable(quarantine_reason("NO_HEADER", "表头中没有任何标准字段"))
    batch = result.batch(feed)
    batch.columns = {c for c in codes if c}
    unknown_iter = iter(unknown)
    names = [c if c else next(unknown_iter) for c in codes]
    for n, cells in enumerate(table, start=1):
        if not cells or all(c is None or (isinstance(c, str) and c.strip() == "") for c in cells):
            continue  # a blank line is no record; numbering still counts it so row N is the N-th line after the header
        values: dict[str, str | None] = {code: None for code in feed.codes}
        extra: dict[str, Any] = {}
        for i, cell in enumerate(cells):
            if i < len(codes) and codes[i]:
                values[codes[i]] = cell
            elif cell not in (None, ""):
                extra[names[i] if i < len(names) else f"column#{i + 1}"] = cell
        batch.rows.append(Row(n, f.unit_code, f.submitted_at, values, extra or None))


# --- CSV ---------------------------------------------------------------------------------------------------

def read_csv(f: LandingFile) -> ReadResult:
    encoding = detect_encoding(f.path)
    result = ReadResult(encoding=encoding)
    with f.path.open(encoding=encoding, newline="") as fh:
        try:
            _rows_from_table(f, FEEDS[f.feed], iter(csv.reader(fh)), result)
        except csv.Error as exc:
            raise Unreadable(quarantine_reason("UNREADABLE", f"CSV: {exc}")) from exc
    return result


# --- XLSX --------------------------------------------------------------------------------------------------

def _xlsx_cell(value: Any) -> str | None:
    """Cell value as text the way the rules see it. Excel dates become YYYY-MM-DD; numbers keep what Excel kept
    (an ID number Excel turned into 4.20106E+17 stays visibly broken and fails its rule)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).upper() if "e" in repr(value) else repr(value)
    return str(value)


def read_xlsx(f: LandingFile) -> ReadResult:
    import openpyxl  # heavy; only when an XLSX arrives

    if not zipfile.is_zipfile(f.path):
        raise Unreadable(quarantine_reason("UNREADABLE", "不是有效的XLSX文件"))
    try:
        wb = openpyxl.load_workbook(f.path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise Unreadable(quarantine_reason("UNREADABLE", f"XLSX: {type(exc).__name__}")) from exc
    try:
        ws = wb.worksheets[0]
        table = ([_xlsx_cell(v) for v in row] for row in ws.iter_rows(values_only=True))
        result = ReadResult(encoding=None)
        _rows_from_table(f, FEEDS[f.feed], table, result)
    except Unreadable:
        raise
    except Exception as exc:
        raise Unreadable(quarantine_reason("UNREADABLE", f"XLSX: {type(exc).__name__}")) from exc
    finally:
        wb.close()
    return result


# --- JSONL -------------------------------------------------------------------------------------------------

def parse_submitted_at(text: Any) -> dt.datetime | None:
    """ISO 8601 time -> Beijing local time without zone; a time without zone is taken as Beijing time."""
    if not isinstance(text, str):
        return None
    try:
        t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(BEIJING).replace(tzinfo=None)
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


def read_jsonl(f: LandingFile, unit_codes: set[str]) -> ReadResult:
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
            except ValueError:
                problem = "不是有效的JSON"
            if problem is None:
                problem = _line_problem(obj, unit_codes)
            if problem:
                result.malformed.append(Malformed(n, line.rstrip("\r\n"), problem))
                continue
            feed = FEEDS[obj["feed"]]
            batch = result.batch(feed)
            values: dict[str, str | None] = {code: None for code in feed.codes}
            extra: dict[str, Any] = {}
            for key, value in obj["record"].items():
                code = feed.header_map.get(str(key).strip())
                if code:
                    values[code] = _text(value)
                    batch.columns.add(code)
                else:
                    extra[str(key)] = value
            batch.rows.append(Row(n, obj["unit_code"], parse_submitted_at(obj["submitted_at"]), values, extra or None))
    return result


def _line_problem(obj: Any, unit_codes: set[str]) -> str | None:
    if not isinstance(obj, dict):
        return "不是JSON对象"
    missing = [k for k in ("feed", "unit_code", "submitted_at", "record") if k not in obj]
    if missing:
        return "缺少键：" + "、".join(missing)
    if obj["feed"] not in FEEDS:
        return f"未知数据类别：{str(obj['feed'])[:40]}"
    if obj["unit_code"] not in unit_codes:
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

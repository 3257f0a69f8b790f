"""Ingest: every file of the landing zone not yet received lands in `raw` (as text, with lineage) and `audit.files`.

Each file is all or nothing: its raw rows, its malformed lines and its audit record are written in the same
transaction, so a crash never leaves half a file, and a rerun skips what is already recorded (same path and
bytes). Small files share a transaction (up to GROUP_FILES files or GROUP_ROWS rows): a DuckDB commit and a table
insert cost milliseconds each, which for a landing zone of ten thousand small files would be most of the run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .db import insert_frame
from .feeds import FEEDS
from .identifiers import mask_id_numbers
from .landing import LandingFile, Reference, discover, load_reference
from .read_pool import LoadedFile, load_files
from .rules import MALFORMED_LINE, message_zh
from .warehouse import raw_feed_columns

log = logging.getLogger(__name__)

GROUP_FILES = 1000     # files per transaction at most
GROUP_ROWS = 100_000   # rows per transaction at most (a bigger file is a transaction of its own); bounds memory

FILE_COLUMNS = ("file_id", "path", "sha256", "size_bytes", "unit_code", "feed", "platform_code", "file_format",
                "encoding", "header_style", "submitted_at", "received_at", "status", "reason", "duplicate_of",
                "columns_json", "rows_total")
REJECTION_COLUMNS = ("file_id", "source_row", "unit_code", "feed", "rule_id", "field", "value_masked", "message_zh")
MALFORMED_COLUMNS = ("file_id", "source_row", "line_text")
# pandas dtypes of the columns that are not text (text columns are `object`)
DTYPES = {"source_row": "int64", "size_bytes": "int64", "rows_total": "int64",
          "submitted_at": "datetime64[us]", "received_at": "datetime64[us]"}


@dataclass
class IngestSummary:
    files_seen: int = 0
    files_new: int = 0
    loaded: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    rows_loaded: int = 0
    load_seconds: float = 0.0   # inserting rows into raw/audit and committing (the "load" of bench/)

    def as_dict(self) -> dict:
        return {"files_seen": self.files_seen, "files_new": self.files_new, "loaded": len(self.loaded),
                "duplicates": len(self.duplicates), "quarantined": len(self.quarantined),
                "rows_loaded": self.rows_loaded}


def write_reference(con, ref: Reference) -> None:
    """Replace raw.reporting_units and raw.platforms with the landing zone's reference files."""
    con.execute("BEGIN")
    con.execute("DELETE FROM raw.reporting_units")
    con.executemany("INSERT INTO raw.reporting_units VALUES (?, ?, ?, ?)",
                    [(u.unit_code, u.unit_name, u.unit_kind, u.uscc or None) for u in ref.units.values()])
    con.execute("DELETE FROM raw.platforms")
    if ref.platforms:
        con.executemany("INSERT INTO raw.platforms VALUES (?, ?, ?, ?)",
                        [(p.platform_code, p.platform_name, p.owner_unit_code or None, p.connected_on)
                         for p in ref.platforms.values()])
    con.execute("COMMIT")


def _file_record(f: LandingFile, status: str, received_at: dt.datetime, reason: str | None = None,
                 duplicate_of: str | None = None, result: LoadedFile | None = None, rows_total: int = 0) -> tuple:
    # an ID number in a file name (a scan named after its person) is masked outside raw like any other
    return (
        f.file_id, mask_id_numbers(f.rel_path), f.sha256, f.size_bytes, f.unit_code, f.feed, f.platform_code,
        f.file_format, result.encoding if result else None, result.header_style if result else None,
        f.submitted_at, received_at, status, mask_id_numbers(reason), duplicate_of,
        json.dumps({b.feed: b.columns for b in sorted(result.batches, key=lambda b: b.feed)},
                   ensure_ascii=False) if result else None,
        rows_total,
    )


def _frame(columns, rows: list[tuple]) -> pd.DataFrame:
    """Rows as a DataFrame DuckDB can scan: one column per name, text as `object`, no per-column conversions."""
    data = list(zip(*rows)) if rows else [()] * len(columns)
    return _column_frame(dict(zip(columns, data)))


def _column_frame(columns: dict[str, list]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(v if isinstance(v, list) else list(v), dtype=DTYPES.get(c, object))
                         for c, v in columns.items()})


class _Transaction:
    """What the next commit writes: whole files only (rows, malformed lines, rejections and audit records)."""

    def __init__(self):
        self.files: list[tuple] = []
        self.columns: dict[str, dict[str, list]] = {}   # feed -> raw column -> values (column-wise: no row tuples)
        self.malformed: list[tuple] = []
        self.rejections: list[tuple] = []
        self.row_count = 0

    def add_loaded(self, f: LandingFile, result: LoadedFile, received_at: dt.datetime) -> int:
        rows_total = result.rows
        file_id = f.file_id
        for batch in result.batches:
            feed = FEEDS[batch.feed]
            columns = self.columns.setdefault(feed.name, {c: [] for c, _ in raw_feed_columns(feed)})
            columns["file_id"].extend([file_id] * batch.rows)
            for name, values in batch.values.items():
                columns[name].extend(values)
            for source_row, unit_code, problem in batch.problems:   # a CSV record that could not be read as one:
                self.rejections.append((file_id, source_row, unit_code, feed.name, MALFORMED_LINE,  # kept, rejected
                                        None, None, mask_id_numbers(f"{message_zh(MALFORMED_LINE)}：{problem}")))
        for source_row, line_text, detail in result.malformed:   # JSONL lines that are no record: kept as text,
            self.malformed.append((file_id, source_row, line_text))   # attributed to no unit or feed
            self.rejections.append((file_id, source_row, None, None, MALFORMED_LINE, None, None,
                                    mask_id_numbers(f"{message_zh(MALFORMED_LINE)}：{detail}")))
        self.files.append(_file_record(f, "loaded", received_at, result=result, rows_total=rows_total))
        self.row_count += rows_total
        return rows_total

    def full(self) -> bool:
        return len(self.files) >= GROUP_FILES or self.row_count >= GROUP_ROWS

    def commit(self, con, summary: IngestSummary | None = None) -> None:
        if not self.files:
            return
        clock = time.perf_counter()
        con.execute("BEGIN")
        try:
            for feed_name, columns in self.columns.items():
                insert_frame(con, f"raw.{FEEDS[feed_name].table}", _column_frame(columns))
            _insert(con, "raw.malformed_lines", MALFORMED_COLUMNS, self.malformed)
            _insert(con, "audit.rejections", REJECTION_COLUMNS, self.rejections)
            _insert(con, "audit.files", FILE_COLUMNS, self.files)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if summary is not None:
            summary.load_seconds += time.perf_counter() - clock
        self.__init__()


def _insert(con, table: str, columns, rows: list[tuple]) -> None:
    if not rows:
        return
    insert_frame(con, table, _frame(columns, rows))   # DuckDB: scans the frame; PostgreSQL: one COPY


def ingest(landing: Path, con, received_at: dt.datetime | None = None) -> IngestSummary:
    """Receive every new file of the landing zone. Idempotent: a rerun on the same files changes nothing."""
    landing = Path(landing)
    received_at = received_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ref = load_reference(landing)
    write_reference(con, ref)
    known = {r[0] for r in con.execute("SELECT file_id FROM audit.files").fetchall()}
    first_copy = dict(con.execute(
        "SELECT sha256, min(file_id) FROM audit.files WHERE status <> 'duplicate' GROUP BY sha256").fetchall())
    unit_codes = set(ref.units)
    summary = IngestSummary()
    # first which files are new and which of those are copies (in path order), then the rest read, in that order
    received: list[tuple[LandingFile, str | None]] = []   # (file, the file it duplicates)
    for f in discover(landing, ref):
        summary.files_seen += 1
        if f.file_id in known:
            continue
        known.add(f.file_id)
        summary.files_new += 1
        # only real content is compared: a link's or a special file's digest is not of any bytes received
        if f.has_content and f.sha256 in first_copy:
            received.append((f, first_copy[f.sha256]))
            continue
        if f.has_content:
            first_copy[f.sha256] = f.file_id
        received.append((f, None))
    with contextlib.closing(load_files([f for f, copy_of in received if copy_of is None and f.problem is None],
                                       unit_codes)) as loaded:
        tx = _Transaction()
        for f, copy_of in received:
            _receive(f, copy_of, loaded, tx, con, summary, received_at)
        tx.commit(con, summary)
    log.info("ingest: %s", summary.as_dict())
    return summary


def _receive(f: LandingFile, copy_of: str | None, loaded, tx: _Transaction, con, summary: IngestSummary,
             received_at: dt.datetime) -> None:
    """One new file into the transaction: a copy, a quarantined file or a loaded one (read by `loaded`)."""
    if copy_of is not None:
        tx.files.append(_file_record(f, "duplicate", received_at, duplicate_of=copy_of,
                                     reason=f"DUPLICATE_FILE: 与已接收文件内容相同（SHA-256 {f.sha256[:12]}…）"))
        summary.duplicates.append(f.rel_path)
    else:
        result = None
        if f.problem is None:
            read, result, f.problem = next(loaded)
            assert read is f   # load_files keeps the order it is given
        if f.problem is not None:
            tx.files.append(_file_record(f, "quarantined", received_at, reason=f.problem))
            summary.quarantined.append((f.rel_path, f.problem))
            log.warning("quarantined %s: %s", mask_id_numbers(f.rel_path), mask_id_numbers(f.problem))
        else:
            if tx.row_count and tx.row_count + result.rows > GROUP_ROWS:
                tx.commit(con, summary)   # a big file gets a transaction of its own
            summary.rows_loaded += tx.add_loaded(f, result, received_at)
            summary.loaded.append(f.rel_path)
    if tx.full():
        tx.commit(con, summary)

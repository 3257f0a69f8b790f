"""Ingest: every file of the landing zone not yet received lands in `raw` (as text, with lineage) and `audit.files`.

One transaction per file: its raw rows, its malformed lines and its audit record are committed together or not at
all, so a crash never leaves half a file, and a rerun skips what is already recorded (same path and bytes).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .feeds import FEEDS
from .landing import LandingFile, Reference, discover, load_reference
from .readers import ReadResult, Unreadable, read_file
from .rules import MALFORMED_LINE, message_zh
from .warehouse import raw_feed_columns

log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    files_seen: int = 0
    files_new: int = 0
    loaded: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    quarantined: list[tuple[str, str]] = field(default_factory=list)
    rows_loaded: int = 0

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
                 duplicate_of: str | None = None, result: ReadResult | None = None, rows_total: int = 0) -> dict:
    return {
        "file_id": f.file_id, "path": f.rel_path, "sha256": f.sha256, "size_bytes": f.size_bytes,
        "unit_code": f.unit_code, "feed": f.feed, "platform_code": f.platform_code, "file_format": f.file_format,
        "encoding": result.encoding if result else None, "header_style": result.header_style if result else None,
        "submitted_at": f.submitted_at, "received_at": received_at, "status": status, "reason": reason,
        "duplicate_of": duplicate_of,
        "columns_json": json.dumps({name: sorted(b.columns) for name, b in sorted(result.batches.items())},
                                   ensure_ascii=False) if result else None,
        "rows_total": rows_total,
    }


def _insert_file(con, record: dict) -> None:
    cols = ", ".join(record)
    con.execute(f"INSERT INTO audit.files ({cols}) VALUES ({', '.join('?' * len(record))})", list(record.values()))


def _raw_frame(result_batch) -> pd.DataFrame:
    feed = result_batch.feed
    columns = [c for c, _ in raw_feed_columns(feed)]
    records = []
    for row in result_batch.rows:
        rec = [None, row.source_row, row.unit_code, row.submitted_at]
        rec += [row.values.get(code) for code in feed.codes]
        rec.append(json.dumps(row.extra, ensure_ascii=False, default=str) if row.extra else None)
        records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.astype({c: "object" for c in columns if c not in ("source_row", "submitted_at")})


def _load(con, f: LandingFile, result: ReadResult, received_at: dt.datetime) -> int:
    rows_total = sum(len(b.rows) for b in result.batches.values()) + len(result.malformed)
    con.execute("BEGIN")
    try:
        for batch in result.batches.values():
            if not batch.rows:
                continue
            frame = _raw_frame(batch)
            frame["file_id"] = f.file_id
            con.register("incoming_rows", frame)
            con.execute(f"INSERT INTO raw.{batch.feed.table} BY NAME SELECT * FROM incoming_rows")
            con.unregister("incoming_rows")
        if result.malformed:
            con.executemany("INSERT INTO raw.malformed_lines VALUES (?, ?, ?)",
                            [(f.file_id, m.source_row, m.line_text) for m in result.malformed])
            con.executemany(
                "INSERT INTO audit.rejections (file_id, source_row, unit_code, feed, rule_id, field, value_masked,"
                " message_zh) VALUES (?, ?, NULL, NULL, ?, NULL, NULL, ?)",
                [(f.file_id, m.source_row, MALFORMED_LINE, f"{message_zh(MALFORMED_LINE)}：{m.detail}")
                 for m in result.malformed])
        _insert_file(con, _file_record(f, "loaded", received_at, result=result, rows_total=rows_total))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return rows_total


def ingest(landing: Path, con, received_at: dt.datetime | None = None) -> IngestSummary:
    """Receive every new file of the landing zone. Idempotent: a rerun on the same files changes nothing."""
    landing = Path(landing)
    received_at = received_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    ref = load_reference(landing)
    write_reference(con, ref)
    known = {r[0] for r in con.execute("SELECT file_id FROM audit.files").fetchall()}
    first_copy = dict(con.execute(
        "SELECT sha256, min(file_id) FROM audit.files WHERE status <> 'duplicate' GROUP BY sha256").fetchall())
    summary = IngestSummary()
    for f in discover(landing, ref):
        summary.files_seen += 1
        if f.file_id in known:
            continue
        summary.files_new += 1
        if f.sha256 in first_copy:
            _insert_file(con, _file_record(f, "duplicate", received_at, duplicate_of=first_copy[f.sha256],
                                           reason=f"DUPLICATE_FILE: 与已接收文件内容相同（SHA-256 {f.sha256[:12]}…）"))
            summary.duplicates.append(f.rel_path)
            continue
        first_copy[f.sha256] = f.file_id
        if f.problem is None:
            try:
                result = read_file(f, set(ref.units))
            except Unreadable as exc:
                f.problem = str(exc)
        if f.problem is not None:
            _insert_file(con, _file_record(f, "quarantined", received_at, reason=f.problem))
            summary.quarantined.append((f.rel_path, f.problem))
            log.warning("quarantined %s: %s", f.rel_path, f.problem)
            continue
        summary.rows_loaded += _load(con, f, result, received_at)
        summary.loaded.append(f.rel_path)
    log.info("ingest: %s", summary.as_dict())
    return summary

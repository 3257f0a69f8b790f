"""Field compliance: validate every received file not yet validated with its feed's GX suite, and record the
outcome in `audit.validation_runs` and `audit.rejections` (one transaction per file, so a rerun validates
exactly the files a crash left unvalidated)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .feeds import FEEDS
from .warehouse import raw_feed_columns

log = logging.getLogger(__name__)


@dataclass
class ComplianceSummary:
    files_validated: int = 0
    rows_evaluated: int = 0
    rows_rejected: int = 0
    rejections_by_rule: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"files_validated": self.files_validated, "rows_evaluated": self.rows_evaluated,
                "rows_rejected": self.rows_rejected, "rejections_by_rule": dict(sorted(self.rejections_by_rule.items()))}


def _feed_frame(con, feed, file_id: str):
    cols = ", ".join(f'"{c}"' for c, _ in raw_feed_columns(feed) if c not in ("file_id", "extra"))
    return con.execute(f"SELECT {cols} FROM raw.{feed.table} WHERE file_id = ? ORDER BY source_row",
                       [file_id]).df()


def validate_pending(con, data_docs_dir: Path | None = None, validator=None) -> ComplianceSummary:
    """Validate the loaded files whose validation has not been recorded yet."""
    from .validation import Validator  # GX is heavy; import only when validating

    pending = con.execute(
        "SELECT file_id, path, columns_json FROM audit.files WHERE status = 'loaded' AND validated_at IS NULL "
        "ORDER BY path").fetchall()
    summary = ComplianceSummary()
    if not pending:
        return summary
    validator = validator or Validator(data_docs_dir)
    for file_id, path, columns_json in pending:
        outcomes = []
        for feed_name, columns in json.loads(columns_json or "{}").items():
            feed = FEEDS[feed_name]
            frame = _feed_frame(con, feed, file_id)
            if frame.empty:
                continue
            missing = set(feed.required_codes) - set(columns)
            outcome = validator.validate(feed, frame, missing, batch_name=f"{path}#{feed_name}")
            outcomes.append((feed, outcome, frame))
        _record(con, file_id, outcomes, summary)
        summary.files_validated += 1
    log.info("validation: %s", summary.as_dict())
    return summary


def _record(con, file_id: str, outcomes, summary: ComplianceSummary) -> None:
    con.execute("BEGIN")
    try:
        for feed, outcome, frame in outcomes:
            run_id = uuid.uuid4().hex
            rejected_rows = {r.source_row for r in outcome.rejections}
            con.execute(
                "INSERT INTO audit.validation_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, file_id, feed.name, outcome.suite_name, outcome.suite_version, outcome.gx_version,
                 outcome.success, outcome.rows_evaluated, len(rejected_rows), outcome.evaluated_at,
                 outcome.result_json])
            unit_of = dict(zip(frame["source_row"].tolist(), frame["unit_code"].tolist()))
            if outcome.rejections:
                con.executemany(
                    "INSERT INTO audit.rejections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(file_id, r.source_row, unit_of.get(r.source_row), feed.name, r.rule_id, r.field,
                      r.value_masked, r.message_zh, run_id) for r in outcome.rejections])
            summary.rows_evaluated += outcome.rows_evaluated
            summary.rows_rejected += len(rejected_rows)
            for r in outcome.rejections:
                summary.rejections_by_rule[r.rule_id] = summary.rejections_by_rule.get(r.rule_id, 0) + 1
        # rows_rejected counts distinct rows of the file with any rejection (malformed lines included)
        con.execute("""
            UPDATE audit.files SET
                rows_rejected = (SELECT count(*) FROM (SELECT DISTINCT feed, source_row FROM audit.rejections
                                                       WHERE file_id = ?)),
                validated_at = ?
            WHERE file_id = ?""", [file_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), file_id])
        con.execute("UPDATE audit.files SET rows_accepted = rows_total - rows_rejected WHERE file_id = ?", [file_id])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise

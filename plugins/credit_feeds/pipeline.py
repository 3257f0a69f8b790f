"""The monthly cycle's stages, each a plain function the DAG tasks (and tests) call:
ingest → validate → dbt build → bulletin. Each stage opens the warehouse itself and closes it before it returns:
DuckDB allows one writer, and dbt opens the same file in between.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import logging
import os
import re
import time
import uuid
from pathlib import Path

from . import settings
from .warehouse import connect, create_schemas
from .workdays import WorkCalendar, write_calendar

log = logging.getLogger(__name__)

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class RunError(Exception):
    """The month cannot be produced; the message says why in one line."""


def parse_month(text: str) -> dt.date:
    m = MONTH_RE.match(text or "")
    if not m or not 1 <= int(m[2]) <= 12:
        raise RunError(f"report month {text!r} is not YYYY-MM")
    return dt.date(int(m[1]), int(m[2]), 1)


def month_before(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def require_calendar(report_month: dt.date, calendar: WorkCalendar | None = None) -> WorkCalendar:
    """Stop (CalendarNotCovered) unless every day of the report month is in the working-day calendar."""
    calendar = calendar or WorkCalendar(os.environ.get("CREDIT_FEEDS_CALENDAR_OVERRIDES"))
    last = report_month.replace(day=_calendar.monthrange(report_month.year, report_month.month)[1])
    calendar.require(report_month)
    calendar.require(last)
    return calendar


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record_stage(con, run_id: str | None, stage: str, report_month: dt.date, started_at: dt.datetime,
                 seconds: float, files_seen: int | None = None, files_new: int | None = None,
                 message: str | None = None) -> None:
    """One row of audit.pipeline_runs: how long a stage of a run took (a rerun of the task replaces it)."""
    con.execute(
        "INSERT INTO audit.pipeline_runs (run_id, stage, report_month, started_at, finished_at, seconds, status, "
        "files_seen, files_new, message) VALUES (?, ?, ?, ?, ?, ?, 'success', ?, ?, ?) "
        "ON CONFLICT (run_id, stage) DO UPDATE SET started_at = excluded.started_at, "
        "finished_at = excluded.finished_at, seconds = excluded.seconds, status = excluded.status, "
        "files_seen = excluded.files_seen, files_new = excluded.files_new, message = excluded.message",
        [run_id or uuid.uuid4().hex, stage, report_month, started_at, _utcnow(), seconds, files_seen, files_new,
         message])


def record_stage_in(warehouse: str, run_id: str | None, stage: str, report_month: dt.date,
                    started_at: dt.datetime, seconds: float) -> None:
    """record_stage for a stage that does not hold the warehouse open itself (dbt)."""
    con = connect(warehouse)
    try:
        create_schemas(con)
        record_stage(con, run_id, stage, report_month, started_at, seconds)
    finally:
        con.close()


def ingest_stage(landing: str | Path, warehouse: str, report_month: dt.date, run_id: str | None = None) -> dict:
    from .ingest import ingest

    started_at, clock = _utcnow(), time.perf_counter()
    calendar = require_calendar(report_month)
    con = connect(warehouse)
    try:
        create_schemas(con)
        write_calendar(con, calendar)
        summary = ingest(Path(landing), con)
        # "load" is the part of ingest that writes rows into raw and audit (inserts and commits)
        record_stage(con, run_id, "load", report_month, started_at, summary.load_seconds)
        record_stage(con, run_id, "ingest", report_month, started_at, time.perf_counter() - clock,
                     summary.files_seen, summary.files_new)
        return summary.as_dict()
    finally:
        con.close()


def validate_stage(warehouse: str, out: str | Path, report_month: dt.date | None = None,
                   run_id: str | None = None) -> dict:
    from .compliance import validate_pending
    from .validation import Validator

    started_at, clock = _utcnow(), time.perf_counter()
    validator = Validator(Path(out) / "data_docs")
    con = connect(warehouse)
    try:
        create_schemas(con)
        summary = validate_pending(con, validator=validator)
    finally:
        con.close()
    validator.build_data_docs()
    if report_month is not None:
        record_stage_in(warehouse, run_id, "validate", report_month, started_at, time.perf_counter() - clock)
    return summary.as_dict()


def dbt_args(command: str, warehouse: str) -> list[str]:
    from .db import dbt_target

    return [command, "--project-dir", str(settings.DBT_PROJECT_DIR), "--profiles-dir", str(settings.DBT_PROJECT_DIR),
            "--target", dbt_target(warehouse)[0]]


def dbt_stage(warehouse: str, command: str = "build") -> None:
    """dbt without Airflow (tests, and a fallback for operators): the DAG runs the same build through Cosmos."""
    from dbt.cli.main import dbtRunner

    from .db import dbt_target

    os.environ.update(dbt_target(warehouse)[1])   # the DuckDB path, or PostgreSQL's host, user, … (profiles.yml)
    result = dbtRunner().invoke(dbt_args(command, warehouse))
    if not result.success:
        raise RunError(f"dbt {command} failed: {result.exception or 'see the dbt log above'}")


def bulletin_stage(warehouse: str, out: str | Path, report_month: dt.date, run_id: str | None = None) -> dict:
    """The bulletin (from marts alone) and, beside it, the units' rejection lists and the audit site (from audit)."""
    from .audit_site import write_audit_site
    from .bulletin import write_bulletin
    from .bulletin_figures import mismatches, store_figures
    from .publish import publication, publish_snapshot
    from .returns import write_returns

    started_at, clock = _utcnow(), time.perf_counter()
    # not read_only: dbt-duckdb run in-process keeps the file open, and DuckDB refuses a second configuration
    con = connect(warehouse)
    try:
        # PostgreSQL: readers see the new marts and these figures together, at the commit (publish.py)
        with publication(con):
            paths = write_bulletin(con, report_month, Path(out))
            store_figures(con, report_month, paths["figures"])
            untraced = mismatches(con, report_month)
            if untraced:   # a bug of the bulletin, never of the data: stop rather than publish a number marts lack
                raise RuntimeError("通报数字无法由 marts 复算 (bulletin figures do not trace): "
                                   + "; ".join(untraced[:5]))
        returns = write_returns(con, report_month, Path(out))
        audit_index = write_audit_site(con, report_month, Path(out))
        record_stage(con, run_id, "bulletin", report_month, started_at, time.perf_counter() - clock)
    finally:
        con.close()
    snapshot = publish_snapshot(warehouse)   # DuckDB: what analysts open while the next run writes (publish.py)
    result = {k: str(v) for k, v in paths.items() if k != "figures"}  # paths only: XCom stays small
    result["returns"] = len(returns)
    result["audit_site"] = str(audit_index)
    if snapshot is not None:
        result["snapshot"] = str(snapshot)
    return result

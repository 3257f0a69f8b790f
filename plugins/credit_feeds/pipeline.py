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


def ingest_stage(landing: str | Path, warehouse: str, report_month: dt.date) -> dict:
    from .ingest import ingest

    calendar = require_calendar(report_month)
    con = connect(warehouse)
    try:
        create_schemas(con)
        write_calendar(con, calendar)
        return ingest(Path(landing), con).as_dict()
    finally:
        con.close()


def validate_stage(warehouse: str, out: str | Path) -> dict:
    from .compliance import validate_pending
    from .validation import Validator

    validator = Validator(Path(out) / "data_docs")
    con = connect(warehouse)
    try:
        create_schemas(con)
        summary = validate_pending(con, validator=validator)
    finally:
        con.close()
    validator.build_data_docs()
    return summary.as_dict()


def dbt_args(command: str, warehouse: str) -> list[str]:
    return [command, "--project-dir", str(settings.DBT_PROJECT_DIR), "--profiles-dir", str(settings.DBT_PROJECT_DIR),
            "--target", "duckdb"]


def dbt_stage(warehouse: str, command: str = "build") -> None:
    """dbt without Airflow (tests, and a fallback for operators): the DAG runs the same build through Cosmos."""
    from dbt.cli.main import dbtRunner

    os.environ["CREDIT_FEEDS_WAREHOUSE"] = str(Path(warehouse).resolve())
    result = dbtRunner().invoke(dbt_args(command, warehouse))
    if not result.success:
        raise RunError(f"dbt {command} failed: {result.exception or 'see the dbt log above'}")


def bulletin_stage(warehouse: str, out: str | Path, report_month: dt.date) -> dict:
    """The bulletin (from marts alone) and, beside it, the units' rejection lists and the audit site (from audit)."""
    from .audit_site import write_audit_site
    from .bulletin import write_bulletin
    from .bulletin_figures import mismatches, store_figures
    from .returns import write_returns

    # not read_only: dbt-duckdb run in-process keeps the file open, and DuckDB refuses a second configuration
    con = connect(warehouse)
    try:
        paths = write_bulletin(con, report_month, Path(out))
        store_figures(con, report_month, paths["figures"])
        untraced = mismatches(con, report_month)
        if untraced:   # a bug of the bulletin, never of the data: stop rather than publish a number marts lack
            raise RuntimeError("通报数字无法由 marts 复算 (bulletin figures do not trace): " + "; ".join(untraced[:5]))
        returns = write_returns(con, report_month, Path(out))
        audit_index = write_audit_site(con, report_month, Path(out))
    finally:
        con.close()
    result = {k: str(v) for k, v in paths.items() if k != "figures"}  # paths only: XCom stays small
    result["returns"] = len(returns)
    result["audit_site"] = str(audit_index)
    return result

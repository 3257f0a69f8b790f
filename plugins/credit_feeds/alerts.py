"""What an operator is told when a task fails: one clear log line naming the month, the task and the reason.

`credit-feeds run` also asks for the line in a file (CREDIT_FEEDS_ERROR_FILE) so it can print it on stderr.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger("credit_feeds.alerts")


def failure_line(context) -> str:
    ti = context.get("task_instance") or context.get("ti")
    params = context.get("params") or {}
    month = params.get("report_month") or "(the month before the run)"
    reason = context.get("exception")
    reason = str(reason).strip().splitlines()[0] if reason and str(reason).strip() else \
        (type(reason).__name__ if reason else "unknown (see the task log)")
    if "report_month" not in params:   # the pull DAGs work for no particular month
        return f"task {getattr(ti, 'task_id', '?')} failed: {reason}"
    return f"task {getattr(ti, 'task_id', '?')} failed for report month {month}: {reason}"


def task_failed(context) -> None:
    line = failure_line(context)
    log.error("credit-feeds FAILED %s", line)
    if error_file := os.environ.get("CREDIT_FEEDS_ERROR_FILE"):
        with Path(error_file).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

"""Where things are: the project's folders and the run's defaults, overridable by environment variables.

CREDIT_FEEDS_LANDING    landing zone (default: include/sample_feeds)
CREDIT_FEEDS_WAREHOUSE  DuckDB file (default: warehouse/credit_feeds.duckdb), postgresql:// URL or Airflow connection id
CREDIT_FEEDS_OUT        output folder for bulletins, rejection lists and audit site (default: output)
CREDIT_FEEDS_CALENDAR_OVERRIDES  working-day overrides (default: include/calendar_overrides.csv)
CREDIT_FEEDS_STATE      what the pull DAGs remember: export cursors, drop-folder registries, quarantined pages
                        (default: state/; outside the landing zone, on the same file system as it)
CREDIT_FEEDS_EXPORT_PAGE_LIMIT  items asked per export page (default 500)
CREDIT_FEEDS_PULL_ATTEMPTS      tries per request on timeouts, 5xx and 429 (default 6)
CREDIT_FEEDS_PULL_BACKOFF       first wait between tries, seconds, doubled each time up to 60 (default 2)
CREDIT_FEEDS_PULL_TIMEOUT       HTTP timeout per request, seconds (default 60)
CREDIT_FEEDS_DROP_SETTLE_SECONDS  a dropped file younger than this is left for the next pull (default 60)
CREDIT_FEEDS_DROP_DELETE_AFTER_COPY  true = delete a dropped file at the source once its copy is verified
                        (default false: the source is never touched)
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SAMPLE_FEEDS = PROJECT_ROOT / "include" / "sample_feeds"

# No library phones home: the office's data stays home (Cosmos, dbt, GX, Airflow).
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "false",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "SCARF_ANALYTICS": "false",
    "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
}


def switch_off_telemetry() -> None:
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)


def landing_dir() -> Path:
    return Path(os.environ.get("CREDIT_FEEDS_LANDING", SAMPLE_FEEDS))


def warehouse_path() -> str:
    return os.environ.get("CREDIT_FEEDS_WAREHOUSE", str(PROJECT_ROOT / "warehouse" / "credit_feeds.duckdb"))


def out_dir() -> Path:
    return Path(os.environ.get("CREDIT_FEEDS_OUT", PROJECT_ROOT / "output"))


def state_dir() -> Path:
    return Path(os.environ.get("CREDIT_FEEDS_STATE", PROJECT_ROOT / "state"))


def _number(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def export_page_limit() -> int:
    return int(_number("CREDIT_FEEDS_EXPORT_PAGE_LIMIT", 500))


def pull_attempts() -> int:
    return int(_number("CREDIT_FEEDS_PULL_ATTEMPTS", 6))


def pull_backoff() -> float:
    return _number("CREDIT_FEEDS_PULL_BACKOFF", 2)


def pull_timeout() -> float:
    return _number("CREDIT_FEEDS_PULL_TIMEOUT", 60)


def drop_settle_seconds() -> float:
    return _number("CREDIT_FEEDS_DROP_SETTLE_SECONDS", 60)


def drop_delete_after_copy() -> bool:
    return os.environ.get("CREDIT_FEEDS_DROP_DELETE_AFTER_COPY", "false").strip().lower() in ("1", "true", "yes")

"""Where things are: the project's folders and the run's defaults, overridable by environment variables.

CREDIT_FEEDS_LANDING    landing zone (default: include/sample_feeds)
CREDIT_FEEDS_WAREHOUSE  DuckDB file (default: warehouse/credit_feeds.duckdb)
CREDIT_FEEDS_OUT        output folder for bulletins, rejection lists and audit site (default: output)
CREDIT_FEEDS_CALENDAR_OVERRIDES  working-day overrides (default: include/calendar_overrides.csv)
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

"""Test-wide environment: no telemetry, a private Airflow home, quiet GX."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_airflow_home = Path(tempfile.mkdtemp(prefix="credit-feeds-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_airflow_home)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ.setdefault("AIRFLOW__COSMOS__CACHE_DIR", str(_airflow_home / "cosmos"))
os.environ.setdefault("MPLCONFIGDIR", str(_airflow_home / "matplotlib"))
from credit_feeds.settings import switch_off_telemetry  # noqa: E402

switch_off_telemetry()
logging.getLogger("great_expectations").setLevel(logging.WARNING)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server():
    """A private PostgreSQL server on a free loopback port for the whole session (tests/pg_server.py)."""
    from pg_server import running_postgres

    with running_postgres() as server:
        yield server

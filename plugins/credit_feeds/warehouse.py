"""The warehouse's `raw` and `audit` schemas (warehouse.md) and connections to it.

`raw` holds every received row as text with its lineage; `audit` records files, validations and rejections.
dbt builds `staging` and `marts` from these (dbt_project/models/sources.yml declares them). The DDL is written in
the types DuckDB and PostgreSQL share (VARCHAR, INTEGER, BIGINT, DOUBLE PRECISION, BOOLEAN, DATE, TIMESTAMP);
JSON is kept as text. `connect` takes a DuckDB file or a PostgreSQL URL (credit_feeds.db).
"""

from __future__ import annotations

from pathlib import Path

from . import db
from .feeds import FEEDS, Feed

SCHEMAS = ("raw", "audit", "staging", "marts")

# Lineage columns that precede the field columns in every raw.<feed> table.
RAW_LINEAGE = (
    ("file_id", "VARCHAR NOT NULL"),
    ("source_row", "INTEGER NOT NULL"),      # 1-based data row; JSONL: line number
    ("unit_code", "VARCHAR NOT NULL"),       # the submitting unit (file name, or unit_code of a platform line)
    ("submitted_at", "TIMESTAMP NOT NULL"),  # 报送时间, Beijing time (UTC+8), stored without zone
)

AUDIT_DDL = {
    "files": """
        file_id VARCHAR PRIMARY KEY,
        path VARCHAR NOT NULL,              -- relative to the landing zone
        sha256 VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL,
        unit_code VARCHAR,
        feed VARCHAR,                       -- NULL for platform exports (their lines carry the feed)
        platform_code VARCHAR,
        file_format VARCHAR,                -- csv / xlsx / jsonl
        encoding VARCHAR,
        header_style VARCHAR,               -- code / chinese / mixed
        submitted_at TIMESTAMP,             -- from the file name, Beijing time
        received_at TIMESTAMP NOT NULL,     -- when the pipeline ingested it (UTC)
        status VARCHAR NOT NULL,            -- loaded / duplicate / quarantined
        reason VARCHAR,                     -- why quarantined, or which file it duplicates
        duplicate_of VARCHAR,
        columns_json VARCHAR,               -- feed -> the feed's field codes the file carries (MISSING_COLUMN)
        rows_total INTEGER NOT NULL DEFAULT 0,
        rows_accepted INTEGER,              -- set by validation
        rows_rejected INTEGER,
        validated_at TIMESTAMP              -- NULL until every feed batch of the file has been validated
    """,
    "validation_runs": """
        run_id VARCHAR PRIMARY KEY,
        file_id VARCHAR NOT NULL,
        feed VARCHAR NOT NULL,
        suite_name VARCHAR NOT NULL,
        suite_version VARCHAR NOT NULL,     -- SHA-256 of the suite file under expectations/
        gx_version VARCHAR NOT NULL,
        success BOOLEAN NOT NULL,
        rows_evaluated INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        evaluated_at TIMESTAMP NOT NULL,
        result_json VARCHAR NOT NULL,       -- GX result of the batch the file was validated in, row lists dropped
        batch_id VARCHAR NOT NULL           -- the GX validation (several files of one feed validated together)
    """,
    "rejections": """
        file_id VARCHAR NOT NULL,
        source_row INTEGER NOT NULL,
        unit_code VARCHAR,                  -- NULL for a MALFORMED_LINE that names no known unit
        feed VARCHAR,
        rule_id VARCHAR NOT NULL,
        field VARCHAR,
        value_masked VARCHAR,
        message_zh VARCHAR NOT NULL,
        batch_id VARCHAR                    -- the GX validation that found it (NULL for MALFORMED_LINE)
    """,
    # one row per stage of a monthly run: where the time goes (bench/, docs/architecture.md "Scale")
    "pipeline_runs": """
        run_id VARCHAR NOT NULL,            -- the Airflow DAG run (a uuid when a stage runs outside Airflow)
        stage VARCHAR NOT NULL,             -- ingest / load / validate / dbt / bulletin
        report_month DATE NOT NULL,
        started_at TIMESTAMP NOT NULL,      -- UTC
        finished_at TIMESTAMP,
        seconds DOUBLE PRECISION,           -- load: the ingest's inserts and commits, summed; else finished - started
        status VARCHAR NOT NULL,            -- success / failed
        files_seen INTEGER,
        files_new INTEGER,
        message VARCHAR,
        PRIMARY KEY (run_id, stage)
    """,
}

RAW_REFERENCE_DDL = {
    "reporting_units": "unit_code VARCHAR PRIMARY KEY, unit_name VARCHAR NOT NULL, unit_kind VARCHAR NOT NULL, uscc VARCHAR",
    "platforms": "platform_code VARCHAR PRIMARY KEY, platform_name VARCHAR NOT NULL, owner_unit_code VARCHAR, connected_on DATE",
    # one row per calendar day, written from chinesecalendar and include/calendar_overrides.csv (workdays.py)
    "calendar_days": "date DATE PRIMARY KEY, is_workday BOOLEAN NOT NULL, holiday_name VARCHAR, source VARCHAR NOT NULL",
    # JSONL lines that are not a usable record (MALFORMED_LINE): kept with their text
    "malformed_lines": "file_id VARCHAR NOT NULL, source_row INTEGER NOT NULL, line_text VARCHAR",
}


def raw_feed_columns(feed: Feed) -> list[tuple[str, str]]:
    cols = list(RAW_LINEAGE)
    cols += [(code, "VARCHAR") for code in feed.codes]
    cols.append(("extra", "VARCHAR"))  # unknown extra columns of the file, as a JSON object
    return cols


def create_schemas(con) -> None:
    """Create raw and audit tables if missing (idempotent)."""
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    if con.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'audit' "
                   "AND table_name = 'pipeline_runs' AND column_name = 'stage'").fetchone()[0] == 0:
        con.execute("DROP TABLE IF EXISTS audit.pipeline_runs")  # the first layout had no stage and was never written
    for name, ddl in AUDIT_DDL.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS audit.{name} ({ddl})")
    for name, ddl in RAW_REFERENCE_DDL.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} ({ddl})")
    for feed in FEEDS.values():
        cols = ", ".join(f'"{c}" {t}' for c, t in raw_feed_columns(feed))
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{feed.table} ({cols})")


def connect(warehouse: str | Path, read_only: bool = False):
    """A DuckDB connection for a file, a db.PostgresConnection for a postgresql:// URL."""
    return db.connect(warehouse, read_only=read_only)

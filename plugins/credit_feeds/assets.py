"""The Assets the DAGs exchange, named once: the pull DAGs update `LANDING_ZONE`, the monthly DAG is scheduled on it."""

from __future__ import annotations

from airflow.sdk import Asset

LANDING_ZONE = Asset("credit_feeds://landing_zone")
RAW = Asset("credit_feeds://warehouse/raw")
AUDIT = Asset("credit_feeds://warehouse/audit")
MARTS = Asset("credit_feeds://warehouse/marts")
BULLETIN = Asset("credit_feeds://output/bulletin")

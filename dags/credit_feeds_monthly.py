"""The monthly cycle of the credit office: landing zone → raw/audit → GX validation → dbt marts → bulletin.

Thin on purpose: every step is a function of the `credit_feeds` package (plugins/). Runs on the 10th of each
month for the previous month, and whenever the landing zone receives new files (the pull DAGs update the
`landing_zone` Asset). `credit-feeds run` executes this same DAG in-process with a chosen month.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from airflow.sdk import Param, dag, get_current_context, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable
from cosmos import ProfileConfig
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtBuildLocalOperator

from credit_feeds import settings
from credit_feeds.alerts import task_failed
from credit_feeds.assets import AUDIT, BULLETIN, LANDING_ZONE, MARTS, RAW

DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"


def _run_settings() -> tuple[str, str, str, dt.date]:
    """landing, warehouse, out and report month of this run (params, else the month before the run)."""
    from credit_feeds.pipeline import month_before, parse_month

    ctx = get_current_context()
    p = ctx["params"]
    if p.get("report_month"):
        month = parse_month(p["report_month"])
    else:
        when = ctx.get("logical_date") or ctx["dag_run"].run_after
        month = month_before(when.date())
    return p["landing"], p["warehouse"], p["out"], month


@dag(
    dag_id="credit_feeds_monthly",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 2 10 * *", timezone="Asia/Shanghai"), assets=LANDING_ZONE),
    start_date=dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,  # DuckDB allows one writer: never two tasks on the warehouse at once
    default_args={"retries": int(os.environ.get("CREDIT_FEEDS_TASK_RETRIES", "2")), "retry_delay": dt.timedelta(minutes=5), "on_failure_callback": task_failed},
    params={
        "report_month": Param(None, type=["null", "string"], description="YYYY-MM; empty = the month before the run"),
        "landing": Param(str(settings.landing_dir()), type="string"),
        "warehouse": Param(settings.warehouse_path(), type="string"),
        "out": Param(str(settings.out_dir()), type="string"),
    },
    tags=["credit-feeds", "monthly", "bulletin"],
    doc_md=__doc__,
)
def credit_feeds_monthly():
    @task(outlets=[RAW])
    def ingest_landing_zone() -> dict:
        from credit_feeds.pipeline import ingest_stage

        landing, warehouse, _, month = _run_settings()
        return ingest_stage(landing, warehouse, month)

    @task(outlets=[AUDIT])
    def validate_new_files() -> dict:
        from credit_feeds.pipeline import validate_stage

        _, warehouse, out, _ = _run_settings()
        return validate_stage(warehouse, out)

    dbt_build = DbtBuildLocalOperator(
        task_id="dbt_build",
        project_dir=str(DBT_PROJECT),
        profile_config=ProfileConfig(profile_name="credit_feeds", target_name="duckdb",
                                     profiles_yml_filepath=DBT_PROJECT / "profiles.yml"),
        invocation_mode=InvocationMode.DBT_RUNNER,
        install_deps=False,
        emit_datasets=False,
        env={"CREDIT_FEEDS_WAREHOUSE": "{{ params.warehouse }}"},
        outlets=[MARTS],
    )

    @task(outlets=[BULLETIN])
    def write_bulletin() -> dict:
        from credit_feeds.pipeline import bulletin_stage

        _, warehouse, out, month = _run_settings()
        return bulletin_stage(warehouse, out, month)

    ingest_landing_zone() >> validate_new_files() >> dbt_build >> write_bulletin()


credit_feeds_monthly()

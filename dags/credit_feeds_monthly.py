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
from cosmos import settings as cosmos_settings
from cosmos.constants import InvocationMode
from cosmos.operators.local import DbtBuildLocalOperator

from credit_feeds import settings
from credit_feeds.alerts import task_failed
from credit_feeds.assets import AUDIT, BULLETIN, LANDING_ZONE, MARTS, RAW

DBT_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"


def _run_settings() -> tuple[str, str, str, dt.date]:
    """landing, warehouse, out and report month of this run (params, else the month before the run)."""
    from credit_feeds.db import resolve
    from credit_feeds.pipeline import month_before, parse_month

    ctx = get_current_context()
    p = ctx["params"]
    if p.get("report_month"):
        month = parse_month(p["report_month"])
    else:
        when = ctx.get("logical_date") or ctx["dag_run"].run_after
        month = month_before(when.date())
    # the warehouse: a DuckDB file, a postgresql:// URL or an Airflow connection id (README "PostgreSQL warehouse")
    return p["landing"], resolve(p["warehouse"]), p["out"], month


_dbt_clock: dict[str, tuple[dt.datetime, float]] = {}   # run_id -> start of its dbt build (same process)


def _dbt_started(context) -> None:
    import time

    _use_warehouse(context["task"])
    _dbt_clock[context["run_id"]] = (dt.datetime.now(dt.UTC).replace(tzinfo=None), time.perf_counter())


def _use_warehouse(dbt_task) -> None:
    """Point the dbt task at this run's warehouse: the profile's target (duckdb or postgres) and the environment
    it reads (credit_feeds.db.dbt_target). Done at run time, because the warehouse is a param of the run."""
    from credit_feeds.db import dbt_target

    _, warehouse, _, _ = _run_settings()
    target, env = dbt_target(warehouse)
    dbt_task.profile_config = ProfileConfig(profile_name="credit_feeds", target_name=target,
                                            profiles_yml_filepath=DBT_PROJECT / "profiles.yml")
    dbt_task.env = {**(dbt_task.env or {}), **env}


def _dbt_finished(context, result=None) -> None:
    """The dbt build's time in audit.pipeline_runs, beside the other stages' (pipeline.record_stage)."""
    import time

    from credit_feeds.pipeline import record_stage_in

    _, warehouse, _, month = _run_settings()
    started_at, clock = _dbt_clock.pop(context["run_id"])
    record_stage_in(warehouse, context["run_id"], "dbt", month, started_at, time.perf_counter() - clock)


@dag(
    dag_id="credit_feeds_monthly",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 2 10 * *", timezone="Asia/Shanghai"), assets=LANDING_ZONE),
    # no start_date: with one, unpausing starts a run for the latest past 10th at once (even with catchup off);
    # without, the first run is the next 10th, and past months are backfilled on purpose (README "Deploy")
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
        return ingest_stage(landing, warehouse, month, get_current_context()["run_id"])

    @task(outlets=[AUDIT])
    def validate_new_files() -> dict:
        from credit_feeds.pipeline import validate_stage

        _, warehouse, out, month = _run_settings()
        return validate_stage(warehouse, out, month, get_current_context()["run_id"])

    dbt_build = DbtBuildLocalOperator(
        task_id="dbt_build",
        project_dir=str(DBT_PROJECT),
        # the default; _use_warehouse (pre_execute) sets the run's target (duckdb / postgres) and its environment
        profile_config=ProfileConfig(profile_name="credit_feeds", target_name="duckdb",
                                     profiles_yml_filepath=DBT_PROJECT / "profiles.yml"),
        invocation_mode=InvocationMode.DBT_RUNNER,
        install_deps=False,
        emit_datasets=False,
        # dbt's unit tests check the models' code, not the month's data: `make test` runs them (dbt build in
        # tests/test_dbt_models.py); a monthly run skips their ~5 s
        exclude="resource_type:unit_test",
        # where Cosmos keeps dbt's partial-parse state between runs (a full parse costs ~10 s)
        cache_dir=cosmos_settings.cache_dir / "credit_feeds_monthly",
        env={"CREDIT_FEEDS_WAREHOUSE": "{{ params.warehouse }}"},
        outlets=[MARTS],
        pre_execute=_dbt_started,
        post_execute=_dbt_finished,
    )

    @task(outlets=[BULLETIN])
    def write_bulletin() -> dict:
        from credit_feeds.pipeline import bulletin_stage

        _, warehouse, out, month = _run_settings()
        return bulletin_stage(warehouse, out, month, get_current_context()["run_id"])

    ingest_landing_zone() >> validate_new_files() >> dbt_build >> write_bulletin()


credit_feeds_monthly()

"""Pull the connected platforms' export APIs into the landing zone (feeds.md "Where the landing zone gets its files").

One mapped task per platform of `_reference/platforms.csv` that has an Airflow HTTP connection `platform_<code>`.
Each pages through `GET /exports?since=<cursor>` and writes every page as one JSONL file; the cursor is stored
(outside the landing zone, CREDIT_FEEDS_STATE) only after the page is written. A platform that sent something
updates the `landing_zone` Asset, which starts `credit_feeds_monthly`; one with nothing new is skipped.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import Param, dag, get_current_context, task
from airflow.timetables.trigger import CronTriggerTimetable

from credit_feeds import settings
from credit_feeds.alerts import task_failed
from credit_feeds.assets import LANDING_ZONE


@dag(
    dag_id="pull_platform_exports",
    schedule=CronTriggerTimetable("10 * * * *", timezone="Asia/Shanghai"),
    start_date=dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,  # one pull per platform at a time: the cursor has one writer
    default_args={"retries": int(os.environ.get("CREDIT_FEEDS_TASK_RETRIES", "2")),
                  "retry_delay": dt.timedelta(minutes=2), "retry_exponential_backoff": True,
                  "on_failure_callback": task_failed},
    params={
        "landing": Param(str(settings.landing_dir()), type="string"),
        "state": Param(str(settings.state_dir()), type="string"),
    },
    tags=["credit-feeds", "pull", "platforms"],
    doc_md=__doc__,
)
def pull_platform_exports():
    @task
    def connected_platforms() -> list[str]:
        from credit_feeds.pull_exports import connected_platforms

        return connected_platforms(get_current_context()["params"]["landing"])

    @task(outlets=[LANDING_ZONE], map_index_template="{{ platform_code }}", max_active_tis_per_dag=8)
    def pull_platform(platform_code: str) -> dict:
        from airflow.providers.http.hooks.http import HttpHook
        from airflow.sdk.exceptions import AirflowSkipException

        from credit_feeds.pull_exports import conn_id_for, pull_platform

        ctx = get_current_context()
        ctx["platform_code"] = platform_code
        hook = HttpHook(method="GET", http_conn_id=conn_id_for(platform_code))
        summary = pull_platform(platform_code, hook, ctx["params"]["landing"], ctx["params"]["state"])
        if not summary["files"]:
            raise AirflowSkipException(f"platform {platform_code}: nothing new after cursor {summary['cursor']!r}")
        return summary

    pull_platform.expand(platform_code=connected_platforms())


pull_platform_exports()

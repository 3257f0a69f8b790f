"""Copy new files from the units' SFTP drop folders into the landing zone (feeds.md "Where the landing zone gets
its files").

One mapped task per unit of `_reference/reporting_units.csv` that has an SFTP connection `dropfolder_<unit>` or a
folder under the shared connection `dropfolders`. Every copy is verified (size, SHA-256) and remembered (outside the
landing zone, CREDIT_FEEDS_STATE), so nothing is copied twice; the source is deleted only if
CREDIT_FEEDS_DROP_DELETE_AFTER_COPY says so, after verification. A folder that gave new files updates the
`landing_zone` Asset, which starts `credit_feeds_monthly`; one with nothing new is skipped.
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
    dag_id="pull_drop_folders",
    schedule=CronTriggerTimetable("*/30 * * * *", timezone="Asia/Shanghai"),
    start_date=dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,  # one copy per folder at a time: the registry has one writer
    default_args={"retries": int(os.environ.get("CREDIT_FEEDS_TASK_RETRIES", "2")),
                  "retry_delay": dt.timedelta(minutes=2), "retry_exponential_backoff": True,
                  "on_failure_callback": task_failed},
    params={
        "landing": Param(str(settings.landing_dir()), type="string"),
        "state": Param(str(settings.state_dir()), type="string"),
    },
    tags=["credit-feeds", "pull", "drop-folders"],
    doc_md=__doc__,
)
def pull_drop_folders():
    @task
    def unit_drop_folders() -> list[dict]:
        from credit_feeds.pull_dropfolders import find_drop_folders

        return find_drop_folders(get_current_context()["params"]["landing"])

    @task(outlets=[LANDING_ZONE], map_index_template="{{ unit_code }}", max_active_tis_per_dag=8)
    def copy_new_files(folder: dict) -> dict:
        from airflow.providers.sftp.hooks.sftp import SFTPHook
        from airflow.sdk.exceptions import AirflowSkipException

        from credit_feeds.pull_dropfolders import pull_drop_folder

        ctx = get_current_context()
        ctx["unit_code"] = folder["unit_code"]
        summary = pull_drop_folder(folder, SFTPHook(ssh_conn_id=folder["conn_id"]), ctx["params"]["landing"],
                                   ctx["params"]["state"])
        if not summary["copied"]:
            raise AirflowSkipException(f"drop folder of {folder['unit_code']}: no new file")
        return summary

    copy_new_files.expand(folder=unit_drop_folders())


pull_drop_folders()

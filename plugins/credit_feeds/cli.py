"""`credit-feeds run --feeds DIR --month YYYY-MM --warehouse FILE --out DIR` (spec README).

Runs the real Airflow DAG `credit_feeds_monthly` in-process for one report month, as `airflow dags test` does
(no scheduler or server). Exit 0 when the month was produced; otherwise a one-line reason on stderr and exit 1.
The warehouse is a DuckDB file, a postgresql:// URL or an Airflow connection id (credit_feeds.db).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path

from . import db, settings
from .db import WarehouseBusy as RunBusy, WarehouseError, file_lock  # noqa: F401  (file_lock: tests use it here)

DAG_ID = "credit_feeds_monthly"


def _fail(message: str) -> int:
    print(f"credit-feeds: {message}", file=sys.stderr)
    return 1


def _preflight(args, warehouse: str) -> str | None:
    """Everything that makes a run impossible, checked before Airflow starts: a clear one-line reason."""
    from .landing import LandingZoneError, load_reference
    from .pipeline import RunError, parse_month, require_calendar
    from .workdays import CalendarNotCovered

    try:
        month = parse_month(args.month)
        load_reference(Path(args.feeds))
        require_calendar(month)
    except (RunError, LandingZoneError, CalendarNotCovered) as exc:
        return str(exc)
    if db.is_postgres(warehouse):
        try:
            with db.connect(warehouse) as con:
                collation = con.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()") \
                    .fetchone()[0]
        except WarehouseError as exc:
            return str(exc)
        if collation not in ("C", "POSIX", "C.UTF-8", "C.utf8"):
            logging.getLogger(__name__).warning(
                "warehouse database collation is %s: text sorts differently from DuckDB (create it with "
                "LOCALE 'C.UTF-8', README \"PostgreSQL warehouse\")", collation)
        return None
    try:
        import duckdb

        Path(args.warehouse).parent.mkdir(parents=True, exist_ok=True)
        duckdb.connect(args.warehouse).close()
    except Exception as exc:  # duckdb raises IOException, InvalidInputException, ...
        return f"cannot open warehouse {args.warehouse}: {str(exc).splitlines()[0]}"
    return None


def _airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME") or settings.PROJECT_ROOT / ".airflow")


def _airflow_environment(error_file: Path) -> None:
    """Airflow's configuration for an in-process run: a private home with SQLite metadata, our DAGs, no examples."""
    settings.switch_off_telemetry()
    home = _airflow_home()
    os.environ["AIRFLOW_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(settings.PROJECT_ROOT / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(settings.PROJECT_ROOT / "plugins"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__COSMOS__CACHE_DIR", str(home / "cosmos"))
    os.environ.setdefault("MPLCONFIGDIR", str(home / "matplotlib"))
    os.environ["CREDIT_FEEDS_TASK_RETRIES"] = "0"  # a command-line run reports a failure at once
    os.environ["CREDIT_FEEDS_ERROR_FILE"] = str(error_file)


def run(args) -> int:
    os.environ["AIRFLOW_HOME"] = str(_airflow_home())   # where a connection id is looked up
    try:
        warehouse = db.resolve(args.warehouse)
        # one run per warehouse (DuckDB: flock on <file>.lock; PostgreSQL: a session advisory lock); every run also
        # holds the Airflow home (its SQLite metadata) while it runs, so runs on different warehouses queue
        with db.run_lock(warehouse, args.wait), file_lock(_airflow_home() / "credit-feeds.lock", True, "Airflow home"):
            return _run_locked(args, warehouse)
    except (RunBusy, WarehouseError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot open warehouse {args.warehouse}: {exc}")


RUN_CONNECTION = "credit_feeds_run_warehouse"


def _dag_warehouse(warehouse: str) -> str:
    """The warehouse as the DAG run's conf names it. A URL is handed over as the Airflow connection RUN_CONNECTION,
    defined in this process's environment only: its password stays out of Airflow's metadata and task logs."""
    if not db.is_postgres(warehouse):
        return warehouse
    os.environ[f"AIRFLOW_CONN_{RUN_CONNECTION.upper()}"] = warehouse
    return RUN_CONNECTION


def _run_locked(args, warehouse: str) -> int:
    if reason := _preflight(args, warehouse):
        return _fail(reason)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    error_file = out / ".credit-feeds-error"
    error_file.unlink(missing_ok=True)
    _airflow_environment(error_file)

    from airflow.utils import db as airflow_db
    from airflow.dag_processing.dagbag import DagBag

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    airflow_db.upgradedb()
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if bag.import_errors:
        return _fail(f"DAG import errors: {json.dumps(bag.import_errors, ensure_ascii=False)[:500]}")
    dag = bag.dags[DAG_ID]
    conf = {"report_month": args.month, "landing": str(Path(args.feeds).resolve()),
            "warehouse": _dag_warehouse(warehouse), "out": str(out)}
    dag_run = dag.test(logical_date=dt.datetime.now(dt.timezone.utc), run_conf=conf)
    if str(dag_run.state) != "success" and getattr(dag_run.state, "value", None) != "success":
        reason = error_file.read_text(encoding="utf-8").strip().splitlines()[-1] if error_file.exists() else \
            f"DAG run {dag_run.run_id} ended {dag_run.state}"
        return _fail(reason)
    bulletin = out / f"bulletin-{args.month}.md"
    print(f"credit-feeds: {args.month} done. Bulletin: {bulletin} (.html, .docx beside it); "
          f"warehouse: {db.display(warehouse)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="credit-feeds", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run the monthly cycle for one report month")
    p.add_argument("--feeds", required=True, help="landing zone folder")
    p.add_argument("--month", required=True, help="report month, YYYY-MM")
    p.add_argument("--warehouse", required=True,
                   help="DuckDB file, postgresql://user:password@host:port/dbname, or an Airflow connection id")
    p.add_argument("--out", required=True, help="output folder (bulletin, rejection lists, audit site)")
    p.add_argument("--wait", action="store_true", help="wait for another run on the same warehouse instead of stopping")
    s = sub.add_parser("spot-check", help="draw document numbers as the national centre does and look them up (抽查)")
    s.add_argument("--warehouse", required=True, help="DuckDB file (opened read-only)")
    s.add_argument("--month", required=True, help="report month, YYYY-MM")
    s.add_argument("--seed", required=True, help="random seed (whole number): the same seed draws the same numbers")
    s.add_argument("--units", default="5", help="how many units (5), or a fraction of them (0.5)")
    s.add_argument("--sample", default="25", help="document numbers per unit and feed (25)")
    s.add_argument("--out", required=True, help="output folder: writes spot_checks/spot-check-YYYY-MM-seed<N>.*")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args)
    if args.command == "spot-check":
        from .spot_check import command as spot_check

        return spot_check(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())

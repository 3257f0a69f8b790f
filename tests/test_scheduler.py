"""The DAGs run as operators run them: Airflow's scheduler, dag-processor and api-server started natively
(LocalExecutor, metadata in a real PostgreSQL), the monthly DAG unpaused and triggered through the REST API for
2022-06 on a copy of the sample landing zone, and the marts and bulletin checked against what the generator
planted (include/sample_feeds_expected.json). The same services run in docker-compose.yml.

Slow (a few minutes): the services start once for the module; every process and the PostgreSQL cluster are
stopped in teardown, also when a test fails.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import requests

from pg_server import free_port

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "include" / "sample_feeds"
EXPECTED = json.loads((ROOT / "include" / "sample_feeds_expected.json").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent  # the venv's bin: airflow, and what the services start through PATH
DAG_ID = "credit_feeds_monthly"
OTHER_DAGS = ("pull_platform_exports", "pull_drop_folders")
MONTH = "2022-06"
RUN_TIMEOUT = 600


class Services:
    """The running Airflow services, their REST API and where the run writes."""

    def __init__(self, base: Path, env: dict[str, str], port: int, password: str):
        self.base, self.env, self.port, self.password = base, env, port, password
        self.url = f"http://127.0.0.1:{port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = []
        self.session = requests.Session()

    def start(self, name: str, *args: str) -> None:
        log = (self.base / f"{name}.log").open("wb")
        self.logs.append(log)
        # a session of its own: teardown signals the whole group (the executor's and uvicorn's children too)
        self.procs[name] = subprocess.Popen([str(BIN / "airflow"), *args], env=self.env, cwd=self.base,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():  # the group may outlive its leader (executor workers): no orphans
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for log in self.logs:
            log.close()

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise AssertionError(f"airflow {name} exited {proc.returncode}:\n{self.tail(name)}")

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.base / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, f"{self.url}/api/v2{path}", timeout=30, **kwargs)

    def login(self) -> None:
        """A JWT from the auth manager's token endpoint, as any REST client of the office would get one."""
        r = self.session.post(f"{self.url}/auth/token", json={"username": "admin", "password": self.password},
                              timeout=30)
        assert r.status_code == 201, r.text
        self.session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"


def wait_for(what: str, check, services: Services, timeout: float, every: float = 2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        services.check_alive()
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def _environment(base: Path, metadata_url: str, api_port: int, password_file: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREDIT_FEEDS_"))}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "AIRFLOW_HOME": str(base / "airflow"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(password_file),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),  # one secret for all three services
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(api_port),
        # ports of their own: other runs on this machine may use Airflow's defaults
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__COSMOS__CACHE_DIR": str(base / "cosmos"),
        "MPLCONFIGDIR": str(base / "matplotlib"),
        "CREDIT_FEEDS_LANDING": str(base / "landing"),
        "CREDIT_FEEDS_WAREHOUSE": str(base / "warehouse" / "credit_feeds.duckdb"),
        "CREDIT_FEEDS_OUT": str(base / "out"),
        "CREDIT_FEEDS_STATE": str(base / "pull-state"),
        "CREDIT_FEEDS_TASK_RETRIES": "0",  # a failure shows at once instead of after retry delays
    })
    from credit_feeds.settings import TELEMETRY_OFF

    env.update(TELEMETRY_OFF)
    return env


@pytest.fixture(scope="module")
def services(postgres_server, tmp_path_factory):
    base = tmp_path_factory.mktemp("scheduler")
    shutil.copytree(SAMPLE, base / "landing")
    metadata_url = postgres_server.create_database("airflow_scheduler_test", "airflow_scheduler_test",
                                                   secrets.token_urlsafe(16)).replace("postgresql://",
                                                                                      "postgresql+psycopg2://", 1)
    port = free_port()
    password = secrets.token_urlsafe(12)
    password_file = base / "passwords.json"
    password_file.write_text(json.dumps({"admin": password}))
    svc = Services(base, _environment(base, metadata_url, port, password_file), port, password)

    migrate = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=svc.env, cwd=base, capture_output=True,
                             text=True, timeout=600)
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    try:
        svc.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1")
        svc.start("dag-processor", "dag-processor")
        svc.start("scheduler", "scheduler")
        wait_for("the api-server", lambda: _ok(svc, "/monitor/health"), svc, timeout=180)
        svc.login()
        wait_for(f"the dag-processor to parse {DAG_ID}", lambda: svc.api("GET", f"/dags/{DAG_ID}").ok, svc,
                 timeout=300)
        yield svc
    finally:
        svc.stop()


def _ok(svc: Services, path: str) -> bool:
    try:
        return svc.api("GET", path).ok
    except requests.ConnectionError:
        return False


@pytest.fixture(scope="module")
def dag_run(services):
    """Unpause the monthly DAG (only it), trigger it through the REST API, wait for it to finish."""
    for dag_id in OTHER_DAGS:
        assert services.api("GET", f"/dags/{dag_id}").json()["is_paused"], f"{dag_id} must stay paused"
    r = services.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
    assert r.ok, r.text
    r = services.api("POST", f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": {"report_month": MONTH}})
    assert r.ok, r.text
    run_id = r.json()["dag_run_id"]

    def finished():
        state = services.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}").json()["state"]
        return state if state in ("success", "failed") else None

    state = wait_for(f"DAG run {run_id}", finished, services, timeout=RUN_TIMEOUT, every=5)
    tis = services.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances").json()["task_instances"]
    if state != "success":
        failed = [ti["task_id"] for ti in tis if ti["state"] != "success"]
        logs = "\n".join(p.read_text(errors="replace")[-3000:]
                         for p in (services.base / "airflow" / "logs").rglob("*.log")
                         if any(t in str(p) for t in failed))
        pytest.fail(f"DAG run {run_id} ended {state}; tasks not successful: {failed}\n{logs}\n"
                    f"scheduler:\n{services.tail('scheduler')}")
    return {"run_id": run_id, "task_instances": tis}


def test_the_triggered_run_succeeds_task_by_task(dag_run):
    states = {ti["task_id"]: ti["state"] for ti in dag_run["task_instances"]}
    assert states == {"ingest_landing_zone": "success", "validate_new_files": "success", "dbt_build": "success",
                      "write_bulletin": "success"}


def test_no_schedule_fired_besides_the_trigger(services, dag_run):
    """Unpausing the monthly DAG starts nothing by itself (catchup off, no start_date): its next run is the next
    10th, not the last one; the pull DAGs stay paused."""
    next_run = services.api("GET", f"/dags/{DAG_ID}").json()["next_dagrun_run_after"]
    assert dt.datetime.fromisoformat(next_run.replace("Z", "+00:00")) > dt.datetime.now(dt.timezone.utc)
    runs = services.api("GET", f"/dags/{DAG_ID}/dagRuns").json()["dag_runs"]
    assert [(r["dag_run_id"], r["run_type"]) for r in runs] == [(dag_run["run_id"], "manual")]
    for dag_id in OTHER_DAGS:
        assert services.api("GET", f"/dags/{dag_id}/dagRuns").json()["total_entries"] == 0


def test_marts_agree_with_the_planted_sample(services, dag_run):
    con = duckdb.connect(services.env["CREDIT_FEEDS_WAREHOUSE"], read_only=True)
    try:
        rows, submitted, accepted = con.execute(
            "SELECT count(*), sum(submitted), sum(accepted) FROM marts.unit_monthly_quality "
            "WHERE report_month = DATE '2022-06-01'").fetchone()
        files = con.execute("SELECT count(*) FROM audit.files").fetchone()[0]
    finally:
        con.close()
    planted = [c for feeds in EXPECTED["units"].values() for c in feeds.values() if c["submitted"] > 0]
    assert rows == len(planted)
    assert submitted == sum(c["submitted"] for c in planted)
    assert accepted == sum(c["accepted"] for c in planted) == EXPECTED["totals"]["accepted"]
    assert files == EXPECTED["totals"]["files"]


def test_bulletin_written_with_the_months_headline(services, dag_run):
    out = Path(services.env["CREDIT_FEEDS_OUT"])
    for ext in ("md", "html", "docx"):
        assert (out / f"bulletin-{MONTH}.{ext}").stat().st_size > 1000
    text = (out / f"bulletin-{MONTH}.md").read_text(encoding="utf-8")
    assert "关于2022年6月份信用信息报送和平台对接情况的通报" in text
    assert "6月份，各区、市各部门报送“双公示”信息总量" in text


def test_backfill_of_past_months_plans_one_run_per_month(services, dag_run):
    """The README's backfill command: one run per 10th, each reporting the month before it (dry run)."""
    r = subprocess.run([str(BIN / "airflow"), "backfill", "create", "--dag-id", DAG_ID, "--from-date", "2022-07-01",
                        "--to-date", "2022-09-30", "--max-active-runs", "1", "--dry-run"],
                       env=services.env, cwd=services.base, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    for day in ("2022-07-09", "2022-08-09", "2022-09-09"):  # 02:00 on the 10th in Beijing = 18:00 UTC the day before
        assert day in r.stdout, r.stdout
    assert "2022-06-09" not in r.stdout and "2022-10-09" not in r.stdout


def _processes_of(airflow_home: Path) -> list[int]:
    """Pids of the processes running with this AIRFLOW_HOME (what `make airflow` started)."""
    mine = f"AIRFLOW_HOME={airflow_home}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and mine in (proc / "environ").read_bytes().split(b"\0"):
                pids.append(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return pids


def test_make_airflow_starts_the_three_services_and_ctrl_c_stops_them(tmp_path):
    """deploy/airflow-local.sh (`make airflow`): SQLite metadata, the UI on the given port with the printed login;
    Ctrl-C (SIGINT) stops every process it started."""
    port = free_port()
    home = tmp_path / "airflow-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CREDIT_FEEDS_"))}
    env.update({"AIRFLOW_HOME": str(home), "AIRFLOW_PORT": str(port),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "CREDIT_FEEDS_WAREHOUSE": str(tmp_path / "w.duckdb"), "CREDIT_FEEDS_OUT": str(tmp_path / "out")})
    out = (tmp_path / "make-airflow.out").open("w+")
    script = subprocess.Popen([str(ROOT / "deploy" / "airflow-local.sh")], env=env, stdout=out,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while "Ctrl-C stops" not in (printed := (tmp_path / "make-airflow.out").read_text()):
            assert script.poll() is None and time.monotonic() < deadline, printed
            time.sleep(2)
        assert f"UI at http://localhost:{port}" in printed
        password = printed.split("log in as admin, password: ", 1)[1].split()[0]
        health = requests.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=30).json()
        assert health["metadatabase"]["status"] == "healthy" and health["dag_processor"]["status"] == "healthy"
        r = requests.post(f"http://127.0.0.1:{port}/auth/token", json={"username": "admin", "password": password},
                          timeout=30)
        assert r.status_code == 201, r.text
        assert (home / "airflow.db").exists()  # SQLite, as nothing named another database
        started = _processes_of(home)
        assert len(started) >= 3

        os.kill(script.pid, signal.SIGINT)
        assert script.wait(timeout=90) == 130
        time.sleep(1)
        assert _processes_of(home) == [], "processes left behind by make airflow"
    finally:
        for pid in [script.pid, *_processes_of(home)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        script.wait()
        out.close()

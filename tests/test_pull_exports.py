"""Platform export pulls against a real HTTP server on 127.0.0.1 (FastAPI served by uvicorn in a thread) through
Airflow's HttpHook: paging, cursor, retries on 500/429/timeouts, a refused token, a bad page kept in quarantine,
a pull killed mid-page, and the DAG run once with dag.test(). Every record must arrive exactly once."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from credit_feeds.landing import PLATFORM_RE

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = "test-exports"
CONN_ID = "platform_test_exports"
TOKEN = "token-of-the-test-platform"
FAST = {"limit": 12, "backoff": 0.05, "timeout": 0.5}


def make_record(i: int) -> dict:
    return {"feed": "license", "unit_code": "hongshan", "submitted_at": "2022-06-08T10:31:00+08:00",
            "record": {"XK_WSH": f"武洪许〔2022〕{i}号", "XK_XDR_MC": f"武汉测试{i}有限公司", "XK_NR": "食品经营许可"}}


class ExportServer:
    """The documented export API over a list of records; `script` makes the next requests misbehave in order."""

    def __init__(self, n: int):
        self.records = [make_record(i) for i in range(n)]
        self.script: list = []
        self.seen: list[str | None] = []   # `since` of every authorised request
        self.app = FastAPI()
        self.app.get("/exports")(self.exports)

    async def exports(self, request: Request, since: str | None = None, limit: int = 100):
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": "invalid token"}, status_code=401)
        self.seen.append(since)
        if self.script:
            action = self.script.pop(0)
            if action == 500:
                return JSONResponse({"error": "internal"}, status_code=500)
            if action == 429:
                return JSONResponse({"error": "slow down"}, status_code=429, headers={"Retry-After": "1"})
            if action == "slow":
                await asyncio.sleep(1.2)        # longer than the client's timeout
            if action == "html":
                return HTMLResponse("<html><body>系统维护中</body></html>")
            if action == "stuck":                   # the same page forever
                return {"items": self.records[:1], "next_cursor": since, "has_more": True}
        start = int(since[1:]) if since else 0
        items = self.records[start:start + limit]
        end = start + len(items)
        return {"items": items, "next_cursor": f"c{end}", "has_more": end < len(self.records)}


@pytest.fixture
def server(monkeypatch):
    srv = ExportServer(23)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(srv.app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not uv.started and time.time() < deadline:
        time.sleep(0.02)
    assert uv.started
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": port, "schema": "http", "password": TOKEN}))
    srv.port = port
    yield srv
    uv.should_exit = True
    thread.join(5)
    sock.close()


@pytest.fixture
def zone(tmp_path):
    landing, state = tmp_path / "landing", tmp_path / "state"
    (landing / "_reference").mkdir(parents=True)
    (landing / "_reference" / "reporting_units.csv").write_text(
        "unit_code,unit_name,unit_kind,uscc\nhongshan,洪山区,district,11420111MB1234567X\n", encoding="utf-8")
    (landing / "_reference" / "platforms.csv").write_text(
        "platform_code,platform_name,owner_unit_code,connected_on\n"
        f"{PLATFORM},测试平台,hongshan,2022-01-01\nno-connection,未配置连接的平台,hongshan,2022-01-01\n",
        encoding="utf-8")
    return landing, state


def hook():
    from airflow.providers.http.hooks.http import HttpHook

    return HttpHook(method="GET", http_conn_id=CONN_ID)


def pull(landing, state, **kw):
    from credit_feeds.pull_exports import pull_platform

    return pull_platform(PLATFORM, hook(), landing, state, **{**FAST, **kw})


def landed(landing: Path) -> list[Path]:
    return sorted((landing / "platforms" / PLATFORM).glob("*.jsonl"))


def record_counts(landing: Path) -> collections.Counter:
    return collections.Counter(json.loads(line)["record"]["XK_WSH"]
                               for f in landed(landing) for line in f.read_text(encoding="utf-8").splitlines())


def assert_exactly_once(landing: Path, server: ExportServer) -> None:
    counts = record_counts(landing)
    assert set(counts) == {r["record"]["XK_WSH"] for r in server.records}
    assert set(counts.values()) == {1}


def state_of(state: Path) -> dict:
    return json.loads((state / "exports" / f"{PLATFORM}.json").read_text(encoding="utf-8"))


def test_only_platforms_with_an_http_connection_are_pulled(zone, server):
    from credit_feeds.pull_exports import connected_platforms

    assert connected_platforms(zone[0]) == [PLATFORM]


def test_pages_land_in_order_once_and_the_cursor_survives(zone, server):
    landing, state = zone
    summary = pull(landing, state)
    files = landed(landing)
    assert len(files) == 2 and summary["records"] == 23 and summary["cursor"] == "c23"
    assert all(PLATFORM_RE.match(f.name) for f in files)
    lines = [json.loads(line) for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    assert lines == server.records                      # in order, unchanged
    assert_exactly_once(landing, server)
    assert state_of(state)["cursor"] == "c23" and state_of(state)["pending"] is None

    server.seen.clear()
    again = pull(landing, state)                         # a new process would read the same state file
    assert again["files"] == [] and server.seen == ["c23"]
    server.records += [make_record(i) for i in range(23, 28)]
    more = pull(landing, state)
    assert len(more["files"]) == 1 and more["records"] == 5 and server.seen[-1] == "c23"
    assert_exactly_once(landing, server)


def test_pulled_pages_load_into_the_warehouse(zone, server, tmp_path):
    from credit_feeds.feeds import FEEDS
    from credit_feeds.ingest import ingest
    from credit_feeds.warehouse import connect, create_schemas

    landing, state = zone
    pull(landing, state)
    con = connect(str(tmp_path / "w.duckdb"))
    try:
        create_schemas(con)
        summary = ingest(landing, con)
        rows = con.execute(f"SELECT count(*), count(DISTINCT XK_WSH) FROM raw.{FEEDS['license'].table}").fetchone()
        statuses = con.execute("SELECT DISTINCT status, platform_code FROM audit.files").fetchall()
    finally:
        con.close()
    assert summary.quarantined == [] and rows == (23, 23)
    assert statuses == [("loaded", PLATFORM)]


def test_nothing_is_lost_when_the_server_misbehaves(zone, server):
    landing, state = zone
    server.script = [500, 429, "slow", 503]
    started = time.monotonic()
    pull(landing, state, attempts=5)
    assert time.monotonic() - started >= 1              # Retry-After: 1 was honoured
    assert server.script == []
    assert_exactly_once(landing, server)
    assert state_of(state)["cursor"] == "c23"


def test_giving_up_keeps_the_cursor(zone, server):
    from credit_feeds.pull_exports import PullError

    landing, state = zone
    server.script = [None, 500, 500, 500]               # first page fine, then the server stays down
    with pytest.raises(PullError, match=f"platform {PLATFORM}: gave up after 3 tries"):
        pull(landing, state, attempts=3)
    assert state_of(state)["cursor"] == "c12" and len(landed(landing)) == 1
    pull(landing, state)
    assert_exactly_once(landing, server)


def test_a_refused_token_fails_naming_the_platform(zone, server, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    landing, state = zone
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": server.port, "password": "<revoked-token>"}))
    with pytest.raises(AirflowFailException, match=f"platform {PLATFORM}: HTTP 401.*{CONN_ID}"):
        pull(landing, state)
    assert landed(landing) == [] and not (state / "exports" / f"{PLATFORM}.json").exists()


@pytest.mark.parametrize("bad, reason, body", [
    ("html", "not JSON", "系统维护中"),                 # an HTML maintenance notice instead of the page
    ("stuck", "next_cursor does not advance", "武洪许〔2022〕0号"),
])
def test_a_bad_page_is_quarantined_and_the_cursor_stays(zone, server, bad, reason, body):
    from credit_feeds.pull_exports import BadPageError

    landing, state = zone
    server.script = [None, bad]                         # the second page is bad
    with pytest.raises(BadPageError, match=f"not the documented JSON \\({reason}.*cursor stays at 'c12'"):
        pull(landing, state)
    assert state_of(state)["cursor"] == "c12" and len(landed(landing)) == 1
    kept = list((state / "quarantine" / "exports" / PLATFORM).glob("*.body"))
    assert len(kept) == 1 and body in kept[0].read_text(encoding="utf-8")
    why = json.loads(kept[0].with_suffix(".reason.json").read_text(encoding="utf-8"))
    assert why["since"] == "c12" and why["reason"].startswith(reason)
    assert not any(p.suffix != ".jsonl" for p in (landing / "platforms").rglob("*") if p.is_file())
    pull(landing, state)                                # the platform is fixed: the rest arrives
    assert_exactly_once(landing, server)


KILLED_PULL = """
import sys, time
from pathlib import Path
from airflow.providers.http.hooks.http import HttpHook
from credit_feeds import pull_exports

landing, state, marker, when = sys.argv[1:5]
write_page = pull_exports.write_page

def stall_around_write(*args, **kwargs):
    if when == "after":
        write_page(*args, **kwargs)
    Path(marker).write_text("now")
    time.sleep(120)

pull_exports.write_page = stall_around_write
pull_exports.pull_platform("%s", HttpHook(method="GET", http_conn_id="%s"), landing, state, limit=12, timeout=5)
""" % (PLATFORM, CONN_ID)


@pytest.mark.parametrize("when", ["after", "before"])
def test_a_pull_killed_mid_page_delivers_every_record_exactly_once(zone, server, tmp_path, when):
    """SIGKILL once the first page's intent is saved, before (or just after) its file is written, before the cursor
    moves; the rerun neither repeats nor misses a record."""
    landing, state = zone
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_PULL, str(landing), str(state), str(marker), when],
                            env=os.environ.copy())
    deadline = time.time() + 60
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the pull never reached the first page"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    st = state_of(state)
    assert st["cursor"] is None and st["pending"]["next_cursor"] == "c12"
    assert len(landed(landing)) == (1 if when == "after" else 0)

    pull(landing, state)
    assert_exactly_once(landing, server)
    assert len(landed(landing)) == 2
    assert state_of(state)["cursor"] == "c23" and state_of(state)["pending"] is None


def test_the_dag_pulls_every_connected_platform_and_updates_the_landing_zone_asset(zone, server):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.asset import AssetEvent
    from airflow.utils import db
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from credit_feeds.assets import LANDING_ZONE

    landing, state = zone
    db.upgradedb()
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["pull_platform_exports"]
    assert dag.get_task("pull_platform").outlets == [LANDING_ZONE]
    run = dag.test(logical_date=dt.datetime.now(dt.timezone.utc),
                   run_conf={"landing": str(landing), "state": str(state)})
    assert str(getattr(run.state, "value", run.state)) == "success"
    assert_exactly_once(landing, server)
    with create_session() as session:
        events = session.scalars(select(AssetEvent).where(AssetEvent.source_dag_id == dag.dag_id,
                                                          AssetEvent.source_run_id == run.run_id)).all()
        assert [e.uri for e in events] == [LANDING_ZONE.uri]

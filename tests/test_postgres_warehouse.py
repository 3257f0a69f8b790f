"""PostgreSQL as the warehouse (issue 6, items 1 and 4): `credit-feeds run` on the sample month once with a DuckDB
file and once with a postgresql:// URL (a private server, tests/pg_server.py), and the two warehouses agree to the
row — marts, audit and raw — and write the same bulletin. A rerun on PostgreSQL changes nothing, ingest loads with
COPY, two runs on one database exclude each other, and analysts reading while a run writes (the DuckDB snapshot,
PostgreSQL's published marts) always see a whole month, never wait and never make the run wait.

Slow: five runs of the sample month (7–8 minutes here); each warehouse's first run is shared by the module.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd
import psycopg2
import psycopg2.extensions
import pytest

from credit_feeds import db
from credit_feeds.feeds import FEEDS
from credit_feeds.publish import snapshot_path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "include" / "sample_feeds"
CLI = Path(sys.executable).parent / "credit-feeds"
MONTH = "2022-06"
# columns that record when or in which run something happened, not what was received
VOLATILE = {"received_at", "validated_at", "evaluated_at", "run_id", "batch_id", "result_json", "started_at",
            "finished_at", "seconds"}


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, env=os.environ.copy(), timeout=900,
                          **kwargs)


def run_month(feeds: Path, warehouse: str, out: Path) -> subprocess.CompletedProcess:
    return run_cli("run", "--feeds", str(feeds), "--month", MONTH, "--warehouse", warehouse, "--out", str(out))


# ------------------------------------------------------------------------------------------ reading both sides

class Side:
    """One warehouse, read the same way whatever the engine: tables of a schema, their columns, their rows."""

    def __init__(self, warehouse: str):
        self.con = db.connect(warehouse, read_only=True)

    def close(self):
        self.con.close()

    def tables(self, schema: str) -> list[str]:
        return sorted(t for (t,) in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ?", [schema]).fetchall())

    def columns(self, schema: str, table: str) -> list[str]:
        return [c for (c,) in self.con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [schema, table]).fetchall() if c not in VOLATILE]

    def rows(self, schema: str, table: str, columns: list[str]) -> list[tuple]:
        names = ", ".join(f'"{c}"' for c in columns)
        return sorted((tuple(normal(v) for v in r) for r in
                       self.con.execute(f'SELECT {names} FROM {schema}."{table}"').fetchall()), key=order)


def normal(value):
    """Numbers compared by value whatever the engine's type (DuckDB HUGEINT/DOUBLE/DECIMAL, PostgreSQL NUMERIC):
    whole numbers as int, others as float to be compared with a tolerance; dates, text and booleans as they are."""
    if value is None or isinstance(value, (bool, str, dt.date)):
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        number = float(value)
        return int(value) if math.isfinite(number) and number == int(number) else number
    return value


def order(row: tuple):
    return tuple((v is None, type(v).__name__, round(v, 6) if isinstance(v, float) else v if v is not None else 0)
                 for v in row)


def same_rows(a: list[tuple], b: list[tuple]) -> bool:
    """Equal row lists, floats within 1e-9 (rates computed by two engines may differ in the last bit)."""
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        for va, vb in zip(ra, rb):
            if isinstance(va, float) or isinstance(vb, float):
                if va is None or vb is None or not math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif va != vb:
                return False
    return True


def differences(duck: str, pg: str, schema: str) -> list[str]:
    """What differs between two warehouses in a schema (audit.pipeline_runs, a log of runs and their times, aside)."""
    left, right = Side(duck), Side(pg)
    try:
        tables = [t for t in left.tables(schema) if t != "pipeline_runs"]
        other = [t for t in right.tables(schema) if t != "pipeline_runs"]
        out = [] if tables == other else [f"{schema}: tables {tables} vs {other}"]
        for table in sorted(set(tables) & set(other)):
            columns = left.columns(schema, table)
            if columns != right.columns(schema, table):
                out.append(f"{schema}.{table}: columns {columns} vs {right.columns(schema, table)}")
                continue
            a, b = left.rows(schema, table, columns), right.rows(schema, table, columns)
            if not same_rows(a, b):
                only_a, only_b = set(a) - set(b), set(b) - set(a)
                out.append(f"{schema}.{table}: {len(a)} vs {len(b)} rows; DuckDB only {sorted(only_a, key=order)[:2]}"
                           f"; PostgreSQL only {sorted(only_b, key=order)[:2]}")
        return out
    finally:
        left.close()
        right.close()


def content(warehouse: str, schemas=("raw", "audit", "marts")) -> dict[str, list[tuple]]:
    side = Side(warehouse)
    try:
        return {f"{s}.{t}": side.rows(s, t, side.columns(s, t)) for s in schemas for t in side.tables(s)
                if t != "pipeline_runs"}
    finally:
        side.close()


# ------------------------------------------------------------------------------------------------- the runs

@pytest.fixture(scope="module")
def pg_url(postgres_server) -> str:
    """A database of its own, owned by a login role whose password needs quoting in a URL."""
    return postgres_server.create_database("credit_feeds_test", "credit_feeds", "p@ss:w/rd%1")


@pytest.fixture(scope="module")
def duck_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("duckdb")
    warehouse, out = base / "warehouse.duckdb", base / "out"
    r = run_month(SAMPLE, str(warehouse), out)
    assert r.returncode == 0, r.stderr[-3000:]
    return {"warehouse": str(warehouse), "out": out}


@pytest.fixture(scope="module")
def pg_run(pg_url, tmp_path_factory):
    out = tmp_path_factory.mktemp("postgres") / "out"
    r = run_month(SAMPLE, pg_url, out)
    assert r.returncode == 0, r.stderr[-3000:]
    return {"warehouse": pg_url, "out": out, "stdout": r.stdout, "stderr": r.stderr}


def test_run_names_the_warehouse_without_its_password(pg_run):
    assert "warehouse: postgresql://credit_feeds:***@127.0.0.1:" in pg_run["stdout"]
    assert "p@ss" not in pg_run["stdout"] + pg_run["stderr"] and "p%40ss" not in pg_run["stdout"] + pg_run["stderr"]


def test_schemas_on_postgresql(pg_run):
    con = db.connect(pg_run["warehouse"])
    try:
        schemas = {s for (s,) in con.execute("SELECT schema_name FROM information_schema.schemata").fetchall()}
        assert {"raw", "audit", "staging", "marts", "marts_build"} <= schemas
        assert con.execute("SELECT count(*) FROM marts.fct_disclosures").fetchone()[0] > 1000
    finally:
        con.close()


@pytest.mark.parametrize("schema", ["marts", "audit", "raw"])
def test_warehouses_agree_to_the_row(duck_run, pg_run, schema):
    assert differences(duck_run["warehouse"], pg_run["warehouse"], schema) == []


def test_bulletins_are_identical(duck_run, pg_run):
    for ext in ("md", "html"):
        name = f"bulletin-{MONTH}.{ext}"
        assert (pg_run["out"] / name).read_bytes() == (duck_run["out"] / name).read_bytes(), name
    duck_returns = sorted(p.name for p in (duck_run["out"] / "returns").iterdir())
    assert duck_returns and sorted(p.name for p in (pg_run["out"] / "returns").iterdir()) == duck_returns


def test_rerun_on_postgresql_changes_nothing(pg_run):
    before = content(pg_run["warehouse"])
    again = run_month(SAMPLE, pg_run["warehouse"], pg_run["out"])
    assert again.returncode == 0, again.stderr[-3000:]
    after = content(pg_run["warehouse"])
    assert after.keys() == before.keys()
    assert [k for k in before if not same_rows(before[k], after[k])] == []


# ------------------------------------------------------------------------------------ loading with COPY, locking

def _text(query) -> str:
    return query.decode() if isinstance(query, bytes) else str(query)


class CountingCursor(psycopg2.extensions.cursor):
    """Records every statement the client sends (a real cursor on the real server: nothing is faked)."""
    sent: list[str] = []

    def execute(self, query, vars=None):
        CountingCursor.sent.append(_text(query))
        return super().execute(query, vars)

    def executemany(self, query, vars_list):
        vars_list = list(vars_list)
        CountingCursor.sent.extend([_text(query)] * len(vars_list))
        return super().executemany(query, vars_list)

    def copy_expert(self, sql, file, size=8192):
        CountingCursor.sent.append(_text(sql))
        return super().copy_expert(sql, file, size)


@pytest.fixture(scope="module")
def scratch_url(postgres_server) -> str:
    """A second database for the tests that build their own tables (the module's runs share the first)."""
    return postgres_server.create_database("credit_feeds_scratch", "credit_feeds_scratch", "scratch-password")


@pytest.fixture
def counting(scratch_url):
    con = db.connect(scratch_url)
    con.raw.cursor_factory = CountingCursor
    CountingCursor.sent = []
    yield con
    con.close()


def test_bulk_load_is_one_copy_and_keeps_every_value(counting):
    """10,000 rows in one COPY: NULL and '' stay apart, quotes, commas and line breaks survive, NUL becomes U+FFFD."""
    counting.execute("DROP TABLE IF EXISTS public.copy_check")
    counting.execute("CREATE TABLE public.copy_check "
                     "(n INTEGER, t VARCHAR, at TIMESTAMP, ok BOOLEAN, x DOUBLE PRECISION)")
    texts = [None, "", "plain", 'quote " and, comma', "line\nbreak\r\n", "全角　空格", "\\N", "nul\x00byte", "  "]
    frame = pd.DataFrame({
        "n": pd.Series(range(10_000), dtype="int64"),
        "t": pd.Series([texts[i % len(texts)] for i in range(10_000)], dtype=object),
        "at": pd.Series([dt.datetime(2022, 6, 1, 9, 30) + dt.timedelta(minutes=i) if i % 7 else None
                         for i in range(10_000)], dtype="datetime64[us]"),
        "ok": pd.Series([i % 2 == 0 for i in range(10_000)], dtype=bool),
        "x": pd.Series([i / 3 if i % 5 else None for i in range(10_000)], dtype="float64"),
    })
    CountingCursor.sent = []
    db.insert_frame(counting, "public.copy_check", frame)
    assert len(CountingCursor.sent) == 1 and CountingCursor.sent[0].startswith("COPY public.copy_check")
    got = counting.execute("SELECT n, t, at, ok, x FROM public.copy_check ORDER BY n").fetchall()
    assert len(got) == 10_000
    for n, t, at, ok, x in got[:len(texts) * 7]:
        expected = texts[n % len(texts)]
        assert t == (expected.replace("\x00", db.NUL_REPLACEMENT) if expected else expected), n
        assert at == (dt.datetime(2022, 6, 1, 9, 30) + dt.timedelta(minutes=n) if n % 7 else None)
        assert ok == (n % 2 == 0) and (x == pytest.approx(n / 3) if n % 5 else x is None)
    counting.execute("DROP TABLE public.copy_check")


def test_ingest_loads_rows_with_copy_not_row_by_row(counting):
    """The sample's 10,642 rows reach raw through a handful of COPY statements (one per table and transaction)."""
    from credit_feeds.ingest import ingest
    from credit_feeds.warehouse import create_schemas

    for schema in ("raw", "audit"):
        counting.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    create_schemas(counting)
    CountingCursor.sent = []
    summary = ingest(SAMPLE, counting)
    assert summary.rows_loaded == 10_642
    raw_rows = sum(counting.execute(f"SELECT count(*) FROM raw.{f.table}").fetchone()[0] for f in FEEDS.values())
    assert raw_rows + counting.execute("SELECT count(*) FROM raw.malformed_lines").fetchone()[0] == 10_642
    copies = [s for s in CountingCursor.sent if s.startswith("COPY ")]
    inserts = [s for s in CountingCursor.sent if s.lstrip().upper().startswith("INSERT")
               and not s.split()[2].startswith(("raw.reporting_units", "raw.platforms"))]
    assert inserts == [] and 0 < len(copies) <= len(FEEDS) + 3


def test_nested_transactions_are_savepoints(scratch_url):
    """BEGIN inside BEGIN (publish.publication around bulletin_figures.store_figures): the inner block commits or
    rolls back on its own, the outer one decides for both."""
    con = db.connect(scratch_url)
    try:
        con.execute("CREATE TABLE IF NOT EXISTS public.nested (n INTEGER)")
        con.execute("DELETE FROM public.nested")
        con.execute("BEGIN")
        con.execute("INSERT INTO public.nested VALUES (?)", [1])
        con.execute("begin")
        con.execute("INSERT INTO public.nested VALUES (?)", [2])
        con.execute("rollback")
        con.execute("BEGIN")
        con.execute("INSERT INTO public.nested VALUES (?)", [3])
        con.execute("COMMIT")
        other = db.connect(scratch_url)
        assert other.execute("SELECT count(*) FROM public.nested").fetchone()[0] == 0   # not committed yet
        con.execute("COMMIT")
        assert sorted(n for (n,) in other.execute("SELECT n FROM public.nested").fetchall()) == [1, 3]
        other.close()
        con.execute("BEGIN")
        con.execute("INSERT INTO public.nested VALUES (4)")
        con.execute("BEGIN")
        con.execute("COMMIT")
        con.execute("ROLLBACK")
        assert sorted(n for (n,) in con.execute("SELECT n FROM public.nested").fetchall()) == [1, 3]
        assert con.depth == 0
    finally:
        con.close()


def test_two_runs_on_one_database_exclude_each_other(pg_url, tmp_path):
    with db.run_lock(pg_url, wait=False):
        r = run_month(SAMPLE, pg_url, tmp_path / "out")
    assert r.returncode == 1
    assert "in use by another credit-feeds run" in r.stderr and f"credit-feeds run pid {os.getpid()}" in r.stderr
    assert "p@ss" not in r.stderr


# ------------------------------------------------------------------------------------- readers while writing

DISCLOSURES = "feed IN ('license', 'penalty') AND report_month = DATE '2022-06-01'"
READ_MONTH = f"""
    SELECT (SELECT sum(submitted) FROM marts.unit_monthly_quality WHERE {DISCLOSURES}),
           (SELECT sum(accepted) FROM marts.unit_monthly_quality WHERE {DISCLOSURES}),
           (SELECT disclosures_submitted FROM marts.monthly_overview WHERE report_month = DATE '2022-06-01'),
           (SELECT disclosures_accepted FROM marts.monthly_overview WHERE report_month = DATE '2022-06-01'),
           (SELECT count(*) FROM marts.bulletin_figures WHERE report_month = DATE '2022-06-01')"""


def landing_with_a_resubmission(base: Path) -> Path:
    """The sample plus one new upload: a unit sends its license file again, its last row left out (new bytes, so
    a new file; its rows are later submissions of the same records)."""
    landing = base / "landing"
    shutil.copytree(SAMPLE, landing, symlinks=True)
    source = SAMPLE / "hanyang__license__20220606T192439.csv"
    lines = source.read_bytes().splitlines(keepends=True)
    (landing / "hanyang__license__20220629T120000.csv").write_bytes(b"".join(lines[:-1]))
    return landing


class Reader(threading.Thread):
    """Reads the month again and again while a run writes: what it saw, and any error."""

    def __init__(self, read):
        super().__init__(daemon=True)
        self.read, self.seen, self.errors, self.stop = read, [], [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.seen.append(self.read())
            except Exception as exc:   # noqa: BLE001 — any failure of a reader is what the test looks for
                self.errors.append(repr(exc))
            time.sleep(0.02)


def consistent(state) -> bool:
    submitted, accepted, overview_submitted, overview_accepted, figures = state
    return submitted == overview_submitted and accepted == overview_accepted and figures > 0


def read_while_running(readers: list[Reader], feeds: Path, warehouse: str, out: Path) -> subprocess.CompletedProcess:
    for reader in readers:
        reader.start()
    try:
        return run_month(feeds, warehouse, out)
    finally:
        for reader in readers:
            reader.stop.set()
            reader.join(30)


def test_postgresql_readers_see_whole_months_and_never_wait(pg_run, tmp_path):
    def read_fresh():
        con = db.connect(pg_run["warehouse"], read_only=True)
        try:
            return con.execute(READ_MONTH).fetchone()
        finally:
            con.close()

    old = read_fresh()
    # a reader in one long REPEATABLE READ transaction (a BI tool, pg_dump): it must keep seeing the old month, and
    # the run must not wait for it
    long_reader = psycopg2.connect(pg_run["warehouse"])
    long_reader.set_session(isolation_level="REPEATABLE READ", readonly=True)
    long_cursor = long_reader.cursor()

    def read_in_transaction():
        long_cursor.execute(READ_MONTH)
        return long_cursor.fetchone()

    assert read_in_transaction() == old
    readers = [Reader(read_fresh), Reader(read_in_transaction)]
    try:
        r = read_while_running(readers, landing_with_a_resubmission(tmp_path), pg_run["warehouse"], tmp_path / "out")
    finally:
        long_reader.rollback()
        long_reader.close()
    assert r.returncode == 0, r.stderr[-3000:]
    new = read_fresh()
    assert consistent(old) and consistent(new) and new[0] > old[0]
    fresh, in_transaction = readers
    assert fresh.errors == [] and in_transaction.errors == []
    assert len(fresh.seen) > 50 and set(fresh.seen) <= {old, new}, set(fresh.seen) - {old, new}
    assert set(in_transaction.seen) == {old}


# an analyst's session open across the whole run, in a process of its own (in one process DuckDB shares one
# instance per file, so the test's fresh connections would otherwise reuse this one): it prints the month once
# opened, reads it again and again until its stdin closes, then prints every state it saw
HELD_SESSION = """
import json, sys, threading, time
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(json.dumps(con.execute(sys.argv[2]).fetchone()), flush=True)
seen, errors, stop = set(), [], threading.Event()
def loop():
    while not stop.is_set():
        try:
            seen.add(tuple(con.execute(sys.argv[2]).fetchone()))
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.01)
reader = threading.Thread(target=loop)
reader.start()
sys.stdin.read()
stop.set()
reader.join()
print(json.dumps({"seen": sorted(seen), "errors": errors}), flush=True)
"""


def test_duckdb_readers_read_the_snapshot_and_never_wait(duck_run, tmp_path):
    import json

    warehouse, snapshot = duck_run["warehouse"], snapshot_path(duck_run["warehouse"])
    assert snapshot.exists()

    def read_fresh():
        con = duckdb.connect(str(snapshot), read_only=True)
        try:
            return con.execute(READ_MONTH).fetchone()
        finally:
            con.close()

    old = read_fresh()
    held = subprocess.Popen([sys.executable, "-c", HELD_SESSION, str(snapshot), READ_MONTH], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert tuple(json.loads(held.stdout.readline())) == old
        readers = [Reader(read_fresh)]
        r = read_while_running(readers, landing_with_a_resubmission(tmp_path), warehouse, tmp_path / "out")
        session, _ = held.communicate("", timeout=60)
    finally:
        if held.poll() is None:
            held.kill()
    assert r.returncode == 0, r.stderr[-3000:]
    new = read_fresh()
    assert consistent(old) and consistent(new) and new[0] > old[0]
    fresh = readers[0]
    assert fresh.errors == [] and len(fresh.seen) > 50 and set(fresh.seen) <= {old, new}
    session = json.loads(session)
    assert session["errors"] == [] and [tuple(s) for s in session["seen"]] == [old]
    # the snapshot is the warehouse's marts and audit as the run left them, and no raw data
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        schemas = {s for (s,) in con.execute("SELECT DISTINCT table_schema FROM information_schema.tables").fetchall()}
        assert schemas == {"marts", "audit"}
    finally:
        con.close()
    assert differences(warehouse, str(snapshot), "marts") == []


def test_warehouses_still_agree_after_the_runs_that_added_a_file(duck_run, pg_run):
    """After the reader tests' runs (one new file each: incremental ingest, validation and facts on both
    engines), the two warehouses still agree to the row."""
    for schema in ("marts", "audit"):
        assert differences(duck_run["warehouse"], pg_run["warehouse"], schema) == []

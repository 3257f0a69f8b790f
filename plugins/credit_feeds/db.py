"""The warehouse connection, DuckDB or PostgreSQL: the one place where the two differ.

A warehouse is named by a DuckDB file path, a `postgresql://user:password@host:port/dbname` URL, or the id of an
Airflow connection holding one (`credit_feeds_warehouse`: a bare name, no `/` and no `.`, that is not an existing
file). `connect()` returns a DuckDB connection or a `PostgresConnection`, which speaks the part of DuckDB's API the
package uses — `execute(sql, params)` with `?` placeholders returning something with `fetchall`/`fetchone`/`df`,
`executemany`, explicit `BEGIN`/`COMMIT`/`ROLLBACK`, `close` — so the modules keep one code path and one SQL text,
written in the subset both engines understand (docs/architecture.md "PostgreSQL warehouse"). What cannot be written that way is here:
bulk loading (`insert_frame`: DuckDB scans a registered DataFrame, PostgreSQL takes one COPY), a DataFrame queried
as a table (`register`: a temporary table on PostgreSQL), the dbt target and its environment (`dbt_target`) and the
one-run-per-warehouse lock (`run_lock`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import fcntl
import functools
import hashlib
import io
import os
import re
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
CONNECTION_ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")   # an Airflow connection id, never a file name
# PostgreSQL text cannot hold U+0000 (DuckDB's can): such a character is stored as U+FFFD, the replacement character
NUL_REPLACEMENT = "\ufffd"


class WarehouseError(Exception):
    """The warehouse named cannot be used; the message says why in one line."""


# ------------------------------------------------------------------------------------------------ naming it

def is_postgres(warehouse) -> bool:
    """True for a PostgreSQL URL or a PostgresConnection."""
    if isinstance(warehouse, PostgresConnection):
        return True
    return str(warehouse).startswith(POSTGRES_SCHEMES)


def resolve(warehouse: str) -> str:
    """The warehouse as a PostgreSQL URL or an absolute DuckDB path; an Airflow connection id becomes its URL."""
    warehouse = str(warehouse)
    if is_postgres(warehouse):
        return warehouse
    if CONNECTION_ID_RE.match(warehouse) and not Path(warehouse).exists():
        return connection_url(warehouse)
    return str(Path(warehouse).resolve())


def connection_url(conn_id: str) -> str:
    """The PostgreSQL URL of an Airflow connection (conn type postgres: host, port, login, password, schema =
    database name; `AIRFLOW_CONN_<ID>` in the environment works too)."""
    try:
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:   # AirflowNotFoundException, or no Airflow at all
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WarehouseError(f"warehouse {conn_id!r} is neither a DuckDB file (name it with its .duckdb extension) "
                             f"nor an Airflow connection: {why}") from None
    if conn.conn_type not in ("postgres", "postgresql"):
        raise WarehouseError(f"Airflow connection {conn_id!r} is of type {conn.conn_type!r}; the warehouse needs "
                             "a postgres connection")
    auth = quote(conn.login or "", safe="") + (f":{quote(conn.password, safe='')}" if conn.password else "")
    netloc = f"{auth}@" if auth else ""
    netloc += f"{conn.host or 'localhost'}" + (f":{conn.port}" if conn.port else "")
    sslmode = (conn.extra_dejson or {}).get("sslmode")
    query = f"?sslmode={sslmode}" if sslmode else ""
    return f"postgresql://{netloc}/{quote(conn.schema or 'postgres', safe='')}{query}"


def display(warehouse: str) -> str:
    """The warehouse for messages and logs: a URL without its password."""
    if not is_postgres(warehouse):
        return str(warehouse)
    parts = urlsplit(str(warehouse))
    if parts.password is None:
        return str(warehouse)
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------------------------- connecting

def connect(warehouse, read_only: bool = False):
    """A connection to the warehouse: duckdb's for a file, PostgresConnection for a URL."""
    if is_postgres(warehouse):
        return PostgresConnection(str(warehouse), read_only=read_only)
    import duckdb

    path = Path(warehouse)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    # DuckDB caches up to 80% of the machine's memory by default: bounded, it spills to <warehouse>.tmp/ instead
    con.execute(f"SET memory_limit = '{duckdb_memory_limit()}'")
    return con


MEMORY_LIMIT_RE = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for the warehouse: CREDIT_FEEDS_DUCKDB_MEMORY (default 1GB; dbt reads the same
    variable in profiles.yml), so that a month of any size runs in about 2 GB (docs/architecture.md "Scale")."""
    limit = os.environ.get("CREDIT_FEEDS_DUCKDB_MEMORY", "1GB").strip()
    if not MEMORY_LIMIT_RE.match(limit):
        raise WarehouseError(f"CREDIT_FEEDS_DUCKDB_MEMORY={limit!r} is not a size such as 1GB or 512MB")
    return limit


@functools.lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """DuckDB's `?` placeholders as psycopg2's `%s` (and a literal % as %%), outside quotes and comments."""
    def sub(m: re.Match) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%")
    return _SQL_TOKEN.sub(sub, sql)


_SQL_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/|\?|%", re.S)


def _pg_value(value):
    """A parameter as psycopg2 adapts it: Python scalars (numpy's and pandas' unwrapped), lists as arrays."""
    if isinstance(value, str):
        return value.replace("\x00", NUL_REPLACEMENT) if "\x00" in value else value
    if isinstance(value, (list, tuple)):
        return [_pg_value(v) for v in value]
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    if hasattr(value, "to_pydatetime"):   # pandas Timestamp
        return value.to_pydatetime()
    return value


class PostgresResult:
    """What `PostgresConnection.execute` returns: the cursor's rows, and `df()` as DuckDB's relation has."""

    def __init__(self, cursor):
        self.cursor = cursor

    @property
    def description(self):
        return self.cursor.description

    def fetchall(self) -> list[tuple]:
        return self.cursor.fetchall()

    def fetchone(self):
        return self.cursor.fetchone()

    def df(self):
        import pandas as pd

        columns = [d[0] for d in self.cursor.description]
        return pd.DataFrame.from_records(self.cursor.fetchall(), columns=columns)

    fetchdf = df


_TRANSACTION = re.compile(r"^\s*(begin|start\s+transaction|commit|end|rollback)\s*;?\s*$", re.I)


class PostgresConnection:
    """A psycopg2 connection in autocommit mode, so that statements behave as on DuckDB: each on its own unless
    the caller opened a transaction with BEGIN (psycopg2's default would hold every statement in a transaction
    until commit, and an explicit BEGIN would then only warn).

    A BEGIN inside an open transaction becomes a savepoint (and its COMMIT / ROLLBACK a release / rollback to it),
    so a caller can hold one transaction around functions that open their own: publish.publication holds the
    publication of the marts and the bulletin's figures (bulletin_figures.store_figures) together."""

    def __init__(self, url: str, read_only: bool = False, application_name: str = "credit-feeds"):
        import psycopg2

        try:
            self.raw = psycopg2.connect(url, application_name=application_name)
        except psycopg2.Error as exc:
            raise WarehouseError(f"cannot connect to warehouse {display(url)}: {str(exc).strip().splitlines()[0]}") \
                from None
        self.raw.autocommit = True
        self.depth = 0   # open transaction (1) and savepoints inside it (2, 3, …)
        if read_only:
            self.execute("SET default_transaction_read_only = on")

    def execute(self, sql: str, params=None) -> PostgresResult:
        if params is None and (control := _TRANSACTION.match(sql)):
            sql = self._transaction(control[1].lower().split()[0])
        cursor = self.raw.cursor()
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(_pg_sql(sql), [_pg_value(v) for v in params])
        return PostgresResult(cursor)

    def _transaction(self, verb: str) -> str:
        if verb in ("begin", "start"):
            self.depth += 1
            return "BEGIN" if self.depth == 1 else f"SAVEPOINT nested_{self.depth}"
        if self.depth == 0:   # as PostgreSQL itself: a warning, nothing to end
            return verb.upper()
        self.depth -= 1
        if self.depth == 0:
            return "ROLLBACK" if verb == "rollback" else "COMMIT"
        savepoint = f"nested_{self.depth + 1}"
        if verb == "rollback":
            return f"ROLLBACK TO SAVEPOINT {savepoint}; RELEASE SAVEPOINT {savepoint}"
        return f"RELEASE SAVEPOINT {savepoint}"

    def executemany(self, sql: str, rows) -> None:
        """Batched statements (psycopg2's executemany would make one round trip per row)."""
        from psycopg2.extras import execute_batch

        with self.raw.cursor() as cursor:
            execute_batch(cursor, _pg_sql(sql), [[_pg_value(v) for v in row] for row in rows], page_size=1000)

    def copy_csv(self, table: str, columns, data: io.BytesIO) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        with self.raw.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)", data)

    def close(self) -> None:
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# -------------------------------------------------------------------------------------------- bulk loading

class _Null:
    """Written by csv's QUOTE_NONNUMERIC writer as an empty *unquoted* field, which COPY reads as NULL: the writer
    leaves "numbers" unquoted, and this counts as one. Every other text is quoted, so '' stays an empty string."""

    def __index__(self) -> int:
        return 0

    def __str__(self) -> str:
        return ""


NULL = _Null()


def insert_frame(con, table: str, frame) -> None:
    """Insert a DataFrame's rows into `table`, matching columns by name: DuckDB scans the frame in place;
    PostgreSQL receives one COPY ... FROM STDIN (CSV), never a statement per row."""
    if len(frame) == 0:
        return
    if not isinstance(con, PostgresConnection):
        con.register("incoming_rows", frame)
        try:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")
        finally:
            con.unregister("incoming_rows")
        return
    values = frame.astype(object).where(frame.notna(), NULL)
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(
        values.itertuples(index=False, name=None))
    text = buffer.getvalue()
    if "\x00" in text:
        text = text.replace("\x00", NUL_REPLACEMENT)
    # a lone surrogate (half a UTF-16 pair) cannot be UTF-8: stored as '?' rather than failing the file's load
    con.copy_csv(table, list(frame.columns), io.BytesIO(text.encode("utf-8", errors="replace")))


_PG_TYPES = {"i": "BIGINT", "u": "BIGINT", "f": "DOUBLE PRECISION", "b": "BOOLEAN", "M": "TIMESTAMP"}


def register(con, name: str, frame) -> None:
    """Make a DataFrame queryable as the table `name` until unregister: DuckDB scans the frame in place (a
    registered view); PostgreSQL gets a temporary table of this session, loaded with one COPY."""
    if not isinstance(con, PostgresConnection):
        con.register(name, frame)
        return
    columns = ", ".join(f'"{c}" {_PG_TYPES.get(frame[c].dtype.kind, "TEXT")}' for c in frame.columns)
    con.execute(f'CREATE TEMPORARY TABLE "{name}" ({columns})')
    insert_frame(con, f'"{name}"', frame)


def unregister(con, name: str) -> None:
    if not isinstance(con, PostgresConnection):
        con.unregister(name)
        return
    con.execute(f'DROP TABLE IF EXISTS pg_temp."{name}"')


# ------------------------------------------------------------------------------------------------------ dbt

def dbt_target(warehouse: str) -> tuple[str, dict[str, str]]:
    """The target of dbt_project/profiles.yml for the warehouse, and the environment its profile reads."""
    if not is_postgres(warehouse):
        return "duckdb", {"CREDIT_FEEDS_WAREHOUSE": str(Path(warehouse).resolve())}
    from psycopg2.extensions import parse_dsn

    dsn = parse_dsn(str(warehouse))
    env = {
        "CREDIT_FEEDS_PG_HOST": dsn.get("host", "localhost"),
        "CREDIT_FEEDS_PG_PORT": dsn.get("port", "5432"),
        "CREDIT_FEEDS_PG_USER": dsn.get("user", ""),
        "CREDIT_FEEDS_PG_DBNAME": dsn.get("dbname", ""),
        "CREDIT_FEEDS_PG_SSLMODE": dsn.get("sslmode", "prefer"),
        # dbt scrubs DBT_ENV_SECRET_* values from its logs
        "DBT_ENV_SECRET_CREDIT_FEEDS_PG_PASSWORD": dsn.get("password", ""),
    }
    return "postgres", env


# ------------------------------------------------------------------------------------------------- locking

class WarehouseBusy(Exception):
    pass


# the key of the session advisory lock a run holds on a PostgreSQL warehouse (advisory locks are per database)
ADVISORY_LOCK_KEY = int.from_bytes(hashlib.sha256(b"credit-feeds run").digest()[:8], "big", signed=True)


@contextlib.contextmanager
def run_lock(warehouse: str, wait: bool):
    """One run per warehouse. DuckDB: an exclusive flock on `<warehouse>.lock`. PostgreSQL: a session advisory
    lock (pg_try_advisory_lock) held by a connection open for the whole run, released when it closes — also when
    the process dies. Raises WarehouseBusy naming the holder when another run has it and `wait` is false."""
    if not is_postgres(warehouse):
        path = Path(warehouse).resolve()
        with file_lock(path.with_name(path.name + ".lock"), wait, f"warehouse {warehouse}"):
            yield
        return
    holder = f"credit-feeds run pid {os.getpid()} since {dt.datetime.now():%Y-%m-%d %H:%M:%S}"
    con = PostgresConnection(warehouse, application_name=holder[:63])
    try:
        if wait:
            con.execute("SELECT pg_advisory_lock(?)", [ADVISORY_LOCK_KEY])
        elif not con.execute("SELECT pg_try_advisory_lock(?)", [ADVISORY_LOCK_KEY]).fetchone()[0]:
            raise WarehouseBusy(f"warehouse {display(warehouse)} is in use by another credit-feeds run "
                                f"({_advisory_holder(con)}); wait for it or rerun with --wait")
        yield
    finally:
        con.close()   # ends the session, and with it the lock


def _advisory_holder(con: PostgresConnection) -> str:
    row = con.execute("""
        SELECT a.application_name, a.client_addr, a.pid
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database
                                                                     WHERE datname = current_database())
          AND l.classid::text::bigint = ? AND l.objid::text::bigint = ? AND l.objsubid = 1""",
        [(ADVISORY_LOCK_KEY >> 32) & 0xFFFFFFFF, ADVISORY_LOCK_KEY & 0xFFFFFFFF]).fetchone()
    if row is None:
        return "another session"
    name, addr, pid = row
    return f"{name or 'session'} from {addr or 'local socket'}, server pid {pid}"


@contextlib.contextmanager
def file_lock(path: Path, wait: bool, what: str):
    """Hold an exclusive flock on `path` for the block; if another process holds it, wait or raise WarehouseBusy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise WarehouseBusy(f"{what} is in use by another credit-feeds run ({holder}); wait for it or rerun "
                                "with --wait") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {dt.datetime.now():%Y-%m-%d %H:%M:%S}")
        fh.flush()
        try:
            yield
        finally:
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)

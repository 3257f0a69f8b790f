"""What analysts read while a run writes (issue 6, item 4): a month is published whole, never half built.

DuckDB allows one process to open a file for writing, and no other process may open it while the run does. So
analysts never open the warehouse itself: at the end of every run (after the bulletin) `publish_snapshot` writes
`<warehouse stem>.snapshot.duckdb` beside it, holding `marts` and `audit` (never `raw`: unmasked personal data
stays with the pipeline). The copy is written under a temporary name, checkpointed, fsynced and renamed over the
previous snapshot: a reader opens it read-only and sees the last complete run; a reader that already has it
open keeps the file it opened (the rename does not touch it) and never blocks the run.

PostgreSQL: dbt builds the marts into the schema `marts_build` (macros/generate_schema_name.sql), which stays
between runs as the pipeline's working copy. The bulletin task then holds one transaction (`publication`) in which
every table of `marts_build` is copied into `marts` (DELETE and INSERT), the bulletin is computed from the new
`marts` and its figures are stored in `marts.bulletin_figures` and checked: a reader sees the previous month —
marts and figures — until the commit and the new one after it, and never waits (MVCC: readers take no lock the
copy needs). If the bulletin fails, nothing is published. The tables of `marts` keep their identity, so grants on
them survive runs. Only when a model's columns change is its table dropped and recreated, which waits for that
table's current readers.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from . import db

log = logging.getLogger(__name__)

BUILD_SCHEMA = "marts_build"
PUBLISHED_SCHEMA = "marts"
SNAPSHOT_SCHEMAS = ("marts", "audit")


def snapshot_path(warehouse: str | Path) -> Path:
    """`warehouse/credit_feeds.duckdb` -> `warehouse/credit_feeds.snapshot.duckdb`."""
    path = Path(warehouse).resolve()
    return path.with_name(f"{path.stem}.snapshot.duckdb")


@contextlib.contextmanager
def publication(con):
    """PostgreSQL: one transaction that first copies every table of marts_build into marts, then runs the block
    (the bulletin, which reads the new marts and stores its figures); committed when the block succeeds, rolled
    back — nothing published — when it fails. DuckDB: just the block (dbt built marts in place)."""
    if not db.is_postgres(con):
        yield
        return
    con.execute("BEGIN")
    try:
        tables = _publish_all(con)
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    log.info("published %d tables of %s into %s", tables, BUILD_SCHEMA, PUBLISHED_SCHEMA)


def publish_marts(warehouse: str) -> int:
    """Publish marts_build into marts on its own (after running dbt by hand); returns how many tables."""
    if not db.is_postgres(warehouse):
        return 0
    con = db.connect(warehouse)
    try:
        con.execute("BEGIN")
        try:
            tables = _publish_all(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    return tables


def _publish_all(con) -> int:
    tables = [t for (t,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE' "
        "ORDER BY table_name", [BUILD_SCHEMA]).fetchall()]
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {PUBLISHED_SCHEMA}")
    for table in tables:
        _publish_table(con, table)
    return len(tables)


def _columns(con, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [schema, table]).fetchall()


def _publish_table(con, table: str) -> None:
    source, target = f'{BUILD_SCHEMA}."{table}"', f'{PUBLISHED_SCHEMA}."{table}"'
    columns = _columns(con, BUILD_SCHEMA, table)
    if _columns(con, PUBLISHED_SCHEMA, table) == columns:
        con.execute(f"DELETE FROM {target}")   # not TRUNCATE: that would lock readers out until the commit
    else:   # new model, or its columns changed
        con.execute(f"DROP TABLE IF EXISTS {target}")
        con.execute(f"CREATE TABLE {target} (LIKE {source})")
    names = ", ".join(f'"{c}"' for c, _ in columns)
    con.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {source}")


def publish_snapshot(warehouse: str) -> Path | None:
    """DuckDB: write `<stem>.snapshot.duckdb` (marts and audit of the warehouse) atomically; returns its path.
    PostgreSQL: nothing to do (readers read marts, published by publish_marts)."""
    if db.is_postgres(warehouse):
        return None
    target = snapshot_path(warehouse)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = db.connect(warehouse)
    try:
        con.execute(f"ATTACH '{_literal(temporary)}' AS snapshot")
        try:
            for schema in SNAPSHOT_SCHEMAS:
                con.execute(f"CREATE SCHEMA snapshot.{schema}")
                for (table,) in con.execute(
                        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
                        "AND table_schema = ? ORDER BY table_name", [schema]).fetchall():
                    con.execute(f'CREATE TABLE snapshot.{schema}."{table}" AS SELECT * FROM {schema}."{table}"')
            con.execute("CHECKPOINT snapshot")
        finally:
            con.execute("DETACH snapshot")
    finally:
        con.close()
    if temporary.with_name(temporary.name + ".wal").exists():
        raise RuntimeError(f"snapshot {temporary} was not checkpointed: its WAL is still there")
    with temporary.open("rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(temporary, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    log.info("published the snapshot %s", target)
    return target


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    """`python -m credit_feeds.publish WAREHOUSE`: publish by hand after running dbt yourself (README)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m credit_feeds.publish <postgresql:// URL | connection id | DuckDB file>",
              file=sys.stderr)
        return 2
    warehouse = db.resolve(args[0])
    if db.is_postgres(warehouse):
        print(f"published {publish_marts(warehouse)} tables of {BUILD_SCHEMA} into {PUBLISHED_SCHEMA}")
    else:
        print(f"published {publish_snapshot(warehouse)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

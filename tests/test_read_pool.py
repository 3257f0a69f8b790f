"""Files read by worker processes (read_pool.py) give the warehouse exactly what reading them one by one gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from credit_feeds import read_pool
from credit_feeds.ingest import ingest
from credit_feeds.warehouse import connect, create_schemas

SAMPLE = Path(__file__).resolve().parents[1] / "include" / "sample_feeds"


def _tables(con) -> dict[str, list[tuple]]:
    """Every raw and audit table, rows sorted; the receipt time (the wall clock of each ingest) left out."""
    out = {}
    for schema, table in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'audit') ORDER BY 1, 2").fetchall():
        cols = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [schema, table]).fetchall() if c != "received_at"]
        select = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in cols)
        out[f"{schema}.{table}"] = sorted(con.execute(f'SELECT {select} FROM "{schema}"."{table}"').fetchall(),
                                          key=repr)
    return out


def _ingest(zone: Path, warehouse: Path, workers: int, monkeypatch) -> dict[str, list[tuple]]:
    monkeypatch.setenv("CREDIT_FEEDS_READ_WORKERS", str(workers))
    con = connect(warehouse)
    try:
        create_schemas(con)
        summary = ingest(zone, con)
        assert summary.files_new > 0
        return _tables(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def zone(tmp_path_factory) -> Path:
    """The sample landing zone plus files no reader can read, in the middle of the order."""
    zone = tmp_path_factory.mktemp("pool") / "landing"
    shutil.copytree(SAMPLE, zone)
    some_dir = next(p for p in sorted(zone.rglob("*.csv")) if not p.parent.name.startswith("_")).parent
    (some_dir / "jianghan__license__20220611T090000.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (some_dir / "jianghan__penalty__20220611T090000.csv").write_bytes(b"\xff\xfe\x00\x00" * 64)
    return zone


def test_workers_give_the_same_warehouse_as_one_process(zone, tmp_path, monkeypatch):
    assert sum(f.stat().st_size for f in zone.rglob("*") if f.is_file()) > read_pool.POOL_MIN_BYTES
    alone = _ingest(zone, tmp_path / "one.duckdb", 1, monkeypatch)
    pooled = _ingest(zone, tmp_path / "two.duckdb", 2, monkeypatch)
    assert alone.keys() == pooled.keys()
    for table in alone:
        assert alone[table] == pooled[table], table
    files = alone["audit.files"]
    assert sum(1 for row in files if "quarantined" in row) >= 2   # the two broken files, read by a worker
    assert sum(len(rows) for name, rows in alone.items() if name.startswith("raw.")) > 10_000


def test_worker_count_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CREDIT_FEEDS_READ_WORKERS", "3")
    assert read_pool.workers() == 3
    monkeypatch.setenv("CREDIT_FEEDS_READ_WORKERS", "0")
    assert read_pool.workers() == 1
    monkeypatch.delenv("CREDIT_FEEDS_READ_WORKERS")
    assert 1 <= read_pool.workers() <= read_pool.MAX_WORKERS

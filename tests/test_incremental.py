"""Incremental facts: after new files arrive, an incremental `dbt build` gives exactly the marts a full rebuild
gives on the same data — corrections replace earlier rows, a late-arriving older submission does not, a rejected
resubmission does not, a natural person's record (no subject code) is still one key — and the fact models were
really built incrementally (delete+insert of the keys that came in)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from credit_feeds.compliance import validate_pending
from credit_feeds.feeds import FEEDS
from credit_feeds.ingest import ingest
from credit_feeds.validation import Validator
from credit_feeds.warehouse import connect, create_schemas
from credit_feeds.workdays import write_calendar

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "include" / "sample_feeds"
PROJECT_DIR = ROOT / "dbt_project"
FACTS = ("fct_disclosures", "fct_admin_actions", "fct_commitments", "fct_commitment_fulfilment",
         "fct_grading_results", "fct_joint_cases", "fct_basic_info")


def _receive(landing: Path, warehouse: Path) -> None:
    """The month's first two stages: ingest the new files, validate them."""
    con = connect(warehouse)
    try:
        create_schemas(con)
        write_calendar(con)
        ingest(landing, con)
        validate_pending(con, validator=Validator())
    finally:
        con.close()


def _dbt(args: list[str], warehouse: Path, target: Path) -> None:
    from dbt.cli.main import dbtRunner

    saved = os.environ.get("CREDIT_FEEDS_WAREHOUSE")
    os.environ["CREDIT_FEEDS_WAREHOUSE"] = str(warehouse)
    try:
        result = dbtRunner().invoke(args + [
            "--exclude", "resource_type:unit_test", "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR), "--target-path", str(target), "--log-path", str(target / "logs")])
    finally:
        if saved is None:
            os.environ.pop("CREDIT_FEEDS_WAREHOUSE", None)
        else:
            os.environ["CREDIT_FEEDS_WAREHOUSE"] = saved
    if not result.success:
        problems = [f"{r.node.name}: {r.status} {r.message}" for r in getattr(result.result, "results", [])
                    if str(r.status) in ("error", "fail")]
        pytest.fail(f"dbt {' '.join(args)} failed: {result.exception or problems}")


def _accepted(con, feed: str, where: str = "true", order: str = "r.file_id, r.source_row") -> dict:
    """One accepted raw row of `feed` (with its file's submission time) matching `where`."""
    table = FEEDS[feed].table
    cur = con.execute(f"""
        SELECT r.*, f.submitted_at AS file_submitted_at FROM raw.{table} r JOIN audit.files f USING (file_id)
        WHERE NOT EXISTS (SELECT 1 FROM audit.rejections j WHERE j.file_id = r.file_id
                          AND j.source_row = r.source_row AND j.feed = ?)
          AND {where}
        ORDER BY {order} LIMIT 1""", [feed])
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    assert row is not None, f"the sample has no accepted {feed} row where {where}"
    return dict(zip(names, row))


def _write(landing: Path, unit: str, feed: str, when: dt.datetime, rows: list[dict]) -> str:
    codes = FEEDS[feed].codes
    rel = f"corrections/{unit}__{feed}__{when:%Y%m%dT%H%M%S}.csv"
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(codes)
        writer.writerows([[row.get(c) or "" for c in codes] for row in rows])
    return rel


def _new_files(warehouse: Path, landing: Path) -> dict:
    """Files that arrive after the first build, built from rows the sample already holds."""
    con = duckdb.connect(str(warehouse))   # as dbt-duckdb, in this process, opened it
    try:
        early = _accepted(con, "commitment", "f.submitted_at >= TIMESTAMP '2022-06-20'")
        corrected = _accepted(con, "commitment", f"r.CN_BH <> '{early['CN_BH']}'")
        refused = _accepted(con, "commitment", f"r.CN_BH NOT IN ('{early['CN_BH']}', '{corrected['CN_BH']}')")
        person = _accepted(con, "penalty", "trim(r.CF_XDR_LB) = '自然人'")
    finally:
        con.close()
    june = lambda day, hour: dt.datetime(2022, 6, day, hour, 0, 0)  # noqa: E731
    files = {
        # a correction: the same 承诺书编号, submitted later -> replaces the row kept so far
        "correction": _write(landing, corrected["unit_code"], "commitment", june(29, 20),
                             [{**corrected, "CN_SX": "更正后的承诺事项"},
                              {**corrected, "CN_BH": "INCR-NEW-0001", "CN_SX": "新的承诺"}]),
        # arrives late but was submitted early (1 June): the row kept, submitted later, stays
        "late_but_older": _write(landing, early["unit_code"], "commitment", june(1, 8),
                                 [{**early, "CN_RQ": "2022-05-20", "CN_SX": "较早报送的版本"}]),
        # a resubmission that breaks a rule (REQUIRED): rejected, so it replaces nothing
        "rejected": _write(landing, refused["unit_code"], "commitment", june(29, 21),
                           [{**refused, "CN_ZTMC": "", "CN_SX": "被打回的版本"}]),
        # a natural person's penalty (no subject code): still one record key, replaced by its correction
        "person": _write(landing, person["unit_code"], "penalty", june(30, 9),
                         [{**person, "CF_NR": "更正后的处罚内容"}]),
    }
    return {"files": files, "early": early, "corrected": corrected, "refused": refused, "person": person}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    base = tmp_path_factory.mktemp("incremental")
    landing = base / "landing"
    shutil.copytree(SAMPLE, landing)
    incremental = base / "incremental.duckdb"
    _receive(landing, incremental)
    _dbt(["build"], incremental, base / "first")                    # the first build: full
    arrived = _new_files(incremental, landing)
    _receive(landing, incremental)                                   # only the new files are read
    _dbt(["build"], incremental, base / "second")                   # incremental
    full = base / "full.duckdb"
    con = duckdb.connect(str(incremental))
    con.execute("CHECKPOINT")   # everything in the file itself before it is copied
    con.close()
    shutil.copy(incremental, full)
    _dbt(["build", "--full-refresh"], full, base / "full-refresh")   # everything rebuilt from raw
    return {"incremental": incremental, "full": full, "second": base / "second", **arrived}


def _table_digest(con, table: str) -> tuple[int, str]:
    rows = con.execute(f"SELECT * FROM marts.{table}").fetchall()
    return len(rows), hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()


def test_incremental_build_equals_full_refresh(builds):
    a = duckdb.connect(str(builds["incremental"]))
    b = duckdb.connect(str(builds["full"]))
    try:
        tables = [t for (t,) in a.execute("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
        assert set(FACTS) <= set(tables)
        for table in tables:
            assert _table_digest(a, table) == _table_digest(b, table), table
    finally:
        a.close()
        b.close()


def test_the_facts_were_built_incrementally(builds):
    for fact in FACTS:
        sql = next((builds["second"] / "run").rglob(f"{fact}.sql")).read_text(encoding="utf-8").lower()
        assert "delete from" in sql and "record_key" in sql, fact


def test_corrections_late_arrivals_and_rejected_resubmissions(builds):
    con = duckdb.connect(str(builds["incremental"]))
    try:
        def commitment(no):
            return con.execute("SELECT matter, file_id FROM marts.fct_commitments WHERE commitment_no = ?",
                               [no]).fetchall()

        corrected, early, refused = builds["corrected"], builds["early"], builds["refused"]
        assert [m for m, _ in commitment(corrected["CN_BH"].strip())] == ["更正后的承诺事项"]
        assert [m for m, _ in commitment("INCR-NEW-0001")] == ["新的承诺"]
        # the late-arriving file was submitted before the row kept: it stays
        assert commitment(early["CN_BH"].strip()) == [(early["CN_SX"].strip(), early["file_id"])]
        assert commitment(refused["CN_BH"].strip()) == [(refused["CN_SX"].strip(), refused["file_id"])]
        assert con.execute("SELECT count(*) FROM audit.rejections r JOIN audit.files f USING (file_id) "
                           "WHERE f.path = ? AND r.rule_id = 'REQUIRED'", [builds["files"]["rejected"]]).fetchone()[0] == 1
        person = builds["person"]
        rows = con.execute("SELECT penalty_kinds, subject_code, file_id FROM marts.fct_disclosures "
                           "WHERE feed = 'penalty' AND doc_no = ?", [person["CF_WSH"].strip()]).fetchall()
        assert len(rows) == 1 and rows[0][1] is None and rows[0][2] != person["file_id"]
    finally:
        con.close()

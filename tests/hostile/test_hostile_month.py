"""The whole month through `credit-feeds run` (the real Airflow DAG, GX, dbt, bulletin) on a landing zone holding
every hostile file of this suite beside a few good ones: the month is produced, every entry is accounted for, and
nothing is written outside the output folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from credit_feeds.publish import snapshot_path

import builders as b

CLI = Path(sys.executable).parent / "credit-feeds"
CASES = [getattr(b, n) for n in dir(b) if n.startswith("case_") and n != "case_symlinks"]


def test_a_hostile_month_is_produced(tmp_path):
    zone = b.make_zone(tmp_path)
    expected = {}
    for case in CASES:
        expected.update(case(zone))
    expected.update(b.case_symlinks(zone, tmp_path / "outside"))
    warehouse, out = tmp_path / "warehouse.duckdb", tmp_path / "out"
    before = _tree(tmp_path)

    run = subprocess.run([str(CLI), "run", "--feeds", str(zone), "--month", b.MONTH, "--warehouse", str(warehouse),
                          "--out", str(out)], capture_output=True, text=True, env=os.environ.copy(), timeout=900)

    assert run.returncode == 0, run.stderr[-3000:]
    for ext in ("md", "html", "docx"):
        assert (out / f"bulletin-{b.MONTH}.{ext}").stat().st_size > 1000
    assert sorted(p.name for p in (out / "returns").iterdir()) == ["jianghan-2022-06.xlsx", "tax-2022-06.xlsx"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        got = b.assert_every_byte_accounted(con, zone, expected)
        # the bulletin's figures are the rows that came in: every license row of June, accepted iff never rejected
        submitted, accepted, loaded = con.execute(
            "SELECT disclosures_submitted, disclosures_accepted, files_loaded FROM marts.monthly_overview "
            "WHERE report_month = DATE '2022-06-01'").fetchone()
        rows = con.execute("SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM audit.rejections j "
                           "WHERE j.file_id = r.file_id AND j.source_row = r.source_row AND j.feed = 'license')) "
                           "FROM raw.license r").fetchone()
        assert (submitted, accepted) == rows and submitted > 50
        assert loaded == len([f for f in got.values() if f.status == "loaded"])
    finally:
        con.close()
    # nothing derived from the input named a path outside the output folder
    # (besides the warehouse: its lock and the analysts' snapshot, credit_feeds.publish)
    new = _tree(tmp_path) - before
    allowed = (str(out), str(warehouse), str(snapshot_path(warehouse)))
    assert all(p.startswith(allowed) for p in new), sorted(new)[:10]


def _tree(base: Path) -> set[str]:
    return {str(p) for p in base.rglob("*")}

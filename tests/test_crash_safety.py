"""Crash safety: a run killed with SIGKILL mid-ingest, mid-validation or mid-dbt, then rerun, leaves the warehouse
exactly as a clean run does — no file counted twice, none lost (each file's rows and audit records are committed
together or not at all)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest

from test_monthly_run import CLI, SAMPLE, run_cli, snapshot

# (log line that shows the stage has started, seconds to wait after it before the kill)
KILL_POINTS = {
    "mid-ingest": ("starting task_id=ingest_landing_zone", 3.0),
    "mid-validation": ("starting task_id=validate_new_files", 5.0),
    "mid-dbt": ("START sql table model", 0.5),
}


def run_and_kill(args: list[str], marker: str, delay: float) -> None:
    proc = subprocess.Popen([str(CLI), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=os.environ.copy(), start_new_session=True)
    seen = threading.Event()

    def watch():
        for line in proc.stdout:
            if marker in line:
                seen.set()
        seen.set()

    threading.Thread(target=watch, daemon=True).start()
    assert seen.wait(600), "the run never reached the kill point"
    time.sleep(delay)
    assert proc.poll() is None, f"the run ended before it could be killed at {marker!r}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    base = tmp_path_factory.mktemp("clean")
    r = run_cli("run", "--feeds", str(SAMPLE), "--month", "2022-06", "--warehouse", str(base / "w.duckdb"),
                "--out", str(base / "out"))
    assert r.returncode == 0, r.stderr[-2000:]
    return snapshot(base / "w.duckdb")


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_run_then_rerun_equals_a_clean_run(point, clean, tmp_path):
    args = ["run", "--feeds", str(SAMPLE), "--month", "2022-06", "--warehouse", str(tmp_path / "w.duckdb"),
            "--out", str(tmp_path / "out")]
    run_and_kill(args, *KILL_POINTS[point])
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr[-2000:]
    assert snapshot(tmp_path / "w.duckdb") == clean

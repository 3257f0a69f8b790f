"""Benchmark of the monthly cycle at a scale factor: `make bench SF=1` (issue 5, bench/RESULTS.md).

    python bench/run_bench.py --sf 1 [--incremental] [--profile] [--work bench/work]

1. Generates the landing zone with include/generate_sample_feeds.py (kept under <work>/sf<SF>/ and reused while
   the generator and its arguments are unchanged). SF1 is seed 001's month: about 1.16 million rows (the issue's
   figures); the generator's `--scale` 1.0 is its own seed table, 1.204 million rows, so scale = SF × 1.16M/1.204M.
   Error and lateness rates are the generator's (as in the committed sample).
2. Runs the full monthly cycle as an operator does: `credit-feeds run` in a subprocess, on a fresh warehouse, with
   a private AIRFLOW_HOME under <work>/ (its metadata database is migrated once, before any timing).
3. Reads the stage times the pipeline records in audit.pipeline_runs (ingest, load, validate, dbt, bulletin);
   total is the wall-clock time of the whole `credit-feeds run` process, Airflow's start-up included.
   "ingest" is the ingest stage without its "load" part (the inserts and commits into raw/audit).
4. Peak RSS of the process tree: /proc/<pid>/status VmRSS summed over the CLI process and all its descendants,
   polled every 50 ms; each process's own VmHWM (its exact peak) is read too, and the larger of the two is
   reported (a peak shorter than the polling interval is still caught for a single process).
5. The floor, measured in the same run on the same files: DuckDB reading every data file of the landing zone into
   tables (read_csv / read_json, one table per feed and format). XLSX files, and CSVs in GBK / GB18030 (which
   DuckDB cannot read without an extension), are converted to UTF-8 CSV beforehand, outside the timing. The best
   of two timings is taken.
6. --incremental: after the full run, one new file of 10,000 rows arrives (a new upload of 汉阳区 commitments, as
   the generator writes them) and `credit-feeds run` runs again on the same warehouse; that run is reported.

The last line printed is one JSON object:
{"sf": 1, "rows": …, "seconds": {"ingest": …, "validate": …, "load": …, "dbt": …, "bulletin": …, "total": …},
 "floor_seconds": …, "peak_rss_mb": …}
(in incremental mode: rows, seconds, floor and peak RSS of the incremental run; rows = the new file's rows).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
GENERATOR = ROOT / "include" / "generate_sample_feeds.py"
MONTH = "2022-06"
SEED = 1
SF1_ROWS = 117_500 + 300_600 + 286_151 + 222_857 + 43_473 + 5_235 + 153_728 + 29_505   # seed 001, the issue
INCREMENT_ROWS = 10_000
TELEMETRY_OFF = {"GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
                 "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False", "SCARF_ANALYTICS": "false"}


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {message}", flush=True)


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_sample_feeds", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generator_scale(sf: float) -> float:
    gen = load_generator()
    seed_rows = sum(v[0] if isinstance(v, tuple) else v for unit in gen.SEED.values() for v in unit.values())
    return sf * SF1_ROWS / seed_rows


def environment(work: Path) -> dict[str, str]:
    env = {**os.environ, **TELEMETRY_OFF}
    # Compiled bytecode, as an installed system has it (pip and `uv sync --compile-bytecode` write it at install):
    # with PYTHONDONTWRITEBYTECODE and no .pyc files every run would compile Airflow, GX, dbt, pandas... again
    # (~30 s of CPU). Kept under <work>/ so nothing is written into the project or the virtual environment.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["AIRFLOW_HOME"] = str(work / "airflow")
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
    env["AIRFLOW__COSMOS__CACHE_DIR"] = str(work / "airflow" / "cosmos")
    env["MPLCONFIGDIR"] = str(work / "airflow" / "matplotlib")
    return env


# ---------------------------------------------------------------------------------------------- landing zone


def landing_zone(work: Path, sf: float, regenerate: bool) -> tuple[Path, dict]:
    """The generated landing zone of this scale factor, and its manifest (generated only when missing/stale)."""
    base = work / f"sf{sf:g}"
    landing, manifest_path, stamp_path = base / "landing", base / "manifest.json", base / "landing.stamp"
    scale = generator_scale(sf)
    stamp = json.dumps({"month": MONTH, "scale": scale, "seed": SEED,
                        "generator": hashlib.sha256(GENERATOR.read_bytes()).hexdigest()}, sort_keys=True)
    if regenerate or not stamp_path.exists() or stamp_path.read_text() != stamp or not manifest_path.exists():
        stamp_path.unlink(missing_ok=True)
        base.mkdir(parents=True, exist_ok=True)
        log(f"generating SF{sf:g} (generator scale {scale:.4f}) into {landing} ...")
        clock = time.perf_counter()
        subprocess.run([sys.executable, str(GENERATOR), "--out", str(landing), "--month", MONTH, "--scale",
                        repr(scale), "--seed", str(SEED), "--manifest", str(manifest_path)],
                       check=True, env=environment(work), cwd=ROOT)
        log(f"generated in {time.perf_counter() - clock:.0f} s")
        stamp_path.write_text(stamp)
    return landing, json.loads(manifest_path.read_text(encoding="utf-8"))


def add_increment(landing: Path) -> tuple[Path, int]:
    """One new upload of INCREMENT_ROWS rows: 汉阳区's commitments, written by the generator (its error rates)."""
    gen = load_generator()
    from credit_feeds.feeds import FEEDS

    feed = FEEDS["commitment"]
    g = gen.Generator(landing, MONTH, INCREMENT_ROWS / gen.SEED["hanyang"]["commitment"], 20220630)
    unit = next(u for u in g.units if u.code == "hanyang")
    specs = g.plan(unit, feed)
    style = {"format": "csv", "encoding": "utf-8", "header": "code", "shuffled": False, "date_style": "-",
             "date_cells": False, "folder": "increment/"}
    path = g.emit_file(unit, feed, specs, dt.datetime(2022, 6, 30, 21, 30, 0), style)
    return path, g.files[-1]["rows"]


def compile_bytecode(work: Path, env: dict) -> None:
    """Compile the environment's and the project's Python once, outside the timing (see environment())."""
    stamp = work / "pycache" / ".compiled"
    if stamp.exists():
        return
    log("compiling bytecode into <work>/pycache (once)")
    site = Path(subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", str(site), str(ROOT / "plugins"),
                    str(ROOT / "dags"), str(ROOT / "include")], env=env, capture_output=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text("")


# ---------------------------------------------------------------------------------------------- measuring


class TreeRss:
    """Peak resident memory of a process and all its descendants, polled from /proc."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval = pid, interval
        self.peak_sum_kb = 0
        self.peak_single_kb = 0
        self.samples: list[tuple[float, int]] = []   # (epoch seconds, tree RSS kB): peak per stage afterwards
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = defaultdict(list)
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    with open(f"/proc/{entry.name}/stat", "rb") as fh:
                        stat = fh.read()
                except OSError:
                    continue
                ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
                children[ppid].append(int(entry.name))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, ()))
        return out

    @staticmethod
    def _status(pid: int) -> tuple[int, int]:
        rss = hwm = 0
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        hwm = int(line.split()[1])
        except OSError:
            pass
        return rss, hwm

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for pid in self._tree():
                rss, hwm = self._status(pid)
                total += rss
                self.peak_single_kb = max(self.peak_single_kb, hwm)
            self.peak_sum_kb = max(self.peak_sum_kb, total)
            self.samples.append((time.time(), total))
            self._stop.wait(self.interval)

    @property
    def peak_mb(self) -> float:
        return max(self.peak_sum_kb, self.peak_single_kb) / 1024


def run_cli(landing: Path, warehouse: Path, out: Path, env: dict, profile: Path | None) -> tuple[float, TreeRss]:
    """`credit-feeds run` as a subprocess: (wall seconds, its process tree's memory)."""
    args = ["run", "--feeds", str(landing), "--month", MONTH, "--warehouse", str(warehouse), "--out", str(out)]
    if profile:
        cmd = [sys.executable, "-m", "pyinstrument", "-i", "0.005", "-r", "pyisession",
               "-o", str(profile.with_suffix(".pyisession")), "-m", "credit_feeds.cli", *args]
    else:
        cmd = [str(VENV_BIN / "credit-feeds"), *args]
    clock = time.perf_counter()
    log_path = out.parent / f"{out.name}.log"
    with log_path.open("w") as log_file:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT)
        with TreeRss(proc.pid) as rss:
            code = proc.wait()
    seconds = time.perf_counter() - clock
    if code != 0:
        sys.exit(f"credit-feeds run failed (exit {code}); see {log_path}:\n" + log_path.read_text()[-3000:])
    if profile:   # a readable tree beside the session (pyinstrument --load <session> re-renders it)
        subprocess.run([sys.executable, "-m", "pyinstrument", "--load", str(profile.with_suffix(".pyisession")),
                        "-r", "text", "--no-color",
                        "-o", str(profile)], check=True)
    return seconds, rss


def stage_seconds(warehouse: Path) -> tuple[dict[str, float], dict[str, tuple[float, float]]]:
    """The latest run's stage times from audit.pipeline_runs (ingest without its load part), and each stage's
    window as epoch seconds."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        run_id = con.execute("SELECT run_id FROM audit.pipeline_runs WHERE stage = 'ingest' "
                             "ORDER BY started_at DESC LIMIT 1").fetchone()[0]
        rows = con.execute("SELECT stage, seconds, epoch(started_at), epoch(finished_at) FROM audit.pipeline_runs "
                           "WHERE run_id = ?", [run_id]).fetchall()
    finally:
        con.close()
    got = {stage: seconds for stage, seconds, _, _ in rows}
    missing = {"ingest", "load", "validate", "dbt", "bulletin"} - set(got)
    if missing:
        sys.exit(f"audit.pipeline_runs has no time for {sorted(missing)} of run {run_id}")
    got["ingest"] -= got["load"]
    return got, {stage: (start, end) for stage, _, start, end in rows if stage != "load"}


def peak_per_stage(rss: TreeRss, windows: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Peak tree RSS (MB) inside each stage's window, and outside all of them (start-up, Airflow)."""
    peaks: dict[str, float] = {}
    for t, kb in rss.samples:
        stage = next((name for name, (a, b) in windows.items() if a <= t <= b), "other")
        peaks[stage] = max(peaks.get(stage, 0.0), kb / 1024)
    return {k: round(v) for k, v in sorted(peaks.items())}


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "?"


def machine() -> str:
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc {os.cpu_count()}, RAM {mem_kb / 1024 / 1024:.1f} GiB, CPU {cpu_model()}, load {load}"


# ---------------------------------------------------------------------------------------------- the floor


def floor_inputs(landing: Path, files: list[Path], prepared: Path) -> dict[tuple[str, str], list[str]]:
    """(feed, format) -> files DuckDB reads as they are, or their UTF-8 CSV copies (XLSX, GBK, GB18030)."""
    from credit_feeds.readers import NotAValue, Unreadable, detect_encoding, xlsx_table

    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in files:
        rel = path.relative_to(landing)
        parts = path.stem.split("__")
        feed = parts[1] if len(parts) == 3 and path.suffix != ".jsonl" else "platform"
        target = prepared / rel.with_suffix(".csv")
        try:
            if path.suffix == ".jsonl":
                groups[(feed, "json")].append(str(path))
                continue
            if path.suffix == ".xlsx":
                if not target.exists():
                    table, _, _ = xlsx_table(path)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with target.open("w", encoding="utf-8", newline="") as fh:
                        csv.writer(fh).writerows(
                            [c.shown if isinstance(c, NotAValue) else c for c in row] for row in table)
                groups[(feed, "csv")].append(str(target))
                continue
            encoding = detect_encoding(path)
            if encoding in ("utf-8", "utf-8-sig"):
                groups[(feed, "csv")].append(str(path))
            else:
                if not target.exists():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(path.read_text(encoding=encoding), encoding="utf-8")
                groups[(feed, "csv")].append(str(target))
        except (Unreadable, OSError, ValueError, KeyError, Exception) as exc:   # quarantined files: not data
            log(f"floor skips {rel}: {type(exc).__name__}")
    return groups


def floor_seconds(work: Path, groups: dict[tuple[str, str], list[str]], tries: int = 2) -> tuple[float, int]:
    """DuckDB reading the files into one table per feed and format: (best seconds, rows read)."""
    import duckdb

    best, rows = None, 0
    for _ in range(tries):
        db = work / "floor.duckdb"
        db.unlink(missing_ok=True)
        clock = time.perf_counter()
        con = duckdb.connect(str(db))
        rows = 0
        for i, ((feed, kind), paths) in enumerate(sorted(groups.items())):
            table = f"t{i}_{feed.replace('-', '_')}_{kind}"
            if kind == "json":
                # a platform line is {feed, unit_code, submitted_at, record}; lines that are none are skipped
                reader = ("read_json(?, format = 'newline_delimited', columns = {feed: 'VARCHAR', "
                          "unit_code: 'VARCHAR', submitted_at: 'VARCHAR', record: 'JSON'}, ignore_errors = true, "
                          "filename = true)")
            else:
                reader = ("read_csv(?, header = true, all_varchar = true, union_by_name = true, filename = true, "
                          "strict_mode = false, null_padding = true)")
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM {reader}", [paths])
            rows += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        con.close()
        seconds = time.perf_counter() - clock
        best = seconds if best is None else min(best, seconds)
        db.unlink(missing_ok=True)
    return best, rows


def data_files(landing: Path) -> list[Path]:
    return sorted(p for p in landing.rglob("*") if p.is_file() and not p.is_symlink()
                  and p.suffix in (".csv", ".xlsx", ".jsonl") and p.parent.name != "_reference")


# ---------------------------------------------------------------------------------------------- main


def measure_run(sf: float, rows: int, landing: Path, warehouse: Path, out: Path, env: dict,
                floor_files: list[Path], floor_dir: Path, work: Path, profile: Path | None) -> dict:
    log(f"machine: {machine()}")
    log(f"credit-feeds run on {landing} ...")
    total, rss = run_cli(landing, warehouse, out, env, profile)
    peak = rss.peak_mb
    stages, windows = stage_seconds(warehouse)
    log(f"run finished in {total:.1f} s; stages {json.dumps({k: round(v, 1) for k, v in stages.items()})}; "
        f"peak RSS MB by stage {json.dumps(peak_per_stage(rss, windows))}")
    groups = floor_inputs(landing, floor_files, floor_dir)
    floor, floor_rows = floor_seconds(work, groups)
    log(f"floor: DuckDB read {floor_rows} rows of {sum(map(len, groups.values()))} files in {floor:.2f} s; "
        f"load now {os.getloadavg()[0]:.2f}")
    return {"sf": sf if sf != int(sf) else int(sf), "rows": rows,
            "seconds": {k: round(stages[k], 2) for k in ("ingest", "validate", "load", "dbt", "bulletin")}
            | {"total": round(total, 2)},
            "floor_seconds": round(floor, 2), "peak_rss_mb": round(peak, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sf", type=float, default=1.0, help="scale factor (1 = one real city month, ~1.16M rows)")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "work")
    ap.add_argument("--incremental", action="store_true",
                    help="after the full run, add one new 10,000-row file and time the rerun")
    ap.add_argument("--profile", action="store_true", help="run the CLI under pyinstrument (slower)")
    ap.add_argument("--regenerate", action="store_true", help="regenerate the landing zone even if it is current")
    args = ap.parse_args(argv)
    work = args.work.resolve()
    env = environment(work)
    os.environ.update(TELEMETRY_OFF)

    landing, manifest = landing_zone(work, args.sf, args.regenerate)
    base = landing.parent
    increment_dir = landing / "increment"
    if increment_dir.exists():   # a previous --incremental run's file: the full run is on the generated zone only
        shutil.rmtree(increment_dir)
    warehouse, out = base / "warehouse.duckdb", base / "out"
    for p in (warehouse, warehouse.with_name(warehouse.name + ".wal"), warehouse.with_name(warehouse.name + ".lock")):
        p.unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    compile_bytecode(work, env)
    if not (work / "airflow" / "airflow.db").exists():   # Airflow's metadata is set up once, outside the timing
        log("migrating the Airflow metadata database (once)")
        subprocess.run([sys.executable, "-c", "from airflow.utils import db; db.upgradedb()"], env=env, check=True,
                       capture_output=True)

    rows = manifest["totals"]["rows"]
    profile = base / "profile-full.txt" if args.profile else None
    result = measure_run(args.sf, rows, landing, warehouse, out, env, data_files(landing), base / "floor_input",
                         work, profile)
    if profile:
        log(f"profile: {profile}")
    if not args.incremental:
        print(json.dumps(result))
        return 0

    print("full run: " + json.dumps(result), flush=True)
    path, new_rows = add_increment(landing)
    log(f"new file {path.relative_to(landing)} ({new_rows} rows); rerunning on the same warehouse")
    profile = base / "profile-incremental.txt" if args.profile else None
    result = measure_run(args.sf, new_rows, landing, warehouse, base / "out-incremental", env, [path],
                         base / "floor_input", work, profile)
    print("incremental run (rows = the new file's):", flush=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

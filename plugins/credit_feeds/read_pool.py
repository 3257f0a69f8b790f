"""Reading the landing zone's files for ingest, in worker processes when there is more than a little to read.

Parsing CSV, XLSX and JSONL is pure Python and most of an ingest's time. With several cores the files are read by
worker processes (CREDIT_FEEDS_READ_WORKERS, default: the machine's cores, at most 4; 1 = in this process) while
the ingest writes the files already read (plain subprocesses: see `_Worker`). Each file comes back as a `LoadedFile`: its rows column by column — the
shape the warehouse insert takes, and cheap to send between processes — in the order the files were given, so the
warehouse receives exactly what reading them one by one gives.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Iterable, Iterator

from .identifiers import mask_id_numbers
from .landing import LandingFile, quarantine_reason
from .readers import ReadResult, Unreadable, read_file

log = logging.getLogger(__name__)

MAX_WORKERS = 4
POOL_MIN_BYTES = 1 << 20   # less than this to read: a worker process would cost more than it saves


@dataclass
class LoadedBatch:
    """The rows of one feed in one file, column by column."""
    feed: str
    columns: list[str]                  # the feed's field codes the file carries (MISSING_COLUMN)
    values: dict[str, list]             # source_row, unit_code, submitted_at, each field code, extra (JSON text)
    problems: list[tuple[int, str, str]] = field(default_factory=list)   # (source_row, unit_code, why untrusted)

    @property
    def rows(self) -> int:
        return len(self.values["source_row"])


@dataclass
class LoadedFile:
    encoding: str | None
    header_style: str | None
    batches: list[LoadedBatch]
    malformed: list[tuple[int, str, str]]   # JSONL lines that are no record: (source_row, line_text, detail)

    @property
    def rows(self) -> int:
        return sum(b.rows for b in self.batches) + len(self.malformed)


def _columns(result: ReadResult) -> LoadedFile:
    batches = []
    for batch in result.batches.values():
        rows, codes = batch.rows, batch.feed.codes
        values: dict[str, list] = {
            "source_row": [row.source_row for row in rows],
            "unit_code": [row.unit_code for row in rows],
            "submitted_at": [row.submitted_at for row in rows],
        }
        try:   # every reader gives each row a value (maybe None) for every field code: one C-level transpose
            if len(codes) < 2 or not rows:
                raise KeyError(codes)   # (itemgetter of one key gives values, not tuples)
            for code, column in zip(codes, zip(*map(itemgetter(*codes), (row.values for row in rows)))):
                values[code] = list(column)
        except KeyError:
            for code in codes:
                values[code] = [row.values.get(code) for row in rows]
        values["extra"] = [json.dumps(row.extra, ensure_ascii=False, default=str) if row.extra else None
                           for row in rows]
        problems = [(row.source_row, row.unit_code, row.problem) for row in rows if row.problem]
        batches.append(LoadedBatch(batch.feed.name, sorted(batch.columns), values, problems))
    malformed = [(m.source_row, m.line_text, m.detail) for m in result.malformed]
    return LoadedFile(result.encoding, result.header_style, batches, malformed)


def load_file(f: LandingFile, unit_codes: set[str]) -> tuple[LoadedFile | None, str | None]:
    """The file's rows, or (None, quarantine reason) when the file as a whole cannot be read."""
    try:
        return _columns(read_file(f, unit_codes)), None
    except Unreadable as exc:
        return None, str(exc)
    except OSError as exc:   # gone or unreadable since it was listed
        return None, quarantine_reason("UNREADABLE", exc.strerror or type(exc).__name__)
    except Exception as exc:  # a file no reader foresaw must not stop the month: it is quarantined, and logged
        log.exception("reading %s failed", mask_id_numbers(f.rel_path))
        return None, quarantine_reason("UNREADABLE", f"读取出错：{type(exc).__name__}")


def workers() -> int:
    configured = os.environ.get("CREDIT_FEEDS_READ_WORKERS", "").strip()
    if configured:
        return max(1, int(configured))
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def load_files(files: Iterable[LandingFile], unit_codes: set[str]
               ) -> Iterator[tuple[LandingFile, LoadedFile | None, str | None]]:
    """(file, its rows, its quarantine reason) for each file, in the order given."""
    files = list(files)
    count = min(workers(), len(files))
    if count < 2 or sum(f.size_bytes for f in files) < POOL_MIN_BYTES:
        for f in files:
            yield (f, *load_file(f, unit_codes))
        return
    pool = [_Worker() for _ in range(count)]
    try:
        # file i is read by worker i % count, at most DEPTH files ahead of the one being handed on
        for i, f in enumerate(files[:count * DEPTH]):
            pool[i % count].send((f, unit_codes))
        for i, f in enumerate(files):
            loaded, problem = pool[i % count].receive()
            if i + count * DEPTH < len(files):
                pool[i % count].send((files[i + count * DEPTH], unit_codes))
            yield f, loaded, problem
    finally:
        for worker in pool:
            worker.stop()


DEPTH = 2   # files queued per worker


class _Worker:
    """A `python -m credit_feeds.read_pool` process: (file, unit codes) in, (rows, reason) out, pickled, in order.

    A plain subprocess, not multiprocessing: spawning with multiprocessing re-runs the caller's main script, and
    forking would copy a process that holds Airflow's threads and the warehouse. A thread drains its results as
    they come (length-prefixed pickles, read without holding the GIL): otherwise the worker would stop at the pipe's
    64 KB while the ingest writes into the warehouse, and reading and writing would take turns instead of
    overlapping. At most DEPTH results wait, so memory stays bounded."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "credit_feeds.read_pool"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.results: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.drain = threading.Thread(target=self._drain, name="read-pool-drain", daemon=True)
        self.drain.start()

    def _drain(self) -> None:
        stream = self.process.stdout
        while True:
            size = stream.read(8)
            data = stream.read(int.from_bytes(size, "little")) if len(size) == 8 else b""
            if not data:
                self.results.put(None)   # the worker ended
                return
            self.results.put(data)

    def send(self, task) -> None:
        pickle.dump(task, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.process.stdin.flush()

    def receive(self):
        data = self.results.get()
        if data is None:
            raise RuntimeError(f"a file-reading process ended unexpectedly (exit {self.process.wait()})")
        return pickle.loads(data)

    def stop(self) -> None:
        try:
            self.process.stdin.close()   # end of tasks: the worker exits
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:   # still busy with a file nobody waits for any more
            self.process.kill()
            self.process.wait()
        self.drain.join(timeout=10)
        self.process.stdout.close()


def _serve() -> None:
    """The worker's loop. Results go to the pipe that was stdout; anything else printed goes to stderr."""
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    tasks = sys.stdin.buffer
    while True:
        try:
            f, unit_codes = pickle.load(tasks)
        except EOFError:
            return
        data = pickle.dumps(load_file(f, unit_codes), protocol=pickle.HIGHEST_PROTOCOL)
        results.write(len(data).to_bytes(8, "little"))
        results.write(data)
        results.flush()


if __name__ == "__main__":   # run by _Worker; the module proper, so that results unpickle as its classes
    from credit_feeds.read_pool import _serve as serve

    serve()

"""What the pull DAGs remember, and how they put a file into the landing zone without ever showing half of it.

The state folder (settings.state_dir(), CREDIT_FEEDS_STATE) lies outside the landing zone — discovery would
quarantine anything unknown inside it — and on the same file system (in a container: the same mount), so a
finished file is *renamed* into the landing zone: ingest sees all of it or nothing. Every write is temp file +
fsync + rename (+ fsync of the folder), so a crash at any point leaves the old version or the new one, never a torn
one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

BEIJING = dt.timezone(dt.timedelta(hours=8))   # file-name timestamps are Beijing time (feeds.md)


class PullBusy(Exception):
    """Another pull of the same platform or folder holds its lock."""


def now_beijing() -> dt.datetime:
    return dt.datetime.now(BEIJING)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path(state: Path) -> Path:
    """A fresh temporary file name under <state>/tmp (same file system as the landing zone)."""
    folder = state / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{uuid.uuid4().hex}.part"


def sweep_temp(state: Path, older_than: float = 86400) -> None:
    """Remove temp files a killed pull left behind (a day old: no running pull still writes them)."""
    cutoff = time.time() - older_than
    for tmp in (state / "tmp").glob("*.part"):
        with contextlib.suppress(FileNotFoundError):
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()


def write_atomic(path: Path, data: bytes, state: Path) -> None:
    """Write `data` to `path` whole or not at all."""
    tmp = temp_path(state)
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    place(tmp, path)


def place(tmp: Path, dest: Path) -> None:
    """Rename a finished, fsynced temp file to `dest` (atomic; replaces an older `dest`)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(tmp, dest)
    except OSError as exc:
        if exc.errno == errno.EXDEV:
            tmp.unlink(missing_ok=True)
            raise OSError(f"the state folder ({tmp.parent.parent}) and {dest.parent} are on different file "
                          "systems or mounts: set CREDIT_FEEDS_STATE to a folder beside the landing zone, on its "
                          "mount") from exc
        raise
    _fsync_dir(dest.parent)


def read_json(path: Path, default: dict) -> dict:
    if not path.is_file():
        return dict(default)
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, obj: dict, state: Path) -> None:
    write_atomic(path, json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"), state)


def append_line(path: Path, obj: dict) -> None:
    """Append one JSON line and fsync it: a registry that only grows, read back by read_lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as fh:
        fh.write(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_lines(path: Path) -> list[dict]:
    """The registry's entries; a torn last line (crash while appending) is ignored, its file is simply taken again."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_bytes().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


@contextlib.contextmanager
def exclusive(lock_file: Path, what: str) -> Iterator[None]:
    """One pull at a time per platform or folder (the OS drops the lock when the process dies)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PullBusy(f"another pull of {what} is running (lock {lock_file})") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)

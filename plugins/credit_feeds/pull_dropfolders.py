"""Copy new files from the units' SFTP drop folders into the landing zone (feeds.md "Where the landing zone gets its
files").

A unit's folder is either its own Airflow SFTP connection `dropfolder_<unit_code>` (`-` written `_`), or the folder
`<remote_dir>/<unit_code>/` of the shared connection `dropfolders`; `remote_dir` is an extra of the connection
(default: the login folder). A file lands, with its name and sub-folders, at `sftp/<unit_code>/<path in the folder>`.

Each copy is streamed into <state>/tmp while its SHA-256 is computed, fsynced, checked (the source's size and
time unchanged, the copy's size and SHA-256 read back from disk), then renamed into the landing zone whole.
A registry (<state>/dropfolders/<conn_id>/<unit_code>.jsonl, append-only) remembers every file taken — by path,
size and time, and by SHA-256 — so nothing is copied twice, also after a crash. The source is never deleted unless
CREDIT_FEEDS_DROP_DELETE_AFTER_COPY says so, and then only once the landing copy has been verified again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import settings
from .landing import load_reference, sha256_of
from .pull_state import append_line, exclusive, now_beijing, place, read_lines, sweep_temp, temp_path

log = logging.getLogger(__name__)

SHARED_CONN_ID = "dropfolders"
LANDING_FOLDER = "sftp"
CHANGED_FOLDER = "_changed"   # same name, new bytes: sftp/<unit>/_changed/<sha256[:16]>/<path>
SFTP_TYPES = ("sftp", "ssh")
# Names of uploads still in progress (WinSCP *.filepart, FileZilla/others *.part/*.tmp, hidden temp files).
IN_PROGRESS_SUFFIXES = (".filepart", ".part", ".partial", ".tmp")


class CopyVerificationError(Exception):
    """A copy does not match its source (size or SHA-256): nothing is kept, the source is untouched."""


def conn_id_for(unit_code: str) -> str:
    return "dropfolder_" + unit_code.replace("-", "_")


def _connection(conn_id: str):
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    return conn if conn.conn_type in SFTP_TYPES else None


def find_drop_folders(landing: str | Path, hook_factory=None) -> list[dict]:
    """The drop folders to read: one {unit_code, conn_id, remote_dir} per unit of reporting_units.csv that has its
    own connection, or a folder named after it under the shared connection's remote_dir."""
    units = load_reference(Path(landing)).units
    folders, rest = [], []
    for code in units:
        if conn := _connection(conn_id_for(code)):
            folders.append({"unit_code": code, "conn_id": conn_id_for(code),
                            "remote_dir": conn.extra_dejson.get("remote_dir") or "."})
        else:
            rest.append(code)
    if rest and (shared := _connection(SHARED_CONN_ID)):
        root = shared.extra_dejson.get("remote_dir") or "."
        hook = (hook_factory or _sftp_hook)(SHARED_CONN_ID)
        with hook.get_managed_conn() as sftp:
            present = {a.filename for a in sftp.listdir_attr(root) if stat.S_ISDIR(a.st_mode or 0)}
        folders += [{"unit_code": code, "conn_id": SHARED_CONN_ID, "remote_dir": posixpath.join(root, code)}
                    for code in rest if code in present]
    return folders


def _sftp_hook(conn_id: str):
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    return SFTPHook(ssh_conn_id=conn_id)


# --- the registry ----------------------------------------------------------------------------------------------

@dataclass
class Registry:
    path: Path
    by_source: dict[tuple[str, int, int], dict] = field(default_factory=dict)   # (remote, size, mtime) -> entry
    by_sha: dict[str, str] = field(default_factory=dict)                        # sha256 -> landing path
    deleted: set[tuple[str, str]] = field(default_factory=set)                  # (remote, sha256)

    @classmethod
    def load(cls, path: Path) -> Registry:
        reg = cls(path)
        for entry in read_lines(path):
            reg._index(entry)
        return reg

    def _index(self, entry: dict) -> None:
        if entry.get("deleted_at"):
            self.deleted.add((entry["remote"], entry["sha256"]))
            return
        self.by_source[(entry["remote"], entry["size"], entry["mtime"])] = entry
        self.by_sha.setdefault(entry["sha256"], entry["landed_as"])

    def add(self, entry: dict) -> None:
        append_line(self.path, entry)
        self._index(entry)


# --- one folder ------------------------------------------------------------------------------------------------

def _walk(sftp, folder: str, rel: str = ""):
    """(path relative to the drop folder, SFTP attributes) of every regular file under it."""
    for attr in sorted(sftp.listdir_attr(posixpath.join(folder, rel) if rel else folder), key=lambda a: a.filename):
        sub = posixpath.join(rel, attr.filename) if rel else attr.filename
        mode = attr.st_mode or 0
        if stat.S_ISDIR(mode):
            yield from _walk(sftp, folder, sub)
        elif stat.S_ISREG(mode):
            yield sub, attr
        else:
            log.info("drop folder %s: %s is not a regular file; not copied", folder, sub)


def _in_progress(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(IN_PROGRESS_SUFFIXES)


def _download(sftp, remote: str, state: Path) -> tuple[Path, str, int]:
    """Stream the source into a temp file, hashing as it comes; fsync before anyone relies on it."""
    tmp, digest, size = temp_path(state), hashlib.sha256(), 0
    with sftp.open(remote, "rb") as src, tmp.open("wb") as dst:
        src.prefetch()
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return tmp, digest.hexdigest(), size


def _verify(path: Path, sha: str, size: int, what: str) -> None:
    got_sha, got_size = sha256_of(path)
    if (got_sha, got_size) != (sha, size):
        raise CopyVerificationError(f"{what}: copy has {got_size} bytes, SHA-256 {got_sha[:16]}…; source has "
                                    f"{size} bytes, SHA-256 {sha[:16]}…")


def _destination(landing: Path, unit: str, rel: str, sha: str) -> Path:
    """Where a listed file lands: under the unit's folder, never outside it (a name the server lists such as
    `../../x` must not escape the landing zone)."""
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("", ".", "..") for p in parts) or PurePosixPath(rel).is_absolute():
        raise ValueError(f"refusing a drop-folder path outside the unit's folder: {rel!r}")
    dest = landing / LANDING_FOLDER / unit / rel
    if dest.exists() and sha256_of(dest)[0] != sha:
        dest = landing / LANDING_FOLDER / unit / CHANGED_FOLDER / sha[:16] / rel
    return dest


def pull_drop_folder(folder: dict, hook, landing: str | Path, state: str | Path, *,
                     delete_after_copy: bool | None = None, settle_seconds: float | None = None) -> dict:
    """Copy the folder's new files into the landing zone. Returns what was copied, skipped and deleted."""
    landing, state = Path(landing), Path(state)
    unit, conn_id, remote_dir = folder["unit_code"], folder["conn_id"], folder["remote_dir"]
    delete = settings.drop_delete_after_copy() if delete_after_copy is None else delete_after_copy
    settle = settings.drop_settle_seconds() if settle_seconds is None else settle_seconds
    what = f"drop folder {conn_id}:{remote_dir} of unit {unit}"
    base = state / "dropfolders" / conn_id
    summary = {"unit_code": unit, "conn_id": conn_id, "copied": [], "already_taken": 0, "same_bytes": 0,
               "not_ready": 0, "deleted": 0}
    sweep_temp(state)
    with exclusive(base / f"{unit}.lock", what), hook.get_managed_conn() as sftp:
        reg = Registry.load(base / f"{unit}.jsonl")
        try:
            listing = list(_walk(sftp, remote_dir))
        except OSError as exc:
            raise OSError(f"{what}: cannot list it ({exc})") from exc
        for rel, attr in listing:
            remote = posixpath.join(remote_dir, rel)
            key = (remote, attr.st_size, int(attr.st_mtime))
            if taken := reg.by_source.get(key):
                summary["already_taken"] += 1
                if delete and (remote, taken["sha256"]) not in reg.deleted:   # an earlier delete was interrupted
                    summary["deleted"] += _delete_source(sftp, reg, remote, attr, taken, landing, what)
                continue
            if _in_progress(posixpath.basename(rel)) or time.time() - attr.st_mtime < settle:
                summary["not_ready"] += 1
                log.info("%s: %s is still being written; left for the next pull", what, rel)
                continue
            tmp, sha, size = _download(sftp, remote, state)
            try:
                after = sftp.stat(remote)
                if (after.st_size, int(after.st_mtime)) != (attr.st_size, int(attr.st_mtime)):
                    log.info("%s: %s changed while being copied; left for the next pull", what, rel)
                    summary["not_ready"] += 1
                    continue
                if size != attr.st_size:
                    raise CopyVerificationError(f"{what}: {rel} read {size} bytes, the server says {attr.st_size}")
                _verify(tmp, sha, size, f"{what}: {rel}")
                entry = {"remote": remote, "size": attr.st_size, "mtime": int(attr.st_mtime), "sha256": sha,
                         "taken_at": now_beijing().isoformat(timespec="seconds")}
                if sha in reg.by_sha:               # the same bytes were taken before (moved, touched, re-sent)
                    entry["landed_as"] = reg.by_sha[sha]
                    summary["same_bytes"] += 1
                else:
                    dest = _destination(landing, unit, rel, sha)
                    if not dest.exists():           # else: copied before a crash, not yet registered
                        place(tmp, dest)
                    entry["landed_as"] = dest.relative_to(landing).as_posix()
                    summary["copied"].append(entry["landed_as"])
                    log.info("%s: %s -> %s (%d bytes, SHA-256 %s)", what, rel, entry["landed_as"], size, sha)
                reg.add(entry)
            finally:
                tmp.unlink(missing_ok=True)
            if delete:
                summary["deleted"] += _delete_source(sftp, reg, remote, attr, entry, landing, what)
    return summary


def _delete_source(sftp, reg: Registry, remote: str, attr, entry: dict, landing: Path, what: str) -> int:
    """Delete at the source only when the landing copy still has the source's size and SHA-256."""
    _verify(landing / entry["landed_as"], entry["sha256"], entry["size"], f"{what}: {remote} (before deleting)")
    now = sftp.stat(remote)
    if (now.st_size, int(now.st_mtime)) != (attr.st_size, int(attr.st_mtime)):
        log.info("%s: %s changed since it was copied; not deleted", what, remote)
        return 0
    sftp.remove(remote)
    reg.add({"remote": remote, "sha256": entry["sha256"], "deleted_at": now_beijing().isoformat(timespec="seconds")})
    log.info("%s: %s deleted at the source after its copy was verified", what, remote)
    return 1

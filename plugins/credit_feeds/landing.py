"""Discovery of the landing zone (feeds.md "Landing zone"): names, reference files, checksums.

Every entry under the landing zone except the two reference files becomes a `LandingFile`; one that cannot be
attributed (bad name, unknown unit, feed or platform) carries the reason it must be quarantined. Symbolic links
are never followed (a link could lead anywhere on the machine) and special files (pipes, devices) never opened:
both are quarantined, so nothing under the landing zone is skipped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .feeds import FEEDS

REFERENCE_DIR = "_reference"
UNITS_FILE = "reporting_units.csv"
PLATFORMS_FILE = "platforms.csv"
UNIT_KINDS = ("district", "department")

UPLOAD_RE = re.compile(r"^(?P<unit>[a-z0-9-]+)__(?P<feed>[a-z0-9-]+)__(?P<ts>\d{8}T\d{6})\.(?P<ext>csv|xlsx)$",
                       re.IGNORECASE)
PLATFORM_RE = re.compile(r"^platform__(?P<platform>[A-Za-z0-9_-]+?)__(?P<ts>\d{8}T\d{6})\.(?P<ext>jsonl)$",
                         re.IGNORECASE)
UNIT_CODE_RE = re.compile(r"[a-z0-9-]+")
PLATFORM_CODE_RE = re.compile(r"[A-Za-z0-9_-]+")   # what PLATFORM_RE accepts in a file name

# Quarantine reasons: a stable code an engineer can grep, and the Chinese text an official reads.
QUARANTINE_REASONS = {
    "BAD_NAME": "文件名不符合命名规范（<单位代码>__<数据类别>__<YYYYMMDDTHHMMSS>.csv|xlsx 或 platform__<平台代码>__<时间>.jsonl）",
    "BAD_TIMESTAMP": "文件名中的报送时间不是有效时间",
    "UNKNOWN_UNIT": "报送单位代码不在单位名录（_reference/reporting_units.csv）中",
    "UNKNOWN_FEED": "数据类别不在数据标准中",
    "UNKNOWN_PLATFORM": "平台代码不在平台名录（_reference/platforms.csv）中",
    "EMPTY_FILE": "文件为空（0字节）",
    "UNREADABLE": "文件无法读取",
    "BAD_ENCODING": "文件编码无法识别（不是UTF-8、GBK或GB18030）",
    "MIXED_ENCODING": "文件混用多种编码",
    "NO_HEADER": "文件缺少表头行",
    "SYMLINK": "符号链接不被跟随（文件须直接放入接收区）",
    "NOT_A_FILE": "不是普通文件（管道、设备等），无法接收",
}


def quarantine_reason(code: str, detail: str = "") -> str:
    text = f"{code}: {QUARANTINE_REASONS[code]}"
    return f"{text}（{detail}）" if detail else text


class LandingZoneError(Exception):
    """The landing zone itself is unusable (no folder, no unit registry): the run cannot start."""


@dataclass(frozen=True)
class Unit:
    unit_code: str
    unit_name: str
    unit_kind: str
    uscc: str


@dataclass(frozen=True)
class Platform:
    platform_code: str
    platform_name: str
    owner_unit_code: str
    connected_on: dt.date | None


@dataclass
class Reference:
    units: dict[str, Unit]
    platforms: dict[str, Platform] | None   # None when platforms.csv is absent (it is optional)


@dataclass
class LandingFile:
    path: Path
    rel_path: str
    sha256: str
    size_bytes: int
    file_format: str | None = None   # csv / xlsx / jsonl
    unit_code: str | None = None
    feed: str | None = None
    platform_code: str | None = None
    submitted_at: dt.datetime | None = None
    problem: str | None = None       # quarantine reason, None when the file can be read
    has_content: bool = True         # False for links, special files, unreadable entries: sha256 is not of content

    @property
    def file_id(self) -> str:
        """Stable id of this received file: the same path with the same bytes is the same file on a rerun."""
        return hashlib.sha256(f"{self.rel_path}\0{self.sha256}".encode()).hexdigest()[:20]


def _read_csv_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(fh)]


def load_reference(landing: Path) -> Reference:
    if not landing.is_dir():
        raise LandingZoneError(f"landing zone {landing} is not a folder")
    units_path = landing / REFERENCE_DIR / UNITS_FILE
    if not units_path.is_file():
        raise LandingZoneError(f"{units_path} is missing: the landing zone must list its reporting units")
    units: dict[str, Unit] = {}
    for n, row in enumerate(_read_csv_dicts(units_path), start=1):
        code, kind = row.get("unit_code", ""), row.get("unit_kind", "")
        if not UNIT_CODE_RE.fullmatch(code) or kind not in UNIT_KINDS or not row.get("unit_name"):
            raise LandingZoneError(f"{units_path} row {n}: unit_code must match [a-z0-9-]+, unit_kind be "
                                   f"district or department, unit_name be filled (got {row})")
        units[code] = Unit(code, row["unit_name"], kind, row.get("uscc", ""))
    platforms = None
    platforms_path = landing / REFERENCE_DIR / PLATFORMS_FILE
    if platforms_path.is_file():
        platforms = {}
        for n, row in enumerate(_read_csv_dicts(platforms_path), start=1):
            code, on = row.get("platform_code", ""), row.get("connected_on") or ""
            # the code names folders and files (pull_exports): it must be what a file name can carry
            if not PLATFORM_CODE_RE.fullmatch(code):
                raise LandingZoneError(f"{platforms_path} row {n}: platform_code must match [A-Za-z0-9_-]+ (got {code!r})")
            try:
                connected = dt.date.fromisoformat(on.replace("/", "-")) if on else None
            except ValueError as exc:
                raise LandingZoneError(f"{platforms_path} row {n}: connected_on {on!r} is not a date") from exc
            platforms[code] = Platform(code, row.get("platform_name", ""), row.get("owner_unit_code", ""), connected)
    return Reference(units, platforms)


def sha256_of(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _parse_timestamp(ts: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(ts, "%Y%m%dT%H%M%S")
    except ValueError:
        return None


def _attribute(f: LandingFile, ref: Reference) -> None:
    """Unit, feed or platform and submission time from the file name; the quarantine reason if it has none."""
    name = f.rel_path.rsplit("/", 1)[-1]
    if m := UPLOAD_RE.fullmatch(name):
        f.file_format = m["ext"].lower()
        f.unit_code, f.feed = m["unit"], m["feed"]
        f.submitted_at = _parse_timestamp(m["ts"])
        if f.submitted_at is None:
            f.problem = quarantine_reason("BAD_TIMESTAMP", m["ts"])
        elif f.unit_code not in ref.units:
            f.problem = quarantine_reason("UNKNOWN_UNIT", f.unit_code)
        elif f.feed not in FEEDS:
            f.problem = quarantine_reason("UNKNOWN_FEED", f.feed)
    elif m := PLATFORM_RE.fullmatch(name):
        f.file_format = "jsonl"
        f.platform_code = m["platform"]
        f.submitted_at = _parse_timestamp(m["ts"])
        if f.submitted_at is None:
            f.problem = quarantine_reason("BAD_TIMESTAMP", m["ts"])
        elif ref.platforms is not None and f.platform_code not in ref.platforms:
            f.problem = quarantine_reason("UNKNOWN_PLATFORM", f.platform_code)
    else:
        f.problem = quarantine_reason("BAD_NAME", name)


def _relative(path: Path, landing: Path) -> str:
    """The path relative to the landing zone as text; bytes of a name that are not UTF-8 (a GBK name copied from
    Windows, say) are shown as \\xNN, so the text can be stored and the same name always gives the same text."""
    rel = path.relative_to(landing).as_posix()
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def classify(path: Path, landing: Path, ref: Reference) -> LandingFile:
    """A regular file of the landing zone (links and special files: see `discover`)."""
    rel = _relative(path, landing)
    try:
        digest, size = sha256_of(path)
    except OSError as exc:   # unreadable (permissions) or gone since it was listed
        f = LandingFile(path, rel, hashlib.sha256(b"").hexdigest(), 0, has_content=False)
        _attribute(f, ref)
        f.problem = quarantine_reason("UNREADABLE", exc.strerror or type(exc).__name__)
        return f
    f = LandingFile(path=path, rel_path=rel, sha256=digest, size_bytes=size)
    _attribute(f, ref)
    if f.problem is None and size == 0:
        f.problem = quarantine_reason("EMPTY_FILE")
    return f


def _not_followed(path: Path, landing: Path, ref: Reference, kind: str) -> LandingFile:
    """A symbolic link, special file or unreadable folder: recorded (attributed by its name where it can be) and
    quarantined, never opened. Its sha256 is of the link's target text (else of nothing), not of any content."""
    rel = _relative(path, landing)
    target = b""
    if kind == "link":
        try:
            target = os.fsencode(os.readlink(path))
        except OSError:
            pass
    f = LandingFile(path, rel, hashlib.sha256(target).hexdigest(), len(target), has_content=False)
    _attribute(f, ref)
    if kind == "link":
        f.problem = quarantine_reason("SYMLINK", "指向 " + target.decode("utf-8", "backslashreplace"))
    elif kind == "folder":
        f.problem = quarantine_reason("UNREADABLE", "文件夹无法读取")
    else:
        f.problem = quarantine_reason("NOT_A_FILE")
    return f


def _entries(folder: Path):
    """(path, kind) of everything under `folder`, kind file / link / special / folder (an unreadable one);
    links are reported, never followed, and folders are entered only when they are real folders."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
    except OSError:
        yield folder, "folder"
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_symlink():
            yield path, "link"
        elif entry.is_dir(follow_symlinks=False):
            yield from _entries(path)
        elif entry.is_file(follow_symlinks=False):
            yield path, "file"
        else:
            yield path, "special"


def discover(landing: Path, ref: Reference) -> list[LandingFile]:
    """Every received entry, in a stable order (by relative path)."""
    landing = Path(landing)
    reference = {f"{REFERENCE_DIR}/{UNITS_FILE}", f"{REFERENCE_DIR}/{PLATFORMS_FILE}"}
    found = sorted(((path, kind) for path, kind in _entries(landing)
                    if path.relative_to(landing).as_posix() not in reference),
                   key=lambda e: _relative(e[0], landing))
    return [classify(path, landing, ref) if kind == "file" else _not_followed(path, landing, ref, kind)
            for path, kind in found]

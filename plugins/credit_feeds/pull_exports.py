"""Pull a connected platform's export API into the landing zone (feeds.md "Where the landing zone gets its files").

`GET <base_url>/exports?since=<cursor>&limit=<n>` with a bearer token (the password of the platform's Airflow HTTP
connection `platform_<code>`, `-` written `_`) answers `{"items": [...], "next_cursor": "...", "has_more": bool}`.
Each page's items become, in order, the lines of one `platforms/<code>/platform__<code>__<YYYYMMDDTHHMMSS>.jsonl`
(Beijing time of the pull; the next second is awaited when a name would repeat, so names stay unique and true).

Exactly once, whatever crashes: before a page is written, the state records it as *pending* (file name, SHA-256,
the cursor after it); the file is then renamed into the landing zone in one step; only then does the cursor move.
A pull that finds a pending page finishes it if the file is there with that SHA-256, and fetches it again if not.
A page that is not the documented JSON is kept in <state>/quarantine/ with its reason and fails the pull; the
cursor stays before it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from airflow.sdk.exceptions import AirflowFailException

from . import settings
from .landing import load_reference
from .pull_state import exclusive, now_beijing, read_json, sweep_temp, write_atomic, write_json

log = logging.getLogger(__name__)

ENDPOINT = "exports"
LANDING_FOLDER = "platforms"
MAX_WAIT = 600.0   # never sleep longer than this on one Retry-After; the task's own retries take over


class PullError(Exception):
    """The platform could not be read this time (gave up retrying, or an unexpected answer)."""


class PlatformAuthError(AirflowFailException):
    """401/403: the token is wrong or revoked. Retrying cannot help, so the task fails at once."""


class BadPageError(PullError):
    """The answer is not the documented JSON; it is kept in quarantine and the cursor does not move past it."""


def conn_id_for(platform_code: str) -> str:
    return "platform_" + platform_code.replace("-", "_")


def connected_platforms(landing: Path) -> list[str]:
    """Codes of `_reference/platforms.csv` that have an Airflow HTTP connection, in file order."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    platforms = load_reference(Path(landing)).platforms or {}
    out = []
    for code in platforms:
        try:
            conn = BaseHook.get_connection(conn_id_for(code))
        except AirflowNotFoundException:
            log.info("platform %s has no connection %s: not pulled", code, conn_id_for(code))
            continue
        if conn.conn_type == "http":
            out.append(code)
        else:
            log.warning("connection %s is %s, not http: platform %s not pulled",
                        conn_id_for(code), conn.conn_type, code)
    return out


# --- one request, with retries ---------------------------------------------------------------------------------

def _retry_after(response: requests.Response) -> float | None:
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


@dataclass
class Page:
    items: list[dict]
    next_cursor: str | None
    has_more: bool


def fetch(hook, platform: str, since: str | None, limit: int, *, attempts: int, backoff: float,
          timeout: float) -> requests.Response:
    """One page's response (HTTP 200). Timeouts, connection errors, 5xx and 429 are retried with exponential
    backoff (a 429's Retry-After is waited at least); 401/403 raise PlatformAuthError naming the platform."""
    params = {"limit": limit} if since is None else {"since": since, "limit": limit}
    token = hook.get_connection(hook.http_conn_id).password
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for attempt in range(1, attempts + 1):
        wait = min(60.0, backoff * 2 ** (attempt - 1)) * random.uniform(1.0, 1.25)
        try:
            response = hook.run(endpoint=ENDPOINT, data=params, headers=headers,
                                extra_options={"check_response": False, "timeout": timeout})
        except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            problem = f"{type(exc).__name__}: {str(exc)[:200]}"
        else:
            status = response.status_code
            if status in (401, 403):
                raise PlatformAuthError(
                    f"platform {platform}: HTTP {status} from {response.url.split('?')[0]} — the token of connection "
                    f"{hook.http_conn_id} is refused (平台 {platform} 拒绝访问，请检查令牌)")
            if status == 200:
                return response
            problem = f"HTTP {status}"
            if status == 429:
                after = _retry_after(response)
                wait = min(MAX_WAIT, after) if after is not None else wait
            elif status < 500:
                raise PullError(f"platform {platform}: HTTP {status} for {ENDPOINT}?since={since}: "
                                f"{response.text[:200]}")
        if attempt == attempts:
            raise PullError(f"platform {platform}: gave up after {attempts} tries ({problem})")
        log.warning("platform %s: %s; try %d of %d in %.1f s", platform, problem, attempt + 1, attempts, wait)
        time.sleep(wait)
    raise AssertionError("unreachable")


def parse_page(response: requests.Response, since: str | None) -> Page:
    """The documented page, or BadPageError saying what is wrong with it."""
    try:
        body = json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadPageError(f"not JSON ({str(exc)[:80]})") from exc
    if not isinstance(body, dict):
        raise BadPageError("not a JSON object")
    items, cursor, more = body.get("items"), body.get("next_cursor"), body.get("has_more")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadPageError("items is not a list of JSON objects")
    if not isinstance(more, bool):
        raise BadPageError("has_more is not true or false")
    if not (isinstance(cursor, str) and cursor) and (more or items):
        raise BadPageError("next_cursor is missing")
    if cursor == since and (more or items):   # the same page again and again, or its items twice
        raise BadPageError("next_cursor does not advance")
    return Page(items, cursor if isinstance(cursor, str) and cursor else None, more)


# --- state -----------------------------------------------------------------------------------------------------

def state_file(state: Path, platform: str) -> Path:
    return state / "exports" / f"{platform}.json"


def load_state(state: Path, platform: str) -> dict:
    return read_json(state_file(state, platform), {"platform_code": platform, "cursor": None, "pending": None,
                                                   "last_file_ts": "", "pages": 0, "records": 0})


def save_state(state: Path, platform: str, st: dict) -> None:
    st["updated_at"] = now_beijing().isoformat(timespec="seconds")
    write_json(state_file(state, platform), st, state)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def recover(st: dict, landing: Path) -> bool:
    """Settle a page left pending by a crash: True when its file is in the landing zone (the cursor moves on)."""
    pending = st.get("pending")
    if not pending:
        return False
    path = landing / pending["file"]
    done = path.is_file() and _sha256(path.read_bytes()) == pending["sha256"]
    if done:
        st["cursor"] = pending["next_cursor"]
        st["pages"] += 1
        st["records"] += pending["items"]
    st["pending"] = None
    return done


def quarantine(state: Path, platform: str, response: requests.Response, since: str | None, reason: str) -> Path:
    """Keep a bad page (once per distinct body) with why it was refused."""
    folder = state / "quarantine" / "exports" / platform
    digest = _sha256(response.content)[:16]
    if kept := sorted(folder.glob(f"*__{digest}.body")):
        return kept[0]
    stamp = now_beijing().strftime("%Y%m%dT%H%M%S")
    body = folder / f"{stamp}__{digest}.body"
    write_atomic(body, response.content, state)
    write_json(body.with_suffix(".reason.json"), {
        "platform_code": platform, "reason": reason, "since": since, "url": response.url,
        "http_status": response.status_code, "content_type": response.headers.get("Content-Type"),
        "sha256": _sha256(response.content), "received_at": now_beijing().isoformat(timespec="seconds")}, state)
    return body


def unique_name(platform: str, folder: Path, last_ts: str) -> str:
    """platform__<code>__<now>.jsonl, waiting for the next second when that name was already used."""
    while True:
        now = now_beijing()
        ts = now.strftime("%Y%m%dT%H%M%S")
        name = f"platform__{platform}__{ts}.jsonl"
        if ts > last_ts and not (folder / name).exists():
            return name
        time.sleep(1.0 - now.microsecond / 1e6 + 0.01)


def write_page(landing: Path, rel: str, data: bytes, state: Path) -> None:
    write_atomic(landing / rel, data, state)


# --- the pull --------------------------------------------------------------------------------------------------

def pull_platform(platform: str, hook, landing: str | Path, state: str | Path, *, limit: int | None = None,
                  attempts: int | None = None, backoff: float | None = None, timeout: float | None = None) -> dict:
    """Fetch every page after the stored cursor into the landing zone. Returns what was written."""
    landing, state = Path(landing), Path(state)
    limit = limit or settings.export_page_limit()
    opts = {"attempts": attempts or settings.pull_attempts(),
            "backoff": settings.pull_backoff() if backoff is None else backoff,
            "timeout": timeout or settings.pull_timeout()}
    written: list[str] = []
    records = 0
    sweep_temp(state)
    with exclusive(state / "exports" / f"{platform}.lock", f"platform {platform}"):
        st = load_state(state, platform)
        if st.get("pending"):
            finished = recover(st, landing)
            log.info("platform %s: page pending from an interrupted pull %s", platform,
                     "was written; cursor moved on" if finished else "was not written; fetching it again")
            save_state(state, platform, st)
        while True:
            since = st["cursor"]
            response = fetch(hook, platform, since, limit, **opts)
            try:
                page = parse_page(response, since)
            except BadPageError as exc:
                kept = quarantine(state, platform, response, since, str(exc))
                raise BadPageError(f"platform {platform}: the page after cursor {since!r} is not the documented "
                                   f"JSON ({exc}); kept in {kept}; the cursor stays at {since!r}") from exc
            if page.items:
                folder = landing / LANDING_FOLDER / platform
                rel = f"{LANDING_FOLDER}/{platform}/{unique_name(platform, folder, st['last_file_ts'])}"
                data = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in page.items).encode("utf-8")
                st["pending"] = {"file": rel, "sha256": _sha256(data), "since": since,
                                 "next_cursor": page.next_cursor, "items": len(page.items)}
                st["last_file_ts"] = rel.rsplit("__", 1)[1].removesuffix(".jsonl")
                save_state(state, platform, st)          # intent first ...
                write_page(landing, rel, data, state)    # ... then the file, whole ...
                recover(st, landing)                     # ... then the cursor
                save_state(state, platform, st)
                written.append(rel)
                records += len(page.items)
                log.info("platform %s: %d records -> %s", platform, len(page.items), rel)
            elif page.next_cursor and page.next_cursor != since:
                st["cursor"] = page.next_cursor          # nothing to write, nothing to lose
                save_state(state, platform, st)
            if not page.has_more:
                break
    return {"platform_code": platform, "files": written, "records": records, "cursor": st["cursor"]}

"""A private PostgreSQL server for tests: Debian's server binaries, a cluster initialised in a temporary folder,
listening on a free loopback port only, deleted afterwards.

PostgreSQL refuses to run as root, and CI runs the tests as root: then initdb and the server run as the `postgres`
user (`runuser`), in a folder that user owns. The superuser has a random password (scram), so nothing else on the
machine can use the cluster. Use `running_postgres()` directly or the `postgres_server` fixture (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SERVER_USER = "postgres"  # the unprivileged account Debian's package creates


def pg_bin(name: str) -> str:
    """Debian keeps the server binaries in /usr/lib/postgresql/<major>/bin, outside PATH; the newest major wins."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    found = candidates[-1] if candidates else shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is missing: install Debian's postgresql (.ci/run does)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    base: Path

    def url(self, database: str = "postgres", *, user: str | None = None, password: str | None = None,
            driver: str = "postgresql") -> str:
        user, password = (user, password) if user else (self.user, self.password)
        return f"{driver}://{quote(user, safe='')}:{quote(password, safe='')}@{self.host}:{self.port}/{database}"

    def connect(self, database: str = "postgres", **kwargs):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=kwargs.pop("user", self.user),
                                password=kwargs.pop("password", self.password), dbname=database, **kwargs)

    def create_database(self, name: str, owner: str, password: str) -> str:
        """A database owned by a new login role; returns its URL (CREATE DATABASE cannot run in a transaction)."""
        from psycopg2 import sql

        con = self.connect()
        con.autocommit = True
        try:
            with con.cursor() as cur:
                cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(owner),
                                                                               sql.Literal(password)))
                cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name),
                                                                          sql.Identifier(owner)))
        finally:
            con.close()
        return self.url(name, user=owner, password=password)

    def psql_env(self) -> dict[str, str]:
        """libpq's environment for `psql` and friends pointing at this server as the superuser."""
        return {"PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user, "PGPASSWORD": self.password}


def _start(base: Path, password: str) -> PostgresServer:
    data, log = base / "data", base / "server.log"
    port = free_port()
    # fsync off: a throwaway cluster needs no durability, and tests are faster without it
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
    started = subprocess.run(_as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                                              "-o", options, "start"]),
                             cwd=base, capture_output=True, text=True)
    if started.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start on port {port}: {started.stderr.strip()} {tail}")
    return PostgresServer("127.0.0.1", port, "postgres", password, base)


def _stop(base: Path) -> None:
    data = base / "data"
    if not (data / "postmaster.pid").exists():
        return
    stopped = subprocess.run(_as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "30",
                                              "stop"]), cwd=base, capture_output=True)
    if stopped.returncode != 0 and (data / "postmaster.pid").exists():
        with contextlib.suppress(ValueError, ProcessLookupError, OSError):
            os.kill(int((data / "postmaster.pid").read_text().split()[0]), signal.SIGKILL)
            time.sleep(1)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Initialise, start, yield, then stop the server and delete its folder (also when the body fails)."""
    base = Path(tempfile.mkdtemp(prefix="credit-feeds-pg-"))
    try:
        if os.geteuid() == 0:
            server_user = pwd.getpwnam(SERVER_USER)
            os.chown(base, server_user.pw_uid, server_user.pw_gid)
        password = secrets.token_urlsafe(16)
        pwfile = base / "pwfile"
        pwfile.write_text(password + "\n")
        if os.geteuid() == 0:
            os.chown(pwfile, server_user.pw_uid, server_user.pw_gid)
        subprocess.run(_as_server_user([pg_bin("initdb"), "-D", str(base / "data"), "-U", "postgres",
                                        f"--pwfile={pwfile}", "--auth=scram-sha-256", "-E", "UTF8",
                                        "--locale=C.UTF-8", "--no-sync"]),
                       cwd=base, check=True, capture_output=True)
        pwfile.unlink()
        server = None
        for attempt in range(3):  # another process may take the free port between the probe and the start
            try:
                server = _start(base, password)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        yield server
    finally:
        _stop(base)
        shutil.rmtree(base, ignore_errors=True)

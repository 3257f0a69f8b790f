"""Drop-folder pulls against a real OpenSSH server (Debian's openssh-server) on a loopback port, with its own host
key and a key-only test login, through Airflow's SFTPHook: verified copies, nothing copied twice (also after a
kill), the source untouched unless deletion is switched on, and the DAG run once with dag.test()."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
UNIT = "hongshan"
CONN_ID = "dropfolder_hongshan"
UNITS_CSV = ("unit_code,unit_name,unit_kind,uscc\nhongshan,洪山区,district,11420111MB1234567X\n"
             "wuchang,武昌区,district,11420106MB1234567X\njiangan,江岸区,district,11420102MB1234567X\n")

pytestmark = pytest.mark.skipif(not Path(SSHD).exists(), reason="openssh-server is not installed (.ci/run installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    """sshd on 127.0.0.1:<free port>, host key and client key of its own, key login only, internal SFTP."""
    d = tmp_path_factory.mktemp("sshd")
    for key in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)], check=True)
    (d / "authorized_keys").write_text((d / "client_key.pub").read_text())
    port, user = free_port(), getpass.getuser()
    (d / "sshd_config").write_text(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {d / 'host_key'}
PidFile {d / 'sshd.pid'}
AuthorizedKeysFile {d / 'authorized_keys'}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowUsers {user}
StrictModes no
UsePAM no
Subsystem sftp internal-sftp
LogLevel ERROR
""")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)   # privilege separation folder, normally made by the service
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stderr=subprocess.PIPE)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.05)
    host_key = " ".join((d / "host_key.pub").read_text().split()[:2])
    yield {"port": port, "user": user, "key_file": str(d / "client_key"), "host_key": host_key}
    proc.terminate()
    proc.wait(10)


def sftp_conn(sshd, remote_dir: Path, **extra) -> str:
    return json.dumps({"conn_type": "sftp", "host": "127.0.0.1", "port": sshd["port"], "login": sshd["user"],
                       "extra": {"key_file": sshd["key_file"], "host_key": sshd["host_key"], "look_for_keys": "false",
                                 "remote_dir": str(remote_dir), **extra}})


@pytest.fixture
def zone(tmp_path, sshd, monkeypatch):
    landing, state, remote = tmp_path / "landing", tmp_path / "state", tmp_path / "remote" / UNIT
    (landing / "_reference").mkdir(parents=True)
    (landing / "_reference" / "reporting_units.csv").write_text(UNITS_CSV, encoding="utf-8")
    (remote / "inbox").mkdir(parents=True)
    drop(remote / "hongshan__license__20220601T100000.csv", "XK_WSH,XK_NR\n武洪许〔2022〕1号,食品经营许可\n")
    drop(remote / "inbox" / "hongshan__penalty__20220602T110000.csv", "CF_WSH\n武洪罚〔2022〕7号\n")
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", sftp_conn(sshd, remote))
    return landing, state, remote


def drop(path: Path, text: str, age: float = 600) -> None:
    """A file a unit dropped `age` seconds ago."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (time.time() - age, time.time() - age))


def folder(remote: Path) -> dict:
    return {"unit_code": UNIT, "conn_id": CONN_ID, "remote_dir": str(remote)}


def pull(landing, state, remote, **kw):
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    from credit_feeds.pull_dropfolders import pull_drop_folder

    return pull_drop_folder(folder(remote), SFTPHook(ssh_conn_id=CONN_ID), landing, state,
                            **{"settle_seconds": 60, "delete_after_copy": False, **kw})


def landed(landing: Path) -> dict[str, bytes]:
    return {p.relative_to(landing).as_posix(): p.read_bytes() for p in sorted((landing / "sftp").rglob("*"))
            if p.is_file()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_new_files_are_copied_verified_and_never_twice(zone):
    landing, state, remote = zone
    drop(remote / ".hongshan__grading__20220603T090000.csv", "hidden upload in progress")
    drop(remote / "hongshan__grading__20220603T090000.csv.filepart", "WinSCP upload in progress")
    drop(remote / "hongshan__commitment__20220603T090000.csv", "CN_BH\nfresh\n", age=0)   # still being written?
    summary = pull(landing, state, remote)
    assert sorted(summary["copied"]) == ["sftp/hongshan/hongshan__license__20220601T100000.csv",
                                         "sftp/hongshan/inbox/hongshan__penalty__20220602T110000.csv"]
    assert summary["not_ready"] == 3
    files = landed(landing)
    assert files["sftp/hongshan/inbox/hongshan__penalty__20220602T110000.csv"] == \
        (remote / "inbox" / "hongshan__penalty__20220602T110000.csv").read_bytes()
    registry_file = state / "dropfolders" / CONN_ID / f"{UNIT}.jsonl"
    registry = [json.loads(line) for line in registry_file.read_text().splitlines()]
    assert {e["sha256"] for e in registry} == {sha(b) for b in files.values()}
    assert len(list(remote.rglob("*"))) == 6            # the source is untouched (5 files + inbox/)

    again = pull(landing, state, remote)
    assert again["copied"] == [] and again["already_taken"] == 2 and landed(landing) == files

    drop(remote / "hongshan__grading__20220603T090000.csv", "PJ_DJ\nA\n")                # a new file
    drop(remote / "hongshan__license__20220601T100000.csv", "XK_WSH\n改正后\n", age=300)  # same name, new bytes
    shutil.copy2(remote / "inbox" / "hongshan__penalty__20220602T110000.csv", remote / "archive.csv")  # same bytes
    third = pull(landing, state, remote)
    new_bytes = (remote / "hongshan__license__20220601T100000.csv").read_bytes()
    changed = f"sftp/hongshan/_changed/{sha(new_bytes)[:16]}/hongshan__license__20220601T100000.csv"
    assert sorted(third["copied"]) == [changed, "sftp/hongshan/hongshan__grading__20220603T090000.csv"]
    assert third["same_bytes"] == 1
    assert landed(landing)["sftp/hongshan/hongshan__license__20220601T100000.csv"] == \
        files["sftp/hongshan/hongshan__license__20220601T100000.csv"]     # what was taken first stays as it was


def test_the_source_is_deleted_only_when_asked_and_after_verification(zone):
    landing, state, remote = zone
    originals = {p.name: p.read_bytes() for p in remote.rglob("*.csv")}
    summary = pull(landing, state, remote, delete_after_copy=True)
    assert summary["deleted"] == 2 and list(remote.rglob("*.csv")) == []
    assert {Path(k).name: v for k, v in landed(landing).items()} == originals
    registry = (state / "dropfolders" / CONN_ID / f"{UNIT}.jsonl").read_text()
    assert registry.count("deleted_at") == 2


def test_a_copy_that_does_not_match_is_not_kept_and_nothing_is_deleted(zone, monkeypatch):
    from credit_feeds import pull_dropfolders

    landing, state, remote = zone
    download = pull_dropfolders._download

    def corrupting_download(sftp, path, st):             # a disk that flips a byte after the write
        tmp, digest, size = download(sftp, path, st)
        data = bytearray(tmp.read_bytes())
        data[0] ^= 1
        tmp.write_bytes(bytes(data))
        return tmp, digest, size

    monkeypatch.setattr(pull_dropfolders, "_download", corrupting_download)
    with pytest.raises(pull_dropfolders.CopyVerificationError, match="SHA-256"):
        pull(landing, state, remote, delete_after_copy=True)
    assert landed(landing) == {} and len(list(remote.rglob("*.csv"))) == 2
    assert list((state / "tmp").glob("*.part")) == []


KILLED_COPY = """
import sys, time
from pathlib import Path
from airflow.providers.sftp.hooks.sftp import SFTPHook
from credit_feeds import pull_dropfolders

landing, state, remote, marker = sys.argv[1:5]
place = pull_dropfolders.place

def place_then_stall(tmp, dest):
    place(tmp, dest)
    Path(marker).write_text("now")
    time.sleep(120)

pull_dropfolders.place = place_then_stall
folder = {"unit_code": "%s", "conn_id": "%s", "remote_dir": remote}
pull_dropfolders.pull_drop_folder(folder, SFTPHook(ssh_conn_id=folder["conn_id"]), landing, state,
                                  settle_seconds=60, delete_after_copy=False)
""" % (UNIT, CONN_ID)


def test_a_copy_killed_before_it_is_registered_is_not_copied_twice(zone, tmp_path):
    landing, state, remote = zone
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", KILLED_COPY, str(landing), str(state), str(remote), str(marker)],
                            env=os.environ.copy())
    deadline = time.time() + 60
    while not marker.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the copy never reached the landing zone"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert len(landed(landing)) == 1

    summary = pull(landing, state, remote)
    assert len(summary["copied"]) == 2 and len(landed(landing)) == 2      # the first one found in place, not doubled
    assert pull(landing, state, remote)["copied"] == []


def test_folders_come_from_unit_connections_and_the_shared_connection(tmp_path, sshd, monkeypatch):
    from credit_feeds.pull_dropfolders import find_drop_folders

    landing, shared = tmp_path / "landing", tmp_path / "shared"
    (landing / "_reference").mkdir(parents=True)
    (landing / "_reference" / "reporting_units.csv").write_text(UNITS_CSV, encoding="utf-8")
    for name in ("wuchang", "hongshan", "not-a-unit"):
        (shared / name).mkdir(parents=True)
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", sftp_conn(sshd, tmp_path / "own"))
    monkeypatch.setenv("AIRFLOW_CONN_DROPFOLDERS", sftp_conn(sshd, shared))
    assert find_drop_folders(landing) == [
        {"unit_code": "hongshan", "conn_id": CONN_ID, "remote_dir": str(tmp_path / "own")},
        {"unit_code": "wuchang", "conn_id": "dropfolders", "remote_dir": str(shared / "wuchang")},
    ]


def test_a_server_with_another_host_key_is_refused(zone, sshd, monkeypatch):
    import paramiko
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    from credit_feeds.pull_dropfolders import pull_drop_folder

    landing, state, remote = zone
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", sftp_conn(sshd, remote, host_key=other))
    hook = SFTPHook(ssh_conn_id=CONN_ID, conn_retry_attempts=1)    # the hook's own retries would only add waiting
    with pytest.raises(paramiko.BadHostKeyException, match="does not match"):
        pull_drop_folder(folder(remote), hook, landing, state, settle_seconds=60)
    assert landed(landing) == {}


def test_the_dag_copies_each_units_folder_and_updates_the_landing_zone_asset(zone):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.asset import AssetEvent
    from airflow.utils import db
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from credit_feeds.assets import LANDING_ZONE

    landing, state, remote = zone
    db.upgradedb()
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["pull_drop_folders"]
    assert dag.get_task("copy_new_files").outlets == [LANDING_ZONE]
    run = dag.test(logical_date=dt.datetime.now(dt.timezone.utc),
                   run_conf={"landing": str(landing), "state": str(state)})
    assert str(getattr(run.state, "value", run.state)) == "success"
    assert len(landed(landing)) == 2 and len(list(remote.rglob("*.csv"))) == 2
    with create_session() as session:
        events = session.scalars(select(AssetEvent).where(AssetEvent.source_dag_id == dag.dag_id,
                                                          AssetEvent.source_run_id == run.run_id)).all()
        assert [e.uri for e in events] == [LANDING_ZONE.uri]

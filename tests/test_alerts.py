"""Failure alerts: a task of the real monthly DAG fails under dag.test() (a report month the working-day calendar
does not cover yet: what happens when a new year's holidays are not entered); the log line
always names the DAG, task, month and reason, and when SMTP is configured — the connection `smtp_default`, or
AIRFLOW__SMTP__* — a real SMTP server on loopback receives the same as a mail through the SMTP provider's notifier.
"""

from __future__ import annotations

import datetime as dt
import email
import email.header
import email.policy
import json
import logging
import os
import socketserver
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2031-01"
LINE = f"task ingest_landing_zone of DAG credit_feeds_monthly failed for report month {MONTH}:"
REASON = "calendar_overrides.csv"  # the reason names the file to fill in
RECIPIENTS = "ops@credit.example.gov.cn; duty@credit.example.gov.cn"


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP (RFC 5321, no TLS, no auth) to receive mail on loopback; keeps every message it gets."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.messages: list[dict] = []
        self.port = self.server_address[1]


class _SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        envelope = {"from": None, "to": []}
        self.reply("220 sink ESMTP")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb in ("HELO", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "MAIL":
                envelope = {"from": command.split(":", 1)[1].strip(" <>"), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.messages.append({**envelope, "message": email.message_from_bytes(
                    data, policy=email.policy.default)})
                self.reply("250 OK queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()
    sink.server_close()


@pytest.fixture(scope="module")
def monthly_dag():
    """The real monthly DAG, parsed without retries so the failure is final at once."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db

    saved = os.environ.get("CREDIT_FEEDS_TASK_RETRIES")
    os.environ["CREDIT_FEEDS_TASK_RETRIES"] = "0"
    try:
        db.upgradedb()
        bag = DagBag(dag_folder=str(ROOT / "dags"))
    finally:
        if saved is None:
            os.environ.pop("CREDIT_FEEDS_TASK_RETRIES")
        else:
            os.environ["CREDIT_FEEDS_TASK_RETRIES"] = saved
    assert bag.import_errors == {}
    return bag.dags["credit_feeds_monthly"]


@pytest.fixture
def alert_log():
    """What the `credit_feeds.alerts` logger says during the test."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = records.append
    logger = logging.getLogger("credit_feeds.alerts")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.fixture
def clean_smtp_env(monkeypatch):
    for key in list(os.environ):
        if key.startswith(("AIRFLOW__SMTP__", "AIRFLOW_CONN_SMTP", "CREDIT_FEEDS_ALERT")):
            monkeypatch.delenv(key)
    return monkeypatch


def fail_a_month(dag, tmp_path: Path) -> str:
    """Run the DAG for a month outside the calendar: its first task, ingest_landing_zone, fails."""
    conf = {"report_month": MONTH, "landing": str(ROOT / "include" / "sample_feeds"),
            "warehouse": str(tmp_path / "w.duckdb"), "out": str(tmp_path / "out")}
    run = dag.test(logical_date=dt.datetime.now(dt.timezone.utc), run_conf=conf)
    return getattr(run.state, "value", run.state)


def messages(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records]


def connection(port: int, **extra) -> str:
    return json.dumps({"conn_type": "smtp", "host": "127.0.0.1", "port": port,
                       "extra": {"disable_ssl": True, "disable_tls": True, "retry_limit": 0, "timeout": 10, **extra}})


def test_mail_through_the_smtp_default_connection(monthly_dag, tmp_path, smtp_sink, alert_log, clean_smtp_env):
    clean_smtp_env.setenv("AIRFLOW_CONN_SMTP_DEFAULT", connection(smtp_sink.port,
                                                                  from_email="airflow@credit.example.gov.cn"))
    clean_smtp_env.setenv("CREDIT_FEEDS_ALERT_EMAIL", RECIPIENTS)
    assert fail_a_month(monthly_dag, tmp_path) == "failed"

    lines = [m for m in messages(alert_log) if m.startswith("credit-feeds FAILED")]
    assert len(lines) == 1 and LINE in lines[0] and REASON in lines[0], messages(alert_log)
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert mail["from"] == "airflow@credit.example.gov.cn"
    assert mail["to"] == ["ops@credit.example.gov.cn", "duty@credit.example.gov.cn"]
    subject = str(mail["message"]["Subject"])
    assert "credit_feeds_monthly.ingest_landing_zone" in subject and MONTH in subject and "任务失败" in subject
    body = mail["message"].get_body(("html",)).get_content()
    for text in ("credit_feeds_monthly", "ingest_landing_zone", MONTH, REASON, LINE):
        assert text in body


def test_mail_through_the_smtp_settings(monthly_dag, tmp_path, smtp_sink, alert_log, clean_smtp_env):
    """No connection: the [smtp] settings from the environment (as docker-compose.yml passes them) are used."""
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_sink.port), "SMTP_STARTTLS": "False",
                       "SMTP_SSL": "False", "SMTP_MAIL_FROM": "xinyongban@credit.example.gov.cn",
                       "SMTP_RETRY_LIMIT": "0"}.items():
        clean_smtp_env.setenv(f"AIRFLOW__SMTP__{key}", value)
    clean_smtp_env.setenv("CREDIT_FEEDS_ALERT_EMAIL", "ops@credit.example.gov.cn")
    assert fail_a_month(monthly_dag, tmp_path) == "failed"

    assert any(LINE in m for m in messages(alert_log))
    assert [(m["from"], m["to"]) for m in smtp_sink.messages] == [("xinyongban@credit.example.gov.cn",
                                                                   ["ops@credit.example.gov.cn"])]
    assert REASON in smtp_sink.messages[0]["message"].get_body(("html",)).get_content()
    assert "AIRFLOW_CONN_CREDIT_FEEDS_SMTP_FROM_CONFIG" not in os.environ  # the borrowed connection is gone


@pytest.mark.parametrize("configured", ["connection without recipients", "recipients without SMTP"])
def test_without_smtp_configured_only_the_log_line(monthly_dag, tmp_path, smtp_sink, alert_log, clean_smtp_env,
                                                     configured):
    if configured == "connection without recipients":
        clean_smtp_env.setenv("AIRFLOW_CONN_SMTP_DEFAULT", connection(smtp_sink.port, from_email="a@example.gov.cn"))
    else:
        clean_smtp_env.setenv("CREDIT_FEEDS_ALERT_EMAIL", RECIPIENTS)
    assert fail_a_month(monthly_dag, tmp_path) == "failed"

    assert [m for m in messages(alert_log) if m.startswith("credit-feeds FAILED") and LINE in m]
    assert smtp_sink.messages == []
    if configured == "recipients without SMTP":
        assert any("alert mail not sent: no SMTP connection" in m for m in messages(alert_log))


def test_a_dead_mail_server_does_not_hide_the_failure(monthly_dag, tmp_path, alert_log, clean_smtp_env):
    from pg_server import free_port

    clean_smtp_env.setenv("AIRFLOW_CONN_SMTP_DEFAULT", connection(free_port(), from_email="a@example.gov.cn"))
    clean_smtp_env.setenv("CREDIT_FEEDS_ALERT_EMAIL", RECIPIENTS)
    assert fail_a_month(monthly_dag, tmp_path) == "failed"

    said = messages(alert_log)
    assert any(LINE in m for m in said)
    assert any(m.startswith("credit-feeds alert mail to ops@credit.example.gov.cn, duty@credit.example.gov.cn "
                            "not sent") for m in said), said


def test_the_line_names_the_month_of_a_scheduled_run():
    """A scheduled run has no report_month param: the line names the month before the run, as the DAG does."""
    from credit_feeds.alerts import failure_line

    class TI:
        dag_id, task_id = "credit_feeds_monthly", "dbt_build"

    context = {"ti": TI(), "params": {"report_month": None},
               "logical_date": dt.datetime(2022, 7, 9, 18, tzinfo=dt.timezone.utc),
               "exception": RuntimeError("dbt build failed: 3 tests failed\nmore detail")}
    assert failure_line(context) == ("task dbt_build of DAG credit_feeds_monthly failed for report month 2022-06: "
                                     "dbt build failed: 3 tests failed")
    del context["params"]["report_month"]  # the pull DAGs: no month
    assert failure_line(context) == "task dbt_build of DAG credit_feeds_monthly failed: dbt build failed: 3 tests failed"

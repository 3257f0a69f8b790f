"""What an operator is told when a task fails: always one clear log line naming the DAG, the task, the report
month and the reason; and, when SMTP is configured, the same by mail through the SMTP provider's SmtpNotifier.

Mail goes to CREDIT_FEEDS_ALERT_EMAIL (addresses separated by `,` or `;`) through the Airflow connection
`smtp_default` (the `[email] email_conn_id` setting names another), or, when there is no such connection, through
the server given by the environment AIRFLOW__SMTP__SMTP_HOST (+ _PORT, _MAIL_FROM, _STARTTLS, _SSL, _USER,
_PASSWORD). The sender is CREDIT_FEEDS_ALERT_FROM, else the connection's `from_email`, else [smtp] smtp_mail_from.
A mail that cannot be sent is logged and never hides the task's own failure.

`credit-feeds run` also asks for the line in a file (CREDIT_FEEDS_ERROR_FILE) so it can print it on stderr.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import os
import re
from pathlib import Path

log = logging.getLogger("credit_feeds.alerts")

CONFIG_CONN_ID = "credit_feeds_smtp_from_config"  # the connection built from AIRFLOW__SMTP__* for one mail


def _reason(context) -> str:
    exc = context.get("exception")
    if exc is None:
        return "unknown (see the task log)"
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def report_month(context) -> str | None:
    """The run's report month: its param, else the month before the run (as the DAG computes it); None for the
    DAGs that work for no particular month."""
    params = context.get("params") or {}
    if "report_month" not in params:
        return None
    if params.get("report_month"):
        return str(params["report_month"])
    run = context.get("dag_run")
    when = context.get("logical_date") or getattr(run, "run_after", None)
    if when is None:
        return "(the month before the run)"
    return (when.date().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


def failure_line(context) -> str:
    ti = context.get("task_instance") or context.get("ti")
    dag_id, task_id = getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?")
    month = report_month(context)
    where = f"task {task_id} of DAG {dag_id}"
    if month is None:  # the pull DAGs
        return f"{where} failed: {_reason(context)}"
    return f"{where} failed for report month {month}: {_reason(context)}"


def task_failed(context) -> None:
    """on_failure_callback of every task (the DAGs' default_args)."""
    line = failure_line(context)
    log.error("credit-feeds FAILED %s", line)
    if error_file := os.environ.get("CREDIT_FEEDS_ERROR_FILE"):
        with Path(error_file).open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    recipients = alert_recipients()
    if not recipients:
        return
    try:
        send_failure_mail(context, line, recipients)
    except Exception as exc:  # noqa: BLE001 - a broken mail server must not hide the task's own failure
        log.error("credit-feeds alert mail to %s not sent: %s", ", ".join(recipients), exc)


def alert_recipients() -> list[str]:
    return [a for a in re.split(r"\s*[,;]\s*", os.environ.get("CREDIT_FEEDS_ALERT_EMAIL", "").strip()) if a]


def _connection_exists(conn_id: str) -> bool:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        Connection.get(conn_id)
    except AirflowNotFoundException:
        return False
    return True


def _connection_from_config() -> str | None:
    """An SMTP connection (Airflow's JSON form) from the [smtp] settings, when AIRFLOW__SMTP__SMTP_HOST is set."""
    if not os.environ.get("AIRFLOW__SMTP__SMTP_HOST"):
        return None
    from airflow.providers.common.compat.sdk import conf  # the configuration a task process sees (as SmtpNotifier)

    return json.dumps({
        "conn_type": "smtp",
        "host": conf.get("smtp", "smtp_host"),
        "port": conf.getint("smtp", "smtp_port", fallback=25),
        "login": conf.get("smtp", "smtp_user", fallback=None) or None,
        "password": conf.get("smtp", "smtp_password", fallback=None) or None,
        "extra": {
            "from_email": conf.get("smtp", "smtp_mail_from", fallback=None),
            "disable_ssl": not conf.getboolean("smtp", "smtp_ssl", fallback=False),
            "disable_tls": not conf.getboolean("smtp", "smtp_starttls", fallback=True),
            "timeout": conf.getint("smtp", "smtp_timeout", fallback=30),
            "retry_limit": conf.getint("smtp", "smtp_retry_limit", fallback=5),
        },
    })


def send_failure_mail(context, line: str, recipients: list[str]) -> None:
    from airflow.providers.common.compat.sdk import conf
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    conn_id = conf.get("email", "email_conn_id", fallback="smtp_default")
    from_config = None
    if not _connection_exists(conn_id):
        from_config = _connection_from_config()
        if from_config is None:
            log.warning("credit-feeds alert mail not sent: no SMTP connection %r and no AIRFLOW__SMTP__SMTP_HOST",
                        conn_id)
            return
        conn_id = CONFIG_CONN_ID
    env_key = f"AIRFLOW_CONN_{CONFIG_CONN_ID.upper()}"
    if from_config:
        os.environ[env_key] = from_config  # Airflow looks connections up in the environment first
    try:
        subject, body = failure_mail(context, line)
        notifier = SmtpNotifier(to=recipients, from_email=os.environ.get("CREDIT_FEEDS_ALERT_FROM") or None,
                                subject=subject, html_content=body, smtp_conn_id=conn_id)
        # notify(), not notifier(context): the text is final, and an exception message may hold Jinja braces
        notifier.notify(context)
    finally:
        if from_config:
            os.environ.pop(env_key, None)
    log.info("credit-feeds alert mail sent to %s", ", ".join(recipients))


def failure_mail(context, line: str) -> tuple[str, str]:
    """Subject and HTML body: in Chinese for the office, identifiers (DAG, task, run) as Airflow shows them."""
    ti = context.get("task_instance") or context.get("ti")
    dag_id, task_id = getattr(ti, "dag_id", "?"), getattr(ti, "task_id", "?")
    month = report_month(context)
    subject = f"【信用数据】任务失败：{dag_id}.{task_id}" + (f"（报告月份 {month}）" if month else "")
    rows = [("流程 DAG", dag_id), ("任务 task", task_id), ("报告月份 report month", month or "（不适用）"),
            ("原因 reason", _reason(context)), ("运行 run", str(context.get("run_id") or "?")),
            ("第几次尝试 try", str(getattr(ti, "try_number", "?")))]
    cells = [(k, html.escape(v)) for k, v in rows]
    if url := getattr(ti, "log_url", None):
        cells.append(("日志 log", f'<a href="{html.escape(url)}">{html.escape(url)}</a>'))
    table = "".join(f"<tr><th align=left>{html.escape(k)}</th><td>{v}</td></tr>" for k, v in cells)
    body = (f"<p>信用信息报送流程有任务失败，请查看日志并处理后重跑。</p><table>{table}</table>"
            f"<pre>credit-feeds FAILED {html.escape(line)}</pre>")
    return subject, body

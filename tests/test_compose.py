"""The shared deployment's files: docker-compose.yml validated by Debian's `docker-compose config` (there is no Docker
engine here), against what the README's "Deploy" section promises; no secret in the file; the Dockerfile on the
pinned Airflow; the PostgreSQL init script run against a real server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKER_COMPOSE = shutil.which("docker-compose")
needs_compose = pytest.mark.skipif(DOCKER_COMPOSE is None,
                                   reason="Debian's docker-compose is not installed (.ci/run installs it)")
ONE_SHOT = {"airflow-init", "airflow-cli"}  # jobs that end: completion is their health
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_KEY$|_AUTH$")
VARIABLE = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")


def compose_config(compose: Path, env_file: Path, **overrides: str) -> subprocess.CompletedProcess:
    """`docker-compose config` (every profile's services) with only the given env file and overrides as variables."""
    env = {"PATH": os.environ["PATH"], **overrides}
    return subprocess.run([DOCKER_COMPOSE, "--env-file", str(env_file), "-f", str(compose), "--profile", "debug",
                           "config"],
                          cwd=compose.parent, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def resolved():
    r = compose_config(COMPOSE, ENV_EXAMPLE, CREDIT_FEEDS_DATA_DIR="/srv/credit-feeds/data",
                       CREDIT_FEEDS_OUTPUT_DIR="/srv/credit-feeds/output")
    assert r.returncode == 0, r.stderr
    return yaml.safe_load(r.stdout)


def readme_services() -> list[str]:
    """The first column of the services table (header `| service |`) in README's Deploy section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    deploy = text.split("\n## Deploy", 1)[1].split("\n## ", 1)[0]
    lines = deploy.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| service |"))
    names = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        names.append(re.match(r"\| `([^`]+)` \|", line)[1])
    return names


@needs_compose
def test_compose_file_is_valid_with_the_example_env(resolved):
    assert resolved["services"]


@needs_compose
def test_every_service_the_readme_names_is_there_with_a_health_check(resolved):
    named = readme_services()
    assert {"postgres", "redis", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer", "airflow-worker", "airflow-init"} <= set(named)
    assert set(named) == set(resolved["services"])
    for name in set(named) - ONE_SHOT:
        assert resolved["services"][name].get("healthcheck", {}).get("test"), f"{name} has no health check"
        assert resolved["services"][name]["restart"] == "always", name


@needs_compose
def test_celery_executor_with_the_metadata_in_postgres(resolved):
    env = resolved["services"]["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres/airflow")
    assert env["AIRFLOW__CELERY__BROKER_URL"].endswith("@redis:6379/0")
    assert resolved["services"]["airflow-worker"]["command"] == "celery worker"
    db = resolved["services"]["postgres"]["environment"]
    assert db["POSTGRES_DB"] == "airflow" and db["CREDIT_FEEDS_WAREHOUSE_DB"] == "credit_feeds"


@needs_compose
def test_telemetry_is_off_everywhere(resolved):
    for name, service in resolved["services"].items():
        if name.startswith("airflow-"):
            env = service["environment"]
            assert env["DO_NOT_TRACK"] == "1" and env["SCARF_ANALYTICS"] == "false", name
            assert env["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False", name
            assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "False" and env["GX_ANALYTICS_ENABLED"] == "false", name


@needs_compose
def test_landing_zone_and_outputs_are_volumes_from_host_paths(resolved):
    for name, service in resolved["services"].items():
        if not name.startswith("airflow-"):
            continue
        env = service["environment"]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        assert mounts["/data"] == "/srv/credit-feeds/data", name   # the host path comes from the environment
        assert mounts["/output"] == "/srv/credit-feeds/output", name
        # the landing zone and the pull state share one mount: the pulls rename files from one into the other
        assert env["CREDIT_FEEDS_LANDING"].startswith("/data/") and env["CREDIT_FEEDS_STATE"].startswith("/data/")
        assert env["CREDIT_FEEDS_OUT"].startswith("/output")
        assert env["CREDIT_FEEDS_WAREHOUSE"].startswith("/warehouse/") and mounts["/warehouse"] == "warehouse"


def _strings(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def test_no_secret_in_the_compose_file():
    """Every credential is a ${VARIABLE} from .env: secret-named settings and the passwords inside URLs."""
    raw = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    checked = 0
    for path, value in _strings(raw):
        key = path.rsplit(".", 1)[-1]
        if SECRET_NAME.search(key) and not key.endswith("_FILE"):
            assert VARIABLE.match(value), f"{path} = {value!r} is not a ${{VARIABLE}}"
            checked += 1
        for password in re.findall(r"://[^:/@\s]*:([^@\s]+)@", value):
            assert VARIABLE.match(password), f"{path} holds a literal password"
            checked += 1
    assert checked >= 10  # the check saw the credentials (URLs, keys, passwords)


def test_env_example_holds_placeholders_only_and_env_is_ignored():
    values = dict(line.split("=", 1) for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
                  if line and not line.startswith("#"))
    secrets = {k: v for k, v in values.items() if SECRET_NAME.search(k) and k not in ("SMTP_PASSWORD",)}
    assert len(secrets) >= 7
    assert all(v.startswith("change-me") for v in secrets.values()), secrets
    assert values["SMTP_PASSWORD"] == ""
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


@needs_compose
def test_a_missing_secret_stops_compose_with_its_name(tmp_path):
    env_file = tmp_path / "partial.env"
    env_file.write_text("".join(line + "\n" for line in ENV_EXAMPLE.read_text().splitlines()
                                if not line.startswith("REDIS_PASSWORD=")))
    r = compose_config(COMPOSE, env_file)
    assert r.returncode != 0 and "REDIS_PASSWORD" in r.stderr


@needs_compose
def test_validation_rejects_an_unknown_key(tmp_path):
    """The validation can fail: a misspelt key in a copy of the file is refused."""
    copy = tmp_path / "docker-compose.yml"
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    text = COMPOSE.read_text(encoding="utf-8")
    copy.write_text(text.replace("build: .", f"build: {ROOT}"), encoding="utf-8")
    assert compose_config(copy, ENV_EXAMPLE).returncode == 0
    copy.write_text(text.replace("build: .", f"build: {ROOT}").replace("    healthcheck:\n      test: [\"CMD\", \"redis",
                                                                      "    helthcheck:\n      test: [\"CMD\", \"redis"),
                    encoding="utf-8")
    r = compose_config(copy, ENV_EXAMPLE)
    assert r.returncode != 0 and "helthcheck" in r.stderr


def test_dockerfile_is_the_pinned_airflow_on_the_pinned_python():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pinned = next(d.split("==")[1] for d in pyproject["project"]["dependencies"] if d.startswith("apache-airflow=="))
    locked = next(p["version"] for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"]
                  if p["name"] == "apache-airflow")
    dockerfile = (ROOT / "Dockerfile").read_text()
    froms = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    assert froms == [f"apache/airflow:{pinned}-python3.11"] and locked == pinned
    assert pyproject["project"]["requires-python"].startswith(">=3.11")
    assert "uv export --project /opt/credit-feeds --frozen" in dockerfile  # the lock is the list of packages
    assert "fonts-wqy-microhei" in dockerfile


def test_postgres_init_script_creates_the_warehouse_database_and_role(postgres_server):
    """deploy/postgres-init/10-warehouse.sh as the postgres image runs it, against a real server: the warehouse
    role owns its database and cannot reach Airflow's metadata."""
    import secrets

    import psycopg2

    postgres_server.create_database("compose_airflow", "compose_airflow", secrets.token_hex(8))
    password = secrets.token_hex(8) + "'" + secrets.token_hex(4)  # a quote: the script must not build SQL from text
    env = {"PATH": os.environ["PATH"], **postgres_server.psql_env(), "POSTGRES_USER": "postgres",
           "POSTGRES_DB": "compose_airflow", "CREDIT_FEEDS_WAREHOUSE_DB": "compose_warehouse",
           "CREDIT_FEEDS_WAREHOUSE_USER": "compose_analyst", "CREDIT_FEEDS_WAREHOUSE_PASSWORD": password}
    r = subprocess.run(["bash", str(ROOT / "deploy" / "postgres-init" / "10-warehouse.sh")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    con = postgres_server.connect("compose_warehouse", user="compose_analyst", password=password)
    with con, con.cursor() as cur:
        cur.execute("CREATE SCHEMA marts")
        cur.execute("SELECT datdba::regrole::text FROM pg_database WHERE datname = current_database()")
        assert cur.fetchone()[0] == "compose_analyst"
    con.close()
    with pytest.raises(psycopg2.OperationalError, match="permission denied"):
        postgres_server.connect("compose_airflow", user="compose_analyst", password=password)

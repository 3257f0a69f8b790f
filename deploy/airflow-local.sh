#!/usr/bin/env bash
# `make airflow`: Airflow's scheduler, dag-processor and api-server on this machine, no Docker, so an operator can
# watch and rerun the DAGs in the UI. LocalExecutor; AIRFLOW_HOME=.airflow; metadata in SQLite there, or in the
# PostgreSQL database AIRFLOW__DATABASE__SQL_ALCHEMY_CONN names. The three write their logs to
# $AIRFLOW_HOME/logs/<name>.out; Ctrl-C stops all three (so does any of them dying).
#
# AIRFLOW_PORT (default 8080) and AIRFLOW_HOST (default 127.0.0.1: this machine only) place the UI;
# CREDIT_FEEDS_LANDING / _WAREHOUSE / _OUT / _STATE move the pipeline's folders (plugins/credit_feeds/settings.py).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$ROOT/.venv/bin:$PATH"   # the services start their children through PATH
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/.airflow}"
PORT="${AIRFLOW_PORT:-8080}"
HOST="${AIRFLOW_HOST:-127.0.0.1}"
mkdir -p "$AIRFLOW_HOME/logs"

# Secrets the three processes must share (each would otherwise draw its own): made once, kept in AIRFLOW_HOME.
SECRETS="$AIRFLOW_HOME/local-secrets.env"
if [ ! -f "$SECRETS" ]; then
  (umask 077 && python - >"$SECRETS" <<'PY'
import secrets
from cryptography.fernet import Fernet
print(f"export AIRFLOW__API_AUTH__JWT_SECRET={secrets.token_hex(32)}")
print(f"export AIRFLOW__API__SECRET_KEY={secrets.token_hex(32)}")
print(f"export AIRFLOW__CORE__FERNET_KEY={Fernet.generate_key().decode()}")
PY
  )
fi
# shellcheck disable=SC1090
source "$SECRETS"

export AIRFLOW__CORE__EXECUTOR=LocalExecutor
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-8}"   # the monthly DAG runs one task at a time
export AIRFLOW__CORE__DAGS_FOLDER="$ROOT/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__API__PORT="$PORT"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://localhost:$PORT/execution/"
export AIRFLOW__COSMOS__CACHE_DIR="${AIRFLOW__COSMOS__CACHE_DIR:-$AIRFLOW_HOME/cosmos}"
export MPLCONFIGDIR="${MPLCONFIGDIR:-$AIRFLOW_HOME/matplotlib}"
export DO_NOT_TRACK=1 SCARF_ANALYTICS=false AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False \
       AIRFLOW__COSMOS__ENABLE_TELEMETRY=False DBT_SEND_ANONYMOUS_USAGE_STATS=False GX_ANALYTICS_ENABLED=false

echo "airflow: migrating the metadata database (${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:+PostgreSQL}${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-SQLite in $AIRFLOW_HOME})"
airflow db migrate >"$AIRFLOW_HOME/logs/db-migrate.out" 2>&1 || { tail -20 "$AIRFLOW_HOME/logs/db-migrate.out"; exit 1; }

pids=()
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] || return 0
  echo; echo "airflow: stopping"
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done   # each runs in its own group
  for pid in "${pids[@]}"; do
    for _ in $(seq 30); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
}
trap stop EXIT
trap 'stop; exit 130' INT TERM

for service in api-server dag-processor scheduler; do
  args=("$service")
  [ "$service" = api-server ] && args+=(--host "$HOST" --port "$PORT" --workers 1)
  setsid airflow "${args[@]}" >"$AIRFLOW_HOME/logs/$service.out" 2>&1 &
  pids+=("$!")
done

# The login: SimpleAuthManager's user `admin`, its password generated on the first start into this file.
PASSWORDS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated}"
for _ in $(seq 120); do
  python -c "import urllib.request as u; u.urlopen('http://localhost:$PORT/api/v2/monitor/health', timeout=2)" \
    2>/dev/null && [ -s "$PASSWORDS" ] && break
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "airflow: a service stopped, see $AIRFLOW_HOME/logs/*.out"; exit 1; }; done
  sleep 1
done
cat <<EOF
airflow: UI at http://localhost:$PORT
airflow: log in as admin, password: $(python -c "import json, sys; print(json.load(open(sys.argv[1]))['admin'])" "$PASSWORDS" 2>/dev/null || echo "see $PASSWORDS")
airflow: DAGs from $AIRFLOW__CORE__DAGS_FOLDER (new DAGs start paused); logs in $AIRFLOW_HOME/logs; Ctrl-C stops
EOF
wait -n "${pids[@]}" || true
echo "airflow: a service stopped, see $AIRFLOW_HOME/logs/*.out"
exit 1

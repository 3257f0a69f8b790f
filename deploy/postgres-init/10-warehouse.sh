#!/usr/bin/env bash
# Runs once, when the postgres service initialises its data volume (docker-entrypoint-initdb.d): beside Airflow's
# metadata database (POSTGRES_DB, owned by POSTGRES_USER), the warehouse database and its own login role, named in
# .env. Neither database accepts connections from other roles: analysts and DAGs use the warehouse role, only
# Airflow uses the metadata.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v metadata_db="$POSTGRES_DB" \
  -v warehouse_db="$CREDIT_FEEDS_WAREHOUSE_DB" \
  -v warehouse_user="$CREDIT_FEEDS_WAREHOUSE_USER" \
  -v password="$CREDIT_FEEDS_WAREHOUSE_PASSWORD" <<'SQL'
CREATE ROLE :"warehouse_user" LOGIN PASSWORD :'password';
-- C.UTF-8 collation: text sorts as on DuckDB, so the bulletin orders units the same on both warehouses
CREATE DATABASE :"warehouse_db" OWNER :"warehouse_user" ENCODING 'UTF8' LOCALE 'C.UTF-8' TEMPLATE template0;
REVOKE ALL ON DATABASE :"warehouse_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"metadata_db" FROM PUBLIC;
SQL

# The Airflow image of Credit Feeds (docker-compose.yml builds it): the official image of the Airflow pinned in
# pyproject.toml, every dependency at the version uv.lock pins (the versions the tests ran with), the project, and
# a CJK font so the bulletin's chart has Chinese labels.
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && apt-get autoremove -yqq --purge \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /opt/credit-feeds \
 && chown airflow:root /opt/credit-feeds
USER airflow

# The requirements are exported from uv.lock at build time (never committed, so they cannot drift from the lock):
# without hashes, without the test extra, without the project itself (installed below, after its code).
COPY --chown=airflow:root pyproject.toml uv.lock /opt/credit-feeds/
RUN pip install --no-cache-dir uv \
 && uv export --project /opt/credit-feeds --frozen --no-dev --no-hashes --no-emit-project -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && pip uninstall -y uv \
 && rm /tmp/requirements.txt

# The project keeps the repository's layout (credit_feeds.settings finds dbt_project/, expectations/ and include/
# beside plugins/), outside Airflow's plugins folder, which would import every module as a plugin. Editable, so the
# package runs from this folder; group-writable, as the official image expects for any AIRFLOW_UID.
COPY --chown=airflow:root dags /opt/credit-feeds/dags
COPY --chown=airflow:root plugins /opt/credit-feeds/plugins
COPY --chown=airflow:root dbt_project /opt/credit-feeds/dbt_project
COPY --chown=airflow:root expectations /opt/credit-feeds/expectations
COPY --chown=airflow:root include /opt/credit-feeds/include
RUN pip install --no-cache-dir --no-deps -e /opt/credit-feeds \
 && chmod -R g=u /opt/credit-feeds

ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/credit-feeds/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    AIRFLOW__COSMOS__CACHE_DIR=/tmp/cosmos \
    MPLCONFIGDIR=/tmp/matplotlib \
    DO_NOT_TRACK=1 \
    SCARF_ANALYTICS=false \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    GX_ANALYTICS_ENABLED=false \
    AIRFLOW__COSMOS__ENABLE_TELEMETRY=False \
    AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False

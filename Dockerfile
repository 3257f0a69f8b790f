# The Airflow image with the project's locked dependencies (see docker-compose.yml).
FROM apache/airflow:3.3.2-python3.11
COPY --chown=airflow:root pyproject.toml uv.lock README.md /opt/credit-feeds/
COPY --chown=airflow:root plugins /opt/credit-feeds/plugins
RUN pip install --no-cache-dir uv \
 && cd /opt/credit-feeds && uv export --frozen --no-dev --no-hashes -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt

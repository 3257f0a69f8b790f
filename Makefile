# Credit Feeds — the two commands a fresh machine needs: `make run` and `make test`.
# Both install what they need: uv (into .tools/), the locked dependencies (into .venv/), a CJK font for charts.

PYTHON ?= python3.11
UV := .tools/bin/uv
VENV := .venv
STAMP := $(VENV)/.installed
MONTH ?= 2022-06
FEEDS ?= include/sample_feeds
WAREHOUSE ?= warehouse/credit_feeds.duckdb
OUT ?= output

export UV_PYTHON_DOWNLOADS := never
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := false
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export SCARF_ANALYTICS := false

.PHONY: setup run test font clean airflow bench

setup: $(STAMP)

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

$(STAMP): $(UV) pyproject.toml uv.lock
	UV_PYTHON=$$($(PYTHON) -c 'import sys; print(sys.executable)') $(UV) sync --frozen --extra test --quiet
	@$(MAKE) --no-print-directory font
	touch $(STAMP)

# Chinese chart labels need a CJK font (Debian's fonts-wqy-microhei); installed when apt-get is available.
font:
	@if command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1)) \
	  || echo "warning: could not install a CJK font; charts will be skipped"; \
	else echo "warning: no CJK font and no apt-get; charts will be skipped"; fi

run: setup
	$(VENV)/bin/credit-feeds run --feeds $(FEEDS) --month $(MONTH) --warehouse $(WAREHOUSE) --out $(OUT)

test: setup
	$(VENV)/bin/pytest

# Benchmark of the monthly cycle at scale factor SF (1 = one real city month, ~1.16M rows): bench/RESULTS.md.
# INCREMENTAL=1 then adds one new 10,000-row file and times the rerun. The last line printed is one JSON object.
SF ?= 1
bench: setup
	$(VENV)/bin/python bench/run_bench.py --sf $(SF) $(if $(INCREMENTAL),--incremental)

# Airflow's scheduler, dag-processor and api-server on this machine (LocalExecutor, AIRFLOW_HOME=.airflow); Ctrl-C stops
airflow: setup
	deploy/airflow-local.sh

clean:
	rm -rf $(OUT) warehouse .airflow

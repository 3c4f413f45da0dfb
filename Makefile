# Two commands on a fresh machine: `make run` and `make test`.
# The virtual environment is created on first use and re-synced only when the lock changes.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
export DAGSTER_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1

.PHONY: run test test-fast test-spark spark-env dev manifest lock bench bench-national clean system

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8

# --compile-bytecode: the packages' .pyc files are written once, here. Without them every
# process (each `cdi run`, each dbt build, each test worker) compiles Dagster, dbt and GX
# from source again, ~2-6 s a start, and nothing writes them later where
# PYTHONDONTWRITEBYTECODE is set (this machine sets it).
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# The dbt manifest is prepared here, never parsed when the definitions import; only when a
# project file is newer than it or dbt-core changed (a parse is ~5 s of every make command).
manifest: $(STAMP)
	$(BIN)/cdi prepare --if-stale

run: manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/cdi run --sample-if-empty

# Debian's Chromium, ChromeDriver and PostgreSQL for the report and publish-postgres tests
# (installed only when missing; a no-op that takes milliseconds otherwise).
system:
	bash scripts/setup_system.sh

# Two workers (the CI machine has 2 cores); tests/conftest.py schedules them so that the
# session's sample night and every module-scoped fixture are built once.
XDIST := -n 2

# The Spark build (marker `spark`) is `make test-spark`'s: it needs pyspark and Java.
test: manifest system
	$(BIN)/python -m pytest -m "not spark" $(XDIST) $(PYTEST_ARGS)

# The edit-test loop: every test but the end-to-end ones (no pipeline run, browser or server).
test-fast: manifest
	$(BIN)/python -m pytest -m "not e2e and not spark" $(XDIST) $(PYTEST_ARGS)

# The dbt project on Apache Spark (issue 20), in a venv of its own: requirements-spark.lock is
# requirements.lock (every pin the same) plus the `spark` extra, but pyspark cannot share
# .venv: Great Expectations imports pyspark.sql.connect whenever pyspark is installed, and
# that calls sys.exit() in a pytest-xdist worker (no grpc), failing `make test-fast`. Java 17
# from Debian when missing. The test builds the sample night on DuckDB, then on Spark, and
# compares every mart row.
SPARK_VENV := .venv-spark
SPARK_BIN  := $(SPARK_VENV)/bin
SPARK_STAMP := $(SPARK_VENV)/.installed
$(SPARK_BIN)/python:
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8

$(SPARK_STAMP): $(SPARK_BIN)/python requirements-spark.lock pyproject.toml
	$(SPARK_BIN)/uv pip install --quiet --compile-bytecode --python $(SPARK_BIN)/python -r requirements-spark.lock
	$(SPARK_BIN)/uv pip install --quiet --python $(SPARK_BIN)/python --no-deps -e .
	touch $(SPARK_STAMP)

spark-env: $(SPARK_STAMP)
	bash scripts/setup_system.sh spark

test-spark: manifest spark-env
	$(SPARK_BIN)/python -m pytest -m spark -n 0 -s $(PYTEST_ARGS)

# The UI on the instance and warehouse `make run` uses (the settings' defaults);
# `make dev DEV_PORT=3001` when 3000 is taken.
DEV_PORT ?= 3000
dev: manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dg dev -h 127.0.0.1 -p $(DEV_PORT)

bench: $(STAMP)
	$(BIN)/python scripts/bench_ingest.py

# The national benchmark (issue 8): an hour or more on 2 cores, ~10 GB of files under /tmp.
bench-national: manifest
	$(BIN)/python scripts/bench.py --json data/bench-national.json

# Regenerate the pinned lock after changing pyproject.toml dependencies.
# requirements-spark.lock starts from requirements.lock, so uv keeps its pins and only adds the
# `spark` extra's packages (check: `diff` shows additions only).
lock: $(BIN)/python
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --no-header -o requirements.lock
	cp requirements.lock requirements-spark.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 --no-header -o requirements-spark.lock

clean:
	rm -rf $(VENV) $(SPARK_VENV) data/warehouse.duckdb* data/spark data/published data/dagster_home dbt_project/target dbt_project/logs

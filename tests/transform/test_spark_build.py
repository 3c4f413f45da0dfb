"""The same nightly job with its dbt build on Apache Spark (issue 20): the bundled sample
night run by `cdi run` on DuckDB, then by `cdi run --engine spark` (every seed, model and dbt
test built by `dbt build --target spark`, a local pyspark session, from the lake, then loaded
back into the warehouse for the checks and the publish), and every row of every mart compared
(floats to 1e-12): as Spark built it, and as the Spark night published it.

`make test-spark` runs it (pyspark and dbt-spark from requirements-spark.lock, Java 17 from
scripts/setup_system.sh); `make test` and `make test-fast` leave it out (marker `spark`).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import subprocess
import sys
import time

import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR, ENV_SPARK_DIR, ENV_WAREHOUSE

pytestmark = pytest.mark.spark

TOLERANCE = 1e-12


@pytest.fixture(scope="module")
def builds(sample_landing, pipeline, tmp_path_factory, monkeypatch_module):
    """(DuckDB night's warehouse, Spark night's published warehouse, the Spark night's output)."""
    # Here, not at import: `make test` deselects these by marker, without a skip to report.
    pytest.importorskip("pyspark", reason="the Spark target needs pyspark: make spark-env")
    pytest.importorskip("dbt.adapters.spark", reason="the Spark target needs dbt-spark: make spark-env")
    workdir = tmp_path_factory.mktemp("spark_build")
    night = pipeline(sample_landing, workdir / "duckdb")
    assert night.outcome.success, night.outcome.report()

    # The Spark night, as the README runs it: the `cdi` of the Spark venv, its own warehouse.
    spark_dir, on_spark = workdir / "spark", workdir / "spark_night"
    env = {**{k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "CDI_LAKE_DIR")},
           ENV_SPARK_DIR: str(spark_dir), ENV_WAREHOUSE: str(on_spark / "warehouse.duckdb"),
           "CDI_LANDING_DIR": str(sample_landing), "CDI_PUBLISHED_DIR": str(on_spark / "published")}
    cdi = os.path.join(os.path.dirname(sys.executable), "cdi")
    started = time.monotonic()
    done = subprocess.run([cdi, "run", "--engine", "spark"], env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    print(f"cdi run --engine spark: {seconds:.0f} s")
    # The Spark session of the tests below: the same folder and metastore as the run's.
    for name in (ENV_SPARK_DIR, "SPARK_LOCAL_IP", "TZ"):
        monkeypatch_module.setenv(name, {ENV_SPARK_DIR: str(spark_dir), "SPARK_LOCAL_IP": "127.0.0.1", "TZ": "UTC"}[name])
    return night.settings.warehouse, on_spark / "published" / "warehouse.duckdb", done.stdout + done.stderr


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def spark(builds):
    from orchestration.transform.spark_sources import spark_session

    session = spark_session()
    yield session
    session.stop()


def mart_names(warehouse) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]


def sort_key(row: tuple) -> tuple:
    # NULLs first, floats rounded so that two engines' last bits do not reorder rows
    return tuple((value is not None, round(value, 9) if isinstance(value, float) else value) for value in row)


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE) or (math.isnan(a) and math.isnan(b))
    return a == b


def normalise(value):
    # Spark hands back timestamps in the Python process's local time zone (TZ=UTC here) and
    # bigints as int; DuckDB naive UTC datetimes. Nothing else needs converting.
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def test_the_spark_night_succeeds_with_the_reference_figures(builds):
    _, _, output = builds
    assert re.search(r"^Run [0-9a-f-]+ \(.*\): SUCCEEDED", output, re.MULTILINE), output[-3000:]
    assert re.search(r"hertfordshire\s+hertfordshire-2014\s+181\s+130\s+71\.8%", output), output[-3000:]
    # Spark's build went into the warehouse before the checks and the publish read it
    assert re.search(r"Spark's build of \d+ seeds and models loaded into", output), output[-3000:]


def test_every_mart_is_built_on_spark(builds, spark):
    warehouse, _, _ = builds
    marts = mart_names(warehouse)
    assert len(marts) >= 15
    on_spark = {row.tableName for row in spark.sql("show tables in marts").collect()}
    assert set(marts) <= on_spark, f"marts missing on Spark: {sorted(set(marts) - on_spark)}"


# What says which run loaded a file and when (marts.load_history): each night's own.
RUN_COLUMNS = ("run_id", "started_at", "loaded_at", "finished_at")


def _rows(con, mart: str) -> tuple[list[str], list[tuple]]:
    columns = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
        "order by ordinal_position", [mart]).fetchall() if c not in RUN_COLUMNS]
    result = con.execute(f'select {", ".join(chr(34) + c + chr(34) for c in columns)} from marts."{mart}"')
    return columns, sorted((tuple(normalise(v) for v in row) for row in result.fetchall()), key=sort_key)


def _differences(mart: str, columns: list[str], duck_rows: list[tuple], spark_rows: list[tuple]) -> list[str]:
    if len(duck_rows) != len(spark_rows):
        return [f"{mart}: {len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark"]
    for duck_row, spark_row in zip(duck_rows, spark_rows):
        unequal = [(c, d, s) for c, d, s in zip(columns, duck_row, spark_row) if not same(d, s)]
        if unequal:
            return [f"{mart}: {unequal[:3]} (DuckDB row {duck_row})"]
    return []


def test_the_spark_nights_published_marts_equal_the_duckdb_nights(builds):
    warehouse, published, _ = builds
    differences = []
    with duckdb.connect(str(warehouse), read_only=True) as duck, \
            duckdb.connect(str(published), read_only=True) as spark_night:
        for mart in mart_names(warehouse):
            columns, duck_rows = _rows(duck, mart)
            spark_columns, spark_rows = _rows(spark_night, mart)
            assert spark_columns == columns, mart
            differences += _differences(mart, columns, duck_rows, spark_rows)
    assert not differences, "\n".join(differences)


def test_marts_equal_the_duckdb_build(builds, spark):
    warehouse, _, _ = builds
    differences = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for mart in mart_names(warehouse):
            columns, duck_rows = _rows(con, mart)
            frame = spark.table(f"marts.`{mart}`")
            assert [c for c in frame.columns if c not in RUN_COLUMNS] == columns, f"{mart}: columns differ"
            frame = frame.select(*columns)
            spark_rows = sorted((tuple(normalise(v) for v in row) for row in frame.collect()), key=sort_key)
            differences += _differences(mart, columns, duck_rows, spark_rows)
    assert not differences, "\n".join(differences)


"""`cdi run --engine spark`: the nightly job's dbt step on Apache Spark, the rest unchanged.

The dbt step then (1) registers the sources on Spark (spark_sources.py: the raw tables from
the lake), (2) runs the same `dbt build` with `--target spark`, and (3) brings every seed and
model Spark built back into the DuckDB warehouse, because the steps after it (the GX suites,
the checks, the publish, the report) read the warehouse: each one is written to Parquet by
Spark and its rows replace those of the DuckDB table of the same name in one transaction
(its types, constraints and comments stay; a table Spark built first is created). A DuckDB
view of the same name is left as it is: it computes over the replaced tables. So the night
publishes Spark's figures, checked like DuckDB's, and a failed Spark build publishes nothing.

Each step that starts Spark is a process of its own: the Derby metastore of a local Spark
admits one JVM at a time, and dbt's is one. Spark runs from the `spark` venv (`make
spark-env`); `.venv-spark/bin/cdi run --engine spark`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from orchestration.settings import ENV_SPARK_DIR, spark_dir_from_env
from orchestration.warehouse import qident

SPARK_TARGET = "spark"
# The Spark processes' environment: the driver on loopback only, times in UTC (profiles.yml).
SPARK_ENV = {"SPARK_LOCAL_IP": "127.0.0.1", "TZ": "UTC"}


def require_spark() -> None:
    """Fail before the run starts when this environment cannot run Spark."""
    missing = [name for name in ("pyspark", "dbt.adapters.spark") if not _importable(name)]
    if missing or shutil.which("java") is None:
        what = ", ".join(missing + ([] if shutil.which("java") else ["java"]))
        raise SystemExit(f"the Spark engine needs {what}: run `make spark-env`, then "
                         "`.venv-spark/bin/cdi run --engine spark`")


def _importable(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def spark_environment() -> dict[str, str]:
    """What dbt's and our Spark processes need in their environment."""
    return {ENV_SPARK_DIR: str(spark_dir_from_env()), **SPARK_ENV}


def _run_python(args: list[str], what: str) -> str:
    done = subprocess.run([sys.executable, "-m", *args], env={**os.environ, **spark_environment()},
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{what} failed: {(done.stdout + done.stderr).strip()[-3000:]}")
    return done.stdout.strip()


def export_dir() -> Path:
    """Where Spark writes its build for the warehouse to load (replaced every night)."""
    return spark_dir_from_env() / "built"


def register_sources(warehouse: Path) -> str:
    return _run_python(["orchestration.transform.spark_sources", str(warehouse)], "registering the Spark sources")


def export_built(relations: list[tuple[str, str]], out_dir: Path) -> None:
    """Spark writes each `(schema, name)` as Parquet under `out_dir/<schema>/<name>/`."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    listing = out_dir / "relations.json"
    listing.write_text(json.dumps(relations), encoding="utf-8")
    _run_python(["orchestration.transform.spark_engine", str(listing)], "exporting Spark's build")


def import_built(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]], out_dir: Path) -> None:
    """Replace the rows of each DuckDB table with Spark's, in one transaction."""
    kinds = dict(((schema, name), kind) for schema, name, kind in con.execute(
        "SELECT table_schema, table_name, table_type FROM information_schema.tables").fetchall())
    con.execute("BEGIN")
    try:
        for schema, name in relations:
            files = str(out_dir / schema / name / "*.parquet")
            target = f"{qident(schema)}.{qident(name)}"
            kind = kinds.get((schema, name))
            if kind == "VIEW":
                continue
            if kind is None:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {qident(schema)}")
                con.execute(f"CREATE TABLE {target} AS SELECT * FROM read_parquet(?)", [files])
            else:
                con.execute(f"DELETE FROM {target}")
                con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM read_parquet(?)", [files])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def built_relations(unique_ids: list[str], manifest: dict) -> list[tuple[str, str]]:
    """(schema, name) of each seed and model built (`dbt.built_nodes`), in the build's order."""
    nodes = manifest["nodes"]
    return [(nodes[uid]["schema"], nodes[uid]["alias"] or nodes[uid]["name"]) for uid in unique_ids]


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.transform.spark_engine <relations.json>`: Spark writes each
    relation listed beside the listing, as Parquet."""
    from orchestration.transform.spark_sources import spark_quote, spark_session

    (listing,) = sys.argv[1:] if argv is None else argv
    out_dir = Path(listing).parent
    spark = spark_session()
    try:
        for schema, name in json.loads(Path(listing).read_text(encoding="utf-8")):
            spark.table(f"{spark_quote(schema)}.{spark_quote(name)}").write.mode("overwrite").parquet(
                str(out_dir / schema / name))
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The dbt sources on Spark, for now: the DuckDB warehouse's raw and ops tables as Parquet.

The Spark target (`dbt --target spark`, dbt_project/profiles.yml) builds the same models as
DuckDB, but the tables the ingestion assets load (raw.*, ops.*) exist only in the DuckDB
warehouse. Until ingestion lands its rows in a Parquet lake of its own (issue 20, "A lake
layer"), this module hands them over: each raw and ops table is exported once to a Parquet
file under `<spark dir>/sources/<schema>/<table>.parquet` and registered as an external table
of the Spark database of the same name, so `source('raw', 'crimes')` reads `raw.crimes` on
either engine. The lake layer replaces `export_sources`; `register_sources` stays.

Spark's settings come from the `spark` target of profiles.yml, rendered here with the same
environment, so the session this module (or a test) starts and dbt's are the same: same
warehouse folder, same Derby metastore. Derby is embedded: one JVM at a time, hence
`python -m orchestration.transform.spark_sources` for a process that ends before dbt starts.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb
import jinja2
import yaml

from orchestration.settings import DBT_PROJECT_DIR, ENV_SPARK_DIR, spark_dir_from_env

# The schemas whose tables the loaders write (dbt's sources); dbt builds every other one.
SOURCE_SCHEMAS = ("raw", "ops")


def spark_conf() -> dict[str, str]:
    """The `spark` target's server_side_parameters, rendered as dbt renders them."""
    def env_var(name: str, default: str | None = None) -> str:
        if name in os.environ:
            return os.environ[name]
        if default is None:
            raise KeyError(f"{name} is not set (the spark target of profiles.yml needs it)")
        return default

    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    (profile,) = profiles.values()
    parameters = profile["outputs"]["spark"]["server_side_parameters"]
    render = jinja2.Environment(undefined=jinja2.StrictUndefined)
    conf = {key: render.from_string(str(value)).render(env_var=env_var) for key, value in parameters.items()}
    # As dbt-spark's session connection does (connections.py): ANSI off on every Spark version.
    conf["spark.sql.ansi.enabled"] = "false"
    return conf


def spark_session():
    """A local SparkSession with the settings of dbt's `spark` target (Hive metastore)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def export_sources(warehouse: Path, out_dir: Path) -> dict[tuple[str, str], Path]:
    """Every raw and ops table of the DuckDB warehouse as a Parquet folder `out_dir/<schema>/<table>`."""
    exported = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema in (select unnest(?)) order by 1, 2",
            [list(SOURCE_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            folder = out_dir / schema / table  # a table's location is a folder on Spark
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "part-0.parquet"
            relation = f"{duckdb_quote(schema)}.{duckdb_quote(table)}"
            # COPY takes no bound file name; the path is ours (a folder we made), quoted as a literal.
            con.execute(f"copy (select * from {relation}) to '{str(path).replace(chr(39), chr(39) * 2)}' (format parquet)")
            exported[(schema, table)] = folder
    return exported


def duckdb_quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def spark_quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def register_sources(spark, files: dict[tuple[str, str], Path]) -> None:
    """Each Parquet file as an external Spark table `<schema>.<table>` (replacing an older one)."""
    for schema, table in files:
        spark.sql(f"create database if not exists {spark_quote(schema)}")
    for (schema, table), path in files.items():
        name = f"{spark_quote(schema)}.{spark_quote(table)}"
        spark.sql(f"drop table if exists {name}")
        location = str(path.resolve()).replace("\\", "\\\\").replace("'", "\\'")
        spark.sql(f"create table {name} using parquet location '{location}'")


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.transform.spark_sources <warehouse.duckdb>`: export and register."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m orchestration.transform.spark_sources <warehouse.duckdb>", file=sys.stderr)
        return 2
    spark_dir = spark_dir_from_env()
    os.environ[ENV_SPARK_DIR] = str(spark_dir)  # profiles.yml reads it
    files = export_sources(Path(args[0]), spark_dir / "sources")
    spark = spark_session()
    try:
        register_sources(spark, files)
    finally:
        spark.stop()
    print(f"registered {len(files)} tables on Spark from {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

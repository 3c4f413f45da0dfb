"""The dbt sources on Spark: the raw tables from the lake, the ops tables from the warehouse.

The Spark target (`dbt --target spark`, dbt_project/profiles.yml) builds the same models as
DuckDB from the same sources, so `source('raw', 'crimes')` reads `raw.crimes` on either engine:

- each raw table with rows is a Spark view over its lake folder (ingest/lake.py: immutable
  Parquet, hive layout, read here as plain files with `recursiveFileLookup`, so no partition
  columns are added) that keeps the rows of the live files only (`_metadata.file_name`: the
  folder also holds files a merge superseded) and leaves out the loads superseded by a
  corrected file. It is registered again each time, with the night's lists;
- the `ops` tables (and a raw table without rows, whose lake folder does not exist) are
  small: exported from the DuckDB warehouse to `<spark dir>/sources/<schema>/<table>/`.

Spark's settings come from the `spark` target of profiles.yml, rendered here with the same
environment, so the session this module (or a test) starts and dbt's are the same: same
warehouse folder, same Derby metastore. Derby is embedded: one JVM at a time, hence
`python -m orchestration.transform.spark_sources` for a process that ends before dbt starts.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import jinja2
import yaml

from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.ingest.lake import live_lake_files
from orchestration.settings import DBT_PROJECT_DIR, ENV_LAKE, ENV_SPARK_DIR, LAKE_DIR_NAME, spark_dir_from_env

# The schemas whose tables the loaders write (dbt's sources); dbt builds every other one.
SOURCE_SCHEMAS = ("raw", "ops")
# The Spark table over a raw table's lake folder; `raw.<table>` is a view over it.
LAKE_TABLE_SUFFIX = "__lake_files"


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


@dataclass(frozen=True)
class Sources:
    exported: dict[tuple[str, str], Path]  # (schema, table) -> Parquet folder written from DuckDB
    # raw table -> (its lake folder, the live files' names, the superseded loads in them)
    lake: dict[str, tuple[Path, list[str], list[int]]]


def collect_sources(warehouse: Path, lake_dir: Path, out_dir: Path) -> Sources:
    """Export the ops tables (and raw tables without rows) under `out_dir/<schema>/<table>`,
    and say which lake folder holds each raw table, with the loads to leave out."""
    exported, lake = {}, {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for kind in EXPORT_KINDS:
            lake_files = live_lake_files(con, kind)
            if lake_files.files:
                lake[kind.table] = (lake_dir / kind.table, [f.rsplit("/", 1)[1] for f in lake_files.files],
                                    lake_files.superseded)
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema in (select unnest(?)) order by 1, 2",
            [list(SOURCE_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            if schema == "raw" and table in lake:
                continue
            folder = out_dir / schema / table  # a table's location is a folder on Spark
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            path = folder / "part-0.parquet"
            relation = f"{duckdb_quote(schema)}.{duckdb_quote(table)}"
            # COPY takes no bound file name; the path is ours (a folder we made), quoted as a literal.
            con.execute(f"copy (select * from {relation}) to '{str(path).replace(chr(39), chr(39) * 2)}' (format parquet)")
            exported[(schema, table)] = folder
    return Sources(exported, lake)


def duckdb_quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def spark_quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def register_sources(spark, sources: Sources) -> None:
    """Each exported folder as an external Spark table `<schema>.<table>`, each raw table of
    the lake as a view over its folder (replacing what an earlier call registered)."""
    for schema in {schema for schema, _ in sources.exported} | ({"raw"} if sources.lake else set()):
        spark.sql(f"create database if not exists {spark_quote(schema)}")
    for (schema, table), path in sources.exported.items():
        name = f"{spark_quote(schema)}.{spark_quote(table)}"
        _drop(spark, schema, table)
        spark.sql(f"create table {name} using parquet location {_spark_string(path.resolve())}")
    for table, (folder, names, superseded) in sources.lake.items():
        name, files = f"raw.{spark_quote(table)}", f"raw.{spark_quote(table + LAKE_TABLE_SUFFIX)}"
        _drop(spark, "raw", table)
        _drop(spark, "raw", table + LAKE_TABLE_SUFFIX)
        spark.sql(f"create table {files} using parquet options (recursiveFileLookup 'true') "
                  f"location {_spark_string(folder.resolve())}")
        # A file's name is unique within a table (the load ids it spans).
        where = f" where _metadata.file_name in ({', '.join(_spark_literal(n) for n in names)})"
        if superseded:
            where += f" and _load_id not in ({', '.join(str(int(i)) for i in superseded)})"
        spark.sql(f"create view {name} as select * from {files}{where}")


def _drop(spark, schema: str, table: str) -> None:
    """Drop `schema.table`, a view or a table (Spark's DROP VIEW refuses a table and back)."""
    name = f"{spark_quote(schema)}.{spark_quote(table)}"
    if spark.catalog.tableExists(f"{schema}.{table}"):
        kind = spark.catalog.getTable(f"{schema}.{table}").tableType
        spark.sql(f"drop {'view' if kind == 'VIEW' else 'table'} {name}")


def _spark_string(path: Path) -> str:
    return _spark_literal(str(path))


def _spark_literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.transform.spark_sources <warehouse.duckdb>`: export and register."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m orchestration.transform.spark_sources <warehouse.duckdb>", file=sys.stderr)
        return 2
    spark_dir = spark_dir_from_env()
    os.environ[ENV_SPARK_DIR] = str(spark_dir)  # profiles.yml reads it
    warehouse = Path(args[0])
    lake_dir = Path(os.environ.get(ENV_LAKE) or warehouse.parent / LAKE_DIR_NAME)
    sources = collect_sources(warehouse, lake_dir, spark_dir / "sources")
    spark = spark_session()
    try:
        register_sources(spark, sources)
    finally:
        spark.stop()
    print(f"registered on Spark: {len(sources.lake)} raw tables from the lake in {lake_dir}, "
          f"{len(sources.exported)} tables from {warehouse}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

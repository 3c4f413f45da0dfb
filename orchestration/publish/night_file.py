"""The published night's DuckDB file: everything readers query, at the size of the night.

A publish used to copy the whole working warehouse, so its time and bytes grew with every
night of history (3.3 GB a national year, ~33 GB after ten). The night's file now holds:

- every table of the working warehouse (marts, dimensions, seeds, the small intermediate
  tables, `ops`) with its constraints and comments, `ops.quarantine` without `raw_record`
  (readers get each quarantined row's load, file, row number and reason: the record itself
  never leaves the working file, not even as free bytes);
- `raw.<table>` as a view over the explicit list of lake files holding that night's live
  loads (ingest/lake.py), leaving out the superseded loads those files also hold; immutable
  files, so the view shows that night and no other while later nights land;
- the models as large as the history (dbt meta `published_as: view`: the incremental staging
  tables, the police.uk rows) as views of their full-refresh SQL, as `cdi prepare` compiled
  it, over those raw views; and every view of the working warehouse, as it is there.

The lake's paths are absolute: the published file reads the lake where the pipeline wrote
it (readers that mount the published folder elsewhere need the lake at the same path).
What still grows with history is small: `ops.load_log` (a row per landing file) and
`ops.quarantine` (a row per quarantined row), and each raw view's list of files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.ingest.lake import live_lake_files
from orchestration.warehouse import connect, qident, sql_string

WORKING = "working"
# What readers of the published copy do not get of ops.quarantine (see above).
QUARANTINE_RECORD = ("ops", "quarantine", "raw_record")


@dataclass(frozen=True)
class NightFile:
    tables: int  # copied with their rows
    lake_views: dict[str, int]  # raw table -> lake files its view reads
    model_views: int  # history-sized models published as views
    views: int  # views of the working warehouse
    quarantined_records_left_out: int


def _name(schema: str, table: str) -> str:
    return f"{qident(schema)}.{qident(table)}"


def _copy_tables(con: duckdb.DuckDBPyConnection, skip: set[tuple[str, str]]) -> tuple[int, int]:
    """Every table of the working warehouse but `skip`, DDL (constraints) and rows."""
    tables = con.execute(
        "SELECT schema_name, table_name, sql FROM duckdb_tables() WHERE database_name = ? "
        "ORDER BY schema_name, table_name", [WORKING]).fetchall()
    copied = left_out = 0
    for schema, table, ddl in tables:
        if (schema, table) in skip:
            continue
        con.execute(ddl)
        source = f"{qident(WORKING)}.{_name(schema, table)}"
        if (schema, table, QUARANTINE_RECORD[2]) == QUARANTINE_RECORD:
            con.execute(f"ALTER TABLE {_name(schema, table)} DROP COLUMN {qident(QUARANTINE_RECORD[2])}")
            (left_out,) = con.execute(f"SELECT count({qident(QUARANTINE_RECORD[2])}) FROM {source}").fetchone()
            con.execute(f"INSERT INTO {_name(schema, table)} BY NAME "
                        f"SELECT * EXCLUDE ({qident(QUARANTINE_RECORD[2])}) FROM {source}")
        else:
            con.execute(f"INSERT INTO {_name(schema, table)} SELECT * FROM {source}")
        copied += 1
    return copied, left_out


def _lake_views(con: duckdb.DuckDBPyConnection, lake_dir: Path) -> dict[str, int]:
    """`raw.<table>` over the night's lake files (ops.load_log is already in the night file)."""
    counts = {}
    for kind in EXPORT_KINDS:
        name = _name("raw", kind.table)
        lake = live_lake_files(con, kind)
        files, superseded = lake.files, lake.superseded
        if not files:  # nothing loaded yet: a view of no rows, typed as the working table
            # (a view whatever the night, so the published catalog does not change kind)
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
                "AND schema_name = 'raw' AND table_name = ? ORDER BY column_index", [WORKING, kind.table]).fetchall()
            typed = ", ".join(f"CAST(NULL AS {data_type}) AS {qident(column)}" for column, data_type in columns)
            con.execute(f"CREATE VIEW {name} AS SELECT {typed} WHERE false")
            counts[kind.table] = 0
            continue
        paths = ", ".join(sql_string(str(lake_dir / f)) for f in files)
        where = f" WHERE _load_id NOT IN ({', '.join(str(int(i)) for i in superseded)})" if superseded else ""
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{paths}], hive_partitioning = false){where}")
        counts[kind.table] = len(files)
    return counts


def _create_views(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Create views whose dependencies may be among them: each round creates what binds."""
    pending = list(statements)
    while pending:
        failed, errors = [], []
        for statement in pending:
            try:
                con.execute(statement)
            except duckdb.CatalogException as exc:  # a relation it reads is not created yet
                failed.append(statement)
                errors.append(str(exc).splitlines()[0])
        if len(failed) == len(pending):
            raise RuntimeError(f"{len(failed)} views of the published night cannot be created: {errors[0]}")
        pending = failed


def _comments(con: duckdb.DuckDBPyConnection) -> None:
    """The working warehouse's comments (dbt's persist_docs) on the same relations."""
    relations = con.execute(
        "SELECT 'TABLE', schema_name, table_name, comment FROM duckdb_tables() WHERE database_name = $db "
        "AND comment IS NOT NULL UNION ALL SELECT 'VIEW', schema_name, view_name, comment FROM duckdb_views() "
        "WHERE database_name = $db AND comment IS NOT NULL", {"db": WORKING}).fetchall()
    for kind, schema, table, comment in relations:
        con.execute(f"COMMENT ON {kind} {_name(schema, table)} IS {sql_string(comment)}")
    columns = con.execute(
        "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() WHERE database_name = ? "
        "AND comment IS NOT NULL", [WORKING]).fetchall()
    for schema, table, column, comment in columns:
        con.execute(f"COMMENT ON COLUMN {_name(schema, table)}.{qident(column)} IS {sql_string(comment)}")


def write_night_file(working: Path, night_file: Path, lake_dir: Path, model_views: dict[str, str]) -> NightFile:
    """Write the night's file at `night_file` (new) from the closed, checkpointed `working`
    warehouse. `model_views`: `{"<schema>.<model>": SQL}` of the models published as views."""
    with connect(night_file) as con:
        con.execute(f"ATTACH {sql_string(str(working))} AS {qident(WORKING)} (READ_ONLY)")
        # Only the models the working warehouse holds (dbt built them).
        built = {f"{schema}.{table}" for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?", [WORKING]).fetchall()}
        model_views = {name: sql for name, sql in model_views.items() if name in built}
        as_views = {tuple(name.split(".", 1)) for name in model_views}
        for (schema,) in con.execute("SELECT schema_name FROM duckdb_schemas() WHERE database_name = ? "
                                     "AND NOT internal ORDER BY 1", [WORKING]).fetchall():
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {qident(schema)}")
        raw = {("raw", kind.table) for kind in EXPORT_KINDS}
        tables, left_out = _copy_tables(con, raw | as_views)
        lake_views = _lake_views(con, lake_dir)
        views = [sql for (sql,) in con.execute(
            "SELECT sql FROM duckdb_views() WHERE database_name = ? AND NOT internal ORDER BY schema_name, view_name",
            [WORKING]).fetchall()]
        models = [f"CREATE VIEW {_name(*name.split('.', 1))} AS {sql}" for name, sql in sorted(model_views.items())]
        _create_views(con, models + views)
        _comments(con)
        con.execute(f"DETACH {qident(WORKING)}")
        con.execute("CHECKPOINT")
    return NightFile(tables, lake_views, len(models), len(views), left_out)

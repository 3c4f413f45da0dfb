"""DDL of the `raw` tables (and the `ops` ones, orchestration/warehouse.py), created on first use
(idempotent)."""

from __future__ import annotations

import duckdb

from orchestration.ingest.kinds import ExportKind, path_columns
from orchestration.warehouse import OPS_DDL, qident

LINEAGE_COLUMNS = (
    ("_load_id", "BIGINT"),
    ("_source_file", "VARCHAR"),
    ("_source_row", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
)

def raw_table(kind: ExportKind) -> str:
    return f"raw.{qident(kind.table)}"


def raw_columns(kind: ExportKind) -> list[tuple[str, str]]:
    columns = [(c.stored_name, c.type.value) for c in kind.columns]
    return columns + list(path_columns(kind)) + list(LINEAGE_COLUMNS)


def ensure_schema(con: duckdb.DuckDBPyConnection, kinds: tuple[ExportKind, ...]) -> None:
    con.execute("BEGIN")
    con.execute(OPS_DDL)
    for kind in kinds:
        cols = ", ".join(f"{qident(n)} {t}" for n, t in raw_columns(kind))
        con.execute(f"CREATE TABLE IF NOT EXISTS {raw_table(kind)} ({cols})")
    con.execute("COMMIT")

"""DDL of the `raw` and `ops` schemas, created on first use (idempotent)."""

from __future__ import annotations

import duckdb

from orchestration.ingest.kinds import ExportKind, path_columns

LINEAGE_COLUMNS = (
    ("_load_id", "BIGINT"),
    ("_source_file", "VARCHAR"),
    ("_source_row", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
)

OPS_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SEQUENCE IF NOT EXISTS ops.load_id_seq;
CREATE TABLE IF NOT EXISTS ops.load_log (
    load_id BIGINT PRIMARY KEY,
    file_path VARCHAR NOT NULL,
    file_sha256 VARCHAR NOT NULL,
    file_bytes BIGINT NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('loaded', 'skipped', 'rejected', 'ignored')),
    message VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,
    run_id VARCHAR
);
CREATE TABLE IF NOT EXISTS ops.quarantine (
    load_id BIGINT NOT NULL,
    file_path VARCHAR NOT NULL,
    source_row BIGINT,
    raw_record VARCHAR,
    reason VARCHAR NOT NULL
);
"""


def qident(name: str) -> str:
    """Quote an identifier for DuckDB (names come from code, but quote them anyway)."""
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, table]).fetchone()[0] > 0


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

"""The warehouse: where its files are, how to open them, its `ops` tables and its writer pool.

Every module that opens a DuckDB file of the product, quotes an identifier or names the
published artefacts goes through here, so the memory ceiling, the storage format and the
published layout are decided once.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.settings import WAREHOUSE_STORAGE_VERSION, duckdb_memory_limit

# Every step that writes the working warehouse runs in this pool (limit 1 in dagster.yaml):
# DuckDB allows one read-write process, so parallel steps queue instead of failing.
WAREHOUSE_POOL = "duckdb_warehouse"

# Readers' paths in the published folder (publish/snapshot.py keeps them pointing at the
# current night): the warehouse copy and one Parquet file per published table.
PUBLISHED_FILE = "warehouse.duckdb"
PARQUET_DIR = "parquet"

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
    run_id VARCHAR,
    lake_file VARCHAR  -- ingest/lake.py: the Parquet file of the lake holding the load's rows
);
-- a warehouse from before the lake
ALTER TABLE ops.load_log ADD COLUMN IF NOT EXISTS lake_file VARCHAR;
CREATE TABLE IF NOT EXISTS ops.quarantine (
    load_id BIGINT NOT NULL,
    file_path VARCHAR NOT NULL,
    source_row BIGINT,
    raw_record VARCHAR,
    reason VARCHAR NOT NULL
);
-- ingest/migrations.py: each change to data the warehouse holds, applied once
CREATE TABLE IF NOT EXISTS ops.schema_migrations (
    name VARCHAR PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL,
    rows_changed BIGINT NOT NULL
);
-- publish/watermark.py: every load up to this id is in readers' hands (one row)
CREATE TABLE IF NOT EXISTS ops.published_through (load_id BIGINT NOT NULL);
-- transform/dbt.py: every load up to this id was in the warehouse when a dbt build passed
CREATE TABLE IF NOT EXISTS ops.dbt_tested_through (load_id BIGINT);
-- quality/dbt_tests.py: each dbt data test's outcome in the latest build
CREATE TABLE IF NOT EXISTS ops.dbt_test_results (
    run_id VARCHAR NOT NULL,
    asset_key VARCHAR NOT NULL,
    test VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    failures BIGINT,
    message VARCHAR
);
"""


def published_warehouse(published_dir: Path) -> Path:
    """The published warehouse readers open (a link to the current night's copy)."""
    return published_dir / PUBLISHED_FILE


def warehouse_to_read(given: Path | None, published: Path, working: Path) -> Path:
    """What a reading command opens: --warehouse when given; else the published file (what
    readers use, never locked by the nightly run), else the working one."""
    if given is not None:
        return given
    return published if published.exists() else working


def connection_config(read_only: bool = False) -> dict[str, str]:
    """DuckDB settings of every connection: the memory ceiling, and for writers the storage
    format readers that lag behind DuckDB 2.0 can still open."""
    config = {"memory_limit": duckdb_memory_limit()}
    if not read_only:
        config["storage_compatibility_version"] = WAREHOUSE_STORAGE_VERSION
    return config


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the DuckDB file at `path` (in memory without one)."""
    if path is None:
        return duckdb.connect(config=connection_config(read_only=True))
    return duckdb.connect(str(path), read_only=read_only, config=connection_config(read_only))


def fsync_path(path: Path) -> None:
    """fsync a file or a folder (a folder: so a rename into it survives a crash)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sql_string(text: object) -> str:
    """`text` (a path, a comment) as a SQL string literal, for the statements that take no bound
    parameter there: ATTACH, COPY ... TO inside a built statement, CREATE VIEW, COMMENT ON."""
    return "'" + str(text).replace("'", "''") + "'"


def qident(name: str) -> str:
    """Quote an identifier for DuckDB (names come from code, but quote them anyway)."""
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, table]).fetchone()[0] > 0

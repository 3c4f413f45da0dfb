"""`cdi publish-postgres`: the published marts in PostgreSQL, for BI tools that speak only it.

Everything happens in ONE PostgreSQL transaction (DDL is transactional there):

1. every relation of the published `marts` schema (marts, dimensions and the analysts'
   views, the latter as tables) is created and COPYed into a fresh `<schema>__loading`;
2. the read-only role gets USAGE and SELECT on it, plus default privileges for tables the
   publisher creates there later; column and table comments come from the dbt docs;
3. the live `<schema>` is renamed `<schema>__previous` (its grants revoked) and
   `<schema>__loading` renamed `<schema>`; the previous night's `__previous` is dropped.

Until COMMIT no other session sees any of it; after COMMIT a new query resolves `<schema>.x`
to the new tables. Just before the renames the live tables are locked ACCESS EXCLUSIVE:
PostgreSQL resolves a statement's table names one by one, so without the lock a query
arriving at the instant of the commit could read one table of the old night and another of
the new. With it, a query already reading finishes first (the swap waits, up to
`lock_timeout`) and a query arriving during the swap waits the few milliseconds to COMMIT,
then reads only new tables. A BI query sees the old night or the new one, never a mix.
The previous night is kept one night, for the owner only.

The source is the published DuckDB file, opened read-only: PostgreSQL gets exactly what the
other readers see. Identifiers are quoted with `psycopg.sql`, values go through COPY.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from orchestration.warehouse import published_warehouse, qident

SOURCE_SCHEMA = "marts"
DEFAULT_SCHEMA = "marts"
DEFAULT_READER_ROLE = "cdi_reader"
_BATCH_ROWS = 10_000

_SIMPLE_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39,0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


@dataclass(frozen=True)
class Column:
    name: str
    duckdb_type: str
    description: str = ""

    @property
    def postgres_type(self) -> str:
        decimal = _DECIMAL.fullmatch(self.duckdb_type)
        if decimal:
            return f"numeric({decimal.group(1)},{decimal.group(2)})"
        if self.duckdb_type not in _SIMPLE_TYPES:
            raise ValueError(f"column {self.name}: no PostgreSQL type for DuckDB {self.duckdb_type}")
        return _SIMPLE_TYPES[self.duckdb_type]


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[Column]
    description: str = ""


@dataclass(frozen=True)
class PostgresPublishResult:
    schema: str
    tables: dict[str, int]  # table -> rows
    reader_role: str
    seconds: float


def _descriptions(published_dir: Path) -> dict[str, dict]:
    """Model and column descriptions from the published dbt manifest (empty if not there)."""
    manifest_path = published_dir / "docs" / "manifest.json"
    if not manifest_path.exists():
        return {}
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return {
        node["name"]: {"": node.get("description", ""),
                       **{name: column.get("description", "") for name, column in node["columns"].items()}}
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == SOURCE_SCHEMA
    }


def read_layout(con: duckdb.DuckDBPyConnection, descriptions: dict[str, dict]) -> list[Table]:
    """Every table and view of the published marts schema, with its columns in order."""
    rows = con.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns AS c "
        "WHERE c.table_schema = ? ORDER BY c.table_name, c.ordinal_position",
        [SOURCE_SCHEMA],
    ).fetchall()
    tables: dict[str, list[Column]] = {}
    for table, column, data_type in rows:
        described = descriptions.get(table, {})
        tables.setdefault(table, []).append(Column(column, data_type.upper(), described.get(column, "")))
    return [Table(name, columns, descriptions.get(name, {}).get("", "")) for name, columns in tables.items()]


def _create_table(cur: psycopg.Cursor, schema: str, table: Table) -> None:
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.postgres_type)) for c in table.columns
    )
    cur.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(sql.Identifier(schema), sql.Identifier(table.name), columns))
    # COMMENT takes a literal, not a parameter: sql.Literal quotes it safely.
    if table.description:
        cur.execute(sql.SQL("COMMENT ON TABLE {}.{} IS {}").format(
            sql.Identifier(schema), sql.Identifier(table.name), sql.Literal(table.description.strip())))
    for c in table.columns:
        if c.description:
            cur.execute(sql.SQL("COMMENT ON COLUMN {}.{}.{} IS {}").format(
                sql.Identifier(schema), sql.Identifier(table.name), sql.Identifier(c.name),
                sql.Literal(c.description.strip())))


def _copy_rows(cur: psycopg.Cursor, duck: duckdb.DuckDBPyConnection, schema: str, table: Table) -> int:
    names = [c.name for c in table.columns]
    result = duck.execute(
        f"SELECT {', '.join(qident(n) for n in names)} FROM {qident(SOURCE_SCHEMA)}.{qident(table.name)}")
    copied = 0
    statement = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(
        sql.Identifier(schema), sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names)))
    with cur.copy(statement) as copy:
        while batch := result.fetchmany(_BATCH_ROWS):
            for row in batch:
                copy.write_row(row)
            copied += len(batch)
    return copied


def _ensure_reader_role(cur: psycopg.Cursor, role: str) -> None:
    """A NOLOGIN group role: BI logins are made members of it (GRANT cdi_reader TO superset)."""
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cur.fetchone() is None:
        cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))


def _grant_read_only(cur: psycopg.Cursor, schema: str, role: str) -> None:
    schema_id, role_id = sql.Identifier(schema), sql.Identifier(role)
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, role_id))
    cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema_id, role_id))
    # Default privileges belong to the schema's OID, which is new every night: set them again.
    cur.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(schema_id, role_id))


def _schema_exists(cur: psycopg.Cursor, schema: str) -> bool:
    cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
    return cur.fetchone() is not None


def _lock_out_readers(cur: psycopg.Cursor, schema: str) -> None:
    """Wait for queries on the live tables to finish and hold new ones until COMMIT."""
    cur.execute("SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY c.relname", [schema])
    relations = [sql.Identifier(schema, name) for (name,) in cur.fetchall()]
    if relations:
        cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.SQL(", ").join(relations)))


def publish_to_postgres(
    published_dir: Path,
    dsn: str,
    schema: str = DEFAULT_SCHEMA,
    reader_role: str = DEFAULT_READER_ROLE,
    lock_timeout: str = "60s",
) -> PostgresPublishResult:
    started = time.perf_counter()
    warehouse = published_warehouse(published_dir)
    if not warehouse.exists():
        raise ValueError(f"nothing published yet: {warehouse} does not exist (run `cdi run` first)")
    loading, previous = f"{schema}__loading", f"{schema}__previous"
    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck, psycopg.connect(dsn) as pg:
        tables = read_layout(duck, _descriptions(published_dir))
        if not tables:
            raise ValueError(f"{warehouse} has no {SOURCE_SCHEMA} tables to publish")
        with pg.transaction(), pg.cursor() as cur:
            # a swap that would wait on a lock fails after this long instead of hanging
            cur.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])
            _ensure_reader_role(cur, reader_role)
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(loading)))
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(loading)))
            for table in tables:
                _create_table(cur, loading, table)
                counts[table.name] = _copy_rows(cur, duck, loading, table)
            _grant_read_only(cur, loading, reader_role)
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(previous)))
            if _schema_exists(cur, schema):
                _lock_out_readers(cur, schema)
                cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(schema), sql.Identifier(previous)))
                # BI sees only the live night; the previous one stays for the owner, one night
                cur.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(
                    sql.Identifier(previous), sql.Identifier(reader_role)))
            cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(loading), sql.Identifier(schema)))
    return PostgresPublishResult(schema, counts, reader_role, time.perf_counter() - started)

"""Changes to data a warehouse already holds, each applied once and recorded in ops.

A warehouse outlives the code that wrote it: a night loaded by new code must not sit beside
history in an older format of the same value. Each migration runs in its own transaction
together with its row in `ops.schema_migrations`, so it applies whole or not at all, and once.
On a new warehouse a migration finds nothing to change and is recorded all the same.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import duckdb

from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.ingest.pseudonymise import PSEUDONYM_HEX_DIGITS
from orchestration.warehouse import OPS_DDL, qident

MIGRATIONS_DDL = """
CREATE TABLE IF NOT EXISTS ops.schema_migrations (
    name VARCHAR PRIMARY KEY,
    applied_at TIMESTAMP NOT NULL,
    rows_changed BIGINT NOT NULL
)
"""
# HMAC-SHA256 in hex, as pseudonyms were stored before they were truncated to 128 bits.
FULL_HEX_DIGITS = 64


def _personal_names() -> dict[str, str]:
    """Stored column name (`caller_name_hash`) -> canonical name (`caller_name`)."""
    return {c.stored_name: c.name for kind in EXPORT_KINDS for c in kind.columns if c.personal}


def truncate_pseudonyms(con: duckdb.DuckDBPyConnection) -> int:
    """Full 64-digit pseudonyms become their first 32 digits, which is what the loader now
    computes (pseudonymise.py), in every table that stores them (raw and dbt's incremental
    staging tables; views follow) and inside quarantined records."""
    personal = _personal_names()
    tables = con.execute(
        "SELECT c.table_schema, c.table_name, list(c.column_name ORDER BY c.ordinal_position) "
        "FROM information_schema.columns c JOIN information_schema.tables t "
        "USING (table_catalog, table_schema, table_name) "
        "WHERE t.table_type = 'BASE TABLE' AND c.table_catalog = current_database() "
        "AND c.data_type = 'VARCHAR' AND c.column_name IN (SELECT unnest(?)) "
        "GROUP BY ALL ORDER BY ALL",
        [list(personal)],
    ).fetchall()
    changed = 0
    params = {"full": FULL_HEX_DIGITS, "short": PSEUDONYM_HEX_DIGITS}
    for schema, table, columns in tables:
        target = f"{qident(schema)}.{qident(table)}"
        old_rows = " OR ".join(f"length({qident(c)}) = $full" for c in columns)
        (rows,) = con.execute(f"SELECT count(*) FROM {target} WHERE {old_rows}", {"full": FULL_HEX_DIGITS}).fetchone()
        if not rows:
            continue
        # Rewritten rather than UPDATEd: an UPDATE of 20M rows keeps every old value for
        # rollback and ran out of the pipeline's 3 GB; a copy streams to disk. These tables
        # carry no constraints or defaults (schema.py, dbt tables), so the copy is the table.
        cut = ", ".join(f"CASE WHEN length({qident(c)}) = $full THEN left({qident(c)}, $short) "
                        f"ELSE {qident(c)} END AS {qident(c)}" for c in columns)
        rewritten = f"{qident(schema)}.{qident('_migrating_' + table)}"
        con.execute(f"CREATE TABLE {rewritten} AS SELECT * REPLACE ({cut}) FROM {target}", params)
        con.execute(f"DROP TABLE {target}")
        con.execute(f"ALTER TABLE {rewritten} RENAME TO {qident(table)}")
        changed += rows
    # A quarantined record is JSON text keyed by canonical names, personal values as pseudonyms.
    for name in sorted(set(personal.values())):
        changed += con.execute(
            "UPDATE ops.quarantine SET raw_record = CAST(json_merge_patch(raw_record, "
            "json_object($name, left(raw_record ->> $name, $short))) AS VARCHAR) "
            "WHERE json_valid(raw_record) AND length(raw_record ->> $name) = $full",
            {"name": name, "full": FULL_HEX_DIGITS, "short": PSEUDONYM_HEX_DIGITS},
        ).fetchone()[0]
    return changed


def allow_ignored_status(con: duckdb.DuckDBPyConnection) -> bool:
    """Let ops.load_log take the status `ignored` in a warehouse created before it existed.

    A change of the table's definition, not of its data, so it is not a recorded migration:
    it is checked every time (one catalog query) and done at most once. DuckDB cannot alter a
    CHECK constraint, so the table is renamed, created again from OPS_DDL and refilled by
    column name, in one transaction. Returns whether it had to."""
    check = con.execute(
        "SELECT expression FROM duckdb_constraints() WHERE database_name = current_database() "
        "AND schema_name = 'ops' AND table_name = 'load_log' AND constraint_type = 'CHECK'"
    ).fetchone()
    if check is None or "'ignored'" in check[0]:
        return False
    con.execute("BEGIN")
    try:
        con.execute("ALTER TABLE ops.load_log RENAME TO load_log_before_ignored")
        con.execute(OPS_DDL)
        con.execute("INSERT INTO ops.load_log BY NAME SELECT * FROM ops.load_log_before_ignored")
        con.execute("DROP TABLE ops.load_log_before_ignored")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return True


MIGRATIONS: tuple[tuple[str, Callable[[duckdb.DuckDBPyConnection], int]], ...] = (
    ("pseudonyms_128_bit", truncate_pseudonyms),
)


def apply_migrations(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] | None = None) -> list[str]:
    """Apply the migrations this warehouse has not had yet, in order; returns their names."""
    con.execute(MIGRATIONS_DDL)
    done = {name for (name,) in con.execute("SELECT name FROM ops.schema_migrations").fetchall()}
    applied = []
    for name, migrate in MIGRATIONS:
        if name in done:
            continue
        started = time.perf_counter()
        con.execute("BEGIN")
        try:
            rows = migrate(con)
            applied_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            con.execute("INSERT INTO ops.schema_migrations VALUES (?, ?, ?)", [name, applied_at, rows])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
        if progress and rows:
            progress(f"migration {name}: {rows:,} rows changed in {time.perf_counter() - started:.1f} s")
    return applied

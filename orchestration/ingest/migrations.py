"""Changes to data a warehouse already holds, each applied once and recorded in ops.

A warehouse outlives the code that wrote it: a night loaded by new code must not sit beside
history in an older format of the same value. Each migration runs in its own transaction
together with its row in `ops.schema_migrations`, so it applies whole or not at all, and once.
On a new warehouse a migration finds nothing to change and is recorded all the same.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

import duckdb

from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.ingest.pseudonymise import PSEUDONYM_HEX_DIGITS
from orchestration.warehouse import OPS_DDL, qident

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


# Quoted text in a message (what DuckDB's errors quote: a value, a line of the file), and the
# bytes a "header is not UTF-8" message used to show.
_QUOTED = r"""'[^']*'|"[^"]*\""""
_QUOTED_BYTES = r"""(byte [0-9]+): b(?:'[^']*'|"[^"]*")"""
_UNEXPECTED = re.compile(r"unexpected column\(s\) (?!at field)([^;(]*?)(?=;| \(expected header|$)")
_WITHHELD_LINE = '{"withheld": "a line recorded before lines were hashed"}'


def _known_column_names() -> set[str]:
    """Every column name a header may rightly hold: canonical names and contract sources."""
    from orchestration.ingest.contracts import load_contracts

    names = {c.name for kind in EXPORT_KINDS for c in kind.columns}
    for contract in load_contracts().values():
        for version in contract.versions:
            for spec in version.specs.values():
                names |= set(spec.columns.values())
    return names


def withhold_unknown_names(message: str, known: set[str]) -> str:
    """Older loaders listed every unexpected header cell by name; a header that is really a
    data row makes those names personal data. Known column names stay, the others go."""
    def keep_known(match: re.Match) -> str:
        names = [name.strip() for name in match.group(1).split(",")]
        shown = [name for name in names if name in known]
        hidden = len(names) - len(shown)
        listed = ", ".join(shown)
        if hidden:
            listed += (", " if listed else "") + f"{hidden} unknown name(s) not shown"
        return f"unexpected column(s) {listed}"

    return _UNEXPECTED.sub(keep_known, message)


def withhold_clear_text(con: duckdb.DuckDBPyConnection) -> int:
    """Take out of `ops` what loaders before the hardening (issue 16) kept in clear:

    - ops.quarantine.raw_record of a row that did not split into fields: the line itself, its
      personal fields blanked by position (a ragged row shifts them). A record that is not the
      row's JSON now keeps nothing of the line;
    - ops.quarantine.reason and ops.load_log.message quoting DuckDB's error, which quotes the
      line or a value, or the bytes of a header that is not UTF-8: quoted text becomes '...';
    - ops.load_log.message naming every unexpected header cell: unknown names are withheld.

    Free text (`summary`) loaded before its masking cannot be fixed here (the clear values it
    is checked against are gone): reload those files to mask it. The rewritten bytes stay in
    the file's free blocks until the next publish compacts the working warehouse
    (`pending_compaction`)."""
    changed = con.execute(
        "UPDATE ops.quarantine SET raw_record = $withheld WHERE raw_record IS NOT NULL AND NOT json_valid(raw_record)",
        {"withheld": _WITHHELD_LINE}).fetchone()[0]
    changed += con.execute(
        "UPDATE ops.quarantine SET reason = regexp_replace(reason, $quoted, '''...''', 'g') "
        "WHERE regexp_matches(reason, $quoted)", {"quoted": _QUOTED}).fetchone()[0]
    changed += con.execute(
        "UPDATE ops.load_log SET message = regexp_replace(regexp_replace(message, $bytes, '\\1', 'g'), "
        "$quoted, '''...''', 'g') WHERE regexp_matches(message, $quoted) OR regexp_matches(message, $bytes)",
        {"quoted": _QUOTED, "bytes": _QUOTED_BYTES}).fetchone()[0]
    known = _known_column_names()
    messages = con.execute(
        "SELECT DISTINCT message FROM ops.load_log WHERE contains(message, 'unexpected column(s) ')").fetchall()
    for (message,) in messages:
        withheld = withhold_unknown_names(message, known)
        if withheld != message:
            changed += con.execute("UPDATE ops.load_log SET message = ? WHERE message = ?",
                                   [withheld, message]).fetchone()[0]
    return changed


MIGRATIONS: tuple[tuple[str, Callable[[duckdb.DuckDBPyConnection], int]], ...] = (
    ("pseudonyms_128_bit", truncate_pseudonyms),
    ("withhold_clear_text", withhold_clear_text),
)
# Migrations that rewrite personal data: the old bytes stay in the file's free blocks until the
# working warehouse is compacted, which the next publish does (publish/snapshot.py), recording
# `<name>:compacted` so that it happens once.
SCRUBBING_MIGRATIONS = ("withhold_clear_text",)


def pending_compaction(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Scrubbing migrations that changed rows and whose old bytes no compaction has erased."""
    if not con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_schema = 'ops' AND table_name = 'schema_migrations'").fetchone()[0]:
        return []
    return [name for (name,) in con.execute(
        "SELECT name FROM ops.schema_migrations WHERE name IN (SELECT unnest($scrubs)) AND rows_changed > 0 "
        "AND name || ':compacted' NOT IN (SELECT name FROM ops.schema_migrations) ORDER BY name",
        {"scrubs": list(SCRUBBING_MIGRATIONS)}).fetchall()]


def record_compaction(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """Note that the old bytes of these migrations are gone (the file was rewritten)."""
    applied_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for name in names:
        con.execute("INSERT INTO ops.schema_migrations VALUES (?, ?, 0)", [f"{name}:compacted", applied_at])


def apply_migrations(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] | None = None) -> list[str]:
    """Apply the migrations this warehouse has not had yet, in order; returns their names."""
    con.execute(OPS_DDL)  # ops.schema_migrations among them
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

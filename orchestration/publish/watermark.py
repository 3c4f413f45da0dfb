"""What the last publish included: every load up to `ops.published_through`.

The checks on "the night's rows" (GX suites with `batch: current_load`) validate every row
loaded after it, not just the rows the current run loaded. A night blocked by a failing check
therefore stays blocked on an unchanged re-run, where every file is skipped as already loaded
but its rows are still unpublished, until the rows pass or their file is replaced (the loader
deletes a replaced file's rows). The mark moves only after a publish has swapped the files in.
"""

from __future__ import annotations

import duckdb

from orchestration.warehouse import OPS_DDL, qident, table_exists

TABLE = ("ops", "published_through")
_TABLE = ".".join(qident(part) for part in TABLE)


def last_load(con: duckdb.DuckDBPyConnection) -> int | None:
    """The highest load id in the warehouse (None: nothing loaded yet)."""
    if not table_exists(con, "ops", "load_log"):
        return None
    return con.execute("SELECT max(load_id) FROM ops.load_log").fetchone()[0]


def published_through(con: duckdb.DuckDBPyConnection) -> int:
    """The highest load id the last publish included; 0 before the first publish."""
    if not table_exists(con, *TABLE):
        return 0
    (through,) = con.execute(f"SELECT max(load_id) FROM {_TABLE}").fetchone()
    return through or 0


def record_published(con: duckdb.DuckDBPyConnection, through: int | None) -> None:
    if through is None:
        return
    con.execute("BEGIN")
    # The load id alone: a re-run of the same night must leave every table as it was.
    con.execute(OPS_DDL)
    con.execute(f"DELETE FROM {_TABLE}")
    con.execute(f"INSERT INTO {_TABLE} VALUES (?)", [through])
    con.execute("COMMIT")

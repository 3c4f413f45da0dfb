"""Load every landing file of one kind: the unit of work of an ingestion asset."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingest.contracts import load_contracts
from orchestration.ingest.kinds import EXPORT_KINDS, ExportKind
from orchestration.ingest.landing import Unloaded, scan
from orchestration.ingest.loader import FileLoad, FileLoader
from orchestration.ingest.migrations import allow_ignored_status, apply_migrations
from orchestration.ingest.schema import ensure_schema


@dataclass
class BatchResult:
    kind: ExportKind
    loads: list[FileLoad] = field(default_factory=list)
    # Landing entries not loaded (rejected or ignored by name) first logged by this batch.
    unloaded: list[Unloaded] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for load in self.loads if load.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(load.rows_loaded for load in self.loads)

    @property
    def rows_quarantined(self) -> int:
        return sum(load.rows_quarantined for load in self.loads)

    @property
    def load_ids(self) -> list[int]:
        return [load.load_id for load in self.loads if load.status == "loaded"]

    @property
    def rejected(self) -> list[FileLoad]:
        return [load for load in self.loads if load.status == "rejected"]

    def not_loaded(self, status: str) -> list[str]:
        """`<path>: <reason>` of every file this batch logged with `status` (rejected: by the
        loader or by name; ignored)."""
        lines = [f"{load.file.relative_path}: {load.message}" for load in self.loads if load.status == status]
        return lines + [f"{entry.relative_path}: {entry.reason}" for entry in self.unloaded if entry.status == status]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def log_unloaded(con: duckdb.DuckDBPyConnection, entries: list[Unloaded], run_id: str | None) -> list[Unloaded]:
    """Log in ops.load_log each entry not loaded, unless its path's latest row is that very
    entry (same fingerprint): an odd file is one row, not one a night, and re-running a night
    changes nothing. Returns the entries logged now."""
    if not entries:
        return []
    latest = dict(con.execute(
        "SELECT file_path, arg_max(file_sha256, load_id) FROM ops.load_log "
        "WHERE file_path IN (SELECT unnest(?)) GROUP BY file_path",
        [[entry.relative_path for entry in entries]],
    ).fetchall())
    new = [entry for entry in entries if latest.get(entry.relative_path) != entry.fingerprint]
    if new:
        now = _utcnow()
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO ops.load_log (load_id, file_path, file_sha256, file_bytes, rows_read, rows_loaded, "
            "rows_quarantined, status, message, started_at, finished_at, kind, run_id) "
            "SELECT nextval('ops.load_id_seq'), path, sha, bytes, 0, 0, 0, status, reason, $now, $now, kind, $run_id "
            "FROM (SELECT unnest($path) AS path, unnest($sha) AS sha, unnest($bytes) AS bytes, "
            "unnest($status) AS status, unnest($reason) AS reason, unnest($kind) AS kind)",
            {"path": [e.relative_path for e in new], "sha": [e.fingerprint for e in new],
             "bytes": [e.size for e in new], "status": [e.status for e in new], "reason": [e.reason for e in new],
             "kind": [e.kind for e in new], "now": now, "run_id": run_id},
        )
        con.execute("COMMIT")
    return new


def prepare_warehouse(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None] | None = None) -> None:
    """The warehouse's `raw` and `ops` tables as this code writes them: created when missing,
    older definitions brought up to date and migrations applied (every ingest step, first)."""
    ensure_schema(con, EXPORT_KINDS)
    allow_ignored_status(con)
    apply_migrations(con, progress)


def load_kind(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    kind: ExportKind,
    pseudonym_key: str,
    run_id: str | None = None,
    progress: Callable[[str], None] | None = None,
    force_days: Collection[tuple[str, dt.date]] | None = None,
    progress_every: float = 0.0,
) -> BatchResult:
    """Load every landing file of `kind` (of the given force-days only, when given), and log
    the landing entries of that kind that cannot be loaded (landing.scan says which and why).

    `progress` hears of each file, or with `progress_every` seconds of the latest file at most
    that often (rejected and ignored files and the last file always): a year of history is
    tens of thousands of files, and every line is an event in the Dagster run's log."""
    prepare_warehouse(con, progress)
    loader = FileLoader(con, pseudonym_key, run_id)
    found = scan(landing_dir, kind, load_contracts(), force_days)
    unloaded = log_unloaded(con, found.unloaded, run_id)
    if progress:
        for entry in unloaded:
            progress(f"[{kind.name}] {entry.describe()}")
    files = found.files
    done, last_report = 0, time.monotonic()

    def report(outcome: FileLoad) -> None:
        nonlocal done, last_report
        done += 1
        if not progress or outcome.status == "unchanged" and done < len(files):
            return
        now = time.monotonic()
        if now - last_report >= progress_every or done == len(files) or outcome.status == "rejected":
            last_report = now
            progress(f"[{kind.name} {done}/{len(files)}] {outcome.describe()}")

    return BatchResult(kind, loader.load_all(files, report), unloaded)

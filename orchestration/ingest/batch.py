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
from orchestration.ingest.landing import discover
from orchestration.ingest.loader import FileLoad, FileLoader
from orchestration.ingest.migrations import apply_migrations
from orchestration.ingest.schema import ensure_schema


@dataclass
class BatchResult:
    kind: ExportKind
    loads: list[FileLoad] = field(default_factory=list)

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
    """Load every landing file of `kind` (of the given force-days only, when given).

    `progress` hears of each file, or with `progress_every` seconds of the latest file at most
    that often (rejected files and the last file always): a year of history is tens of
    thousands of files, and every line is an event in the Dagster run's log."""
    ensure_schema(con, EXPORT_KINDS)
    apply_migrations(con, progress)
    loader = FileLoader(con, pseudonym_key, run_id)
    files = list(discover(landing_dir, kind, load_contracts(), force_days))
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

    return BatchResult(kind, loader.load_all(files, report))

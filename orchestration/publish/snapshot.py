"""Snapshot swap: readers only ever see a complete night.

The working warehouse is checkpointed and closed (one writer), copied to a temporary file
beside the target, fsynced, and `os.replace`d onto `published/warehouse.duckdb`. A reader
that already has the old file open keeps reading the old night; new connections see the
new one. Parquet files are written to temporaries and replaced the same way.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingest.schema import qident

PUBLISHED_SCHEMAS = ("marts",)
PUBLISHED_FILE = "warehouse.duckdb"


@dataclass(frozen=True)
class PublishResult:
    warehouse: Path
    parquet_files: list[Path]
    bytes: int
    seconds: dict[str, float] = field(default_factory=dict)  # open, parquet, checkpoint, copy


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_durably(source: Path, target: Path) -> None:
    # copyfile copies in the kernel (sendfile) where it can: a 5.8 GB warehouse in ~6 s
    # against ~11 s through a Python buffer.
    shutil.copyfile(source, target)
    with target.open("rb+") as copied:
        os.fsync(copied.fileno())


def publish(warehouse: Path, published_dir: Path) -> PublishResult:
    published_dir.mkdir(parents=True, exist_ok=True)
    parquet_dir = published_dir / "parquet"
    parquet_dir.mkdir(exist_ok=True)
    pending: list[tuple[Path, Path]] = []
    seconds: dict[str, float] = {}
    lap = time.perf_counter()

    def step_done(step: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        seconds[step] = round(now - lap, 2)
        lap = now

    with duckdb.connect(str(warehouse)) as con:
        step_done("open")
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN (SELECT unnest(?)) ORDER BY 1, 2",
            [list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            final = parquet_dir / f"{table}.parquet"
            tmp = parquet_dir / f".{table}.parquet.tmp"
            con.execute(f"COPY (SELECT * FROM {qident(schema)}.{qident(table)}) TO ? (FORMAT parquet)", [str(tmp)])
            pending.append((tmp, final))
        step_done("parquet")
        con.execute("CHECKPOINT")
        step_done("checkpoint")
    target = published_dir / PUBLISHED_FILE
    tmp_db = published_dir / f".{PUBLISHED_FILE}.tmp"
    _copy_durably(warehouse, tmp_db)
    step_done("copy")
    # A .wal left beside the target would be replayed into the new file by the next opener.
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(tmp_db, target)
    for tmp, final in pending:
        os.replace(tmp, final)
    current = {final for _, final in pending}
    for stale in parquet_dir.glob("*.parquet"):
        if stale not in current:
            stale.unlink()
    _fsync_dir(parquet_dir)
    _fsync_dir(published_dir)
    return PublishResult(target, sorted(current), target.stat().st_size, seconds)

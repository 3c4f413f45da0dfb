"""Snapshot swap: readers only ever see one complete night, warehouse and Parquet together.

The published folder (readers' paths stay `published/warehouse.duckdb` and
`published/parquet/<mart>.parquet`):

    published/
      warehouse.duckdb -> current/warehouse.duckdb
      parquet          -> current/parquet
      current          -> nights/<night>          the one pointer a publish swaps
      previous         -> nights/<night before>   kept until the next publish starts (rollback)
      nights/<night>/warehouse.duckdb
      nights/<night>/parquet/<mart>.parquet
      report.html, docs/, quality/               written by the steps after this one

A publish writes the night into a new folder under `nights/` that no reader path leads to:
the Parquet file of every mart, then the night's DuckDB file (night_file.py: the tables
readers query, and the raw tables and the history-sized models as views over the lake's
immutable files, so its size follows the night, not the history), fsynced. Then one
`os.replace` of the `current` symlink hands readers the warehouse and every Parquet file of
the new night at once: at every instant each reader path resolves into one night, and a crash
leaves `current` on the old night or the new one, never between. A reader that already has a
file open keeps reading it (the previous night stays on disk until the next publish starts);
new opens see the new night. DuckDB resolves the links, so its catalog is still `warehouse`
and a stray `.wal` of a read-write reader lands in the night's folder, not in the next one.
A publish that was killed leaves at most a half-written night folder or a temporary link: the
next publish removes them first (and the temporaries of the layout before `nights/`).

DuckDB keeps the space of deleted or rewritten data inside the file for later writes and
never gives it back (and a publish used to copy the whole file). When a large part
of the file is free (after a migration rewrote the pseudonym tables: 5.4 of 8.4 GiB on the
national year), the warehouse is first rewritten without it, the way DuckDB documents:
COPY FROM DATABASE into a new file that replaces the working one (63.7 s there, once).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.ingest.lake import land
from orchestration.ingest.migrations import pending_compaction, record_compaction
from orchestration.publish.night_file import NightFile, write_night_file
from orchestration.warehouse import PARQUET_DIR, PUBLISHED_FILE, connect, fsync_path, qident, sql_string
from orchestration.publish.watermark import last_load, record_published
from orchestration.settings import WAREHOUSE_STORAGE_VERSION

PUBLISHED_SCHEMAS = ("marts",)
NIGHTS_DIR = "nights"
CURRENT = "current"
PREVIOUS = "previous"
# Compact before publishing when at least this much of the file is free space, and at least
# this share of it: a night's deletes leave a few free blocks that the next night reuses.
COMPACT_FREE_BYTES = 256 * 2**20
COMPACT_FREE_SHARE = 0.25


@dataclass(frozen=True)
class PublishResult:
    warehouse: Path
    parquet_files: list[Path]
    bytes: int
    seconds: dict[str, float] = field(default_factory=dict)  # open, parquet, checkpoint, [compact,] night_file, swap
    compacted_from: int | None = None  # the working file's bytes before compaction, when compacted
    night: Path | None = None  # the folder under nights/ that `current` now names
    quarantined_records_dropped: int = 0  # ops.quarantine rows whose raw_record the night file does not carry
    leftovers_removed: list[str] = field(default_factory=list)  # what a killed publish had left
    contents: NightFile | None = None  # what the night's file holds


def _fsync_file(path: Path) -> None:
    with path.open("rb+") as written:
        os.fsync(written.fileno())


def free_space(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(free bytes, file bytes) of the connection's database."""
    block_size, total, free = con.execute(
        "SELECT block_size, total_blocks, free_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()").fetchone()
    return free * block_size, total * block_size


def worth_compacting(free: int, total: int) -> bool:
    return free >= COMPACT_FREE_BYTES and free >= COMPACT_FREE_SHARE * total


def compact(warehouse: Path) -> None:
    """Rewrite the (closed) warehouse without its free space and put it in place.

    COPY FROM DATABASE carries schemas, tables, views, macros and sequences with their current
    values (ops.load_id_seq goes on where it was). The copy is fsynced before it replaces the
    working file: a crash leaves either the old file or the whole new one."""
    pending = warehouse.with_name(f".{warehouse.name}.compact")
    pending.unlink(missing_ok=True)
    with connect() as con:
        con.execute(f"ATTACH {sql_string(pending)} AS compacted (STORAGE_VERSION '{WAREHOUSE_STORAGE_VERSION}')")
        con.execute(f"ATTACH {sql_string(warehouse)} AS working (READ_ONLY)")
        con.execute("COPY FROM DATABASE working TO compacted")
        con.execute("DETACH working")
        con.execute("CHECKPOINT compacted")
        con.execute("DETACH compacted")
    with pending.open("rb+") as written:
        os.fsync(written.fileno())
    os.replace(pending, warehouse)
    fsync_path(warehouse.parent)


def _night_of(link: Path) -> Path | None:
    """The night folder a `current`/`previous` link names (None: no such link, or a broken one)."""
    if not link.is_symlink():
        return None
    target = Path(os.readlink(link))
    if target.is_absolute() or target.parent != Path(NIGHTS_DIR) or target.name in ("", ".", ".."):
        return None
    night = link.parent / target
    return night if night.is_dir() and not night.is_symlink() else None


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _point(link: Path, target: Path) -> None:
    """Make `link` a symlink to the relative `target` with one atomic rename.

    Only a real folder in its place (the layout before nights/, or a copy made by a tool that
    followed the links) takes two renames: it is set aside first, then removed."""
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return
    pending = link.with_name(f".{link.name}.link.tmp")
    _remove(pending)
    os.symlink(target, pending)
    if link.is_dir() and not link.is_symlink():
        aside = link.with_name(f".{link.name}.old")
        _remove(aside)
        os.rename(link, aside)
        os.replace(pending, link)
        _remove(aside)
    else:
        os.replace(pending, link)


def _new_night(published_dir: Path) -> Path:
    """A new, empty folder under nights/, named by the time it was made (UTC, nanoseconds)."""
    nights = published_dir / NIGHTS_DIR
    nights.mkdir(exist_ok=True)
    while True:
        now = time.time_ns()
        night = nights / (time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9)) + f".{now % 10**9:09d}Z")
        try:
            night.mkdir()
            return night
        except FileExistsError:
            continue


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, target)
        _fsync_file(target)


def _adopt_folder(published_dir: Path) -> None:
    """Bring a published folder without nights/ into the layout, keeping its night.

    The night readers have (a regular warehouse.duckdb and a parquet/ folder) is hard-linked
    into a night folder that `current` then names; `warehouse.duckdb` becomes a link to the
    same file in one rename. The parquet folder is renamed aside before its link takes its
    place, so for that moment, once, `parquet/` is missing (never from another night).
    Idempotent: a publish killed half-way through this is finished by the next one."""
    if _night_of(published_dir / CURRENT) is None:
        warehouse = published_dir / PUBLISHED_FILE
        if not warehouse.is_file():
            return  # nothing published yet
        night = _new_night(published_dir)
        _link_or_copy(warehouse.resolve(), night / PUBLISHED_FILE)
        (night / PARQUET_DIR).mkdir()
        parquet = published_dir / PARQUET_DIR
        if parquet.is_dir():
            for path in sorted(parquet.glob("*.parquet")):
                _link_or_copy(path.resolve(), night / PARQUET_DIR / path.name)
        for folder in (night / PARQUET_DIR, night, night.parent):
            fsync_path(folder)
        _point(published_dir / CURRENT, night.relative_to(published_dir))
    _point(published_dir / PUBLISHED_FILE, Path(CURRENT) / PUBLISHED_FILE)
    _point(published_dir / PARQUET_DIR, Path(CURRENT) / PARQUET_DIR)


def _remove_leftovers(published_dir: Path) -> list[str]:
    """What a killed publish left, and the nights before the current one; the names of the
    former removed (the previous night goes every night: no need to say so).

    Temporaries (`.warehouse.duckdb.tmp` and `parquet/.<mart>.parquet.tmp` of the layout before
    nights/, `.<link>.link.tmp`, `.<folder>.old`), a `.wal` beside the published link, and every
    folder under nights/ but the current night's: a half-written night, and the previous night
    (a reader that still has one of its files open keeps reading it)."""
    candidates = [*published_dir.glob(".*.tmp"), *published_dir.glob(".*.old"),
                  published_dir / f"{PUBLISHED_FILE}.wal"]
    parquet = published_dir / PARQUET_DIR
    if parquet.is_dir() and not parquet.is_symlink():
        candidates += parquet.glob(".*.parquet.tmp")
    current = _night_of(published_dir / CURRENT)
    nights = published_dir / NIGHTS_DIR
    if nights.is_dir():
        candidates += [night for night in nights.iterdir() if current is None or night.name != current.name]
    previous = _night_of(published_dir / PREVIOUS)
    removed = []
    for path in candidates:
        if path.is_symlink() or path.exists():
            _remove(path)
            if path != previous:  # the night before the current one goes every night
                removed.append(str(path.relative_to(published_dir)))
    if (published_dir / PREVIOUS).is_symlink() and _night_of(published_dir / PREVIOUS) is None:
        (published_dir / PREVIOUS).unlink()
    return sorted(removed)



def _descriptions(con, schema: str, table: str) -> tuple[str, dict[str, str]]:
    """A published relation's comment and its columns' comments (dbt's persist_docs)."""
    (description,) = con.execute(
        "SELECT coalesce(any_value(comment), '') FROM (SELECT comment FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
        "UNION ALL SELECT comment FROM duckdb_views() "
        "WHERE database_name = current_database() AND schema_name = ? AND view_name = ?)",
        [schema, table, schema, table]).fetchone()
    columns = con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = ? AND table_name = ? AND comment IS NOT NULL ORDER BY column_index",
        [schema, table]).fetchall()
    return description, dict(columns)

def publish(warehouse: Path, published_dir: Path, lake_dir: Path, model_views: dict[str, str]) -> PublishResult:
    """Publish the working warehouse's night (the lake's files of its live loads, ingest/lake.py;
    `model_views`: the SQL of the models published as views, night_file.py)."""
    published_dir.mkdir(parents=True, exist_ok=True)
    _adopt_folder(published_dir)
    leftovers = _remove_leftovers(published_dir)
    night = _new_night(published_dir)
    night_parquet = night / PARQUET_DIR
    night_parquet.mkdir()
    seconds: dict[str, float] = {}
    lap = time.perf_counter()

    def step_done(step: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        seconds[step] = round(now - lap, 2)
        lap = now

    with connect(warehouse) as con:
        # Loads whose lake file a killed run did not write (or a warehouse from before the
        # lake): the night file reads the lake, so they are written now.
        land(con, lake_dir, EXPORT_KINDS)
        step_done("open")
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN (SELECT unnest(?)) ORDER BY 1, 2",
            [list(PUBLISHED_SCHEMAS)],
        ).fetchall()
        names = []
        for schema, table in tables:
            path = night_parquet / f"{table}.parquet"
            description, columns = _descriptions(con, schema, table)
            # Parquet readers with no DuckDB inside (pyarrow, Spark, Power BI) see the dbt
            # descriptions too: file-level key-value metadata, as DuckDB's COPY can write it.
            con.execute(
                f"COPY (SELECT * FROM {qident(schema)}.{qident(table)}) TO ? "
                "(FORMAT parquet, KV_METADATA {description: ?, column_descriptions: ?})",
                [str(path), description, json.dumps(columns)],
            )
            names.append(path.name)
        step_done("parquet")
        con.execute("CHECKPOINT")
        step_done("checkpoint")
        free, total = free_space(con)
        through = last_load(con)
        # A migration that rewrote clear text left the old bytes in free blocks: compact once.
        scrubbed = pending_compaction(con)
    compacted_from = None
    if scrubbed or worth_compacting(free, total):
        compact(warehouse)
        if scrubbed:
            with connect(warehouse) as con:
                record_compaction(con, scrubbed)
        compacted_from = total
        step_done("compact")
    copy = night / PUBLISHED_FILE
    written = write_night_file(warehouse, copy, lake_dir, model_views)
    step_done("night_file")
    if copy.with_name(copy.name + ".wal").exists():
        raise RuntimeError(f"{copy}.wal is left after a checkpoint: not publishing a night that needs it")
    for path in (copy, *(night_parquet / name for name in names)):
        _fsync_file(path)
    for folder in (night_parquet, night, night.parent):
        fsync_path(folder)
    # The swap: one rename hands readers the new warehouse and all its Parquet files at once.
    previous = _night_of(published_dir / CURRENT)
    _point(published_dir / CURRENT, night.relative_to(published_dir))
    if previous is not None:
        _point(published_dir / PREVIOUS, previous.relative_to(published_dir))
    _point(published_dir / PUBLISHED_FILE, Path(CURRENT) / PUBLISHED_FILE)  # no-ops after the first night
    _point(published_dir / PARQUET_DIR, Path(CURRENT) / PARQUET_DIR)
    fsync_path(published_dir)
    step_done("swap")
    # Only now are tonight's loads in readers' hands (see watermark.py); a crash before this
    # line makes the next night validate them again, never skip them.
    with connect(warehouse) as con:
        record_published(con, through)
    target = published_dir / PUBLISHED_FILE
    return PublishResult(target, sorted(published_dir / PARQUET_DIR / name for name in names),
                         target.stat().st_size, seconds, compacted_from, night,
                         written.quarantined_records_left_out, leftovers, written)

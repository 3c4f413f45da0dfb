"""The lake: every loaded raw row also as immutable Parquet, readable by DuckDB and Spark alike.

    <lake>/<raw table>/force=<force_id>/month=<YYYY-MM>/<first load id>-<last load id>.parquet

One file holds the rows of the loads of one force and month landed together (one night's, or
a backfill's), exactly as `raw.<table>` holds them (pseudonyms, lineage columns). The month is
a force export's export month, a police.uk file's data month, and for an audit sheet (which
has no export date) the month it was loaded. `ops.load_log.lake_file` names the file that
holds each load's rows (relative to the lake).

Files are never changed once written: a corrected landing file is loaded under a new load id
into a new lake file, and the old load's file stays where it was. Which loads are live (their
rows still in `raw`) is in `ops.load_log`: a load is superseded by a later `loaded` load of the
same landing path, exactly when the loader deleted its raw rows (loader.py). Readers of the
lake therefore read an explicit list of files, minus the superseded loads (`live_lake_files`),
never a folder: a folder also holds superseded loads, and files of a night not published yet.

A night writes one small file per force and table; once a month is closed (the table has
rows of a later month), its files of a partition are merged into one file of its live loads
(`_compact`), which supersedes them in `ops.load_log` the same way. Superseded files are
never removed here: published nights may still read them.

Writing is crash-safe and idempotent: a file is written under a temporary name, fsynced and
renamed into place, then `lake_file` is set. Any live load with rows and no `lake_file` is
written by the next call (`land`): the first call on a warehouse from before the lake writes
its whole history once, and a run killed between a load's commit and its lake file finishes
it the next night. A file renamed into place whose load log update never committed is written
again under the same name, from the same rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.kinds import ExportKind, Layout
from orchestration.ingest.schema import raw_table
from orchestration.warehouse import fsync_path, sql_string

# Every `loaded` load of a kind, and whether it is live (its rows are in raw now): the latest
# `loaded` load of its landing path. One window over the kind's loads, not a join per load.
LOADS_SQL = """
SELECT load_id, lake_file, rows_loaded,
       row_number() OVER (PARTITION BY file_path ORDER BY load_id DESC) = 1 AS live
FROM ops.load_log WHERE status = 'loaded' AND kind = ?
"""


@dataclass(frozen=True)
class LiveFiles:
    """What a reader of a raw table's lake reads: these files, minus the superseded loads."""

    files: list[str]  # relative to the lake, sorted
    live: list[int]  # the live loads with rows
    superseded: list[int]  # superseded loads whose rows are in those files too


@dataclass(frozen=True)
class LakeFile:
    table: str
    path: str  # relative to the lake
    loads: int
    rows: int


def _month_sql(kind: ExportKind) -> str:
    """The partition month of a raw row of `kind`, as SQL over the raw table."""
    if kind.layout is Layout.FORCE_EXPORT:
        return "strftime(export_date, '%Y-%m')"
    if kind.layout is Layout.POLICE_UK:
        return "file_month"
    return "strftime(_loaded_at, '%Y-%m')"


def _pending(con: duckdb.DuckDBPyConnection, kind: ExportKind) -> list[int]:
    rows = con.execute(
        f"SELECT load_id FROM ({LOADS_SQL}) WHERE live AND lake_file IS NULL AND rows_loaded > 0 "
        "ORDER BY load_id", [kind.name]).fetchall()
    return [row[0] for row in rows]


def _write(con: duckdb.DuckDBPyConnection, lake_dir: Path, partition: str, first: int, last: int,
           select: str, params: dict) -> str:
    """`select`'s rows as `<partition>/<first>-<last>.parquet` (temporary name, fsync, rename);
    its path relative to the lake."""
    folder = lake_dir / partition
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{first:012d}-{last:012d}.parquet"
    final, temporary = folder / name, folder / f".{name}.tmp"
    con.execute(f"COPY ({select} ORDER BY _load_id, _source_row) TO {sql_string(temporary)} (FORMAT parquet)", params)
    fsync_path(temporary)
    os.replace(temporary, final)
    fsync_path(folder)
    return final.relative_to(lake_dir).as_posix()


def _record(con: duckdb.DuckDBPyConnection, assignments: dict[int, str]) -> None:
    con.execute(
        "UPDATE ops.load_log SET lake_file = m.lake_file FROM "
        "(SELECT unnest($ids) AS load_id, unnest($files) AS lake_file) AS m "
        "WHERE ops.load_log.load_id = m.load_id",
        {"ids": list(assignments), "files": list(assignments.values())})


def land(con: duckdb.DuckDBPyConnection, lake_dir: Path, kinds: Iterable[ExportKind],
         progress: Callable[[str], None] | None = None) -> list[LakeFile]:
    """Write every live load of `kinds` that has rows and no lake file yet; the files written."""
    written: list[LakeFile] = []
    for kind in kinds:
        pending = _pending(con, kind)
        if pending:
            written += _land_pending(con, lake_dir, kind, pending, progress)
        written += _compact(con, lake_dir, kind, progress)
    return written


def _land_pending(con: duckdb.DuckDBPyConnection, lake_dir: Path, kind: ExportKind, pending: list[int],
                  progress: Callable[[str], None] | None) -> list[LakeFile]:
    written: list[LakeFile] = []
    table = raw_table(kind)
    lo, hi = pending[0], pending[-1]
    # BETWEEN lets DuckDB skip the row groups of older loads (load ids grow with inserts),
    # so a night's lake write reads tonight's rows, not the table's history.
    in_pending = "_load_id BETWEEN $lo AND $hi AND list_contains($ids, _load_id)"
    params = {"lo": lo, "hi": hi, "ids": pending}
    groups = con.execute(
        f"SELECT force_id, {_month_sql(kind)} AS month, min(_load_id), max(_load_id), "
        f"list(DISTINCT _load_id ORDER BY _load_id), count(*) FROM {table} WHERE {in_pending} "
        "GROUP BY ALL ORDER BY 3", params).fetchall()
    assignments: dict[int, str] = {}
    for force_id, month, first, last, ids, rows in groups:
        if force_id is None or month is None:
            raise RuntimeError(f"raw.{kind.table}: loads {first}-{last} have rows without a force or month "
                               "to partition the lake by")
        relative = _write(con, lake_dir, f"{kind.table}/force={force_id}/month={month}", first, last,
                          f"SELECT * FROM {table} WHERE {in_pending} AND force_id = $force "
                          f"AND {_month_sql(kind)} = $month", {**params, "force": force_id, "month": month})
        assignments.update({load_id: relative for load_id in ids})
        written.append(LakeFile(kind.table, relative, len(ids), rows))
    # A load is one landing file: one force, one export date, police.uk month or load time.
    lost = sorted(set(pending) - set(assignments))
    if lost:
        raise RuntimeError(f"ops.load_log says loads {lost[:5]} loaded rows, but raw.{kind.table} holds "
                           "none of them: the warehouse is inconsistent, not writing them to the lake")
    _record(con, assignments)
    if progress:
        progress(f"[{kind.name}] lake: {len(pending)} loads, {sum(f.rows for f in written)} rows in "
                 f"{len(written)} new Parquet files")
    return written


def _compact(con: duckdb.DuckDBPyConnection, lake_dir: Path, kind: ExportKind,
             progress: Callable[[str], None] | None) -> list[LakeFile]:
    """Merge the files of each closed month of a partition (a month before the newest month
    the table has) into one file of its live loads: a night writes one small file per force,
    so a year of nights would be ~30 files per partition for every reader to open. The
    merged file supersedes them in `ops.load_log`; they stay where they are (published nights
    still read them). Runs once a month per partition, plus after a late file for a closed
    month: its cost is a month's rows, whatever the history."""
    rows = con.execute(
        f"SELECT load_id, lake_file FROM ({LOADS_SQL}) WHERE live AND lake_file IS NOT NULL "
        "ORDER BY load_id", [kind.name]).fetchall()
    partitions: dict[str, dict[str, list[int]]] = {}
    for load_id, lake_file in rows:
        partition, name = lake_file.rsplit("/", 1)
        partitions.setdefault(partition, {}).setdefault(name, []).append(load_id)
    months = {partition: partition.rsplit("month=", 1)[-1] for partition in partitions}
    newest = max(months.values(), default=None)
    table = raw_table(kind)
    merged: list[LakeFile] = []
    for partition, files in sorted(partitions.items()):
        if len(files) < 2 or months[partition] >= newest:
            continue
        ids = sorted(i for loads in files.values() for i in loads)
        relative = _write(con, lake_dir, partition, ids[0], ids[-1],
                          f"SELECT * FROM {table} WHERE _load_id BETWEEN $lo AND $hi AND list_contains($ids, _load_id)",
                          {"lo": ids[0], "hi": ids[-1], "ids": ids})
        _record(con, dict.fromkeys(ids, relative))
        (count,) = con.execute(f"SELECT count(*) FROM read_parquet({sql_string(lake_dir / relative)})").fetchone()
        merged.append(LakeFile(kind.table, relative, len(ids), count))
        if progress:
            progress(f"[{kind.name}] lake: {len(files)} files of {partition} merged into one ({count} rows)")
    return merged


def live_lake_files(con: duckdb.DuckDBPyConnection, kind: ExportKind) -> LiveFiles:
    """The lake files holding the live loads of `kind` (raw's rows now), and the superseded
    loads in them. Raises when a live load with rows has no lake file: `land` must run first."""
    rows = con.execute(f"SELECT load_id, lake_file, rows_loaded, live FROM ({LOADS_SQL}) ORDER BY load_id",
                       [kind.name]).fetchall()
    live = [(load_id, lake_file) for load_id, lake_file, loaded, is_live in rows if is_live and loaded]
    missing = [load_id for load_id, lake_file in live if lake_file is None]
    if missing:
        raise RuntimeError(f"raw.{kind.table}: {len(missing)} live loads have no lake file yet "
                           f"(first load id {missing[0]})")
    files = sorted({lake_file for _, lake_file in live})
    in_files = set(files)
    superseded = [load_id for load_id, lake_file, _, is_live in rows if not is_live and lake_file in in_files]
    return LiveFiles(files, [load_id for load_id, _ in live], superseded)

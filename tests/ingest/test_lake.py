"""The Parquet lake on real files: layout, one file per force and month landed together, the
rows equal to raw's, corrections as new files, crash leftovers and a warehouse from before it."""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import KINDS_BY_NAME
from orchestration.ingest.lake import land, live_lake_files
from tests.ingest.landing_files import csv_lines

INCIDENTS = KINDS_BY_NAME["incidents"]
HEADER = "incident_id,received_at,channel,opening_code,closing_code,caller_name,caller_dob,caller_address,summary"


def _row(n: int, when: str = "2014-01-06T10:00:00") -> str:
    return f"X-I-{n},{when},999,ASSAULT,CRIME_RECORDED,Jane Doe,1980-02-03,1 Elm Road,fight"


def _export(landing: Path, force: str, day: str, *rows: str) -> None:
    path = landing / force / day / "incidents.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_lines(HEADER, *rows))


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as connection:
        yield connection


def _night(con, landing: Path, lake: Path):
    load_kind(con, landing, INCIDENTS, "k")
    return land(con, lake, [INCIDENTS])


def _lake_rows(lake: Path, files: list[str], ids: list[int]) -> set:
    with duckdb.connect() as reader:
        return set(reader.execute(
            "SELECT * FROM read_parquet(?, hive_partitioning = false) WHERE list_contains(?, _load_id)",
            [[str(lake / f) for f in files], ids]).fetchall())


def _raw_rows(con) -> set:
    return set(con.execute("SELECT * FROM raw.incidents").fetchall())


def test_files_per_force_and_month_hold_exactly_raws_rows(tmp_path, con):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    # hand-counted: kent 2 + 1 rows in January (two days), 4 in February; essex 3 in January,
    # one of them a duplicate key (quarantined, so not in raw or the lake)
    _export(landing, "kent", "2014-01-30", _row(1), _row(2))
    _export(landing, "kent", "2014-01-31", _row(3))
    _export(landing, "kent", "2014-02-01", *(_row(n, "2014-02-01T00:30:00+00:00") for n in range(4, 8)))
    _export(landing, "essex", "2014-01-31", _row(1), _row(1), _row(2))
    written = _night(con, landing, lake)

    by_path = {f.path.rsplit("/", 1)[0]: (f.loads, f.rows) for f in written}
    assert by_path == {
        "incidents/force=kent/month=2014-01": (2, 3),
        "incidents/force=kent/month=2014-02": (1, 4),
        "incidents/force=essex/month=2014-01": (1, 2),
    }
    assert not list(lake.rglob(".*.tmp"))
    files, ids, _ = astuple(live_lake_files(con, INCIDENTS))
    assert len(files) == 3 and len(ids) == 4
    assert _lake_rows(lake, files, ids) == _raw_rows(con)
    logged = con.execute("SELECT file_path, lake_file FROM ops.load_log ORDER BY load_id").fetchall()
    for path, lake_file in logged:
        force, day = path.split("/")[:2]
        assert lake_file.startswith(f"incidents/force={force}/month={day[:7]}/"), (path, lake_file)
    # No clear personal value in the lake: only the pseudonyms.
    for parquet in lake.rglob("*.parquet"):
        assert b"Jane Doe" not in parquet.read_bytes()

    # A second run with nothing new writes nothing and changes nothing.
    before = {p: p.stat().st_mtime_ns for p in lake.rglob("*.parquet")}
    assert _night(con, landing, lake) == []
    assert {p: p.stat().st_mtime_ns for p in lake.rglob("*.parquet")} == before


def test_a_corrected_file_is_a_new_lake_file_and_the_old_one_is_left_alone(tmp_path, con):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    _export(landing, "kent", "2014-01-30", _row(1), _row(2), _row(3))
    _night(con, landing, lake)
    (old,) = lake.rglob("*.parquet")
    old_bytes = old.read_bytes()

    _export(landing, "kent", "2014-01-30", _row(1), _row(3, "2014-01-07T10:00:00"))  # row 2 withdrawn
    (new,) = _night(con, landing, lake)
    assert new.rows == 2 and old.read_bytes() == old_bytes
    files, ids, _ = astuple(live_lake_files(con, INCIDENTS))
    assert files == [new.path] and len(ids) == 1
    assert _lake_rows(lake, files, ids) == _raw_rows(con)
    assert {r[0] for r in _raw_rows(con)} == {"X-I-1", "X-I-3"}


def test_a_run_killed_before_recording_its_lake_file_is_finished_by_the_next(tmp_path, con):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    _export(landing, "kent", "2014-01-30", _row(1), _row(2))
    (first,) = _night(con, landing, lake)
    content = (lake / first.path).read_bytes()
    # as if killed after the rename, before ops.load_log was updated
    con.execute("UPDATE ops.load_log SET lake_file = NULL")
    (again,) = land(con, lake, [INCIDENTS])
    assert again.path == first.path and (lake / again.path).read_bytes() == content
    # as if killed after the load's commit, before any lake file
    (lake / first.path).unlink()
    con.execute("UPDATE ops.load_log SET lake_file = NULL")
    with pytest.raises(RuntimeError, match="no lake file yet"):
        live_lake_files(con, INCIDENTS)
    (rewritten,) = land(con, lake, [INCIDENTS])
    assert (lake / rewritten.path).read_bytes() == content


def test_a_load_the_log_counts_but_raw_lacks_is_named_not_written(tmp_path, con):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    _export(landing, "kent", "2014-01-30", _row(1))
    load_kind(con, landing, INCIDENTS, "k")
    con.execute("DELETE FROM raw.incidents")
    with pytest.raises(RuntimeError, match=r"loads \[1\] loaded rows, but raw.incidents holds none"):
        land(con, lake, [INCIDENTS])
    assert not list(lake.rglob("*.parquet"))


def test_a_closed_months_nightly_files_are_merged_into_one(tmp_path, con):
    landing, lake = tmp_path / "landing", tmp_path / "lake"
    for n, day in enumerate(("2014-01-29", "2014-01-30", "2014-01-31"), 1):
        _export(landing, "kent", day, _row(n), _row(n + 100))
        _night(con, landing, lake)  # a night: one file for kent's January
    nightly = sorted(lake.rglob("*.parquet"))
    assert len(live_lake_files(con, INCIDENTS).files) == 3

    _export(landing, "kent", "2014-02-01", _row(500))  # February starts: January is closed
    written = _night(con, landing, lake)
    files, ids, _ = astuple(live_lake_files(con, INCIDENTS))
    assert files == ["incidents/force=kent/month=2014-01/000000000001-000000000003.parquet",
                     "incidents/force=kent/month=2014-02/000000000004-000000000004.parquet"]
    assert {(f.path, f.loads, f.rows) for f in written} >= {(files[0], 3, 6)}
    assert _lake_rows(lake, files, ids) == _raw_rows(con)
    assert all(path.exists() for path in nightly)  # superseded, not removed: published nights read them
    assert _night(con, landing, lake) == []  # nothing more to merge

    _export(landing, "kent", "2014-01-28", _row(700))  # a late export for the closed month
    _night(con, landing, lake)
    files, ids, _ = astuple(live_lake_files(con, INCIDENTS))
    assert files[0] == "incidents/force=kent/month=2014-01/000000000001-000000000005.parquet"
    assert _lake_rows(lake, files, ids) == _raw_rows(con)

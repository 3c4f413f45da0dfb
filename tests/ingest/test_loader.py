"""FileLoader on real DuckDB files: reconciliation, the corrupt-file corpus, versions."""

from __future__ import annotations

import gzip
import hashlib
import hmac
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import EXPORT_KINDS, KINDS_BY_NAME
from orchestration.ingest.landing import discover
from orchestration.ingest.loader import FileLoader
from orchestration.ingest.schema import ensure_schema
from tests.ingest.landing_files import csv_lines, write_export

HEADER = "incident_id,received_at,channel,opening_code,closing_code,caller_name,caller_dob,caller_address,summary"
GOOD = 'HT-I-1,2014-01-06T10:00:00,999,ASSAULT,CRIME_RECORDED,Jane Doe,1980-02-03,"1 Elm Road, Hitchin",fight'
KEY = "test-key"


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "wh.duckdb"))
    ensure_schema(connection, EXPORT_KINDS)
    yield connection
    connection.close()


def _load_all(con, landing):
    loader = FileLoader(con, KEY, run_id="test")
    return {f.relative_path: loader.load(f) for f in discover(landing)}


def _reconciles(con) -> None:
    rows = con.execute(
        "SELECT l.file_path, l.rows_read, l.rows_loaded, l.rows_quarantined, "
        "(SELECT count(*) FROM raw.incidents r WHERE r._load_id = l.load_id), "
        "(SELECT count(*) FROM ops.quarantine q WHERE q.load_id = l.load_id) "
        "FROM ops.load_log l WHERE l.status = 'loaded'"
    ).fetchall()
    for path, read, loaded, quarantined, in_raw, in_quarantine in rows:
        assert read == loaded + quarantined, path
        assert (loaded, quarantined) == (in_raw, in_quarantine), path


def test_corrupt_corpus_lands_in_load_log_and_quarantine(tmp_path, con):
    landing = tmp_path / "landing"
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD, "HT-I-2,2014-01-06T11:00:00,101", GOOD.replace("HT-I-1", "HT-I-3") + ",extra"), "2014-01-01")
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD, GOOD.replace("2014-01-06T10:00:00", "06/01/2014 25:61")), "2014-01-02")
    write_export(landing, "incidents.csv", csv_lines("incident_id,channel", "HT-I-1,999"), "2014-01-03")
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD, GOOD, GOOD.replace("HT-I-1", "")), "2014-01-04")
    write_export(landing, "incidents.csv", b"", "2014-01-05")
    write_export(landing, "incidents.csv.gz", gzip.compress(csv_lines(HEADER, *[GOOD.replace("HT-I-1", f"HT-I-{n}") for n in range(5000)]))[:2000], "2014-01-06")
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD, "HT-I-9,2014-01-06T10:00:00,999,A,B,Zo\xeb Smith,,,x".replace("\xeb", "?")).replace(b"Zo? ", b"Zo\xeb "), "2014-01-07")
    write_export(landing, "incidents.csv", csv_lines(HEADER), "2014-01-08")
    write_export(landing, "incidents.csv", HEADER.encode("utf-16"), "2014-01-09")

    loads = _load_all(con, landing)
    by_day = {path.split("/")[1]: load for path, load in loads.items()}

    ragged = by_day["2014-01-01"]
    assert (ragged.status, ragged.rows_read, ragged.rows_loaded, ragged.rows_quarantined) == ("loaded", 3, 1, 2)
    bad_date = by_day["2014-01-02"]
    assert (bad_date.rows_loaded, bad_date.rows_quarantined) == (1, 1)
    missing_column = by_day["2014-01-03"]
    assert missing_column.status == "rejected" and "missing required column(s) received_at" in missing_column.message
    duplicates = by_day["2014-01-04"]
    assert (duplicates.rows_read, duplicates.rows_loaded, duplicates.rows_quarantined) == (3, 1, 2)
    assert by_day["2014-01-05"].status == "rejected" and "empty file" in by_day["2014-01-05"].message
    truncated = by_day["2014-01-06"]
    assert truncated.status == "rejected" and "truncated or corrupt gzip" in truncated.message
    cp1252 = by_day["2014-01-07"]
    assert (cp1252.rows_loaded, cp1252.rows_quarantined) == (1, 1)
    header_only = by_day["2014-01-08"]
    assert (header_only.status, header_only.rows_read) == ("loaded", 0)
    assert by_day["2014-01-09"].status == "rejected" and "not UTF-8" in by_day["2014-01-09"].message

    reasons = dict(con.execute(
        "SELECT file_path || '#' || source_row, reason FROM ops.quarantine"
    ).fetchall())
    assert reasons["hertfordshire/2014-01-01/incidents.csv#2"] == "ragged row: 3 field(s), the header has 9"
    assert reasons["hertfordshire/2014-01-01/incidents.csv#3"] == "ragged row: 10 field(s), the header has 9"
    assert reasons["hertfordshire/2014-01-02/incidents.csv#2"] == "unparseable timestamp in received_at: 06/01/2014 25:61"
    assert reasons["hertfordshire/2014-01-04/incidents.csv#2"] == "duplicate key incident_id=HT-I-1 (first at row 1)"
    assert reasons["hertfordshire/2014-01-04/incidents.csv#3"] == "missing required value in incident_id"
    assert reasons["hertfordshire/2014-01-07/incidents.csv#2"] == "invalid UTF-8"
    _reconciles(con)
    statuses = dict(con.execute("SELECT file_path, status FROM ops.load_log").fetchall())
    assert len(statuses) == 9


def test_no_personal_data_in_clear_even_in_quarantine(tmp_path, con):
    landing = tmp_path / "landing"
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD, GOOD, 'HT-I-7,x,999,A,B,Jane Doe,1980-02-03,"1 Elm Road, Hitchin"'))
    _load_all(con, landing)
    text = " ".join(str(v) for row in con.execute(
        "SELECT * FROM raw.incidents UNION ALL BY NAME SELECT * FROM ops.quarantine").fetchall() for v in row)
    for clear in ("Jane Doe", "jane doe", "1980-02-03", "Elm Road"):
        assert clear not in text
    expected = hmac.new(KEY.encode(), b"jane doe", hashlib.sha256).hexdigest()[:32]  # HMAC-SHA-256-128
    assert con.execute("SELECT caller_name_hash FROM raw.incidents").fetchone()[0] == expected


def test_timestamps_are_stored_in_utc(tmp_path, con):
    landing = tmp_path / "landing"
    summer = GOOD.replace("2014-01-06T10:00:00", "2014-07-06T10:00:00").replace("HT-I-1", "HT-I-2")
    offset = GOOD.replace("2014-01-06T10:00:00", "2014-07-06T10:00:00+00:00").replace("HT-I-1", "HT-I-3")
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD, summer, offset))
    _load_all(con, landing)
    got = dict(con.execute("SELECT incident_id, strftime(received_at, '%H:%M') FROM raw.incidents").fetchall())
    assert got == {"HT-I-1": "10:00", "HT-I-2": "09:00", "HT-I-3": "10:00"}


def test_unchanged_file_is_not_reloaded_and_a_changed_one_replaces_its_rows(tmp_path, con):
    landing = tmp_path / "landing"
    path = write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD))
    kind = KINDS_BY_NAME["incidents"]
    first = load_kind(con, landing, kind, KEY)
    before = con.execute("SELECT * FROM raw.incidents").fetchall()
    second = load_kind(con, landing, kind, KEY)
    assert [l.status for l in first.loads] == ["loaded"]
    assert [l.status for l in second.loads] == ["unchanged"]
    assert con.execute("SELECT * FROM raw.incidents").fetchall() == before
    assert con.execute("SELECT count(*) FROM ops.load_log").fetchone()[0] == 1

    path.write_bytes(csv_lines(HEADER, GOOD.replace("fight", "fight (corrected)"), GOOD.replace("HT-I-1", "HT-I-2")))
    third = load_kind(con, landing, kind, KEY)
    assert third.loads[0].status == "loaded" and "replaces" in third.loads[0].message
    assert con.execute("SELECT incident_id, summary FROM raw.incidents ORDER BY 1").fetchall() == [
        ("HT-I-1", "fight (corrected)"), ("HT-I-2", "fight")]


def test_identical_content_under_another_name_is_skipped(tmp_path, con):
    landing = tmp_path / "landing"
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD), "2014-01-06")
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD), "2014-01-07")
    loads = _load_all(con, landing)
    assert [l.status for l in loads.values()] == ["loaded", "skipped"]
    assert con.execute("SELECT count(*) FROM raw.incidents").fetchone()[0] == 1


def test_a_failure_mid_file_leaves_nothing_behind(tmp_path, con, monkeypatch):
    landing = tmp_path / "landing"
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD))
    loader = FileLoader(con, KEY, run_id="test")
    original = loader._log

    def crash(*args, **kwargs):
        raise RuntimeError("simulated crash before commit")

    monkeypatch.setattr(loader, "_log", crash)
    with pytest.raises(RuntimeError):
        loader.load(next(discover(landing)))
    con.execute("ROLLBACK")
    assert con.execute("SELECT count(*) FROM raw.incidents").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM ops.quarantine").fetchone()[0] == 0
    monkeypatch.setattr(loader, "_log", original)
    assert loader.load(next(discover(landing))).status == "loaded"


def _contents(con) -> dict[str, list]:
    """Every loaded value, without what differs between two loads of the same files."""
    return {
        "raw": con.execute("SELECT * EXCLUDE (_load_id, _loaded_at) FROM raw.incidents ORDER BY ALL").fetchall(),
        "quarantine": con.execute("SELECT * EXCLUDE (load_id) FROM ops.quarantine ORDER BY ALL").fetchall(),
        "log": con.execute("SELECT file_path, file_sha256, rows_read, rows_loaded, rows_quarantined, status, message "
                           "FROM ops.load_log ORDER BY ALL").fetchall(),
    }


def _first_nights_files(landing: Path) -> None:
    for day in range(1, 10):
        rows = [GOOD.replace("HT-I-1", f"HT-I-{day}{n}") for n in range(20)]
        rows.append(rows[3])  # a duplicate key within the file: quarantined
        rows.append(GOOD.replace("HT-I-1", "HT-I-SHARED").replace("fight", f"day {day}"))  # one key, nine versions
        write_export(landing, "incidents.csv", csv_lines(HEADER, *rows), f"2014-02-{day:02d}")
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD, "HT-I-2,2014-01-06T11:00:00,101"), "2014-02-10")  # ragged row
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD.replace("2014-01-06T10:00:00", "25:61")), "2014-02-11")
    write_export(landing, "incidents.csv", csv_lines("incident_id,channel", "HT-I-1,999"), "2014-02-12")  # bad header
    write_export(landing, "incidents.csv", csv_lines(HEADER), "2014-02-13")  # no rows
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD.replace("HT-I-1", "HT-I-11")), "2014-02-14")  # same as below
    write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD.replace("HT-I-1", "HT-I-11")), "2014-02-15")


def test_batched_load_equals_file_by_file(tmp_path):
    """load_all reads clean CSV files of one shape together; the result must be exactly what
    loading them one by one gives, bad files included (they are split out of the batch)."""
    results = {}
    for mode in ("one_by_one", "batched"):
        landing = tmp_path / mode / "landing"
        _first_nights_files(landing)
        con = duckdb.connect(str(tmp_path / mode / "wh.duckdb"))
        ensure_schema(con, EXPORT_KINDS)
        loader = FileLoader(con, KEY, run_id="test")
        for night in range(2):
            if night == 1:  # a corrected file: its rows replace the first version's
                write_export(landing, "incidents.csv", csv_lines(HEADER, GOOD.replace("HT-I-1", "HT-I-99")), "2014-02-02")
            files = list(discover(landing))
            loads = [loader.load(f) for f in files] if mode == "one_by_one" else loader.load_all(files)
            results[(mode, night)] = [(l.file.relative_path, l.status, l.rows_read, l.rows_quarantined, l.message)
                                      for l in loads]
            if night == 0:  # (after a replacement the old load's raw rows are gone by design)
                _reconciles(con)
        results[mode] = _contents(con)
        con.close()

    assert results["batched"] == results["one_by_one"]
    for night in range(2):
        assert results[("batched", night)] == results[("one_by_one", night)]
    first = {path.split("/")[1]: tuple(outcome) for path, *outcome in results[("batched", 0)]}
    assert first["2014-02-01"][:3] == ("loaded", 22, 1)
    assert first["2014-02-10"][:3] == ("loaded", 2, 1)
    assert first["2014-02-12"][0] == "rejected"
    assert first["2014-02-15"][0] == "skipped"
    second = {path.split("/")[1]: tuple(outcome) for path, *outcome in results[("batched", 1)]}
    assert second["2014-02-02"] == ("loaded", 1, 0, "replaces the previously loaded version")
    assert {status for status, *_ in second.values()} == {"unchanged", "loaded"}


def test_header_only_files_are_loaded_in_one_batch(tmp_path, con):
    """Nights with no decisions: identical header-only files are not twins of each other."""
    landing = tmp_path / "landing"
    for day in range(1, 31):
        write_export(landing, "incidents.csv", csv_lines(HEADER), f"2014-03-{day:02d}")
    loader = FileLoader(con, KEY, run_id="test")
    batches = []
    original = loader._load_batch
    loader._load_batch = lambda files, header: batches.append(len(files)) or original(files, header)
    loads = loader.load_all(list(discover(landing)))
    assert batches == [30]
    assert {(load.status, load.rows_read) for load in loads} == {("loaded", 0)}

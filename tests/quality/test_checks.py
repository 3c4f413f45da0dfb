"""Row-by-row suites are validated in chunks: the outcome must equal one whole validation."""

from __future__ import annotations

import datetime as dt

import duckdb

from orchestration.quality import checks
from orchestration.quality.suites import load_suites
from orchestration.quality.validate import row_by_row, validate

HASH = "a" * 64


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA ops")
    con.execute("CREATE TABLE ops.load_log (load_id BIGINT, run_id VARCHAR, status VARCHAR)")
    con.execute("INSERT INTO ops.load_log VALUES (1, 'tonight', 'loaded'), (2, 'last-night', 'loaded')")
    con.execute("CREATE TABLE raw.incidents (incident_id VARCHAR, received_at TIMESTAMP, channel VARCHAR, "
                "force_id VARCHAR, caller_name_hash VARCHAR, export_date DATE, _load_id BIGINT)")
    rows = []
    for n in range(5000):
        bad_channel = n in (7, 2600, 4999)  # in three different chunks
        rows.append([f"KT-I-{n:06d}", dt.datetime(2014, 1, 6, 10), "carrier pigeon" if bad_channel else "999",
                     "kent", HASH, dt.date(2014, 1, 6 + n // 2500), 1])
    rows.append(["KT-I-OLD", dt.datetime(2014, 1, 5), "fax", "kent", HASH, dt.date(2014, 1, 5), 2])  # other run
    con.executemany("INSERT INTO raw.incidents VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def test_chunked_validation_equals_one_whole_validation(monkeypatch):
    suite = next(s for s in load_suites() if s.check_name == "gx_incidents")
    assert row_by_row(suite)
    con = _warehouse()
    whole = validate(suite, checks.read_batch(con, suite, "tonight"))
    monkeypatch.setattr(checks, "CHUNK_ROWS", 2048)  # three chunks
    chunked = checks.validate_batch(con, suite, "tonight")
    assert chunked.rows_validated == whole.rows_validated == 5000
    by_type = lambda outcome: [(o.type, o.kwargs.get("column"), o.success, o.unexpected_count) for o in outcome.outcomes]
    assert by_type(chunked) == by_type(whole)
    (failed,) = [o for o in chunked.outcomes if not o.success]
    assert failed.kwargs["column"] == "channel" and failed.unexpected_count == 3
    assert set(failed.unexpected_sample) == {"carrier pigeon"}
    (whole_failed,) = [o for o in whole.outcomes if not o.success]
    assert set(failed.where) == set(whole_failed.where) and len(failed.where) == 2  # both days named
    assert checks.validate_batch(con, suite, "a run that loaded nothing") is None

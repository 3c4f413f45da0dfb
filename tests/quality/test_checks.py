"""Suites are validated in chunks where they hold chunk by chunk: the outcome must equal one whole validation."""

from __future__ import annotations

import datetime as dt

import duckdb

from orchestration.publish.watermark import record_published
from orchestration.quality import checks
from orchestration.quality.suites import load_suites
from orchestration.quality.validate import row_by_row, separable_by_force, validate

HASH = "a" * 32  # a pseudonym: 128 bits in hex


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA ops")
    # Load 1 was published last night; load 2 is tonight's (publish/watermark.py).
    con.execute("CREATE TABLE ops.load_log (load_id BIGINT, run_id VARCHAR, status VARCHAR)")
    con.execute("INSERT INTO ops.load_log VALUES (1, 'last-night', 'loaded'), (2, 'tonight', 'loaded')")
    record_published(con, 1)
    con.execute("CREATE TABLE raw.incidents (incident_id VARCHAR, received_at TIMESTAMP, channel VARCHAR, "
                "force_id VARCHAR, caller_name_hash VARCHAR, export_date DATE, _load_id BIGINT)")
    rows = []
    for n in range(5000):
        bad_channel = n in (7, 2600, 4999)  # in three different chunks
        rows.append([f"KT-I-{n:06d}", dt.datetime(2014, 1, 6, 10), "carrier pigeon" if bad_channel else "999",
                     "kent", HASH, dt.date(2014, 1, 6 + n // 2500), 2])
    rows.append(["KT-I-OLD", dt.datetime(2014, 1, 5), "fax", "kent", HASH, dt.date(2014, 1, 5), 1])  # published
    con.executemany("INSERT INTO raw.incidents VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return con


def test_chunked_validation_equals_one_whole_validation(monkeypatch):
    suite = next(s for s in load_suites() if s.check_name == "gx_incidents")
    assert row_by_row(suite)
    con = _warehouse()
    whole = validate(suite, checks.read_batch(con, suite))
    monkeypatch.setattr(checks, "CHUNK_ROWS", 2048)  # three chunks
    chunked = checks.validate_batch(con, suite)
    assert chunked.rows_validated == whole.rows_validated == 5000
    by_type = lambda outcome: [(o.type, o.kwargs.get("column"), o.success, o.unexpected_count) for o in outcome.outcomes]
    assert by_type(chunked) == by_type(whole)
    (failed,) = [o for o in chunked.outcomes if not o.success]
    assert failed.kwargs["column"] == "channel" and failed.unexpected_count == 3
    assert set(failed.unexpected_sample) == {"carrier pigeon"}
    (whole_failed,) = [o for o in whole.outcomes if not o.success]
    assert set(failed.where) == set(whole_failed.where) and len(failed.where) == 2  # both days named
    record_published(con, 2)  # tonight published: a run loading nothing more validates nothing
    assert checks.validate_batch(con, suite) is None


def _staging_incidents(con: duckdb.DuckDBPyConnection, forces: dict[str, int], duplicated: list[tuple[str, int]]):
    con.execute("CREATE SCHEMA IF NOT EXISTS staging")
    con.execute("CREATE TABLE staging.stg_raw__incidents (force_id VARCHAR, incident_id VARCHAR, "
                "export_date DATE, _load_id BIGINT)")
    rows = [[force, f"I-{n:06d}", dt.date(2014, 1, 6), 2] for force, count in forces.items() for n in range(count)]
    rows += [[force, f"I-{n:06d}", dt.date(2014, 1, 7), 2] for force, n in duplicated]
    rows.append([None, "I-NO-FORCE", dt.date(2014, 1, 7), 2])  # validated too, in a group of its own
    con.executemany("INSERT INTO staging.stg_raw__incidents VALUES (?, ?, ?, ?)", rows)


def test_uniqueness_on_a_key_with_force_id_is_validated_a_group_of_forces_at_a_time(monkeypatch):
    suite = next(s for s in load_suites() if s.check_name == "gx_stg_raw__incidents")
    assert separable_by_force(suite) and not row_by_row(suite)
    assert not separable_by_force(next(s for s in load_suites() if s.check_name == "gx_audits"))  # audit_id alone
    con = _warehouse()
    # The same incident ids in every force are not duplicates; the listed (force, id) pairs are.
    _staging_incidents(con, {"kent": 1500, "essex": 900, "metropolitan": 3000}, [("kent", 3), ("metropolitan", 2999)])
    whole = validate(suite, checks.read_batch(con, suite))
    monkeypatch.setattr(checks, "CHUNK_ROWS", 2048)
    assert checks._force_groups(con, *checks._batch_sql(con, suite)) == [
        ["essex"], ["kent"], ["metropolitan"], [None]]
    chunked = checks.validate_batch(con, suite)
    assert chunked.rows_validated == whole.rows_validated == 5403
    (outcome,), (whole_outcome,) = chunked.outcomes, whole.outcomes
    assert not outcome.success and outcome.unexpected_count == whole_outcome.unexpected_count == 4  # 2 keys x 2 rows
    assert set(outcome.where) == set(whole_outcome.where)


def test_timestamps_beyond_the_nanosecond_range_are_still_judged():
    """Timestamps go to GX as datetime64[ns] (vectorised); one that cannot is judged as it is."""
    suite = next(s for s in load_suites() if s.check_name == "gx_incidents")
    con = _warehouse()
    con.execute("UPDATE raw.incidents SET received_at = TIMESTAMP '2999-01-01' WHERE incident_id = 'KT-I-000010'")
    frame = checks.read_batch(con, suite)
    assert str(frame["received_at"].dtype) != "datetime64[ns]"
    outcome = validate(suite, frame)
    (between,) = [o for o in outcome.outcomes if o.type == "expect_column_values_to_be_between"]
    assert not between.success and between.unexpected_count == 1
    con.execute("UPDATE raw.incidents SET received_at = TIMESTAMP '2100-01-01' WHERE incident_id = 'KT-I-000010'")
    (between,) = [o for o in validate(suite, checks.read_batch(con, suite)).outcomes
                  if o.type == "expect_column_values_to_be_between"]
    assert not between.success and between.unexpected_count == 1

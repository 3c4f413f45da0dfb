"""Migrations on a real DuckDB file: a warehouse of 64-digit pseudonyms keeps linking."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import EXPORT_KINDS, KINDS_BY_NAME
from orchestration.ingest.migrations import (
    MIGRATIONS,
    apply_migrations,
    pending_compaction,
    record_compaction,
    withhold_unknown_names,
)
from orchestration.publish.snapshot import compact
from orchestration.ingest.schema import ensure_schema

KEY = "test-key"
HEADER = "incident_id,received_at,channel,opening_code,closing_code,caller_name,caller_dob,caller_address,summary"


def _full(value: str) -> str:
    """A pseudonym as the loader wrote it before the 128-bit truncation."""
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _night(landing: Path, day: str, incident_id: str) -> None:
    path = landing / "hertfordshire" / day / "incidents.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{HEADER}\n{incident_id},{day}T10:00:00,999,ASSAULT,CRIME_RECORDED,Jane Doe,,,fight\n")


@pytest.fixture
def old_warehouse(tmp_path):
    """A warehouse as the previous code left it: full pseudonyms in raw, in a dbt staging
    table (and a view over it), in a quarantined record; no migration recorded."""
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    ensure_schema(con, EXPORT_KINDS)
    con.execute(
        "INSERT INTO raw.incidents (force_id, incident_id, caller_name_hash, caller_dob_hash) "
        "VALUES ('hertfordshire', 'HT-I-1', ?, NULL)", [_full("jane doe")])
    con.execute("CREATE SCHEMA staging")
    con.execute("CREATE TABLE staging.stg_raw__incidents AS SELECT force_id, incident_id, caller_name_hash FROM raw.incidents")
    con.execute("CREATE VIEW staging.v AS SELECT caller_name_hash FROM staging.stg_raw__incidents")
    record = json.dumps({"incident_id": "HT-I-9", "caller_name": _full("john roe"), "summary": "x"})
    con.execute("INSERT INTO ops.quarantine VALUES (1, 'f.csv', 2, ?, 'bad channel')", [record])
    yield con
    con.close()


def test_full_pseudonyms_become_what_the_loader_now_writes(tmp_path, old_warehouse):
    con = old_warehouse
    assert apply_migrations(con) == [name for name, _ in MIGRATIONS]
    short = _full("jane doe")[:32]
    assert con.execute("SELECT caller_name_hash, caller_dob_hash FROM raw.incidents").fetchall() == [(short, None)]
    assert con.execute("SELECT caller_name_hash FROM staging.v").fetchall() == [(short,)]
    record = json.loads(con.execute("SELECT raw_record FROM ops.quarantine").fetchone()[0])
    assert record == {"incident_id": "HT-I-9", "caller_name": _full("john roe")[:32], "summary": "x"}
    assert con.execute("SELECT name, rows_changed FROM ops.schema_migrations ORDER BY name").fetchall() == [
        ("pseudonyms_128_bit", 3), ("withhold_clear_text", 0)]

    # The next night's load (which applies migrations itself) links to the migrated history.
    landing = tmp_path / "landing"
    _night(landing, "2014-01-07", "HT-I-2")
    load_kind(con, landing, KINDS_BY_NAME["incidents"], KEY)
    assert con.execute("SELECT count(DISTINCT caller_name_hash), min(length(caller_name_hash)) "
                       "FROM raw.incidents").fetchone() == (1, 32)


def test_a_migration_applies_once(old_warehouse):
    con = old_warehouse
    apply_migrations(con)
    con.execute("UPDATE raw.incidents SET caller_name_hash = ?", [_full("someone else")])
    assert apply_migrations(con) == []
    assert len(con.execute("SELECT caller_name_hash FROM raw.incidents").fetchone()[0]) == 64


def test_a_failed_migration_leaves_nothing_half_done(old_warehouse, monkeypatch):
    con = old_warehouse

    def fails(connection):
        connection.execute("UPDATE raw.incidents SET caller_name_hash = 'x'")
        raise RuntimeError("disk full")

    monkeypatch.setattr("orchestration.ingest.migrations.MIGRATIONS", (("broken", fails),))
    with pytest.raises(RuntimeError, match="disk full"):
        apply_migrations(con)
    assert con.execute("SELECT caller_name_hash FROM raw.incidents").fetchone()[0] == _full("jane doe")
    assert con.execute("SELECT count(*) FROM ops.schema_migrations").fetchone()[0] == 0


# What loaders before the hardening (issue 16) wrote into ops, verbatim in shape.
OLD_QUARANTINE = [
    ("HT-I-7,2014-01-06T10:00:00,999,ASSAULT,,Jane Doe,,,fight,extra",
     'unreadable row (csv error): Expected Number of Columns: 9 Found: 10 "HT-I-7,2014-01-06T10:00:00,999,ASSAULT,,Jane Doe"'),
    ("<line withheld: it may hold personal data>", "unreadable row (quote error): unterminated quotes"),
]
OLD_MESSAGES = [
    "unexpected column(s) Jane Doe, summary, 1 High Street; missing required column(s) incident_id "
    "(expected header: incident_id,received_at)",
    "cannot be read: Conversion Error: Could not convert string 'Jane Doe' to INT32",
    "header is not UTF-8 (byte 4: b'\\xe9t\\xe9'); said by the force contract",
]


def test_clear_text_older_loaders_kept_in_ops_is_withheld_and_erased_by_one_compaction(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    ensure_schema(con, EXPORT_KINDS)
    for n, (record, reason) in enumerate(OLD_QUARANTINE, start=2):
        con.execute("INSERT INTO ops.quarantine VALUES (1, 'hertfordshire/2014-01-06/incidents.csv', ?, ?, ?)",
                    [n, record, reason])
    for load_id, message in enumerate(OLD_MESSAGES, start=1):
        con.execute("INSERT INTO ops.load_log VALUES (?, ?, 'sha', 1, 0, 0, 0, 'rejected', ?, now(), now(), "
                    "'incidents', NULL, NULL)", [load_id, f"f{load_id}.csv", message])
    con.execute("CHECKPOINT")

    assert "withhold_clear_text" in apply_migrations(con)
    text = " ".join(str(v) for table in ("ops.quarantine", "ops.load_log")
                    for row in con.execute(f"SELECT * FROM {table}").fetchall() for v in row)
    for clear in ("Jane", "High Street", "xe9"):
        assert clear not in text
    messages = [m for (m,) in con.execute("SELECT message FROM ops.load_log ORDER BY load_id").fetchall()]
    assert messages[0].startswith("unexpected column(s) summary, 2 unknown name(s) not shown; missing required")
    assert messages[1] == "cannot be read: Conversion Error: Could not convert string '...' to INT32"
    assert messages[2] == "header is not UTF-8 (byte 4); said by the force contract"
    records = [r for (r,) in con.execute("SELECT raw_record FROM ops.quarantine ORDER BY source_row").fetchall()]
    assert all(json.loads(r) == {"withheld": "a line recorded before lines were hashed"} for r in records)

    # The old bytes are in the file's free blocks until one compaction, which publish runs.
    assert pending_compaction(con) == ["withhold_clear_text"]
    con.close()
    compact(path)
    assert b"Jane Doe" not in path.read_bytes()
    with duckdb.connect(str(path)) as con:
        record_compaction(con, ["withhold_clear_text"])
        assert pending_compaction(con) == []


def test_known_column_names_stay_in_a_message_unknown_ones_go():
    known = {"incident_id", "summary"}
    assert withhold_unknown_names("unexpected column(s) summary, incident_id", known) == \
        "unexpected column(s) summary, incident_id"
    assert withhold_unknown_names("unexpected column(s) at field(s) 2 of 9 (unknown names are not shown)", known) == \
        "unexpected column(s) at field(s) 2 of 9 (unknown names are not shown)"
    assert withhold_unknown_names("x; unexpected column(s) Jo Bloggs", known) == \
        "x; unexpected column(s) 1 unknown name(s) not shown"

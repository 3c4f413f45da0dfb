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
from orchestration.ingest.migrations import MIGRATIONS, apply_migrations
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
    assert con.execute("SELECT name, rows_changed FROM ops.schema_migrations").fetchall() == [
        ("pseudonyms_128_bit", 3)]

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

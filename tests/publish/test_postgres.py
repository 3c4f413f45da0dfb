"""`cdi publish-postgres` against a real PostgreSQL server started by the test session."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psycopg
import pytest

from orchestration.publish.postgres import publish_to_postgres

CDI = str(Path(sys.executable).with_name("cdi"))
PUBLISHER = "cdi_publisher"
BI_USER = "bi_user"


@pytest.fixture(scope="module")
def bi_user(postgres):
    """A BI login that reads through the role publish-postgres creates (GRANT role TO login)."""
    postgres.admin("CREATE ROLE cdi_reader NOLOGIN", dbname="postgres")
    postgres.admin(f"CREATE ROLE {BI_USER} LOGIN IN ROLE cdi_reader", dbname="postgres")
    return BI_USER


def duckdb_rows(published: Path, table: str) -> list[tuple]:
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(f'SELECT * FROM marts."{table}"').fetchall()


def pg_rows(dsn: str, schema: str, table: str) -> list[tuple]:
    with psycopg.connect(dsn) as con:
        return con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()


def duckdb_tables(published: Path) -> set[str]:
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as con:
        return {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()}


def test_every_mart_and_dimension_arrives_with_equal_values(nightly, postgres, bi_user):
    published = nightly.settings.published_dir
    result = publish_to_postgres(published, postgres.dsn(PUBLISHER), schema="marts")
    assert set(result.tables) == duckdb_tables(published)
    assert {"recording_accuracy", "no_crime_accuracy", "dim_force", "dim_offence", "dim_date",
            "worst_forces_latest_audit"} <= set(result.tables)
    for table, count in result.tables.items():
        expected = duckdb_rows(published, table)
        got = pg_rows(postgres.dsn(bi_user), "marts", table)
        assert count == len(expected), table
        assert sorted(got, key=repr) == sorted(expected, key=repr), table
    with psycopg.connect(postgres.dsn(bi_user)) as con:
        herts = con.execute("SELECT crimes_recorded, crimes_reported, round(recording_rate::numeric, 3) "
                            "FROM marts.recording_accuracy WHERE force_id = %s AND offence_group = %s",
                            ["hertfordshire", "all"]).fetchall()
        assert [(r, p, float(rate)) for r, p, rate in herts] == [(130, 181, 0.718)]
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema = 'marts' AND table_name = 'recording_accuracy'").fetchall())
        assert (types["crimes_recorded"], types["recording_rate"], types["force_id"]) == ("bigint", "double precision", "text")
        # the dbt descriptions travel as comments, which Metabase and Superset show
        comment = con.execute("SELECT col_description('marts.recording_accuracy'::regclass, "
                              "(SELECT attnum FROM pg_attribute WHERE attrelid = 'marts.recording_accuracy'::regclass "
                              "AND attname = 'crimes_recorded'))").fetchone()[0]
    manifest = json.loads((published / "docs" / "manifest.json").read_text())
    described = manifest["nodes"]["model.crime_data_integrity.recording_accuracy"]["columns"]["crimes_recorded"]
    assert comment == described["description"].strip()


def test_the_reader_role_cannot_write(nightly, postgres, bi_user):
    publish_to_postgres(nightly.settings.published_dir, postgres.dsn(PUBLISHER), schema="bi_readonly")
    attempts = [
        "INSERT INTO bi_readonly.dim_force (force_id) VALUES ('atlantis')",
        "UPDATE bi_readonly.recording_accuracy SET crimes_recorded = 0",
        "DELETE FROM bi_readonly.dim_force",
        "CREATE TABLE bi_readonly.scratch (a int)",
        "DROP TABLE bi_readonly.dim_force",
        "ALTER TABLE bi_readonly.dim_force ADD COLUMN b int",
        "TRUNCATE bi_readonly.dim_force",
    ]
    with psycopg.connect(postgres.dsn(bi_user), autocommit=True) as con:
        assert con.execute("SELECT count(*) FROM bi_readonly.dim_force").fetchone()[0] > 40
        for statement in attempts:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(statement)
    # default privileges: a table the publisher adds later is readable without a new GRANT
    with psycopg.connect(postgres.dsn(PUBLISHER), autocommit=True) as con:
        con.execute("CREATE TABLE bi_readonly.added_later AS SELECT 1 AS a")
    with psycopg.connect(postgres.dsn(bi_user)) as con:
        assert con.execute("SELECT a FROM bi_readonly.added_later").fetchall() == [(1,)]


def _other_night(published: Path, target: Path) -> Path:
    """A copy of the published folder whose marts differ: recorded counts up, one table fewer."""
    shutil.copytree(published, target)
    with duckdb.connect(str(target / "warehouse.duckdb")) as con:
        con.execute("UPDATE marts.recording_accuracy SET crimes_recorded = crimes_recorded + 1000")
        con.execute("DROP TABLE marts.dim_date")
    return target


SIGNATURE = ("SELECT (SELECT sum(crimes_recorded) FROM bi_swap.recording_accuracy), "
             "(SELECT count(*) FROM information_schema.tables WHERE table_schema = 'bi_swap')")


def test_a_new_publish_swaps_atomically_for_concurrent_readers(nightly, postgres, bi_user, tmp_path):
    night_a = nightly.settings.published_dir
    night_b = _other_night(night_a, tmp_path / "night_b")
    publish_to_postgres(night_a, postgres.dsn(PUBLISHER), schema="bi_swap")
    with psycopg.connect(postgres.dsn(bi_user)) as con:
        old = con.execute(SIGNATURE).fetchone()
    seen, errors, stop = [], [], threading.Event()

    def reader():
        # each query in its own transaction, as BI tools run them
        with psycopg.connect(postgres.dsn(bi_user), autocommit=True) as con:
            while not stop.is_set():
                try:
                    seen.append(con.execute(SIGNATURE).fetchone())
                except psycopg.Error as exc:  # noqa: PERF203 - every failure is the finding
                    errors.append(repr(exc))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        for night in (night_b, night_a, night_b, night_a, night_b):
            publish_to_postgres(night, postgres.dsn(PUBLISHER), schema="bi_swap")
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    with psycopg.connect(postgres.dsn(bi_user)) as con:
        new = con.execute(SIGNATURE).fetchone()
    assert new[0] == old[0] + 1000 * len(duckdb_rows(night_a, "recording_accuracy"))
    assert new[1] == old[1] - 1
    assert errors == []
    assert len(seen) > 50
    assert set(seen) == {old, new}, "a reader saw a night that was neither the old nor the new one"
    with psycopg.connect(postgres.dsn(PUBLISHER)) as con:
        schemas = {r[0] for r in con.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bi_swap%'")}
    assert schemas == {"bi_swap", "bi_swap__previous"}  # one night kept for the owner, nothing half-built
    with psycopg.connect(postgres.dsn(bi_user)) as con, pytest.raises(psycopg.errors.InsufficientPrivilege):
        con.execute("SELECT count(*) FROM bi_swap__previous.recording_accuracy")


def test_cli_publishes_and_explains_failures(nightly, postgres, bi_user):
    published = str(nightly.settings.published_dir)
    done = subprocess.run([CDI, "publish-postgres", "--dsn", postgres.dsn(PUBLISHER), "--schema", "bi_cli",
                           "--published", published], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "into PostgreSQL schema bi_cli" in done.stdout and "read-only role: cdi_reader" in done.stdout
    assert pg_rows(postgres.dsn(bi_user), "bi_cli", "dim_force") == duckdb_rows(nightly.settings.published_dir, "dim_force")
    refused = subprocess.run([CDI, "publish-postgres", "--dsn", f"host=127.0.0.1 port={postgres.port} user=nobody dbname=warehouse",
                              "--published", published], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 1
    assert refused.stderr.startswith("cdi publish-postgres failed: OperationalError") and "Traceback" not in refused.stderr

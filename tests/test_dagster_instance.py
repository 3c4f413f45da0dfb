"""The production Dagster instance (orchestration/dagster.postgres.yaml) on a real PostgreSQL:
the run the 02:00 schedule asks for (yesterday's partition, every force) runs against it
as `cdi run` runs it, loads exactly that date, and its run, events and partitions are stored in PostgreSQL,
where the webserver and the daemon would read them. One run serves both: the schedule's
request and the production instance."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import psycopg
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from orchestration.run import run_nightly
from orchestration.settings import PROJECT_ROOT
from tests.conftest import pipeline_env
from tests.test_jobs import schedule_request

PRODUCTION_CONFIG = PROJECT_ROOT / "orchestration" / "dagster.postgres.yaml"
DAGSTER_DB = "dagster"
DAGSTER_USER = "dagster"  # owns its database, as in production; not a superuser
RAW_CRIMES = AssetKey(["raw", "crimes"])


@pytest.fixture
def dagster_home(postgres, tmp_path, monkeypatch):
    """A DAGSTER_HOME holding the production dagster.yaml as is, its DAGSTER_PG_* variables
    pointing at a fresh database on the test server."""
    postgres.admin(f"CREATE ROLE {DAGSTER_USER} LOGIN", dbname="postgres")
    postgres.admin(f"CREATE DATABASE {DAGSTER_DB} OWNER {DAGSTER_USER}", dbname="postgres")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PRODUCTION_CONFIG, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_PG_USERNAME", DAGSTER_USER)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "unused-under-trust-auth")
    monkeypatch.setenv("DAGSTER_PG_HOST", postgres.host)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(postgres.port))
    monkeypatch.setenv("DAGSTER_PG_DB", DAGSTER_DB)
    try:
        yield home
    finally:
        postgres.admin(f"DROP DATABASE IF EXISTS {DAGSTER_DB} WITH (FORCE)", dbname="postgres")
        postgres.admin(f"DROP ROLE IF EXISTS {DAGSTER_USER}", dbname="postgres")


def test_the_schedules_run_loads_yesterday_and_is_stored_in_postgres(dagster_home, postgres, small_landing, workdir):
    with DagsterInstance.from_config(str(dagster_home)) as instance, pipeline_env(small_landing, workdir) as settings:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert not instance.telemetry_enabled
        # What the schedule asks for (tests/test_jobs.py): one date, every force, as `cdi run` does.
        partition = schedule_request(instance).partition_key
        day = dt.date.fromisoformat(partition)
        outcome = run_nightly(settings, dates=(day, day), instance=instance)
        assert outcome.success, outcome.report()
        run = instance.get_run_by_id(outcome.run_id)
        assert run is not None and run.status == DagsterRunStatus.SUCCESS
        assert run.tags.get("dagster/partition") == partition
        assert instance.get_materialized_partitions(RAW_CRIMES) == {partition}
        # Per-force figures live in the materialization's metadata.
        event = instance.get_latest_materialization_event(RAW_CRIMES)
        per_force = event.asset_materialization.metadata["per_force"].value
        assert sorted(per_force) == ["essex", "kent"] and per_force["kent"]["files_loaded"] == 1
        # Exactly yesterday's exports of every force were loaded.
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            exported = con.execute(
                "SELECT DISTINCT split_part(file_path, '/', 1), split_part(file_path, '/', 2) FROM ops.load_log "
                "WHERE kind IN ('incidents', 'crimes', 'crime_decisions', 'disposals') ORDER BY 1"
            ).fetchall()
            assert exported == [("essex", "2014-01-08"), ("kent", "2014-01-08")]
            # Every asset shows its row count in the UI, dbt models included.
            for key, table in ((["raw", "crimes"], "raw.crimes"), (["marts", "recording_accuracy"], "marts.recording_accuracy"),
                               (["staging", "stg_raw__crimes"], "staging.stg_raw__crimes")):
                event = instance.get_latest_materialization_event(AssetKey(key))
                rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                assert rows > 0 and event.asset_materialization.metadata["dagster/row_count"].value == rows, table
    # nothing went to the SQLite default beside dagster.yaml
    assert not (dagster_home / "history").exists() and not (dagster_home / "schedules").exists()

    # Straight from PostgreSQL, as another process (webserver, daemon) on another host sees it.
    with psycopg.connect(postgres.dsn(user=DAGSTER_USER, dbname=DAGSTER_DB)) as con:
        runs = con.execute("SELECT pipeline_name, status FROM runs WHERE run_id = %s",
                           [outcome.run_id]).fetchall()
        assert runs == [("nightly", "SUCCESS")]
        materializations = con.execute(
            "SELECT partition FROM event_logs WHERE run_id = %s AND asset_key = %s "
            "AND dagster_event_type = 'ASSET_MATERIALIZATION'",
            [outcome.run_id, RAW_CRIMES.to_string()]).fetchall()
        assert materializations == [(partition,)]

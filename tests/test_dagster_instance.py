"""The production Dagster instance (orchestration/dagster.postgres.yaml) on a real PostgreSQL:
one force-day partition of the real pipeline runs against it, and its run, events and
partitions are stored in PostgreSQL, where the webserver and the daemon would read them."""

from __future__ import annotations

import shutil

import psycopg
import pytest
from dagster import AssetKey, DagsterInstance, DagsterRunStatus
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from orchestration.partitions import landing_force_days
from orchestration.run import run_nightly
from orchestration.sample import generate
from orchestration.settings import PROJECT_ROOT
from tests.conftest import pipeline_env

PRODUCTION_CONFIG = PROJECT_ROOT / "orchestration" / "dagster.postgres.yaml"
FORCE = "kent"
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


def test_a_partition_run_is_stored_in_postgres(dagster_home, postgres, tmp_path, workdir):
    landing = tmp_path / "landing"
    generate(landing, forces=[FORCE], days=5)
    day = landing_force_days(landing)[0].export_date
    partition = day.isoformat()

    with DagsterInstance.from_config(str(dagster_home)) as instance, pipeline_env(landing, workdir) as settings:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert not instance.telemetry_enabled
        outcome = run_nightly(settings, dates=(day, day), forces=[FORCE], instance=instance)
        assert outcome.success, outcome.report()
        assert "raw/crimes" in outcome.materialized
        run = instance.get_run_by_id(outcome.run_id)
        assert run is not None and run.status == DagsterRunStatus.SUCCESS
        assert run.tags.get("dagster/partition") == partition
        assert instance.get_materialized_partitions(RAW_CRIMES) == {partition}
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

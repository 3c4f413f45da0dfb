"""The 02:00 schedule asks for yesterday's partition (every force); its run loads them."""

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import AssetKey, RunRequest, build_schedule_context, instance_for_test

from orchestration.jobs import TRIGGER_TAG, nightly_schedule
from tests.conftest import pipeline_env

pytestmark = pytest.mark.e2e  # runs the real pipeline (or dbt, or a server): not in `make test-fast`


def test_the_schedule_runs_the_previous_days_partitions_of_every_force(small_landing, workdir):
    from orchestration.definitions import build_definitions

    with pipeline_env(small_landing, workdir) as settings, instance_for_test() as instance:
        at = dt.datetime(2014, 1, 9, 2, 0, tzinfo=ZoneInfo("Europe/London"))
        request = nightly_schedule(build_schedule_context(instance=instance, scheduled_execution_time=at))
        assert isinstance(request, RunRequest)
        assert request.run_key == "nightly-2014-01-08"
        assert request.tags[TRIGGER_TAG] == "schedule"
        assert request.partition_key == "2014-01-08" and not request.run_config  # every force

        job = build_definitions(settings).resolve_job_def("nightly")
        result = job.execute_in_process(instance=instance, tags=request.tags, partition_key=request.partition_key,
                                        raise_on_error=False)
        assert result.success
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            exported = con.execute(
                "SELECT DISTINCT split_part(file_path, '/', 1), split_part(file_path, '/', 2) FROM ops.load_log "
                "WHERE kind IN ('incidents', 'crimes', 'crime_decisions', 'disposals') ORDER BY 1"
            ).fetchall()
        assert exported == [("essex", "2014-01-08"), ("kent", "2014-01-08")]
        assert instance.get_materialized_partitions(AssetKey(["raw", "crimes"])) == {"2014-01-08"}
        # Per-force figures live in the materialization's metadata.
        event = instance.get_latest_materialization_event(AssetKey(["raw", "crimes"]))
        per_force = event.asset_materialization.metadata["per_force"].value
        assert sorted(per_force) == ["essex", "kent"] and per_force["kent"]["files_loaded"] == 1

        # Every asset shows its row count in the UI, dbt models included.
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            for key, table in ((["raw", "crimes"], "raw.crimes"), (["marts", "recording_accuracy"], "marts.recording_accuracy"),
                               (["staging", "stg_raw__crimes"], "staging.stg_raw__crimes")):
                event = instance.get_latest_materialization_event(AssetKey(key))
                rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                assert rows > 0 and event.asset_materialization.metadata["dagster/row_count"].value == rows, table

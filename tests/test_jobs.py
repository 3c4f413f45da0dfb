"""The 02:00 schedule asks for yesterday's partitions of every force; its run loads them."""

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
from dagster import AssetKey, RunRequest, build_schedule_context, instance_for_test

from orchestration.jobs import TRIGGER_TAG, nightly_schedule
from tests.conftest import pipeline_env


def test_the_schedule_runs_the_previous_days_partitions_of_every_force(small_landing, tmp_path):
    from orchestration.definitions import build_definitions

    with pipeline_env(small_landing, tmp_path) as settings, instance_for_test() as instance:
        at = dt.datetime(2014, 1, 9, 2, 0, tzinfo=ZoneInfo("Europe/London"))
        request = nightly_schedule(build_schedule_context(instance=instance, scheduled_execution_time=at))
        assert isinstance(request, RunRequest)
        assert request.run_key == "nightly-2014-01-08"
        assert request.tags[TRIGGER_TAG] == "schedule"
        forces = instance.get_dynamic_partitions("force")
        assert forces[:2] == ["essex", "kent"] and len(forces) == 44  # landing forces, then the seed's
        assert request.partition_key_range.start == "2014-01-08|essex"
        assert request.partition_key_range.end == f"2014-01-08|{forces[-1]}"

        job = build_definitions(settings).resolve_job_def("nightly")
        result = job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)
        assert result.success
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            exported = con.execute(
                "SELECT DISTINCT split_part(file_path, '/', 1), split_part(file_path, '/', 2) FROM ops.load_log "
                "WHERE kind IN ('incidents', 'crimes', 'crime_decisions', 'disposals') ORDER BY 1"
            ).fetchall()
        assert exported == [("essex", "2014-01-08"), ("kent", "2014-01-08")]
        materialized = instance.get_materialized_partitions(AssetKey(["raw", "crimes"]))
        assert {"2014-01-08|essex", "2014-01-08|kent"} <= materialized
        assert all(key.startswith("2014-01-08|") for key in materialized)

        # Every asset shows its row count in the UI, dbt models included.
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            for key, table in ((["raw", "crimes"], "raw.crimes"), (["marts", "recording_accuracy"], "marts.recording_accuracy"),
                               (["staging", "stg_raw__crimes"], "staging.stg_raw__crimes")):
                event = instance.get_latest_materialization_event(AssetKey(key))
                rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                assert rows > 0 and event.asset_materialization.metadata["dagster/row_count"].value == rows, table

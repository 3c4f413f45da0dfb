"""The landing sensor, evaluated on real files dropped into a temporary landing folder."""

import shutil
import time

import pytest
from dagster import DagsterInstance, RunRequest, SensorResult, SkipReason, build_sensor_context

from orchestration.landing_sensor import ENV_SETTLE, landing_sensor
from orchestration.settings import ENV_LANDING


@pytest.fixture
def sensor_env(small_landing, tmp_path, monkeypatch):
    """An empty landing folder the sensor watches, and the sample to drop files from."""
    watched = tmp_path / "watched"
    watched.mkdir()
    monkeypatch.setenv(ENV_LANDING, str(watched))
    monkeypatch.setenv(ENV_SETTLE, "0")
    return watched, small_landing


def _evaluate(instance, cursor):
    context = build_sensor_context(instance=instance, cursor=cursor)
    result = landing_sensor(context)
    requests = list(result.run_requests or []) if isinstance(result, SensorResult) else []
    new_cursor = result.cursor if isinstance(result, SensorResult) else context.cursor
    return requests, result, new_cursor


def _forces(request: RunRequest) -> list[str]:
    """The forces a request loads (the same list for each export table)."""
    (forces,) = {tuple(op["config"]["forces"]) for op in request.run_config["ops"].values()}
    return list(forces)


def test_one_run_per_export_date_for_the_forces_that_arrived_never_twice_for_the_same_files(sensor_env):
    watched, sample = sensor_env
    shutil.copytree(sample / "kent" / "2014-01-06", watched / "kent" / "2014-01-06")
    with DagsterInstance.ephemeral() as instance:
        # First tick: what is already there is history, not an arrival.
        requests, result, cursor = _evaluate(instance, None)
        assert requests == [] and isinstance(result, SkipReason)
        assert "1 force-day folder(s) already" in result.skip_message

        shutil.copytree(sample / "kent" / "2014-01-07", watched / "kent" / "2014-01-07")
        shutil.copytree(sample / "essex" / "2014-01-07", watched / "essex" / "2014-01-07")
        shutil.copytree(sample / "kent" / "2014-01-08", watched / "kent" / "2014-01-08")
        requests, result, cursor = _evaluate(instance, cursor)
        assert [(r.partition_key, _forces(r)) for r in requests] == [
            ("2014-01-07", ["essex", "kent"]), ("2014-01-08", ["kent"])]
        assert all(r.run_key.startswith(r.partition_key + ":") for r in requests)
        first_keys = {r.run_key for r in requests}

        requests, result, cursor = _evaluate(instance, cursor)
        assert requests == [], "the same files must not start a second run"

        # A corrected file for an old date: one new run of that date for that force only.
        crimes = next((watched / "kent" / "2014-01-07").glob("*CRIMES*"))
        time.sleep(0.01)
        crimes.write_bytes(crimes.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")
        requests, result, cursor = _evaluate(instance, cursor)
        assert [(r.partition_key, _forces(r)) for r in requests] == [("2014-01-07", ["kent"])]
        assert requests[0].run_key not in first_keys


def test_folders_still_being_written_wait_for_the_settle_time(sensor_env, monkeypatch):
    watched, sample = sensor_env
    with DagsterInstance.ephemeral() as instance:
        _, _, cursor = _evaluate(instance, None)
        monkeypatch.setenv(ENV_SETTLE, "3600")
        shutil.copytree(sample / "kent" / "2014-01-08", watched / "kent" / "2014-01-08")
        requests, result, cursor = _evaluate(instance, cursor)
        assert requests == [] and "still being written" in result.skip_message
        monkeypatch.setenv(ENV_SETTLE, "0")
        requests, _, _ = _evaluate(instance, cursor)
        assert [(r.partition_key, _forces(r)) for r in requests] == [("2014-01-08", ["kent"])]

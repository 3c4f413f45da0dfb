"""The 02:00 schedule asks for yesterday's partition, every force. Its run, executed on the
production instance, is in tests/test_dagster_instance.py."""

import datetime as dt
from zoneinfo import ZoneInfo

from dagster import RunRequest, build_schedule_context, instance_for_test

from orchestration.jobs import TRIGGER_TAG, nightly_schedule

AT_TWO = dt.datetime(2014, 1, 9, 2, 0, tzinfo=ZoneInfo("Europe/London"))


def schedule_request(instance, at: dt.datetime = AT_TWO) -> RunRequest:
    """What the nightly schedule asks for when it ticks at `at`."""
    return nightly_schedule(build_schedule_context(instance=instance, scheduled_execution_time=at))


def test_the_schedule_asks_for_the_previous_days_partition_of_every_force():
    with instance_for_test() as instance:
        request = schedule_request(instance)
    assert isinstance(request, RunRequest)
    assert request.run_key == "nightly-2014-01-08"
    assert request.tags[TRIGGER_TAG] == "schedule"
    assert request.partition_key == "2014-01-08" and not request.run_config  # every force

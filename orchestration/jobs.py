"""The nightly job and its 02:00 schedule.

The job holds every asset and check and runs in one process (steps are small; a process
per step would cost ~3 s each), so the schedule, the landing sensor, `cdi run` and
`cdi backfill` execute exactly the same thing over different export dates and forces.
"""

import datetime as dt

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleEvaluationContext,
    define_asset_job,
    in_process_executor,
    schedule,
)

from orchestration.partitions import TIMEZONE

TRIGGER_TAG = "cdi/trigger"

nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest the export dates asked for (the forces named in the run config, else every "
    "force) and any new audit or police.uk file, build the dbt models incrementally, validate, publish.",
)


@schedule(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    name="nightly_schedule",
    description="At 02:00 Europe/London: yesterday's export of every force, then the whole chain.",
)
def nightly_schedule(context: ScheduleEvaluationContext):
    # No force list: the run loads every force with a folder for that date, so a force whose
    # first export arrived today needs no registration.
    day = context.scheduled_execution_time.date() - dt.timedelta(days=1)
    return RunRequest(
        run_key=f"nightly-{day.isoformat()}",
        partition_key=day.isoformat(),
        tags={TRIGGER_TAG: "schedule"},
    )

"""The nightly job and its 02:00 schedule.

The job holds every asset and check and runs in one process (steps are small; a process
per step would cost ~3 s each), so the schedule, the landing sensor, `cdi run` and
`cdi backfill` execute exactly the same thing over different force-day partitions.
"""

import datetime as dt

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    in_process_executor,
    schedule,
)

from orchestration.partitions import FORCES, TIMEZONE, known_forces, range_tags, register_forces
from orchestration.settings import Settings

TRIGGER_TAG = "cdi/trigger"

nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest the force-day partitions asked for (and any new audit or police.uk file), "
    "build the dbt models incrementally, validate, publish.",
)


@schedule(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone=TIMEZONE,
    name="nightly_schedule",
    description="At 02:00 Europe/London: yesterday's export of every force, then the whole chain.",
)
def nightly_schedule(context: ScheduleEvaluationContext):
    # The forces are registered here too, so a force whose first folder appeared today
    # is part of tonight's run even if the landing sensor is off.
    register_forces(context.instance, known_forces(Settings.from_env().landing_dir))
    forces = context.instance.get_dynamic_partitions(FORCES.name)
    if not forces:
        return SkipReason("no force registered: the forces seed and the landing folder are both empty")
    day = context.scheduled_execution_time.date() - dt.timedelta(days=1)
    return RunRequest(
        run_key=f"nightly-{day.isoformat()}",
        tags={**range_tags(day, day, forces), TRIGGER_TAG: "schedule"},
    )

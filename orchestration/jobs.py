"""The nightly job: every asset and check, in one process (steps are small; a process per
step would cost ~3 s each), so the scheduler and `cdi run` execute exactly the same thing."""

from dagster import AssetSelection, ScheduleDefinition, define_asset_job, in_process_executor

nightly_job = define_asset_job(
    "nightly",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Ingest every landing file, build the dbt models, validate, publish.",
)

nightly_schedule = ScheduleDefinition(
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
)

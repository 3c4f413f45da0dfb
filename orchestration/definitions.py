"""The Dagster code location: gathers assets, checks, jobs and resources defined elsewhere."""

from dagster import Definitions

from orchestration.audit.job import audit_design_job
from orchestration.console import console_logger
from orchestration.ingest.assets import ingest_assets
from orchestration.ingest.contracts import load_contracts
from orchestration.jobs import nightly_job, nightly_schedule
from orchestration.landing_sensor import landing_sensor
from orchestration.publish.assets import build_publish_asset
from orchestration.publish.report_assets import report_assets
from orchestration.quality.audit_status import audits_published
from orchestration.quality.checks import build_quality_checks
from orchestration.quality.dbt_tests import build_dbt_test_checks
from orchestration.resources import build_resources
from orchestration.settings import Settings
from orchestration.transform.dbt import asset_keys_by_unique_id, dbt_manifest, dbt_models


def build_definitions(settings: Settings) -> Definitions:
    settings.export_to_env()  # dbt's profiles.yml reads CDI_WAREHOUSE
    load_contracts()  # a broken force contract stops here, naming its file and key
    upstream = [key for assets in (*ingest_assets, dbt_models) for key in assets.keys]
    return Definitions(
        assets=[*ingest_assets, dbt_models, build_publish_asset(upstream), *report_assets],
        asset_checks=[*build_quality_checks(), audits_published,
                      build_dbt_test_checks(dbt_manifest(), asset_keys_by_unique_id())],
        jobs=[nightly_job, audit_design_job],
        schedules=[nightly_schedule],
        sensors=[landing_sensor],
        resources=build_resources(settings),
        loggers={"console": console_logger},  # Dagster's name: `cdi run`'s run config sets its level
    )


defs = build_definitions(Settings.from_env())

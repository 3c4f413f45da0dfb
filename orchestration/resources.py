"""Dagster resources, built from the one `Settings` object."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from orchestration.settings import WAREHOUSE_STORAGE_VERSION, Settings, duckdb_memory_limit

# Every step that writes the working warehouse runs in this pool (limit 1 in dagster.yaml):
# DuckDB allows one read-write process, so parallel steps queue instead of failing.
WAREHOUSE_POOL = "duckdb_warehouse"


class PipelineSettings(ConfigurableResource):
    """Folders and the pseudonym key, as resolved by `Settings.from_env()`."""

    landing_dir: str
    published_dir: str
    pseudonym_key: str

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir)

    @property
    def published_path(self) -> Path:
        return Path(self.published_dir)


def build_resources(settings: Settings) -> dict:
    from orchestration.transform.dbt import dbt_resource

    return {
        "warehouse": DuckDBResource(
            database=str(settings.warehouse),
            connection_config={"storage_compatibility_version": WAREHOUSE_STORAGE_VERSION,
                               "memory_limit": duckdb_memory_limit()},
        ),
        "pipeline": PipelineSettings(
            landing_dir=str(settings.landing_dir),
            published_dir=str(settings.published_dir),
            pseudonym_key=settings.pseudonym_key,
        ),
        "dbt": dbt_resource(),
    }

"""Dagster resources, built from the one `Settings` object."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from orchestration.settings import Settings
from orchestration.warehouse import connection_config


class PipelineSettings(ConfigurableResource):
    """Folders and the pseudonym key, as resolved by `Settings.from_env()`."""

    landing_dir: str
    published_dir: str
    lake_dir: str
    pseudonym_key: str
    engine: str = "duckdb"  # where dbt builds: duckdb, or spark (`cdi run --engine spark`)

    @property
    def landing_path(self) -> Path:
        return Path(self.landing_dir)

    @property
    def published_path(self) -> Path:
        return Path(self.published_dir)

    @property
    def lake_path(self) -> Path:
        return Path(self.lake_dir)


def build_resources(settings: Settings) -> dict:
    from orchestration.transform.dbt import dbt_resource  # it needs PipelineSettings from here

    return {
        "warehouse": DuckDBResource(
            database=str(settings.warehouse),
            connection_config=connection_config(),
        ),
        "pipeline": PipelineSettings(
            landing_dir=str(settings.landing_dir),
            published_dir=str(settings.published_dir),
            lake_dir=str(settings.lake_dir),
            engine=settings.engine,
            pseudonym_key=settings.pseudonym_key,
        ),
        "dbt": dbt_resource(),
    }

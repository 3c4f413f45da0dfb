"""Every setting of the warehouse, read once from the environment (`CDI_*`).

The CLI writes its flags into the environment before anything else reads it, so the
Dagster definitions, the dbt profile (`env_var('CDI_WAREHOUSE')`) and the ingestion code
all see one value per setting. Defaults are spelled here and nowhere else.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# Demo-only key: good enough to make the bundled sample linkable, useless for real data
# because it is public. `warn_if_demo_key` shouts when it is in use.
DEMO_PSEUDONYM_KEY = "cdi-demo-key-not-for-real-data"

# The warehouse is created in DuckDB's v1.4 storage format so readers that lag behind
# DuckDB 2.0 (the CLI on PyPI, BI drivers) can open the published copy.
WAREHOUSE_STORAGE_VERSION = "v1.4.0"
# DuckDB's memory ceiling in the pipeline and in dbt (same variable; profiles.yml reads it).
# DuckDB's default is 80% of RAM: a national year's staging build took the process tree to
# 15.7 GB. Above the ceiling DuckDB spills to disk beside the warehouse.
ENV_DUCKDB_MEMORY_LIMIT = "CDI_DUCKDB_MEMORY_LIMIT"
DEFAULT_DUCKDB_MEMORY_LIMIT = "3GB"


def duckdb_memory_limit() -> str:
    return os.environ.get(ENV_DUCKDB_MEMORY_LIMIT) or DEFAULT_DUCKDB_MEMORY_LIMIT

# The Spark target of dbt (profiles.yml `spark`, issue 20): its warehouse folder and Derby
# metastore live here. Only `dbt --target spark` and its tests read it.
ENV_SPARK_DIR = "CDI_SPARK_DIR"


def spark_dir_from_env() -> Path:
    return Path(os.environ.get(ENV_SPARK_DIR) or PROJECT_ROOT / "data" / "spark")


ENV_LANDING = "CDI_LANDING_DIR"
ENV_WAREHOUSE = "CDI_WAREHOUSE"
ENV_PUBLISHED = "CDI_PUBLISHED_DIR"
ENV_PSEUDONYM_KEY = "CDI_PSEUDONYM_KEY"
# The Parquet lake (ingest/lake.py); by default `lake/` beside the working warehouse.
ENV_LAKE = "CDI_LAKE_DIR"
# Where dbt builds the models: duckdb (the warehouse itself) or spark (transform/spark_engine.py).
ENV_ENGINE = "CDI_ENGINE"
ENGINES = ("duckdb", "spark")
LAKE_DIR_NAME = "lake"
# A force export losing more than this share of its rows to quarantine holds back the audits
# matched against it (dbt: int_audit_statuses, macro max_quarantine_share): a change of shape.
ENV_MAX_QUARANTINE_SHARE = "CDI_MAX_QUARANTINE_SHARE"
DEFAULT_MAX_QUARANTINE_SHARE = "0.01"

_DEFAULTS = {
    ENV_LANDING: PROJECT_ROOT / "data" / "landing",
    ENV_WAREHOUSE: PROJECT_ROOT / "data" / "warehouse.duckdb",
    ENV_PUBLISHED: PROJECT_ROOT / "data" / "published",
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    published_dir: Path
    pseudonym_key: str
    max_quarantine_share: str = DEFAULT_MAX_QUARANTINE_SHARE
    lake: Path | None = None  # None: `lake/` beside the warehouse
    engine: str = "duckdb"

    @property
    def lake_dir(self) -> Path:
        return self.lake or self.warehouse.parent / LAKE_DIR_NAME

    @property
    def uses_demo_key(self) -> bool:
        return self.pseudonym_key == DEMO_PSEUDONYM_KEY

    @property
    def quality_dir(self) -> Path:
        """Validation results of the latest run, rendered into `published/quality`."""
        return self.published_dir / "quality"

    @classmethod
    def from_env(cls) -> "Settings":
        def path(name: str) -> Path:
            raw = os.environ.get(name)
            return Path(raw).expanduser().resolve() if raw else _DEFAULTS[name]

        return cls(
            landing_dir=path(ENV_LANDING),
            warehouse=path(ENV_WAREHOUSE),
            published_dir=path(ENV_PUBLISHED),
            pseudonym_key=os.environ.get(ENV_PSEUDONYM_KEY) or DEMO_PSEUDONYM_KEY,
            max_quarantine_share=_share(os.environ.get(ENV_MAX_QUARANTINE_SHARE) or DEFAULT_MAX_QUARANTINE_SHARE),
            lake=path(ENV_LAKE) if os.environ.get(ENV_LAKE) else None,
            engine=_engine(os.environ.get(ENV_ENGINE) or "duckdb"),
        )

    def export_to_env(self) -> None:
        """Make these settings the environment of everything started from here (dbt)."""
        os.environ[ENV_LANDING] = str(self.landing_dir)
        os.environ[ENV_WAREHOUSE] = str(self.warehouse)
        os.environ[ENV_PUBLISHED] = str(self.published_dir)
        os.environ[ENV_MAX_QUARANTINE_SHARE] = self.max_quarantine_share

    def warn_if_demo_key(self) -> None:
        if self.uses_demo_key:
            log.warning(
                "%s is not set: personal data is pseudonymised with the public DEMO key. "
                "Fine for the bundled sample, NOT for real force exports.",
                ENV_PSEUDONYM_KEY,
            )


def _engine(name: str) -> str:
    if name not in ENGINES:
        raise ValueError(f"{ENV_ENGINE}={name!r}: the engine is one of {', '.join(ENGINES)}")
    return name


def _share(text: str) -> str:
    """A share between 0 and 1 as dbt will read it (plain decimal), or a ValueError naming it."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise ValueError(f"{ENV_MAX_QUARANTINE_SHARE} must be a share between 0 and 1 (e.g. 0.01 for 1%), got {text!r}")
    return repr(value) if "e" not in repr(value) else f"{value:.12f}"


@contextmanager
def environment_variable(name: str, value: str | None) -> Iterator[None]:
    """`name` set to `value` (unset if None) inside the block, as it was after: for what reads
    the environment at that moment (a dbt process started there, a Dagster switch)."""
    saved = os.environ.pop(name, None)
    if value is not None:
        os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)
        if saved is not None:
            os.environ[name] = saved

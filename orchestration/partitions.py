"""Export dates: how nightly drops are partitioned in Dagster.

One partition is one export date (Europe/London): the folders `<landing>/<force>/<date>/` of
every force for that day. Force is not a partition dimension: it is what a run loads within
its dates, given as run config (`ForceSelection`, empty = every force with a folder). A
corrected file for an old force-day re-runs that date for that force only, and the loader
skips the files it already holds. Per-force visibility lives where it is known: the
materialization metadata (files and rows per force), the `exports_on_time` check and
`ops.load_log`. Force x day partitions cost ~223,000 keys per asset (44 forces x every day
since 2013) and one materialization event per force-day; dates alone are ~5,100.

A run covers a range of dates in ONE run (single-run backfill policy), so a backfill of a
year is one run, not 365. Only the four nightly export tables are partitioned. Everything
downstream (dbt models, their checks, publish, report, docs) is one warehouse-wide asset
that reads whole tables: Dagster writes events per asset per partition of a run, so
partitioning ~30 downstream assets would multiply the bookkeeping by 30. Their dependency
on the partitioned tables is declared with `WHOLE_TABLE` so Dagster does not list every
date since 2013 whenever a downstream step runs. Audit sheets and police.uk files are not
nightly drops and are unpartitioned too.
"""

from __future__ import annotations

import csv
import datetime as dt
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dagster import (
    AssetDep,
    AssetKey,
    BackfillPolicy,
    BetaWarning,
    Config,
    DailyPartitionsDefinition,
    PreviewWarning,
    SpecificPartitionsPartitionMapping,
)
from pydantic import Field

from orchestration.ingest.kinds import EXPORT_KINDS, ExportKind, Layout
from orchestration.ingest.landing import (
    DAYS_AHEAD,
    FIRST_EXPORT_DATE,
    TIMEZONE,
    export_date_range,
    force_day_folders,
)
from orchestration.settings import DBT_PROJECT_DIR

# The export dates a landing folder may carry (landing.export_date_range): 2013-01-01 to
# tomorrow. `end_offset` counts from the last complete day: 2 makes today and tomorrow
# partitions too, so a folder the loader accepts always has a partition (Dagster refuses an
# unknown single key).
EXPORT_DATES = DailyPartitionsDefinition(start_date=FIRST_EXPORT_DATE.isoformat(), timezone=TIMEZONE,
                                         end_offset=DAYS_AHEAD + 1)

# Dagster's run tags for a run of a range of partitions (its documented single-run backfill
# tags) and for a run of one partition; spelled here rather than imported from dagster._core.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"

# Single-run backfills are "beta" in Dagster 1.13 but are what makes a year one run.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")
# Partitioned asset checks are "preview" in 1.13; without them every check on a partitioned
# table would list all partitions since 2013 (see above).
warnings.filterwarnings("ignore", category=PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")
SINGLE_RUN = BackfillPolicy.single_run()
# How an unpartitioned (warehouse-wide) asset depends on a partitioned table: on the table as
# it stands, not on a list of its partitions. Dagster's default (all partitions) would make
# every downstream step enumerate every date since 2013; with no listed partitions the edge
# stays in the lineage graph at no cost. Runs, not automation, decide when downstream runs.
WHOLE_TABLE = SpecificPartitionsPartitionMapping([])


class ForceSelection(Config):
    """Run config of each export table: which forces' folders a run loads for its dates."""

    forces: list[str] = Field(
        default=[],
        description="Force ids (police.uk, e.g. 'kent') whose folders to load for the run's export "
        "dates; empty: every force with a folder for those dates.",
    )


def raw_asset_key(kind: ExportKind) -> AssetKey:
    return AssetKey(["raw", kind.table])


def is_partitioned(kind: ExportKind) -> bool:
    return kind.layout is Layout.FORCE_EXPORT


PARTITIONED_KINDS = tuple(kind for kind in EXPORT_KINDS if is_partitioned(kind))


def is_partitioned_key(key: AssetKey) -> bool:
    """Only the raw tables of nightly exports are partitioned by export date."""
    return any(raw_asset_key(kind) == key for kind in PARTITIONED_KINDS)


def dep_on(key: AssetKey) -> AssetDep:
    """A warehouse-wide asset's dependency on `key` (the whole table, when partitioned)."""
    return AssetDep(key, partition_mapping=WHOLE_TABLE if is_partitioned_key(key) else None)


def forces_op_config(forces: Sequence[str]) -> dict:
    """The `ops` part of the run config that limits a run to `forces` (each export table)."""
    if not forces:
        return {}
    return {raw_asset_key(kind).to_python_identifier(): {"config": {"forces": sorted(set(forces))}}
            for kind in PARTITIONED_KINDS}


def range_tags(first: dt.date, last: dt.date) -> dict[str, str]:
    """Run tags for the export dates first..last in one run (a single date is a partition key)."""
    if last <= first:
        raise ValueError(f"not a range of dates: {first} .. {last}")
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()}


def last_export_date(tags: dict[str, str]) -> dt.date | None:
    """The last export date a run covers, from its tags (None: a run without partitions).
    It names "the night" a run stands for: the freshness check's clock, the quality history's key."""
    key = tags.get(RANGE_END_TAG) or tags.get(PARTITION_TAG)
    return dt.date.fromisoformat(key) if key else None


def check_dates(first: dt.date, last: dt.date) -> None:
    """Refuse dates that are no partition (ValueError, naming the range): before 2013 the run
    would crash on an unknown key, far ahead it would plan thousands of empty partitions."""
    low, high = export_date_range()
    if last < first:
        raise ValueError(f"the last export date {last} is before the first {first}")
    if first < low or last > high:
        raise ValueError(f"export dates {first} .. {last} are outside the partition range "
                         f"{low} .. {high} (tomorrow, {TIMEZONE})")


@dataclass(frozen=True, order=True)
class ForceDay:
    """One force's export folder for one day."""

    export_date: dt.date
    force_id: str

    @property
    def key(self) -> str:
        return f"{self.export_date.isoformat()}|{self.force_id}"

    def __str__(self) -> str:
        return f"{self.force_id} {self.export_date.isoformat()}"


def seed_forces() -> list[str]:
    with (DBT_PROJECT_DIR / "seeds" / "forces.csv").open(newline="") as fh:
        return [row["force_id"] for row in csv.DictReader(fh)]


def landing_force_days(landing_dir: Path) -> list[ForceDay]:
    """The `<force>/<date>/` folders of the landing folder with a force id and a date in the
    partition range (not symlinks), sorted by date then force.

    Whatever else is there (`2014-13-45`, `latest`, a date before 2013 or after tomorrow, a
    force folder named `"kent"`, a symlink) is no partition, so it can neither crash planning
    (a key before the start) nor stall it (2099: ~27,000 empty partitions); the ingest steps
    log each of its files in ops.load_log as rejected or ignored, with the reason.
    """
    return sorted(ForceDay(export_date, force_id) for force_id, export_date in force_day_folders(landing_dir))


def check_forces(selected: Iterable[str], folders: Iterable[ForceDay]) -> list[str]:
    """The selected forces, sorted; ValueError naming any that is neither in the forces seed
    nor among the landing folder's `folders` (a typo would otherwise load nothing, silently)."""
    known = set(seed_forces()) | {day.force_id for day in folders}
    selected = sorted(set(selected))
    unknown = [force for force in selected if force not in known]
    if unknown:
        raise ValueError(f"unknown force(s): {', '.join(unknown)} (not in the forces seed or the landing folder)")
    return selected

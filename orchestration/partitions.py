"""Force x export date: how nightly drops are partitioned in Dagster.

One partition is one force's export for one day (`2014-03-02|kent`): the folder
`<landing>/<force_id>/<YYYY-MM-DD>/`. Forces are a dynamic dimension, registered from the
forces seed and from the force folders found in the landing folder, so a new force appears
without a code change. Runs cover a rectangle of partitions (dates x a contiguous run of
forces) in ONE run, so a backfill of a year does not start 16,000 runs.

Only the four nightly export tables are partitioned. Everything downstream (dbt models,
their checks, publish, report, docs) is one warehouse-wide asset that reads whole tables:
Dagster writes two events per asset per partition of a run (planned and materialized, ~4 ms
each), so partitioning ~30 downstream assets too made a national year (43 forces x 365
days) cost over a million events, ~70 minutes of bookkeeping. Their dependency on the
partitioned tables is declared with `WHOLE_TABLE` so Dagster does not list every partition
since 2013 (~220k keys, ~3.7 s each time) whenever a downstream step runs.
Audit sheets and police.uk files are not nightly drops and are unpartitioned too.
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
    PreviewWarning,
    DagsterInstance,
    DailyPartitionsDefinition,
    DynamicPartitionsDefinition,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    SpecificPartitionsPartitionMapping,
)
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from orchestration.ingest.kinds import EXPORT_KINDS, ExportKind, Layout
from orchestration.ingest.landing import DAYS_AHEAD, FIRST_EXPORT_DATE, TIMEZONE, force_day_folders
from orchestration.settings import DBT_PROJECT_DIR

FORCES = DynamicPartitionsDefinition(name="force")
# The export dates a landing folder may carry (landing.export_date_range): 2013-01-01 to
# tomorrow. `end_offset` counts from the last complete day: 2 makes today and tomorrow
# partitions too, so a folder the loader accepts always has a partition (Dagster refuses an
# unknown single key).
EXPORT_DATES = DailyPartitionsDefinition(start_date=FIRST_EXPORT_DATE.isoformat(), timezone=TIMEZONE,
                                         end_offset=DAYS_AHEAD + 1)
FORCE_DAYS = MultiPartitionsDefinition({"date": EXPORT_DATES, "force": FORCES})

# Single-run backfills are "beta" in Dagster 1.13 but are what makes a year one run.
warnings.filterwarnings("ignore", category=BetaWarning, message=".*backfill_policy.*")
# Partitioned asset checks are "preview" in 1.13; without them every check on a partitioned
# table would list all partitions since 2013 (see above).
warnings.filterwarnings("ignore", category=PreviewWarning, message=".*partitions_def on an AssetCheckSpec.*")
SINGLE_RUN = BackfillPolicy.single_run()
# How an unpartitioned (warehouse-wide) asset depends on a partitioned table: on the table as
# it stands, not on a list of its partitions. Dagster's default (all partitions) would make
# every downstream step enumerate ~220k force-day keys; with no listed partitions the edge
# stays in the lineage graph at no cost. Runs, not automation, decide when downstream runs.
WHOLE_TABLE = SpecificPartitionsPartitionMapping([])


def raw_asset_key(kind: ExportKind) -> AssetKey:
    return AssetKey(["raw", kind.table])


def is_partitioned(kind: ExportKind) -> bool:
    return kind.layout is Layout.FORCE_EXPORT


def is_partitioned_key(key: AssetKey) -> bool:
    """Only the raw tables of nightly exports are partitioned by force-day."""
    return any(is_partitioned(kind) for kind in EXPORT_KINDS if raw_asset_key(kind) == key)


def dep_on(key: AssetKey) -> AssetDep:
    """A warehouse-wide asset's dependency on `key` (the whole table, when partitioned)."""
    return AssetDep(key, partition_mapping=WHOLE_TABLE if is_partitioned_key(key) else None)



@dataclass(frozen=True, order=True)
class ForceDay:
    """One partition: a force's export for one day."""

    export_date: dt.date
    force_id: str

    @property
    def key(self) -> str:
        return str(MultiPartitionKey({"date": self.export_date.isoformat(), "force": self.force_id}))

    @classmethod
    def from_key(cls, key: str) -> "ForceDay":
        dims = FORCE_DAYS.get_partition_key_from_str(key).keys_by_dimension
        return cls(dt.date.fromisoformat(dims["date"]), dims["force"])

    def __str__(self) -> str:
        return f"{self.force_id} {self.export_date.isoformat()}"


def seed_forces() -> list[str]:
    with (DBT_PROJECT_DIR / "seeds" / "forces.csv").open(newline="") as fh:
        return [row["force_id"] for row in csv.DictReader(fh)]


def landing_force_days(landing_dir: Path) -> list[ForceDay]:
    """The partitions the landing folder holds: its `<force>/<date>/` folders with a force id
    and a date in the partition range (not symlinks), sorted by date then force.

    Whatever else is there (`2014-13-45`, `latest`, a date before 2013 or after tomorrow, a
    force folder named `"kent"`, a symlink) is no partition, so it can neither crash planning
    (a key before the start) nor stall it (2099: a run of ~100,000 partitions); the ingest
    steps log each of its files in ops.load_log as rejected or ignored, with the reason.
    """
    return sorted(ForceDay(export_date, force_id) for force_id, export_date in force_day_folders(landing_dir))


def known_forces(landing_dir: Path) -> list[str]:
    """Forces with a folder in the landing folder (sorted), then the seed's other forces.

    Registered in this order, the forces that actually send exports are contiguous in the
    force dimension, so one run (a rectangle of partitions) covers them all.
    """
    landing = sorted({day.force_id for day in landing_force_days(landing_dir)})
    return landing + [force for force in seed_forces() if force not in landing]


def register_forces(instance: DagsterInstance, forces: Iterable[str]) -> list[str]:
    """Add forces the instance does not know yet; returns the ones added."""
    known = set(instance.get_dynamic_partitions(FORCES.name))
    new = [force for force in dict.fromkeys(forces) if force not in known]
    if new:
        instance.add_dynamic_partitions(FORCES.name, new)
    return new


def range_tags(first: dt.date, last: dt.date, forces: Sequence[str]) -> dict[str, str]:
    """Run tags for every partition with a date in [first, last] and a force from
    forces[0] to forces[-1] in the instance's force order (a rectangle)."""
    if last < first:
        raise ValueError(f"the last date {last} is before the first {first}")
    return {
        ASSET_PARTITION_RANGE_START_TAG: ForceDay(first, forces[0]).key,
        ASSET_PARTITION_RANGE_END_TAG: ForceDay(last, forces[-1]).key,
    }


def contiguous_runs(selected: Sequence[str], order: Sequence[str]) -> list[list[str]]:
    """Split selected forces into runs that are contiguous in the instance's force order,
    so each run is one rectangle of partitions (and no unselected force slips in)."""
    position = {force: index for index, force in enumerate(order)}
    unknown = [force for force in selected if force not in position]
    if unknown:
        raise ValueError(f"unknown force(s): {', '.join(unknown)} (not in the forces seed or the landing folder)")
    runs: list[list[str]] = []
    for force in sorted(set(selected), key=position.__getitem__):
        if runs and position[runs[-1][-1]] + 1 == position[force]:
            runs[-1].append(force)
        else:
            runs.append([force])
    return runs

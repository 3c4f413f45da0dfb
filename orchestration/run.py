"""Run the nightly job in this process and explain the outcome to a person.

A run covers a rectangle of force-day partitions: export dates [first, last] x a block of
forces contiguous in the instance's force order. `cdi run` takes every date in the landing
folder; `cdi backfill` the dates and forces asked for; both split the forces into as few
blocks as the order allows (usually one) and run the blocks one after the other.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

from orchestration.partitions import (
    TIMEZONE,
    ForceDay,
    contiguous_runs,
    known_forces,
    landing_force_days,
    range_tags,
    register_forces,
)
from orchestration.settings import Settings, environment_variable


@dataclass(frozen=True)
class RunPlan:
    """One run: export dates first..last for a block of forces (contiguous in the instance)."""

    first: dt.date
    last: dt.date
    forces: tuple[str, ...]

    @property
    def partition_count(self) -> int:
        return ((self.last - self.first).days + 1) * len(self.forces)

    def tags(self) -> dict[str, str]:
        if self.partition_count == 1:
            return {}
        return range_tags(self.first, self.last, self.forces)

    @property
    def partition_key(self) -> str | None:
        return ForceDay(self.first, self.forces[0]).key if self.partition_count == 1 else None

    def __str__(self) -> str:
        forces = self.forces[0] if len(self.forces) == 1 else f"{self.forces[0]} .. {self.forces[-1]} ({len(self.forces)} forces)"
        dates = str(self.first) if self.first == self.last else f"{self.first} .. {self.last}"
        return f"{dates} x {forces}"


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    materialized: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    plans: list[RunPlan] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)

    def merge(self, other: "RunOutcome") -> None:
        self.success = self.success and other.success
        self.run_id = other.run_id
        self.run_ids.append(other.run_id)
        for name in ("materialized", "failures", "warnings", "notes", "plans"):
            getattr(self, name).extend(getattr(other, name))

    def report(self) -> str:
        runs = ", ".join(f"{run_id} ({plan})" for run_id, plan in zip(self.run_ids, self.plans))
        lines = [f"Run {runs}: {'SUCCEEDED' if self.success else 'FAILED'} "
                 f"({len(set(self.materialized))} assets materialized)"]
        lines += [f"  FAILED  {line}" for line in self.failures]
        lines += [f"  WARNING {line}" for line in self.warnings]
        lines += self.notes
        return "\n".join(lines)


@contextmanager
def open_instance(instance: DagsterInstance | None = None) -> Iterator[DagsterInstance]:
    """The given instance, else DAGSTER_HOME's (make run/dev: runs kept, visible in the UI),
    else a throwaway one."""
    if instance is not None:
        yield instance
        return
    if os.environ.get("DAGSTER_HOME"):
        os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)
        with DagsterInstance.get() as home:
            yield home
        return
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def yesterday(now: dt.datetime | None = None) -> dt.date:
    """The previous day in Europe/London: the export date a 02:00 run collects."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(TIMEZONE)).date() - dt.timedelta(days=1)


def plan_runs(
    settings: Settings,
    instance: DagsterInstance,
    dates: tuple[dt.date, dt.date] | None = None,
    forces: Sequence[str] | None = None,
) -> list[RunPlan]:
    """Register the forces, then cut the request into rectangles of partitions.

    Without dates: every export date found in the landing folder (yesterday if none).
    Without forces: the forces with a folder in the landing folder (all known if none).
    """
    register_forces(instance, known_forces(settings.landing_dir))
    order = instance.get_dynamic_partitions("force")
    days = landing_force_days(settings.landing_dir)
    if dates is None:
        dates = (days[0].export_date, days[-1].export_date) if days else (yesterday(),) * 2
    if not forces:
        forces = sorted({day.force_id for day in days}) or order
    return [RunPlan(dates[0], dates[1], tuple(block)) for block in contiguous_runs(forces, order)]


def _describe_check(evaluation) -> str:
    meta = {key: getattr(value, "value", value) for key, value in evaluation.metadata.items()}
    detail = meta.get("summary") or meta.get("failed_expectations") or meta.get("rejected_files") or ""
    return f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} {detail}".rstrip()


def _root_cause(error) -> str:
    """The innermost error's message: the one that says what went wrong, not where."""
    if error is None:
        return "unknown error"
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[-1]


def run_nightly(
    settings: Settings,
    *,
    dates: tuple[dt.date, dt.date] | None = None,
    forces: Sequence[str] | None = None,
    instance: DagsterInstance | None = None,
    full_refresh: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Run the nightly job over the requested partitions, one run per block of forces.

    Stops at the first failed run: later blocks would publish over a failed night.
    """
    from orchestration.headline import headline

    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with open_instance(instance) as active:
        plans = plan_runs(settings, active, dates, forces)
        outcome = RunOutcome(success=True, run_id="")
        for number, plan in enumerate(plans, start=1):
            if progress:
                progress(f"run {number}/{len(plans)}: {plan} ({plan.partition_count} force-day partitions)")
            outcome.merge(_execute(settings, active, plan, full_refresh))
            if not outcome.success:
                break
    outcome.notes.append(headline(settings))
    return outcome


# Above this many force-days a run announces its planned materializations with one event per
# asset (the partition range) instead of one per asset per partition: ~63k events (~4-10 ms
# each) before a national year's first step. Dagster's price, from its own switch: partitions
# of a failed run show as missing, not failed (the run itself is failed, and cdi names why).
ONE_PLANNED_EVENT_ABOVE = 1000
_PLANNED_SUBSET_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def _planned_events_in_one(plan: RunPlan) -> AbstractContextManager[None]:
    if plan.partition_count <= ONE_PLANNED_EVENT_ABOVE or _PLANNED_SUBSET_ENV in os.environ:
        return nullcontext()
    return environment_variable(_PLANNED_SUBSET_ENV, "true")


def _execute(settings: Settings, instance: DagsterInstance, plan: RunPlan, full_refresh: bool) -> RunOutcome:
    from orchestration.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("nightly")
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    if full_refresh:
        run_config["ops"] = {"dbt_models": {"config": {"full_refresh": True}}}
    with _planned_events_in_one(plan):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
            partition_key=plan.partition_key,
            tags=plan.tags(),
        )
    outcome = RunOutcome(success=result.success, run_id=result.run_id, plans=[plan])
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            outcome.materialized.append(event.asset_key.to_user_string())
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                continue
            target = outcome.failures if evaluation.severity == AssetCheckSeverity.ERROR else outcome.warnings
            target.append(_describe_check(evaluation))
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            message = _root_cause(event.event_specific_data.error)
            outcome.failures.append(f"step {event.step_key} ({plan}): {message}")
    return outcome

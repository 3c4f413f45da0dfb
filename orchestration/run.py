"""Run the nightly job in this process and explain the outcome to a person.

A run covers a range of export dates (partitions) in one run, for the forces named in its
run config or for every force. `cdi run` takes every date in the landing folder, every
force; `cdi backfill` the dates and forces asked for.

One run at a time per warehouse, and a run that died gives back what it held:
- `warehouse_lock` takes an exclusive `flock` on `<warehouse>.lock` for the whole command and
  writes the holder (pid, host, command, start, run id) into it; a second `cdi run`/`cdi
  backfill` on the same warehouse stops at once naming that holder (`WarehouseBusy`, exit 3).
  The kernel drops the lock when its process dies, however it dies.
- Each run carries its process in its tags (pid, host, boot id and process start time).
  `release_dead_runs`, called under the lock before the first run, finds this instance's runs
  that are not finished although their process is gone (SIGKILL, the OOM killer, a reboot):
  Dagster cannot tell, so such a run would keep its `duckdb_warehouse` pool slot and every
  later run would wait for it forever. Each one is reported failed and its slots freed.
- A process still holding DuckDB's lock on the warehouse file (the dbt build of a killed run
  goes on for a while without it) is waited for, with a message, before the first run.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

from orchestration.partitions import (
    TIMEZONE,
    check_dates,
    check_forces,
    range_tags,
    forces_op_config,
    landing_force_days,
)
from orchestration.warehouse import WAREHOUSE_POOL
from orchestration.settings import Settings, environment_variable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunPlan:
    """One run: export dates first..last, of the given forces (none given: every force)."""

    first: dt.date
    last: dt.date
    forces: tuple[str, ...] = ()

    @property
    def partition_count(self) -> int:
        return (self.last - self.first).days + 1

    def tags(self) -> dict[str, str]:
        return {} if self.partition_count == 1 else range_tags(self.first, self.last)

    @property
    def partition_key(self) -> str | None:
        return self.first.isoformat() if self.partition_count == 1 else None

    def ops_config(self) -> dict:
        return forces_op_config(self.forces)

    def __str__(self) -> str:
        dates = str(self.first) if self.first == self.last else f"{self.first} .. {self.last}"
        if not self.forces:
            return f"{dates}, every force"
        forces = ", ".join(self.forces) if len(self.forces) <= 3 else f"{len(self.forces)} forces"
        return f"{dates}, {forces}"


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    plan: RunPlan
    materialized: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"Run {self.run_id} ({self.plan}): {'SUCCEEDED' if self.success else 'FAILED'} "
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


# ---------------------------------------------------------------------------------------------
# One run at a time per warehouse.

EXIT_WAREHOUSE_BUSY = 3


class WarehouseBusy(RuntimeError):
    """Another cdi process holds the warehouse: the message names its run."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _read_holder(path: Path) -> dict:
    """What the holder wrote into the lock file (it writes just after taking the lock)."""
    for _ in range(40):
        try:
            holder = json.loads(path.read_text() or "null")
        except (OSError, ValueError):
            holder = None
        if isinstance(holder, dict) and holder.get("pid"):
            return holder
        time.sleep(0.05)
    return {}


def _describe_holder(holder: dict) -> str:
    if not holder:
        return "another process (it wrote nothing into the lock file)"
    run = f"run {holder['run_id']}" if holder.get("run_id") else "a run still being planned"
    plan = f", {holder['plan']}" if holder.get("plan") else ""
    return (f"{run} (pid {holder.get('pid')} on {holder.get('host')}, `{holder.get('command')}`, "
            f"started {holder.get('started_at')}{plan})")


@dataclass
class WarehouseLock:
    """An exclusive flock on `<warehouse>.lock`, held for a whole `cdi run`/`cdi backfill`."""

    path: Path
    fd: int
    holder: dict

    def record_run(self, run_id: str, plan: "RunPlan") -> None:
        self.holder.update(run_id=run_id, plan=str(plan))
        self._write()

    def _write(self) -> None:
        data = json.dumps(self.holder).encode()
        os.pwrite(self.fd, data, 0)
        os.ftruncate(self.fd, len(data))


@contextmanager
def warehouse_lock(warehouse: Path, command: str) -> Iterator[WarehouseLock]:
    """Hold the warehouse for this process, or raise `WarehouseBusy` naming who holds it.

    flock, not a pid file: the kernel releases it when the process ends, however it ends
    (SIGKILL included), so a dead holder never blocks the next night. The file stays."""
    path = lock_path(warehouse)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(
                f"the warehouse {warehouse} is in use by {_describe_holder(_read_holder(path))}: "
                "not starting a second run on it. Run again when that one has finished "
                f"(or stop it); {path} names the holder while it runs.") from None
        lock = WarehouseLock(path, fd, {
            "pid": os.getpid(), "host": socket.gethostname(), "command": command,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "dagster_home": os.environ.get("DAGSTER_HOME") or None})
        lock._write()
        try:
            yield lock
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


# ---------------------------------------------------------------------------------------------
# A run whose process died gives back what it held.

RUN_TAG_PID = "cdi/pid"
RUN_TAG_HOST = "cdi/host"
# "<boot id>:<start time in clock ticks>": a pid the kernel hands to another process later (or
# after a reboot) is not this run's process.
RUN_TAG_PROCESS = "cdi/process"
_NOT_FINISHED = [status for status in DagsterRunStatus
                 if status not in (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)]
_STEP_EVENTS = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE,
                DagsterEventType.STEP_SKIPPED}


def process_identity(pid: int) -> str | None:
    """'<boot id>:<start time>' of the live process `pid`; None when there is no such process.

    Without /proc (macOS) only whether the pid is alive is known: ''."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None  # Linux, and no such process
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""
    # Field 22 (starttime); the command name (field 2) may hold spaces and parentheses.
    return f"{boot}:{stat.rsplit(')', 1)[1].split()[19]}"


def process_tags() -> dict[str, str]:
    """Tags that let a later cdi tell whether this process is still running the run."""
    return {RUN_TAG_PID: str(os.getpid()), RUN_TAG_HOST: socket.gethostname(),
            RUN_TAG_PROCESS: process_identity(os.getpid()) or ""}


def _process_is_gone(tags: dict[str, str]) -> bool:
    """True when the run's process is known to be dead: its pid is free, or taken by another
    process (another start time or boot). Runs of other hosts or without the tags: unknown."""
    if tags.get(RUN_TAG_HOST) != socket.gethostname() or not tags.get(RUN_TAG_PID, "").isdigit():
        return False
    identity = process_identity(int(tags[RUN_TAG_PID]))
    if identity is None:
        return True
    recorded = tags.get(RUN_TAG_PROCESS, "")
    return bool(recorded and identity and recorded != identity)


def _unfinished_step(instance: DagsterInstance, run_id: str) -> str | None:
    """The step the run started and never finished (the in-process executor runs one at a time)."""
    open_steps: dict[str, None] = {}
    for entry in instance.all_logs(run_id, of_type=_STEP_EVENTS):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            open_steps[event.step_key] = None
        else:
            open_steps.pop(event.step_key, None)
    return ", ".join(open_steps) or None


def release_dead_runs(instance: DagsterInstance) -> list[str]:
    """Fail this host's cdi runs whose process is gone and free their pool slots; free the
    slots of finished runs; name any other run holding the warehouse pool. One line each.

    Dagster's run monitoring cannot do this for cdi: it lives in the daemon, and it checks a
    run's worker only through run launchers that support it (the default one does not, and an
    in-process run has no launcher at all)."""
    lines = []
    host = socket.gethostname()
    storage = instance.event_log_storage
    frees_slots = storage.supports_global_concurrency_limits
    records = instance.get_run_records(RunsFilter(statuses=_NOT_FINISHED, tags={RUN_TAG_HOST: host}))
    for record in records:
        run = record.dagster_run
        if not _process_is_gone(run.tags):
            continue
        step = _unfinished_step(instance, run.run_id)
        where = f"at step {step}" if step else "before its first step"
        pid = run.tags[RUN_TAG_PID]
        instance.report_run_failed(
            run, f"The process running this run (pid {pid} on {host}) died {where}: killed (SIGKILL, the "
                 "out-of-memory killer, a reboot) before it could report anything. Marked failed by the "
                 "next cdi run on this instance, which also freed the run's concurrency slots.")
        if frees_slots:
            storage.free_concurrency_slots_for_run(run.run_id)
        lines.append(f"previous run {run.run_id} (pid {pid}) died {where}: marked failed, released the warehouse")
    if not frees_slots:
        return lines
    pool = storage.get_concurrency_info(WAREHOUSE_POOL)
    holders = {slot.run_id for slot in pool.claimed_slots}
    for run_id in sorted(holders | {step.run_id for step in pool.pending_steps}):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            storage.free_concurrency_slots_for_run(run_id)
            if run_id in holders:
                state = run.status.value.lower() if run else "deleted"
                lines.append(f"run {run_id} ({state}) still held the {WAREHOUSE_POOL} pool: released")
        elif run_id in holders:
            who = (f"pid {run.tags[RUN_TAG_PID]} on {run.tags.get(RUN_TAG_HOST)}" if RUN_TAG_PID in run.tags
                   else "not started by cdi")
            lines.append(
                f"WARNING: run {run_id} ({run.status.value.lower()}, {who}) holds the {WAREHOUSE_POOL} pool: "
                "this run's warehouse steps wait until it gives it back. If its process is gone, terminate "
                "the run in the Dagster UI (Runs > the run > Terminate); the next cdi run then frees its slot.")
    return lines


# After a kill during the dbt step, dbt (a child process) goes on with the warehouse open until
# its build ends (~30-70 s on the sample, minutes on a national year): a run started meanwhile
# would fail on DuckDB's file lock at its first step. The next run waits for it instead.
WAREHOUSE_FILE_WAIT_SECONDS = 1800
_DUCKDB_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.*) \(PID (\d+)\)")


def _warehouse_file_holder(warehouse: Path) -> str | None:
    """Who holds DuckDB's lock on the warehouse file ('process N (command)'), None if nobody."""
    import duckdb

    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True):
            return None
    except duckdb.Error as exc:
        found = _DUCKDB_LOCK_HOLDER.search(str(exc))
        if found is None:
            return None  # not a lock: the run's first step will say what is wrong
        pid = int(found.group(2))
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            command = found.group(1)
        return f"process {pid} ({command[:120]})"


def wait_for_warehouse_file(warehouse: Path, say: Callable[[str], None],
                            timeout: float = WAREHOUSE_FILE_WAIT_SECONDS) -> None:
    """Wait until no other process has the warehouse file open (the cdi lock is already ours)."""
    holder = _warehouse_file_holder(warehouse)
    if holder is None:
        return
    started = time.monotonic()
    told = None
    while holder is not None:
        waited = time.monotonic() - started
        if waited >= timeout:
            raise WarehouseBusy(f"the warehouse file {warehouse} is still open read-write by {holder} after "
                                f"{waited:.0f} s: not starting a run on it (stop that process, then run again)")
        if told is None or waited - told >= 60:
            say(f"the warehouse file {warehouse} is open by {holder}, not a cdi run (e.g. the dbt build of a "
                f"killed run, which goes on without it): waiting for it to close ({waited:.0f} s so far, "
                f"at most {timeout:.0f} s)")
            told = waited
        time.sleep(0.5)
        holder = _warehouse_file_holder(warehouse)
    say(f"the warehouse file {warehouse} is free after {time.monotonic() - started:.0f} s: starting")


def yesterday(now: dt.datetime | None = None) -> dt.date:
    """The previous day in Europe/London: the export date a 02:00 run collects."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(TIMEZONE)).date() - dt.timedelta(days=1)


def plan_run(
    settings: Settings,
    dates: tuple[dt.date, dt.date] | None = None,
    forces: Sequence[str] | None = None,
) -> RunPlan:
    """The one run a request makes: its dates (without: every export date found in the landing
    folder, yesterday if none) and forces (without: every force). ValueError for a date
    outside the partition range or a force nobody knows."""
    folders = landing_force_days(settings.landing_dir)
    if dates is None:
        dates = (folders[0].export_date, folders[-1].export_date) if folders else (yesterday(),) * 2
    check_dates(*dates)
    return RunPlan(dates[0], dates[1], tuple(check_forces(forces, folders)) if forces else ())


def _describe_check(evaluation) -> str:
    meta = {key: getattr(value, "value", value) for key, value in evaluation.metadata.items()}
    detail = meta.get("summary") or meta.get("failed_expectations") or meta.get("rejected_files") or ""
    return f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} {detail}".rstrip()


def _root_cause(error) -> str:
    """What went wrong, not where: a deliberate `Failure`'s whole description, else the
    innermost error's last line."""
    if error is None:
        return "unknown error"
    while True:
        if error.cls_name == "Failure":
            return " ".join(error.message.split(": ", 1)[-1].split())
        if error.cause is None:
            return error.message.strip().splitlines()[-1]
        error = error.cause


def run_nightly(
    settings: Settings,
    *,
    dates: tuple[dt.date, dt.date] | None = None,
    forces: Sequence[str] | None = None,
    instance: DagsterInstance | None = None,
    full_refresh: bool = False,
    progress: Callable[[str], None] | None = None,
    command: str = "cdi run",
) -> RunOutcome:
    """Run the nightly job over the requested export dates and forces, in one run.

    Holds the warehouse for the whole command (`WarehouseBusy` when another process does) and
    first releases what dead runs of the instance held.
    """
    from orchestration.headline import headline

    plan = plan_run(settings, dates, forces)  # a bad request stops before anything is touched
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    say = progress or log.warning
    with warehouse_lock(settings.warehouse, command) as lock, open_instance(instance) as active:
        for line in release_dead_runs(active):
            say(line)
        wait_for_warehouse_file(settings.warehouse, say)
        if progress:
            progress(f"run: export date(s) {plan} ({plan.partition_count} date partition(s))")
        run_id = str(uuid.uuid4())
        lock.record_run(run_id, plan)
        outcome = _execute(settings, active, plan, full_refresh, run_id)
    outcome.notes.append(headline(settings))
    return outcome


# Above this many export dates a run announces its planned materializations with one event per
# asset (the partition range) instead of one per asset per partition (~4-10 ms each). Dagster's price, from its own switch: partitions
# of a failed run show as missing, not failed (the run itself is failed, and cdi names why).
ONE_PLANNED_EVENT_ABOVE = 31
_PLANNED_SUBSET_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


def _planned_events_in_one(plan: RunPlan) -> AbstractContextManager[None]:
    if plan.partition_count <= ONE_PLANNED_EVENT_ABOVE or _PLANNED_SUBSET_ENV in os.environ:
        return nullcontext()
    return environment_variable(_PLANNED_SUBSET_ENV, "true")


def _execute(settings: Settings, instance: DagsterInstance, plan: RunPlan, full_refresh: bool,
             run_id: str | None = None) -> RunOutcome:
    from orchestration.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def("nightly")
    run_config: dict = {"loggers": {"console": {"config": {"log_level": "INFO"}}}, "ops": plan.ops_config()}
    if full_refresh:
        run_config["ops"]["dbt_models"] = {"config": {"full_refresh": True}}
    with _planned_events_in_one(plan):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=run_config,
            partition_key=plan.partition_key,
            run_id=run_id,
            tags={**plan.tags(), **process_tags()},
        )
    outcome = RunOutcome(success=result.success, run_id=result.run_id, plan=plan)
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

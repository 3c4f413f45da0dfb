"""Start a run as soon as a force's export has landed (and never twice for the same files).

Each tick lists `<landing>/<force>/<date>/` folders and fingerprints their files (name,
size, modification time). Folders whose fingerprint is new, and whose files have not been
touched for `CDI_LANDING_SETTLE_SECONDS` (a copy may still be in progress), get one run of
the nightly job per export date, for exactly those forces (run config). The run key holds
the fingerprints, so Dagster itself also refuses a second run for the same files; a
corrected file changes the fingerprint and starts a new run of that date for that force. Folders present when the sensor first ticks are history, for
`cdi backfill`, not arrivals.
"""

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.jobs import TRIGGER_TAG, nightly_job
from orchestration.partitions import ForceDay, forces_op_config, landing_force_days
from orchestration.settings import Settings

ENV_SETTLE = "CDI_LANDING_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 60
# Folders untouched for longer than this are forgotten by the cursor (a week of changes).
RETENTION_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class FolderState:
    day: ForceDay
    fingerprint: str
    last_change: float  # newest mtime/ctime of its files, seconds since the epoch


def _folder_state(landing_dir: Path, day: ForceDay) -> FolderState | None:
    folder = landing_dir / day.force_id / day.export_date.isoformat()
    digest = hashlib.sha256()
    last_change = 0.0
    # Every entry but folders and hidden files, by its own lstat: a symlink is never followed
    # (its arrival starts a run all the same, which rejects it by name).
    with os.scandir(folder) as found:
        entries = sorted((e for e in found if not e.is_dir(follow_symlinks=False) and not e.name.startswith(".")),
                         key=lambda e: e.name)
    for entry in entries:
        stat = entry.stat(follow_symlinks=False)
        digest.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
        last_change = max(last_change, stat.st_mtime, stat.st_ctime)
    return FolderState(day, digest.hexdigest()[:16], last_change) if entries else None


@dataclass
class Cursor:
    """Fingerprints of the folders changed in the last `RETENTION_SECONDS`; anything older
    than `since` was dealt with before (so the cursor stays small after years of history)."""

    since: float
    seen: dict[str, tuple[str, float]]

    @classmethod
    def load(cls, text: str | None) -> "Cursor | None":
        if not text:
            return None
        data = json.loads(text)
        return cls(data["since"], {key: tuple(value) for key, value in data["seen"].items()})

    def dump(self) -> str:
        return json.dumps({"since": self.since, "seen": self.seen}, sort_keys=True)

    def record(self, state: FolderState) -> None:
        self.seen[state.day.key] = (state.fingerprint, state.last_change)

    def prune(self, now: float) -> None:
        self.since = max(self.since, now - RETENTION_SECONDS)
        self.seen = {key: value for key, value in self.seen.items() if value[1] > self.since}


def changed_folders(landing_dir: Path, cursor: Cursor) -> list[FolderState]:
    """Folders changed since the cursor whose files differ from the ones last seen."""
    changed = []
    for day in landing_force_days(landing_dir):
        state = _folder_state(landing_dir, day)
        if state is None or state.last_change <= cursor.since:
            continue
        if cursor.seen.get(day.key, ("",))[0] != state.fingerprint:
            changed.append(state)
    return changed


@sensor(
    job=nightly_job,
    name="landing_sensor",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="One run per export date whose force folders' files arrived or changed in the landing "
    "folder, for those forces.",
)
def landing_sensor(context: SensorEvaluationContext):
    settings = Settings.from_env()
    settle = float(os.environ.get(ENV_SETTLE, DEFAULT_SETTLE_SECONDS))
    now = time.time()
    cursor = Cursor.load(context.cursor)
    if cursor is None:
        # First tick: what is already there is history (`cdi backfill`), not an arrival.
        cursor = Cursor(since=0.0, seen={})
        existing = changed_folders(settings.landing_dir, cursor)
        for state in existing:
            cursor.record(state)
        cursor.prune(now)
        context.update_cursor(cursor.dump())
        return SkipReason(f"sensor started: {len(existing)} force-day folder(s) already in "
                          f"{settings.landing_dir} are history; load them with `cdi backfill`")
    changed = changed_folders(settings.landing_dir, cursor)
    ready = [state for state in changed if now - state.last_change >= settle]
    for state in ready:
        cursor.record(state)
    cursor.prune(now)
    if not ready:
        waiting = f"; {len(changed)} folder(s) still being written" if changed else ""
        context.update_cursor(cursor.dump())
        return SkipReason(f"no new force-day export in {settings.landing_dir}{waiting}")
    return SensorResult(run_requests=run_requests(ready), cursor=cursor.dump())


def run_requests(ready: list[FolderState]) -> list[RunRequest]:
    """One run per export date, for the forces whose folders of that date changed."""
    by_date: dict = {}
    for state in sorted(ready, key=lambda state: state.day):
        by_date.setdefault(state.day.export_date, []).append(state)
    requests = []
    for export_date, states in sorted(by_date.items()):
        forces = [state.day.force_id for state in states]
        digest = hashlib.sha256("".join(f"{state.day.key}:{state.fingerprint}\n" for state in states).encode())
        requests.append(RunRequest(
            run_key=f"{export_date.isoformat()}:{digest.hexdigest()[:16]}",
            partition_key=export_date.isoformat(),
            run_config={"ops": forces_op_config(forces)},
            tags={TRIGGER_TAG: "landing_sensor", "cdi/forces": ",".join(forces)[:200]},
        ))
    return requests

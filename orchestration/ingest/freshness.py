"""Which forces are late: a per-force freshness check on the nightly exports.

Dagster's own freshness policy (on the partitioned raw assets) says when an asset as a
whole has not been materialized for 36 hours; a force that silently stops sending while
the others keep arriving would not show there. This check reads the load log and names
every force whose next export is more than 36 hours overdue.

A force's export for day D is due when D ends (midnight, Europe/London). "Now" is the
night the run collected: 02:00 after the last export date of its partitions, or the wall
clock for a run without partitions. So a backfill of 2014 judges 2014, not today.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
)

from orchestration.ingest.kinds import EXPORT_KINDS, Layout
from orchestration.partitions import TIMEZONE, last_export_date

LATE_AFTER = dt.timedelta(hours=36)
CHECK_NAME = "exports_on_time"
FORCE_EXPORT_KINDS = [kind.name for kind in EXPORT_KINDS if kind.layout is Layout.FORCE_EXPORT]

_LATEST_EXPORTS = """
SELECT split_part(file_path, '/', 1) AS force_id,
       max(try_cast(split_part(file_path, '/', 2) AS DATE)) AS latest_export
FROM ops.load_log
WHERE status = 'loaded' AND list_contains(?, kind)
GROUP BY ALL
ORDER BY force_id
"""


def as_of(tags: dict[str, str], now: dt.datetime | None = None) -> dt.datetime:
    """The moment the run stands for (see the module docstring), timezone-aware."""
    last = last_export_date(tags)
    if last:
        night = last + dt.timedelta(days=1)
        return dt.datetime.combine(night, dt.time(2, 0), ZoneInfo(TIMEZONE))
    return now or dt.datetime.now(dt.UTC)


def overdue(latest_export: dt.date, moment: dt.datetime) -> dt.timedelta:
    """How long past its due time the export after `latest_export` is (negative: not yet due)."""
    due = dt.datetime.combine(latest_export + dt.timedelta(days=2), dt.time(0, 0), ZoneInfo(TIMEZONE))
    return moment - due


def latest_exports(con) -> list[tuple[str, dt.date]]:
    """(force, its latest export date loaded) for every force that has sent one."""
    return con.execute(_LATEST_EXPORTS, [FORCE_EXPORT_KINDS]).fetchall()


def describe_late(force: dict) -> str:
    """One late force as operators read it: `essex (last export 2014-01-07, 50.0 h overdue)`."""
    return f"{force['force_id']} (last export {force['latest_export']}, {force['hours_overdue']} h overdue)"


def late_forces(rows: list[tuple[str, dt.date]], moment: dt.datetime) -> list[dict]:
    late = []
    for force_id, latest in rows:
        if latest is None:
            continue
        behind = overdue(latest, moment)
        if behind > LATE_AFTER:
            late.append({"force_id": force_id, "latest_export": latest.isoformat(),
                         "hours_overdue": round(behind.total_seconds() / 3600, 1)})
    return late


CHECKED_ASSET = AssetKey(["raw", "incidents"])
# Evaluated in the raw/incidents ingest step (a separate check on a partitioned table costs a
# listing of every partition, see quality/checks.py).
EXPORTS_ON_TIME = AssetCheckSpec(
    CHECK_NAME, asset=CHECKED_ASSET, blocking=False,
    description="Warns, naming them, about forces whose nightly export is more than 36 hours late.",
)


def exports_on_time(con, tags: dict[str, str], log) -> AssetCheckResult:
    moment = as_of(tags)
    rows = latest_exports(con)
    late = late_forces(rows, moment)
    summary = (
        f"{len(late)} of {len(rows)} forces more than 36 h late as of {moment:%Y-%m-%d %H:%M %Z}: "
        + ", ".join(describe_late(f) for f in late)
        if late else f"all {len(rows)} forces on time as of {moment:%Y-%m-%d %H:%M %Z}"
    )
    if late:
        log.warning(summary)
    return AssetCheckResult(
        asset_key=CHECKED_ASSET,
        check_name=CHECK_NAME,
        passed=not late,
        severity=AssetCheckSeverity.WARN,
        metadata={"summary": summary, "late_forces": MetadataValue.json(late), "forces_checked": len(rows)},
    )

"""`cdi status`: what the last nights loaded per force, which forces are late, which audits are
held back, and whether any of it needs someone (exit 1), for cron and CI.

It reads a warehouse read-only and decides nothing itself: the nights come from
`marts.load_history`, lateness from the `exports_on_time` rule (ingest/freshness.py) and
held-back audits from `marts.audit_status` (quality/audit_status.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.freshness import as_of, describe_late, late_forces, latest_exports
from orchestration.partitions import PARTITION_TAG
from orchestration.quality.audit_status import HELD_BACK_SQL, describe_held_back
from orchestration.warehouse import connect, table_exists

# A force's nights: one line per export date and run that attempted its files (a corrected file
# loaded by a later run is a second line for the same date), its latest `nights` dates.
_NIGHTS = """
WITH nights AS (
    SELECT force_id, export_date, run_id,
           sum(files) AS files, sum(rows_loaded) AS rows_loaded, sum(rows_quarantined) AS rows_quarantined,
           string_agg(DISTINCT status, ',' ORDER BY status) AS status, max(loaded_at) AS loaded_at
    FROM marts.load_history
    WHERE layout = 'force_export' AND export_date IS NOT NULL
    GROUP BY force_id, export_date, run_id
)
SELECT force_id, export_date, files, rows_loaded, rows_quarantined, status, run_id, loaded_at
FROM nights
QUALIFY dense_rank() OVER (PARTITION BY force_id ORDER BY export_date DESC) <= $nights
ORDER BY force_id, export_date DESC, loaded_at DESC
"""

# The latest loads: the run that finished a load last (a run that found every file unchanged
# attempts none, so it is not one).
_LATEST_RUN = """
SELECT run_id, max(loaded_at) AS loaded_at, sum(files) AS files
FROM marts.load_history
GROUP BY run_id
ORDER BY loaded_at DESC
LIMIT 1
"""

_REJECTED_IN_RUN = """
SELECT file_path, message FROM ops.load_log
WHERE status = 'rejected' AND run_id IS NOT DISTINCT FROM $run_id
ORDER BY file_path
"""

SHOWN_REJECTED = 10  # a night of strays can reject hundreds; all of them are in ops.load_log


@dataclass(frozen=True)
class Status:
    source: Path
    moment: dt.datetime
    nights: list[tuple]
    forces_checked: int
    late: list[dict]
    audits: int
    held_back: list[tuple]
    latest_run: tuple | None  # (run_id, loaded_at, files)
    rejected: list[tuple]  # (file_path, message) of the latest run

    @property
    def needs_attention(self) -> bool:
        return bool(self.late or self.held_back or self.rejected)

    def report(self, nights: int) -> str:
        lines = [f"Last {nights} night(s) per force (marts.load_history in {self.source}):",
                 f"  {'force':<20} {'night':<10} {'files':>5} {'rows loaded':>11} {'quarantined':>11}  "
                 f"{'status':<8} {'run':<8}  loaded at (UTC)"]
        for force, night, files, loaded, quarantined, status, run_id, loaded_at in self.nights:
            lines.append(f"  {force:<20} {night.isoformat():<10} {files:>5} {loaded:>11} {quarantined:>11}  "
                         f"{status:<8} {(run_id or '-')[:8]:<8}  {loaded_at:%Y-%m-%d %H:%M}")
        if not self.nights:
            lines.append("  no force export loaded yet")
        moment = f"{self.moment:%Y-%m-%d %H:%M %Z}"
        if self.late:
            lines.append(f"Late forces as of {moment}: {len(self.late)} of {self.forces_checked} more than 36 h late")
            lines += [f"  {describe_late(force)}" for force in self.late]
        else:
            lines.append(f"Late forces as of {moment}: none ({self.forces_checked} on time)")
        if self.held_back:
            lines.append(f"Held-back audits: {len(self.held_back)} of {self.audits}")
            lines += [f"  {line}" for line in describe_held_back(self.held_back)]
        else:
            lines.append(f"Held-back audits: none ({self.audits} published)")
        if self.latest_run is None:
            lines.append("Latest loads: none yet")
        else:
            run_id, loaded_at, files = self.latest_run
            head = f"Latest loads (run {(run_id or '-')[:8]}, {loaded_at:%Y-%m-%d %H:%M} UTC): {files} file(s)"
            if self.rejected:
                lines.append(f"{head}, {len(self.rejected)} rejected")
                lines += [f"  {path}: {message}" for path, message in self.rejected[:SHOWN_REJECTED]]
                if len(self.rejected) > SHOWN_REJECTED:
                    lines.append(f"  and {len(self.rejected) - SHOWN_REJECTED} more (ops.load_log)")
            else:
                lines.append(f"{head}, none rejected")
        if self.needs_attention:
            lines.append(f"NEEDS ATTENTION: {len(self.late)} late force(s), {len(self.held_back)} held-back audit(s), "
                         f"{len(self.rejected)} rejected file(s) in the latest loads")
        else:
            lines.append("OK: nothing needs attention")
        return "\n".join(lines)


def judged_at(export_date: dt.date | None, now: dt.datetime | None = None) -> dt.datetime:
    """The moment lateness is judged at: as the nightly run of `export_date` judges it (02:00
    the morning after, as a backfill of that date would), else now."""
    tags = {PARTITION_TAG: export_date.isoformat()} if export_date else {}
    return as_of(tags, now)


def read_status(warehouse: Path, nights: int, moment: dt.datetime) -> Status:
    """Everything `cdi status` prints, from one read-only look at `warehouse`. ValueError with
    the reason when there is nothing to read yet."""
    if not warehouse.exists():
        raise ValueError(f"no warehouse at {warehouse} yet: run `make run` (or `cdi run`) first")
    try:
        con = connect(warehouse, read_only=True)
    except duckdb.IOException as exc:  # the nightly run holds the working file
        raise ValueError(f"cannot open {warehouse} read-only ({str(exc).splitlines()[0]}); "
                         "read the published copy (the default) instead") from None
    with con:
        if not table_exists(con, "marts", "load_history"):
            raise ValueError(f"{warehouse} has no marts.load_history yet: run `make run` (or `cdi run`) first")
        rows = latest_exports(con)
        latest_run = con.execute(_LATEST_RUN).fetchone()
        return Status(
            source=warehouse,
            moment=moment,
            nights=con.execute(_NIGHTS, {"nights": nights}).fetchall(),
            forces_checked=len(rows),
            late=late_forces(rows, moment),
            audits=con.execute("SELECT count(*) FROM marts.audit_status").fetchone()[0],
            held_back=con.execute(HELD_BACK_SQL).fetchall(),
            latest_run=latest_run,
            rejected=con.execute(_REJECTED_IN_RUN, {"run_id": latest_run[0]}).fetchall() if latest_run else [],
        )

"""The headline tables printed at the end of a run, read from what readers see."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.quality.audit_status import HELD_BACK_SQL, describe_held_back
from orchestration.settings import Settings
from orchestration.warehouse import published_warehouse

_RECORDING = """
WITH headline AS (
    -- rate_method says which rate is the headline: the weighted one where the audit has a design
    SELECT *, rate_method = 'weighted' AS is_weighted,
           CASE WHEN rate_method = 'weighted' THEN weighted_recording_rate ELSE recording_rate END AS rate,
           CASE WHEN rate_method = 'weighted' THEN weighted_rate_ci_low ELSE rate_ci_low END AS low,
           CASE WHEN rate_method = 'weighted' THEN weighted_rate_ci_high ELSE rate_ci_high END AS high
    FROM marts.recording_accuracy WHERE offence_group = 'all'
)
SELECT r.force_id, r.audit_id, r.crimes_reported, r.crimes_recorded, r.rate, r.low, r.high,
       n.decisions_reviewed, n.decisions_correct, n.accuracy_rate, r.is_weighted
FROM headline AS r
LEFT JOIN marts.no_crime_accuracy AS n
  ON n.force_id = r.force_id AND n.audit_id = r.audit_id AND n.offence_group = 'all'
ORDER BY r.rate, r.force_id
"""

# Each force once, by its latest audit: summing every audit would count a force audited twice
# (a designed audit after an earlier one) twice.
_OVERALL = """
SELECT sum(crimes_reported), sum(crimes_recorded)
FROM marts.worst_forces_latest_audit
"""


def _pct(value: float | None) -> str:
    return "   n/a" if value is None else f"{100 * value:5.1f}%"


def _shown(path: Path) -> str:
    """A path as the user would type it from where they ran the command: relative below it."""
    try:
        return str(Path(path).absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def headline(settings: Settings) -> str:
    # Only published figures: the working warehouse of a night that failed a blocking check
    # holds figures nobody may quote.
    published = published_warehouse(settings.published_dir)
    source = published
    if not source.exists():
        return (f"No published night yet in {_shown(settings.published_dir)}: the figures appear once a "
                "night passes every blocking check.")
    try:
        with duckdb.connect(str(source), read_only=True) as con:
            rows = con.execute(_RECORDING).fetchall()
            reported, recorded = con.execute(_OVERALL).fetchone()
            held_back = con.execute(HELD_BACK_SQL).fetchall()
    except duckdb.Error as exc:
        return f"No headline: {source} has no marts yet ({str(exc).splitlines()[0]})."
    # A designed audit's id (`<force>-<first day>-<last day>-s<seed>`) is longer than a named one.
    width = max([26] + [len(row[1]) for row in rows])
    lines = [""]
    if held_back:
        lines.append(f"HELD BACK: {len(held_back)} audit(s) not computed from partial input (marts.audit_status):")
        lines += [f"  {line}" for line in describe_held_back(held_back)]
        lines.append("")
    lines += [
        f"Recording accuracy and no-crime accuracy per force ({_shown(source)}):",
        f"  {'force':<20} {'audit':<{width}} {'reported':>8} {'recorded':>8} {'rate':>6}  {'95% CI':<15} "
        f"{'no-crime ok':>11} {'accuracy':>8}",
    ]
    for force, audit, rep, rec, rate, low, high, reviewed, correct, accuracy, weighted in rows:
        nocrime = f"{correct}/{reviewed}" if reviewed is not None else "-"
        lines.append(
            f"  {force:<20} {audit:<{width}} {rep:>8} {rec:>8} {_pct(rate)}  {_pct(low)}-{_pct(high)} "
            f"{nocrime:>11} {_pct(accuracy):>8}" + ("  weighted (stratified design)" if weighted else "")
        )
    if not rows:
        lines.append("  no audit loaded yet: the exports, volumes and estimates are published; accuracy "
                     "figures appear once an audit's sheets arrive")
    if reported:
        lines.append(
            f"  {'all forces':<20} {'(latest audits)':<{width}} {reported:>8} {recorded:>8} {_pct(recorded / reported)}  "
            f"({reported - recorded} crimes unrecorded)"
        )
    lines += [
        "",
        f"Working warehouse:   {_shown(settings.warehouse)}",
        f"Published warehouse: {_shown(published)}",
        f"Parquet files:       {_shown(settings.published_dir / 'parquet')}",
        f"Data quality pages:  {_shown(settings.quality_dir / 'index.html')}",
        f"Report:              {_shown(settings.published_dir / 'report.html')}",
        f"Data dictionary:     {_shown(settings.published_dir / 'docs' / 'index.html')}",
    ]
    return "\n".join(lines)

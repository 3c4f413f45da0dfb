"""The nightly report, `published/report.html`: the published night in charts, offline.

It reads only what readers read (the published warehouse, read-only, and the quality results
beside it) so it shows exactly the night BI tools see. The page is one self-contained file:
Vega, Vega-Lite and vega-embed are inlined from vl-convert's bundle, the chart data is
embedded, and a Content-Security-Policy forbids every remote load, so it opens the same on an
air-gapped laptop as on the intranet. It is replaced atomically like the warehouse.
"""

from __future__ import annotations

import functools
import html
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.publish import charts
from orchestration.quality import history
from orchestration.warehouse import published_warehouse, table_exists

REPORT_FILE = "report.html"
ESTIMATE_TABLE = ("marts", "unrecorded_crime_estimate")

# The analysts' views (dbt_project/models/marts) do the arithmetic; the report only reads them.
_FORCES = "SELECT * FROM marts.worst_forces_latest_audit ORDER BY worst_rank, force_id"
_GROUPS = "SELECT * FROM marts.offence_group_recording_rates WHERE scope = 'national' ORDER BY offence_group"
_FORCE_NAMES = "SELECT force_id, force_name FROM marts.dim_force"
_ESTIMATES = "SELECT * FROM marts.unrecorded_crime_estimate"
AUDIT_STATUS_TABLE = ("marts", "audit_status")
SCREEN_TABLE = ("marts", "screen_accuracy")
_SCREEN = """
SELECT a.*, coalesce(w.flagged_now, 0) AS flagged_now, coalesce(w.priority_one, 0) AS priority_one
FROM marts.screen_accuracy a
LEFT JOIN (SELECT force_id, count(*) AS flagged_now, count(*) FILTER (WHERE priority = 1) AS priority_one
           FROM marts.unrecorded_incident_screen GROUP BY force_id) w USING (force_id)
ORDER BY a.force_id, a.audit_id
"""
_CHANGES = """
SELECT force_id, previous_audit_id, audit_id, previous_recording_rate, recording_rate, recording_rate_change,
       rate_change_z, is_significant_change
FROM marts.recording_rate_change WHERE previous_audit_id IS NOT NULL ORDER BY force_id, period_end
"""
_AUDIT_STATUS = "SELECT * FROM marts.audit_status ORDER BY status DESC, force_id, audit_id"

# Only inline scripts and styles, and data: images; no connection anywhere. Vega compiles its
# expressions with Function(), hence 'unsafe-eval'.
_CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:62rem;color:#222;padding:0 1rem}
h1{margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555}.note{background:#f6f6f6;border-left:4px solid #999;padding:.6rem 1rem}
.headline{display:flex;gap:2rem;flex-wrap:wrap;margin:1rem 0}.headline div{min-width:9rem}
.headline b{display:block;font-size:1.6rem}
table{border-collapse:collapse;margin:.8rem 0;font-size:90%}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17612a}.blocking{color:#a4161a;font-weight:bold}.warning{color:#9a6700}
.chart{min-height:120px;margin:1rem 0}details{margin:.5rem 0}
"""

# Renders every spec into its <div>, then marks the page so a browser test knows it is done.
_EMBED = """
const specs = JSON.parse(document.getElementById('chart-specs').textContent);
const options = {mode: 'vega-lite', renderer: 'svg', actions: false};
Promise.all(Object.entries(specs).map(([id, spec]) =>
  vegaEmbed('#' + id, spec, options).then(() => { document.getElementById(id).dataset.rendered = 'true'; })
)).then(
  () => { document.body.dataset.charts = 'rendered'; },
  (error) => { document.body.dataset.charts = 'failed'; console.error('chart failed:', error); }
);
"""


@dataclass(frozen=True)
class CheckResult:
    """One asset check of the night, as Dagster recorded it."""

    asset: str
    name: str
    passed: bool
    blocking: bool

    @property
    def kind(self) -> str:
        if self.name.startswith("gx_"):
            return "Great Expectations suites"
        if self.name == "landing_files_clean":
            return "landing files"
        return "dbt tests (one check per tested model)"


@dataclass(frozen=True)
class ReportResult:
    path: Path
    bytes: int
    charts: list[str]
    notes: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=1)
def _vega_bundle() -> str:
    """vega + vega-lite + vega-embed as one script, for the Vega-Lite version Altair writes."""
    import altair as alt
    import vl_convert

    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return vl_convert.javascript_bundle(vl_version=major_minor)


def _pct(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{100 * value:.1f}%"


def _count(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{int(round(value)):,}"


def _esc(value) -> str:
    return html.escape("" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value))


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    """Cells are already escaped; columns from `numeric_from` on are right-aligned."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td class=n>{c}</td>" if i >= numeric_from else f"<td>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _day(value) -> str:
    return "n/a" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _period_label(value) -> str:
    if isinstance(value, (pd.Timestamp, datetime)) or hasattr(value, "strftime"):
        return value.strftime("%Y-%m")
    return str(value)


@dataclass
class _Night:
    forces: pd.DataFrame
    groups: pd.DataFrame
    force_names: dict[str, str]
    estimates: pd.DataFrame | None
    audit_status: pd.DataFrame | None
    screen: pd.DataFrame | None = None
    changes: pd.DataFrame | None = None


def _read_night(warehouse: Path) -> _Night:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        forces = con.execute(_FORCES).df()
        groups = con.execute(_GROUPS).df()
        names = dict(con.execute(_FORCE_NAMES).fetchall())
        has_estimates = table_exists(con, *ESTIMATE_TABLE)
        estimates = con.execute(_ESTIMATES).df() if has_estimates else None
        statuses = con.execute(_AUDIT_STATUS).df() if table_exists(con, *AUDIT_STATUS_TABLE) else None
        has_screen = table_exists(con, *SCREEN_TABLE)
        screen = con.execute(_SCREEN).df() if has_screen else None
        changes = con.execute(_CHANGES).df() if has_screen else None
    return _Night(forces, groups, names, estimates, statuses, screen, changes)


def _screen_section(night: _Night) -> str:
    """The screen's work list and how well its rules found what the auditors found."""
    heading = "<h2 id=screening>Daily screening for unrecorded crime</h2>"
    if night.screen is None or night.screen.empty:
        return heading + "<p class=meta>No published audit to measure the screen against yet.</p>"
    rows = [[_esc(night.force_names.get(r.force_id, r.force_id)), _esc(r.audit_id), _count(r.incidents_audited),
             _count(r.incidents_unrecorded), _count(r.incidents_flagged), _pct(r.screen_precision),
             _pct(r.screen_recall), _count(r.flagged_now), _count(r.priority_one)] for r in night.screen.itertuples()]
    total = night.screen[["incidents_unrecorded", "incidents_flagged", "flagged_unrecorded"]].sum()
    precision = total["flagged_unrecorded"] / total["incidents_flagged"] if total["incidents_flagged"] else None
    recall = total["flagged_unrecorded"] / total["incidents_unrecorded"] if total["incidents_unrecorded"] else None
    return (heading + "<p><code>marts.unrecorded_incident_screen</code> lists, every night, incidents whose codes say "
            "a crime (closed as a crime, or opened as a crime type) with no crime linked within 24 hours: a work "
            "list for force crime registrars, sexual offences first, then violence. Measured against the audited "
            f"incidents: precision {_pct(precision)} (flagged incidents the auditors found unrecorded), recall "
            f"{_pct(recall)} (unrecorded incidents it flags).</p>"
            + _table(["force", "audit", "incidents audited", "unrecorded", "flagged", "precision", "recall",
                      "on tonight's list", "of them sexual offences"], rows, numeric_from=2))


def _changes_section(night: _Night) -> str:
    heading = "<h2 id=rate-change>Change since the previous audit</h2>"
    if night.changes is None or night.changes.empty:
        return heading + "<p class=meta>No force has two audits with reviewed crimes yet.</p>"
    rows = [[_esc(night.force_names.get(r.force_id, r.force_id)), _esc(r.previous_audit_id), _esc(r.audit_id),
             _pct(r.previous_recording_rate), _pct(r.recording_rate),
             f"{100 * r.recording_rate_change:+.1f} pts", "" if pd.isna(r.rate_change_z) else f"{r.rate_change_z:.2f}",
             "yes" if r.is_significant_change else "no"] for r in night.changes.itertuples()]
    return (heading + "<p>Significant at 95% when the two-proportion z statistic exceeds 1.96 in size.</p>"
            + _table(["force", "previous audit", "audit", "previous rate", "rate", "change", "z", "significant"],
                     rows, numeric_from=3))


def _audit_status_section(night: _Night, notes: list[str]) -> str:
    """Which audits' figures this page shows, first: a held-back audit must not pass unseen."""
    statuses = night.audit_status
    if statuses is None or statuses.empty:
        notes.append("no audit loaded yet")
        return ("<p class=note id=no-audits><b>No audit loaded yet:</b> the force exports, published volumes "
                "and estimates are in the warehouse; accuracy figures appear once an audit's sheets arrive.</p>")
    held = statuses[statuses["status"] == "held_back"]
    shown = {"previous": "figures last published for it shown", "none": "no figures shown"}
    rows = [[_esc(r.force_id), _esc(r.audit_id), "HELD BACK" if r.status == "held_back" else "published",
             _esc(shown.get(r.figures_shown, "") if r.status == "held_back" else ""),
             _esc(r.reason or ""), _count(r.rows_quarantined)] for r in statuses.itertuples()]
    if not held.empty:
        notes.append(f"{len(held)} audit(s) held back")
        lead = (f"<p class=note id=held-back><b>{len(held)} audit(s) held back:</b> their figures are not "
                "computed tonight, because a sheet or a force export they need lost rows. Every audit-sheet "
                "row is a sample unit: a rate from a partial sheet would be wrong.</p>")
    else:
        lead = f"<p class=meta>All {len(statuses)} audit(s) published from complete sheets.</p>"
    return ("<h2 id=audit-status>Audits</h2>" + lead
            + _table(["force", "audit", "status", "figures", "reason", "rows quarantined"], rows, numeric_from=5))


def _quality_results(quality_dir: Path) -> list[dict]:
    results = []
    for path in sorted((quality_dir / "results").glob("*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        failed = [e for e in result["expectations"] if not e["success"]]
        state = history.status(result)  # the quality pages' words and classes
        status = (state, history.LABELS[state])
        page = quality_dir / f"{path.stem}.html"
        results.append({
            "stem": path.stem,
            "stage": path.stem.split(".", 1)[0],
            "suite": result["suite"],
            "expectations": len(result["expectations"]),
            "failed": len(failed),
            "rows": result["rows_validated"],
            "validated_at": result["validated_at"],
            "status": status,
            "page": f"quality/{page.name}" if page.exists() else None,
        })
    return results


def _headline(night: _Night) -> tuple[str, float]:
    total = night.groups[night.groups["offence_group"] == "all"].iloc[0]
    periods = f"{_day(night.forces['period_start'].min())} to {_day(night.forces['period_end'].max())}"
    items = [
        ("forces audited", f"{len(night.forces)}"),
        ("crimes that should have been recorded", _count(total["crimes_reported"])),
        ("recorded", _count(total["crimes_recorded"])),
        ("recording rate", f"{_pct(total['recording_rate'])}"),
        ("never recorded", _count(total["crimes_unrecorded"])),
    ]
    cells = "".join(f"<div><b>{_esc(v)}</b>{_esc(k)}</div>" for k, v in items)
    text = (f"<div class=headline>{cells}</div><p class=meta>Latest audit of each force (audit periods {_esc(periods)}); "
            f"national rate {_pct(total['recording_rate'])}, 95% interval {_pct(total['rate_ci_low'])} to "
            f"{_pct(total['rate_ci_high'])}.</p>")
    return text, float(total["recording_rate"])


def _forces_section(night: _Night, national_rate: float, specs: dict) -> str:
    specs["chart-recording-by-force"] = charts.recording_rate_by_force(night.forces, national_rate)
    rows = [
        [_esc(r.force_name), _esc(r.audit_id), _count(r.crimes_reported), _count(r.crimes_recorded),
         _count(r.crimes_unrecorded), _pct(r.recording_rate), f"{_pct(r.rate_ci_low)} to {_pct(r.rate_ci_high)}",
         "yes" if r.is_clearly_below_national else ""]
        for r in night.forces.itertuples()
    ]
    table = _table(["force", "audit", "reported", "recorded", "unrecorded", "rate", "95% interval",
                    "clearly below national"], rows, numeric_from=2)
    return (
        "<h2 id=recording-by-force>Recording rate by force</h2>"
        "<p>Of the crimes the auditors found in the incident records they reviewed, the share the force "
        "recorded. Forces are sorted by rate; bars are 95% Wilson intervals; the dashed line is all audited "
        "forces together.</p>"
        "<div class=chart id=chart-recording-by-force></div>"
        f"<details><summary>Figures</summary>{table}</details>"
    )


def _groups_section(night: _Night, specs: dict) -> str:
    groups = night.groups[(night.groups["offence_group"] != "all") & (night.groups["crimes_reported"] > 0)].copy()
    all_rate = float(night.groups.loc[night.groups["offence_group"] == "all", "recording_rate"].iloc[0])
    groups["group_label"] = groups["offence_group"].str.replace("_", " ").str.capitalize()
    specs["chart-recording-by-group"] = charts.recording_rate_by_offence_group(groups, all_rate)
    rows = [
        [_esc(r.group_label), _count(r.crimes_reported), _count(r.crimes_recorded), _count(r.crimes_unrecorded),
         _pct(r.recording_rate), f"{_pct(r.rate_ci_low)} to {_pct(r.rate_ci_high)}",
         "under-recorded" if r.is_under_recorded else ""]
        for r in groups.sort_values("recording_rate").itertuples()
    ]
    table = _table(["offence group", "reported", "recorded", "unrecorded", "rate", "95% interval", ""], rows)
    return (
        "<h2 id=recording-by-group>Recording rate by offence group</h2>"
        "<p>All audited forces together, latest audit of each. A group below the dashed all-crime line is "
        "under-recorded (<code>marts.under_recorded_offence_groups</code> lists them per force too).</p>"
        "<div class=chart id=chart-recording-by-group></div>"
        f"<details><summary>Figures</summary>{table}</details>"
    )


def _no_crime_section(night: _Night, specs: dict) -> str:
    reviewed = night.forces[night.forces["decisions_reviewed"].fillna(0) > 0]
    if reviewed.empty:
        return ("<h2 id=no-crime>No-crime accuracy by force</h2>"
                "<p class=note>No no-crime decisions were reviewed in the latest audits.</p>")
    total = reviewed["decisions_reviewed"].sum()
    incorrect = reviewed["decisions_incorrect"].sum()
    national = float((total - incorrect) / total)
    specs["chart-no-crime-by-force"] = charts.no_crime_accuracy_by_force(reviewed, national)
    rows = [
        [_esc(r.force_name), _count(r.decisions_reviewed), _count(r.decisions_reviewed - r.decisions_incorrect),
         _count(r.decisions_incorrect), _pct(r.no_crime_accuracy_rate),
         f"{_pct(r.no_crime_accuracy_ci_low)} to {_pct(r.no_crime_accuracy_ci_high)}"]
        for r in reviewed.sort_values("no_crime_accuracy_rate").itertuples()
    ]
    table = _table(["force", "reviewed", "correct", "incorrect", "accuracy", "95% interval"], rows)
    return (
        "<h2 id=no-crime>No-crime accuracy by force</h2>"
        f"<p>No-crime decisions (a recorded crime later cancelled) the auditors found correct. All forces "
        f"together: {_count(total - incorrect)} of {_count(total)} correct ({_pct(national)}).</p>"
        "<div class=chart id=chart-no-crime-by-force></div>"
        f"<details><summary>Figures</summary>{table}</details>"
    )


# Where an estimate's rate comes from (marts.unrecorded_crime_estimate.rate_source).
_SOURCES = {"force_audit": "the force's audit", "national": "national (no audit of its own)"}


def _estimate_section(night: _Night, specs: dict, notes: list[str]) -> str:
    heading = "<h2 id=unrecorded-estimate>Crimes estimated never recorded</h2>"
    estimates = night.estimates
    if estimates is None or estimates.empty:
        reason = ("the warehouse has no <code>marts.unrecorded_crime_estimate</code> yet" if estimates is None
                  else "<code>marts.unrecorded_crime_estimate</code> is empty (no published volumes loaded)")
        notes.append("unrecorded-crime estimate not available yet")
        return (f"{heading}<p class=note id=unrecorded-estimate-missing><b>Not available yet:</b> {reason}. "
                "The estimate applies each force's audited recording rate to its published recorded-crime "
                "volumes (police.uk), and appears here once those are loaded.</p>")
    latest = estimates[estimates["period"] == estimates.groupby("force_id")["period"].transform("max")].copy()
    latest["force_name"] = latest["force_id"].map(night.force_names).fillna(latest["force_id"])
    latest["period_label"] = latest["period"].map(_period_label)
    specs["chart-unrecorded-estimate"] = charts.unrecorded_estimate_by_force(latest.drop(columns=["period"]))
    periods = sorted(set(latest["period_label"]))
    rows = [
        [_esc(r.force_name), _esc(r.period_label), _count(r.published_recorded_crimes), _pct(r.recording_rate),
         _SOURCES.get(getattr(r, "rate_source", "force_audit"), ""),
         _count(r.estimated_unrecorded), f"{_count(r.estimated_unrecorded_low)} to {_count(r.estimated_unrecorded_high)}"]
        for r in latest.sort_values("estimated_unrecorded", ascending=False).itertuples()
    ]
    table = _table(["force", "period", "published recorded", "recording rate", "rate from", "estimated unrecorded",
                    "range"], rows, numeric_from=2)
    return (
        f"{heading}<p>Published recorded volume &times; (1 &minus; rate) / rate, with the range from the rate's "
        f"95% interval, as the inspectorate estimated it: the force's own latest audit, else the national rate "
        f"pooled over every force's latest audit; latest period of each force "
        f"({_esc(', '.join(periods))}). Together: about {_count(latest['estimated_unrecorded'].sum())} crimes "
        f"({_count(latest['estimated_unrecorded_low'].sum())} to {_count(latest['estimated_unrecorded_high'].sum())}).</p>"
        "<div class=chart id=chart-unrecorded-estimate></div>"
        f"<details><summary>Figures</summary>{table}</details>"
    )


def _quality_section(results: list[dict], checks: Sequence[CheckResult] | None) -> str:
    parts = ["<h2 id=quality>Data quality of the night</h2>"]
    if checks is None:
        parts.append("<p class=note>This report was built outside a pipeline run: no Dagster check results.</p>")
    elif not checks:
        parts.append("<p class=note>No asset check ran in this run (the report was built on its own).</p>")
    else:
        kinds = sorted({c.kind for c in checks})
        rows = []
        for kind in kinds:
            of_kind = [c for c in checks if c.kind == kind]
            warned = sum(not c.passed and not c.blocking for c in of_kind)
            failed = sum(not c.passed and c.blocking for c in of_kind)
            rows.append([_esc(kind), str(len(of_kind)), str(len(of_kind) - warned - failed),
                         f"<span class={'warning' if warned else 'ok'}>{warned}</span>",
                         f"<span class={'blocking' if failed else 'ok'}>{failed}</span>"])
        parts.append("<p>Checks Dagster ran in this run (a failed blocking check stops publishing, so a published "
                     "night has none):</p>")
        parts.append(_table(["checks", "run", "passed", "warnings", "failed (blocking)"], rows))
        not_passed = [c for c in checks if not c.passed]
        if not_passed:
            items = "".join(f"<li class={'blocking' if c.blocking else 'warning'}><code>{_esc(c.asset)}:{_esc(c.name)}</code>"
                            f"</li>" for c in not_passed)
            parts.append(f"<p>Not passed:</p><ul>{items}</ul>")
    if results:
        rows = []
        for r in results:
            css, label = r["status"]
            name = f"<a href=\"{_esc(r['page'])}\">{_esc(r['suite'])}</a>" if r["page"] else _esc(r["suite"])
            rows.append([name, _esc(r["stage"]), f"<span class={css}>{_esc(label)}</span>",
                         f"{r['failed']} / {r['expectations']}", _count(r["rows"]), _esc(r["validated_at"])])
        parts.append("<p>Great Expectations suites, latest validation of each "
                     "(<a href=\"quality/index.html\">all quality pages</a>):</p>")
        parts.append(_table(["suite", "stage", "status", "failed / expectations", "rows validated", "validated (UTC)"],
                            rows, numeric_from=3))
    else:
        parts.append("<p class=note>No Great Expectations results published yet.</p>")
    return "".join(parts)


def _page(body: str, specs: dict) -> str:
    # `</` inside the JSON would end the <script> element early: JSON allows `<\/` instead.
    spec_json = json.dumps(specs, separators=(",", ":"), default=str).replace("</", "<\\/")
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{_CSP}\">"
        "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
        "<title>Crime recording: the published night</title>"
        f"<style>{_STYLE}</style>"
        f"<script>{_vega_bundle()}</script></head><body>{body}"
        "<noscript><p class=note>The charts need JavaScript; every figure is also in the tables.</p></noscript>"
        f"<script type=\"application/json\" id=chart-specs>{spec_json}</script>"
        f"<script>{_EMBED}</script></body></html>\n"
    )


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def build_report(published_dir: Path, checks: Sequence[CheckResult] | None = None) -> ReportResult:
    """Render `published_dir/report.html` from the published warehouse and quality results."""
    night = _read_night(published_warehouse(published_dir))
    specs: dict[str, dict] = {}
    notes: list[str] = []
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        "<h1>Crime recording: the published night</h1>",
        f"<p class=meta>Built {generated} from <code>warehouse.duckdb</code> (the published snapshot). "
        "<a href=\"docs/index.html\">Data dictionary</a> &middot; <a href=\"quality/index.html\">Data quality pages</a>"
        " &middot; Parquet files in <code>parquet/</code>.</p>",
    ]
    sections.append(_audit_status_section(night, notes))
    if night.forces.empty:  # no audit, or none with reviewed crimes: say so rather than draw empty charts
        notes.append("no audit with reviewed crimes yet")
        sections.append("<p class=note id=no-results><b>No audit results yet:</b> no audit in the published "
                         "warehouse has reviewed crimes, so there is no recording rate to chart.</p>")
    else:
        headline, national_rate = _headline(night)
        sections += [
            headline,
            _forces_section(night, national_rate, specs),
            _groups_section(night, specs),
            _no_crime_section(night, specs),
        ]
    sections += [
        _changes_section(night),
        _screen_section(night),
        _estimate_section(night, specs, notes),
        _quality_section(_quality_results(published_dir / "quality"), checks),
    ]
    body = "".join(sections)
    path = published_dir / REPORT_FILE
    _write_atomically(path, _page(body, specs))
    return ReportResult(path, path.stat().st_size, list(specs), notes)

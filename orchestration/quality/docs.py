"""Data-quality pages (`published/quality/`): offline HTML rendered from validation results.

GX's own Data Docs pull jQuery, Bootstrap, Vega and Font Awesome from public CDNs and a
logo with a tracking id; these pages are self-contained instead (no script, no remote asset):
the trend strips are inline-block cells styled by the page's own CSS.

`results/<stage>.<table>.json` is each suite's latest result (also read by the report),
`history/<stage>.<table>.jsonl` its last nights (history.py); the pages are rebuilt from them.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
from pathlib import Path
from typing import Any

from orchestration.quality import history
from orchestration.quality.arguments import checked, columns
from orchestration.quality.suites import SuiteFile
from orchestration.quality.validate import SuiteOutcome

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
.ok{color:#17612a}.blocking{color:#a4161a;font-weight:bold}.warning{color:#9a6700}code{font-size:90%}
.meta{color:#666}td.checked{max-width:42rem}ul.checked{margin:0;padding:0;list-style:none}.set code{font-size:80%;margin-right:.3em;white-space:nowrap}
.trend{display:inline-flex;gap:1px;vertical-align:middle}
.night{display:inline-block;width:.55rem;height:1.1rem;background:#ccc}
.night.ok{background:#2da44e}.night.warning{background:#d4a72c}.night.blocking{background:#cf222e}
"""


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )


def _stem(suite: SuiteFile) -> str:
    return f"{suite.stage}.{suite.table[1]}"


def _history_path(quality_dir: Path, stem: str) -> Path:
    return quality_dir / "history" / f"{stem}.jsonl"


def trend_strip(nights: list[dict[str, Any]]) -> str:
    """One coloured cell per night, oldest left; each says its night and result when hovered."""
    if not nights:
        return "<span class=meta>no history yet</span>"
    cells = "".join(
        f'<span class="night {n["status"]}" title="{html.escape(n["night"])}: {history.LABELS[n["status"]]}, '
        f'{n["failed"]} of {n["expectations"]} failed"></span>'
        for n in nights
    )
    passed = sum(n["status"] == history.OK for n in nights)
    label = f"{passed} of the last {len(nights)} nights passed"
    return f'<span class=trend role=img aria-label="{label}" title="{label}">{cells}</span>'


def _trend_table(nights: list[dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(n['night'])}</td><td>{html.escape(n['validated_at'])}</td>"
        f"<td>{n['rows_validated']}</td><td>{n['failed']} of {n['expectations']}</td>"
        f"<td class={n['status']}>{history.LABELS[n['status']]}</td></tr>"
        for n in reversed(nights)
    )
    return (
        f"<h2 id=trend>Last {len(nights)} night(s)</h2><p>{trend_strip(nights)} oldest left; "
        f"at most {history.NIGHTS} nights are kept. A night is the last export date its run covered.</p>"
        "<table><tr><th>night</th><th>validated (UTC)</th><th>rows validated</th>"
        "<th>failed expectations</th><th>status</th></tr>" + rows + "</table>"
    )


def _expectation_row(e: dict[str, Any]) -> str:
    css = "ok" if e["success"] else ("blocking" if e["severity"] == "critical" else "warning")
    return (
        f"<tr class={css}><td>{'pass' if e['success'] else 'FAIL'}</td><td>{e['severity']}</td>"
        f"<td><code>{html.escape(e['type'])}</code><br>{columns(e['kwargs'])}</td>"
        f"<td class=checked>{checked(e['kwargs'])}</td>"
        f"<td>{e['unexpected_count'] if e['unexpected_count'] is not None else ''}</td>"
        f"<td>{html.escape(', '.join(e['unexpected_sample']))}{html.escape(e['observed'] or '')}</td></tr>"
    )


def suite_page(result: dict[str, Any], stage: str, nights: list[dict[str, Any]]) -> str:
    night = f" (night {html.escape(result['night'])})" if result.get("night") else ""
    body = (
        f"<p>Stage <b>{stage}</b>, table <code>{html.escape(result['table'])}</code>, "
        f"{result['rows_validated']} rows validated at {result['validated_at']} UTC{night}. "
        "<a href=index.html>All suites</a></p>"
        "<table><tr><th>result</th><th>severity</th><th>expectation</th><th>checked</th>"
        "<th>unexpected</th><th>sample / observed</th></tr>"
        + "".join(_expectation_row(e) for e in result["expectations"]) + "</table>"
        + _trend_table(nights)
    )
    return _page(f"Suite {result['suite']}", body)


def _index_row(quality_dir: Path, path: Path) -> str:
    result = json.loads(path.read_text(encoding="utf-8"))
    state = history.status(result)
    failed = sum(not e["success"] for e in result["expectations"])
    return (
        f"<tr><td><a href={path.stem}.html>{html.escape(result['suite'])}</a></td>"
        f"<td class={state}>{history.LABELS[state]}</td>"
        f"<td>{len(result['expectations'])}</td><td>{failed}</td><td>{result['rows_validated']}</td>"
        f"<td>{result['validated_at']}</td>"
        f"<td>{trend_strip(history.read(_history_path(quality_dir, path.stem)))}</td></tr>"
    )


def render_index(quality_dir: Path) -> Path:
    rows = "".join(_index_row(quality_dir, path) for path in sorted((quality_dir / "results").glob("*.json")))
    body = (
        f"<p>Great Expectations suites of the warehouse, latest validation of each, and the last "
        f"{history.NIGHTS} nights of each (oldest left; green passed, amber warnings, red blocking).</p>"
        "<table><tr><th>suite</th><th>status</th><th>expectations</th><th>failed</th><th>rows</th>"
        f"<th>validated (UTC)</th><th>last {history.NIGHTS} nights</th></tr>" + rows + "</table>"
    )
    index = quality_dir / "index.html"
    _write_atomically(index, _page("Data quality", body))
    return index


def record_outcome(outcome: SuiteOutcome, suite: SuiteFile, quality_dir: Path,
                   last_export: dt.date | None = None) -> None:
    """Keep the latest result of a suite and its night in the history, and re-render its page
    and the index. `last_export`: the last export date of the run (history.night_key)."""
    results_dir = quality_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = _stem(suite)
    result = outcome.to_dict()
    result["night"] = history.night_key(last_export, result["validated_at"])
    _write_atomically(results_dir / f"{stem}.json", json.dumps(result, indent=1, default=str))
    nights = history.record(_history_path(quality_dir, stem), history.entry(result, result["night"]))
    _write_atomically(quality_dir / f"{stem}.html", suite_page(result, suite.stage, nights))
    render_index(quality_dir)

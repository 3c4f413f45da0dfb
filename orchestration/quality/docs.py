"""Data-quality pages (`published/quality/`): offline HTML rendered from validation results.

GX's own Data Docs pull jQuery, Bootstrap, Vega and Font Awesome from public CDNs and a
logo with a tracking id; these pages are self-contained instead (no script, no remote asset).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

from orchestration.quality.suites import SuiteFile
from orchestration.quality.validate import SuiteOutcome

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
.ok{color:#17612a}.blocking{color:#a4161a;font-weight:bold}.warning{color:#9a6700}code{font-size:90%}
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


def _status(result: dict) -> tuple[str, str]:
    failed = [e for e in result["expectations"] if not e["success"]]
    if any(e["severity"] == "critical" for e in failed):
        return "blocking", "FAILED (blocking)"
    if failed:
        return "warning", "warnings"
    return "ok", "passed"


def _suite_page(result: dict, stage: str) -> str:
    rows = []
    for e in result["expectations"]:
        css = "ok" if e["success"] else ("blocking" if e["severity"] == "critical" else "warning")
        rows.append(
            f"<tr class={css}><td>{'pass' if e['success'] else 'FAIL'}</td><td>{e['severity']}</td>"
            f"<td><code>{html.escape(e['type'])}</code></td><td><code>{html.escape(json.dumps(e['kwargs'], default=str))}</code></td>"
            f"<td>{e['unexpected_count'] if e['unexpected_count'] is not None else ''}</td>"
            f"<td>{html.escape(', '.join(e['unexpected_sample']))}{html.escape(e['observed'] or '')}</td></tr>"
        )
    body = (
        f"<p>Stage <b>{stage}</b>, table <code>{html.escape(result['table'])}</code>, "
        f"{result['rows_validated']} rows validated at {result['validated_at']} UTC. <a href=index.html>All suites</a></p>"
        "<table><tr><th>result</th><th>severity</th><th>expectation</th><th>arguments</th>"
        "<th>unexpected</th><th>sample / observed</th></tr>" + "".join(rows) + "</table>"
    )
    return _page(f"Suite {result['suite']}", body)


def render_index(quality_dir: Path) -> Path:
    results_dir = quality_dir / "results"
    rows = []
    for path in sorted(results_dir.glob("*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        css, label = _status(result)
        page = path.stem + ".html"
        failed = sum(not e["success"] for e in result["expectations"])
        rows.append(
            f"<tr><td><a href={page}>{html.escape(result['suite'])}</a></td><td class={css}>{label}</td>"
            f"<td>{len(result['expectations'])}</td><td>{failed}</td><td>{result['rows_validated']}</td>"
            f"<td>{result['validated_at']}</td></tr>"
        )
    body = (
        "<p>Great Expectations suites of the warehouse, latest validation of each.</p>"
        "<table><tr><th>suite</th><th>status</th><th>expectations</th><th>failed</th><th>rows</th>"
        "<th>validated (UTC)</th></tr>" + "".join(rows) + "</table>"
    )
    index = quality_dir / "index.html"
    _write_atomically(index, _page("Data quality", body))
    return index


def record_outcome(outcome: SuiteOutcome, suite: SuiteFile, quality_dir: Path) -> None:
    """Keep the latest result of a suite and re-render its page and the index."""
    results_dir = quality_dir / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{suite.stage}.{suite.table[1]}"
    result = outcome.to_dict()
    _write_atomically(results_dir / f"{stem}.json", json.dumps(result, indent=1, default=str))
    _write_atomically(quality_dir / f"{stem}.html", _suite_page(result, suite.stage))
    render_index(quality_dir)

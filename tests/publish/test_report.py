"""The nightly report: built by the pipeline, right figures, offline, rendered in Chromium."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey

from orchestration.publish.report import build_report

CHARTS = ["chart-recording-by-force", "chart-recording-by-group", "chart-no-crime-by-force"]
ESTIMATE_CHART = "chart-unrecorded-estimate"
REMOTE = re.compile(r"^(?:https?:|wss?:|//)", re.IGNORECASE)


class _Links(HTMLParser):
    """Every src/href/data attribute of the page's markup (script bodies are not markup)."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.found += [(tag, name, value or "") for name, value in attrs if name in ("src", "href", "data")]


def links_of(page: str) -> list[tuple[str, str, str]]:
    parser = _Links()
    parser.feed(page)
    return parser.found


def specs_of(page: str) -> dict:
    body = re.search(r'<script type="application/json" id=chart-specs>(.*?)</script>', page, re.S).group(1)
    return json.loads(body)


def rows_of(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def render(chromium, report: Path, screenshot: Path):
    """Open the report, wait for vega-embed to finish, return what the page did."""
    chromium.open(report)
    state = chromium.wait_for("return document.body.dataset.charts || null")
    chromium.screenshot(screenshot)
    return state, chromium.page()


def chart_marks(chromium, chart_id: str) -> int:
    """Drawn marks (points, rules, bars) inside the chart's SVG: 0 when nothing rendered."""
    return chromium.driver.execute_script(
        "const svg = document.querySelector('#' + arguments[0] + ' svg');"
        "return svg ? svg.querySelectorAll('g.mark-symbol path, g.mark-rule line, g.mark-rect path').length : 0;",
        chart_id)


def estimate_rows(published: Path) -> int:
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as con:
        exists = con.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_schema = 'marts' AND table_name = 'unrecorded_crime_estimate'").fetchone()[0]
        return con.execute("SELECT count(*) FROM marts.unrecorded_crime_estimate").fetchone()[0] if exists else 0


def test_report_and_dictionary_follow_the_publish_in_the_nightly_job():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for key in (["published", "report"], ["published", "docs"]):
        node = graph.get(AssetKey(key))
        assert node.parent_keys == {AssetKey(["published", "warehouse"])}
        assert node.group_name == "publish"
    assert {AssetKey(["published", "report"]), AssetKey(["published", "docs"])} <= set(
        defs.resolve_job_def("nightly").asset_layer.selected_asset_keys)


def test_the_night_builds_a_self_contained_report(nightly):
    report = nightly.settings.published_dir / "report.html"
    page = report.read_text(encoding="utf-8")
    assert "published/report" in nightly.outcome.materialized
    remote = [link for link in links_of(page) if REMOTE.match(link[2])]
    assert remote == [], "the report must not load anything from elsewhere"
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "vegaEmbed" in page  # the library is inlined, not fetched
    assert not list(report.parent.glob(".report.html*")), "no temporary file left behind"
    # every link into the quality pages and the dictionary resolves on disk
    local = [value for _, _, value in links_of(page) if value.endswith(".html")]
    assert "quality/index.html" in local and "docs/index.html" in local
    assert all((report.parent / value).exists() for value in local), local


def test_report_figures_come_from_the_published_marts(nightly):
    page = (nightly.settings.published_dir / "report.html").read_text(encoding="utf-8")
    specs = specs_of(page)
    assert set(CHARTS) <= set(specs)
    herts = [r for r in rows_of(specs["chart-recording-by-force"]) if r.get("force_id") == "hertfordshire"]
    assert len(herts) == 1
    assert (herts[0]["crimes_recorded"], herts[0]["crimes_reported"]) == (130, 181)
    assert herts[0]["recording_rate"] == pytest.approx(130 / 181)
    assert (round(herts[0]["rate_ci_low"], 3), round(herts[0]["rate_ci_high"], 3)) == (0.649, 0.779)
    assert herts[0]["worst_rank"] == 1
    no_crime = [r for r in rows_of(specs["chart-no-crime-by-force"]) if r.get("force_id") == "hertfordshire"][0]
    assert (no_crime["decisions_reviewed"], no_crime["decisions_incorrect"]) == (75, 4)
    # the figures tables say the same in words, and the headline has the national total
    assert re.search(r"<td>Hertfordshire Constabulary</td><td>hertfordshire-2014</td>"
                     r"<td class=n>181</td><td class=n>130</td><td class=n>51</td><td class=n>71\.8%</td>"
                     r"<td class=n>64\.9% to 77\.9%</td>", page)
    assert "<b>2,670</b>crimes that should have been recorded" in page
    assert "<b>2,136</b>recorded" in page and "<b>80.0%</b>recording rate" in page
    assert "71 of 75 correct" not in page  # the national no-crime sentence is about all forces
    assert re.search(r"<td>Violence against the person</td>.*?under-recorded", page)


def test_report_shows_the_nights_data_quality(nightly):
    page = (nightly.settings.published_dir / "report.html").read_text(encoding="utf-8")
    quality = page[page.index("<h2 id=quality>"):]
    assert '<a href="quality/marts.recording_accuracy.html">marts.recording_accuracy</a>' in quality
    assert "FAILED" not in quality  # a published night passed every blocking check
    dbt_tests = re.search(r"<td>dbt tests \(one check per tested model\)</td><td class=n>(\d+)</td><td class=n>(\d+)</td>",
                          quality)
    assert dbt_tests and int(dbt_tests.group(1)) > 30 and dbt_tests.group(1) == dbt_tests.group(2)
    assert re.search(r"<td>Great Expectations suites</td><td class=n>(\d+)</td>", quality)


def test_report_renders_in_chromium_with_no_console_errors(nightly, chromium, tmp_path):
    published = nightly.settings.published_dir
    state, page = render(chromium, published / "report.html", tmp_path / "report.png")
    assert state == "rendered", page.console
    for chart in CHARTS:
        assert chart_marks(chromium, chart) >= 13, chart  # 13 forces or 8 groups x (point + rule)
    assert page.console == []
    assert [url for url in page.requests if REMOTE.match(url)] == []
    assert (tmp_path / "report.png").stat().st_size > 50_000
    if estimate_rows(published):
        assert chart_marks(chromium, ESTIMATE_CHART) > 0
    else:
        assert chromium.driver.find_element("id", "unrecorded-estimate-missing").text.startswith("Not available yet")


def _set_estimates(published: Path, rows: list[tuple] | None) -> None:
    """Replace marts.unrecorded_crime_estimate in a copy: None drops it, [] empties it."""
    with duckdb.connect(str(published / "warehouse.duckdb")) as con:
        kind = con.execute("SELECT table_type FROM information_schema.tables "
                           "WHERE table_schema = 'marts' AND table_name = 'unrecorded_crime_estimate'").fetchall()
        if kind:
            con.execute(f"DROP {'VIEW' if kind[0][0] == 'VIEW' else 'TABLE'} marts.unrecorded_crime_estimate")
        if rows is None:
            return
        con.execute("CREATE TABLE marts.unrecorded_crime_estimate (force_id VARCHAR, period VARCHAR, "
                    "published_recorded_crimes BIGINT, recording_rate DOUBLE, rate_ci_low DOUBLE, rate_ci_high DOUBLE, "
                    "estimated_unrecorded DOUBLE, estimated_unrecorded_low DOUBLE, estimated_unrecorded_high DOUBLE)")
        if rows:
            con.executemany("INSERT INTO marts.unrecorded_crime_estimate VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _estimate(force: str, period: str, volume: int, rate: float, low: float, high: float) -> tuple:
    return (force, period, volume, rate, low, high,
            volume * (1 - rate) / rate, volume * (1 - high) / high, volume * (1 - low) / low)


@pytest.mark.parametrize("rows", [None, []], ids=["no-table", "empty-table"])
def test_report_says_the_estimate_is_not_available_yet(published_copy, rows):
    _set_estimates(published_copy, rows)
    result = build_report(published_copy)
    page = result.path.read_text(encoding="utf-8")
    assert ESTIMATE_CHART not in specs_of(page)
    assert "id=unrecorded-estimate-missing><b>Not available yet:</b>" in page
    assert result.notes == ["unrecorded-crime estimate not available yet"]


def test_report_charts_the_estimate_when_the_mart_exists(published_copy, chromium, tmp_path):
    herts = 130 / 181
    _set_estimates(published_copy, [
        _estimate("hertfordshire", "2013-12", 1200, herts, 0.649, 0.779),
        _estimate("hertfordshire", "2014-01", 1300, herts, 0.649, 0.779),  # the latest period is shown
        _estimate("kent", "2014-01", 2000, 0.85, 0.797, 0.892),
    ])
    result = build_report(published_copy)
    page = result.path.read_text(encoding="utf-8")
    rows = rows_of(specs_of(page)[ESTIMATE_CHART])
    shown = {r["force_id"]: r for r in rows if "force_id" in r}
    assert set(shown) == {"hertfordshire", "kent"} and len([r for r in rows if "force_id" in r]) == 2
    # 1,300 recorded at a 130/181 rate: 1300 * 51/130 = 510 never recorded
    assert shown["hertfordshire"]["estimated_unrecorded"] == pytest.approx(510)
    assert shown["hertfordshire"]["period_label"] == "2014-01"
    assert "<td>Hertfordshire Constabulary</td><td>2014-01</td><td class=n>1,300</td>" in page
    state, browser_page = render(chromium, result.path, tmp_path / "report-with-estimate.png")
    assert state == "rendered" and browser_page.console == []
    assert chart_marks(chromium, ESTIMATE_CHART) >= 4  # two bars and two ranges


def test_report_before_any_review_is_loaded_says_so(published_copy):
    with duckdb.connect(str(published_copy / "warehouse.duckdb")) as con:
        con.execute("DELETE FROM marts.recording_accuracy")  # audits known, nothing reviewed yet
    result = build_report(published_copy, checks=[])
    page = result.path.read_text(encoding="utf-8")
    assert "id=no-results><b>No audit results yet:</b>" in page
    assert not set(CHARTS) & set(specs_of(page))
    assert "no audit with reviewed crimes yet" in result.notes
    assert "No asset check ran in this run" in page

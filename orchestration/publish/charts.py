"""The report's charts, as Altair (Vega-Lite) specifications built from small DataFrames.

Each function takes the rows the report read from the published warehouse and returns a
Vega-Lite spec (a dict); the page embeds the specs and renders them in the browser.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

WIDTH = 760
BELOW = "#b2182b"  # whole interval below the line: not just sampling noise
OTHER = "#2c5d8a"
LINE = "#444444"
PERCENT = ".0%"


def _title(text: str, subtitle: str) -> alt.TitleParams:
    return alt.TitleParams(text, subtitle=subtitle, anchor="start", fontSize=15, subtitleFontSize=12)


def _reference_line(value: float, label: str, *, across: str) -> alt.LayerChart:
    """A dashed line at the national (or all-crime) rate across the chart, with its label.

    `alt.datum` puts the line on the chart's own rate scale without adding a field (which
    would change the shared axis title).
    """
    one_row = alt.Chart(pd.DataFrame({"value": [value]}))  # one row: the mark is drawn once
    if across == "x":  # categories along x: a horizontal line
        rule = one_row.mark_rule(color=LINE, strokeDash=[6, 4]).encode(y=alt.datum(value))
        # in the right margin, clear of the points (the view grows to hold it)
        text = one_row.mark_text(text=label, align="left", baseline="middle", dx=6, color=LINE, fontSize=11).encode(
            y=alt.datum(value), x=alt.value(WIDTH))
    else:  # categories along y: a vertical line
        rule = one_row.mark_rule(color=LINE, strokeDash=[6, 4]).encode(x=alt.datum(value))
        text = one_row.mark_text(text=label, align="left", baseline="top", dx=4, color=LINE, fontSize=11).encode(
            x=alt.datum(value), y=alt.value(-14))
    return rule + text


def _rate_scale(lowest: float) -> alt.Scale:
    """From a round tenth below the lowest interval bound to 100%: differences stay visible."""
    return alt.Scale(domain=[max(0.0, math.floor((lowest - 0.02) * 10) / 10), 1.0], nice=False)


def _interval_chart(
    frame: pd.DataFrame,
    *,
    category: str,
    category_title: str | None,
    rate: str,
    low: str,
    high: str,
    reference: float,
    reference_label: str,
    tooltip: list,
    title: alt.TitleParams,
    horizontal_categories: bool,
    rate_title: str,
) -> dict:
    """Points at the rate with 95% interval bars, categories sorted by rate, a reference line.

    Categories run along x (forces, as the inspectorate draws them) or along y (offence
    groups, whose names are long).
    """
    data = frame.assign(_below=frame[high] < reference)
    scale = _rate_scale(float(data[low].min()))
    sort = alt.SortField(rate, order="ascending")
    colour = alt.Color("_below:N", scale=alt.Scale(domain=[True, False], range=[BELOW, OTHER]), legend=None)
    if horizontal_categories:
        cat = alt.X(f"{category}:N", sort=sort, title=category_title, axis=alt.Axis(labelAngle=-40, labelLimit=160))
        val = alt.Y(f"{rate}:Q", scale=scale, axis=alt.Axis(format=PERCENT), title=rate_title)
        val_low, val_high = alt.Y(f"{low}:Q", scale=scale), alt.Y2(f"{high}:Q")
        size = {"width": WIDTH, "height": 320}
    else:
        cat = alt.Y(f"{category}:N", sort=sort, title=category_title, axis=alt.Axis(labelLimit=220))
        val = alt.X(f"{rate}:Q", scale=scale, axis=alt.Axis(format=PERCENT), title=rate_title)
        val_low, val_high = alt.X(f"{low}:Q", scale=scale), alt.X2(f"{high}:Q")
        size = {"width": WIDTH - 220, "height": 28 * len(data) + 20}
    base = alt.Chart(data)
    bars = base.mark_rule(strokeWidth=2).encode(
        **({"x": cat, "y": val_low, "y2": val_high} if horizontal_categories else {"y": cat, "x": val_low, "x2": val_high}),
        color=colour, tooltip=tooltip)
    points = base.mark_point(filled=True, size=70, opacity=1).encode(
        **({"x": cat, "y": val} if horizontal_categories else {"y": cat, "x": val}), color=colour, tooltip=tooltip)
    chart = alt.layer(bars, points, _reference_line(reference, reference_label, across="x" if horizontal_categories else "y"))
    return chart.properties(title=title, **size).to_dict()


def recording_rate_by_force(forces: pd.DataFrame, national_rate: float) -> dict:
    """The inspectorate's standard chart: forces sorted by rate, 95% intervals, national line."""
    return _interval_chart(
        forces,
        category="force_name",
        category_title=None,
        rate="recording_rate",
        low="rate_ci_low",
        high="rate_ci_high",
        reference=national_rate,
        reference_label=f"All forces {national_rate:.1%}",
        tooltip=[
            alt.Tooltip("force_name:N", title="force"),
            alt.Tooltip("audit_id:N", title="audit"),
            alt.Tooltip("crimes_reported:Q", title="reported"),
            alt.Tooltip("crimes_recorded:Q", title="recorded"),
            alt.Tooltip("recording_rate:Q", title="rate", format=".1%"),
            alt.Tooltip("rate_ci_low:Q", title="95% CI low", format=".1%"),
            alt.Tooltip("rate_ci_high:Q", title="95% CI high", format=".1%"),
        ],
        title=_title("Crime recording rate by force",
                     "Crimes recorded / crimes that should have been recorded, latest audit, with 95% intervals; "
                     "red: whole interval below the national rate"),
        horizontal_categories=True,
        rate_title="recording rate",
    )


def recording_rate_by_offence_group(groups: pd.DataFrame, all_rate: float) -> dict:
    return _interval_chart(
        groups,
        category="group_label",
        category_title=None,
        rate="recording_rate",
        low="rate_ci_low",
        high="rate_ci_high",
        reference=all_rate,
        reference_label=f"All crime {all_rate:.1%}",
        tooltip=[
            alt.Tooltip("group_label:N", title="offence group"),
            alt.Tooltip("crimes_reported:Q", title="reported"),
            alt.Tooltip("crimes_recorded:Q", title="recorded"),
            alt.Tooltip("recording_rate:Q", title="rate", format=".1%"),
            alt.Tooltip("rate_ci_low:Q", title="95% CI low", format=".1%"),
            alt.Tooltip("rate_ci_high:Q", title="95% CI high", format=".1%"),
        ],
        title=_title("Crime recording rate by offence group",
                     "All audited forces together (latest audit of each), with 95% intervals; "
                     "red: whole interval below the all-crime rate"),
        horizontal_categories=False,
        rate_title="recording rate",
    )


def no_crime_accuracy_by_force(forces: pd.DataFrame, national_accuracy: float) -> dict:
    return _interval_chart(
        forces,
        category="force_name",
        category_title=None,
        rate="no_crime_accuracy_rate",
        low="no_crime_accuracy_ci_low",
        high="no_crime_accuracy_ci_high",
        reference=national_accuracy,
        reference_label=f"All forces {national_accuracy:.1%}",
        tooltip=[
            alt.Tooltip("force_name:N", title="force"),
            alt.Tooltip("decisions_reviewed:Q", title="decisions reviewed"),
            alt.Tooltip("decisions_incorrect:Q", title="incorrect"),
            alt.Tooltip("no_crime_accuracy_rate:Q", title="accuracy", format=".1%"),
            alt.Tooltip("no_crime_accuracy_ci_low:Q", title="95% CI low", format=".1%"),
            alt.Tooltip("no_crime_accuracy_ci_high:Q", title="95% CI high", format=".1%"),
        ],
        title=_title("No-crime decisions found correct, by force",
                     "Auditors' verdicts on no-crime decisions, latest audit, with 95% intervals; "
                     "red: whole interval below the national accuracy"),
        horizontal_categories=True,
        rate_title="decisions correct",
    )


def unrecorded_estimate_by_force(estimates: pd.DataFrame) -> dict:
    """Bars: estimated crimes never recorded, with the range from the rate's interval."""
    tooltip = [
        alt.Tooltip("force_name:N", title="force"),
        alt.Tooltip("period_label:N", title="period"),
        alt.Tooltip("published_recorded_crimes:Q", title="published recorded", format=",.0f"),
        alt.Tooltip("recording_rate:Q", title="recording rate", format=".1%"),
        alt.Tooltip("estimated_unrecorded:Q", title="estimated unrecorded", format=",.0f"),
        alt.Tooltip("estimated_unrecorded_low:Q", title="low", format=",.0f"),
        alt.Tooltip("estimated_unrecorded_high:Q", title="high", format=",.0f"),
    ]
    # an explicit order: a sort by field in both layers makes Vega-Lite warn about a union
    order = estimates.sort_values("estimated_unrecorded", ascending=False)["force_name"].tolist()
    y = alt.Y("force_name:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    base = alt.Chart(estimates)
    bars = base.mark_bar(color=OTHER, opacity=0.8).encode(
        y=y, x=alt.X("estimated_unrecorded:Q", title="crimes estimated unrecorded", axis=alt.Axis(format=",.0f")),
        tooltip=tooltip)
    ranges = base.mark_rule(color=LINE, strokeWidth=2).encode(
        y=y, x="estimated_unrecorded_low:Q", x2="estimated_unrecorded_high:Q", tooltip=tooltip)
    chart = alt.layer(bars, ranges).properties(
        width=WIDTH - 220, height=28 * len(estimates) + 20,
        title=_title("Crimes estimated never recorded, by force",
                     "Published recorded volume x (1 - rate) / rate for the latest period, "
                     "with the range from the rate's 95% interval"))
    return chart.to_dict()

"""The sample's truth, and filling a designed audit's incident-review workbook the way an auditor would: one row per crime
each sampled incident should have produced (an incident that should have produced none keeps
its one row with the code empty), a review time and the auditor's reference; the other sheets
stay as they were written.

The sample's truth for an incident: the crimes the 2014 audit's reviewers say it should have
produced when they reviewed it, else the crimes linked to it in the register (the generator
records every crime of the incidents nobody reviewed: orchestration/sample/generator.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb

import xlsxwriter
from python_calamine import CalamineWorkbook


def _rewrite_first_sheet(path: Path, rows_of) -> None:
    """Saves the workbook over itself with its first sheet's rows replaced by `rows_of(header,
    rows)`, the way an auditor saves the filled workbook; the other sheets stay as written."""
    book = CalamineWorkbook.from_path(str(path))
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    first = book.sheet_names[0]
    header, *rows = sheets[first]
    filled = rows_of(header, rows)
    path.unlink()
    with xlsxwriter.Workbook(str(path)) as out:
        for name in book.sheet_names:
            sheet = out.add_worksheet(name)
            for r, values in enumerate([header, *filled] if name == first else sheets[name]):
                for c, value in enumerate(values):
                    if value not in (None, ""):
                        sheet.write(r, c, value)


def fill_incident_reviews(path: Path, expected_codes: dict[str, list[str]], reviewed_at: str,
                          auditor_ref: str = "AUD-7") -> None:
    """`expected_codes`: incident_id -> the offence codes it should have produced."""
    def rows_of(header, rows):
        at = {name: header.index(name) for name in header}
        filled = []
        for row in rows:
            for code in expected_codes.get(row[at["incident_id"]]) or [""]:
                new = list(row)
                new[at["reviewed_at"]], new[at["expected_offence_code"]], new[at["auditor_ref"]] = \
                    reviewed_at, code, auditor_ref
                filled.append(new)
        return filled

    _rewrite_first_sheet(path, rows_of)


def fill_verdicts(path: Path, verdict_of, reviewed_at: str, auditor_ref: str = "AUD-7") -> dict[str, str]:
    """A no-crime or disposal review workbook: `verdict_of(crime_id)` on every row; returns
    crime_id -> verdict as written."""
    written = {}

    def rows_of(header, rows):
        at = {name: header.index(name) for name in header}
        for row in rows:
            row[at["reviewed_at"]], row[at["auditor_ref"]] = reviewed_at, auditor_ref
            row[at["verdict"]] = written[row[at["crime_id"]]] = verdict_of(row[at["crime_id"]])
        return rows

    _rewrite_first_sheet(path, rows_of)
    return written


def sample_truth(published: Path, force: str) -> tuple[dict[str, list[str]], dict[str, int]]:
    """incident_id -> the codes it should have produced; incident_id -> crimes linked to it.
    The reviews read are the sample's own audit's (`<force>-2014`), not a designed audit's."""
    with duckdb.connect(str(published), read_only=True) as con:
        reviewed = con.execute("SELECT incident_id, expected_offence_code FROM staging.stg_raw__incident_reviews "
                               "WHERE force_id = ? AND audit_id = ? ORDER BY ALL", [force, f"{force}-2014"]).fetchall()
        linked = con.execute("SELECT incident_id, offence_code FROM staging.stg_raw__crimes "
                             "WHERE force_id = ? AND incident_id IS NOT NULL ORDER BY ALL", [force]).fetchall()
    expected, crimes = defaultdict(list), defaultdict(int)
    for incident_id, code in linked:
        crimes[incident_id] += 1
        expected[incident_id].append(code)
    was_reviewed = {incident_id for incident_id, _ in reviewed}
    for incident_id in was_reviewed:
        expected[incident_id] = []
    for incident_id, code in reviewed:
        if code is not None:
            expected[incident_id].append(code)
    return dict(expected), dict(crimes)


@dataclass
class FilledDesign:
    """An audit of one force designed from a published night, its sheets written into the
    landing folder and filled from the sample's truth, ready for the next night to load."""

    design: object  # orchestration.audit.design.Design
    expected: dict  # incident id -> the crimes it should have produced
    linked: dict  # incident id -> crimes linked to it in the register
    verdicts: dict  # sheet kind -> crime id -> verdict written


DESIGNED_FORCE = "hertfordshire"
DESIGN_SEED = 19


def design_and_fill(landing: Path, published: Path) -> FilledDesign:
    """Design an audit of DESIGNED_FORCE's week 2014-01-06 .. 12 (5% margin) from `published`,
    write its sheets under `landing` and fill them: every sampled incident with its true
    crimes, every no-crime decision and disposal of the week reviewed, the first of each wrong."""
    import datetime as dt

    from orchestration.audit.design import make_design, offence_codes
    from orchestration.audit.sheets import write_sheets

    design = make_design(published, DESIGNED_FORCE, dt.date(2014, 1, 6), dt.date(2014, 1, 12), 0.05, DESIGN_SEED)
    folder = write_sheets(landing, design, offence_codes(published))
    expected, linked = sample_truth(published, DESIGNED_FORCE)
    sampled = {i.incident_id for s in design.strata for i in s.sampled}
    fill_incident_reviews(folder / "incident_reviews.xlsx", {i: expected.get(i, []) for i in sampled},
                          reviewed_at="2014-02-03 10:00:00")
    verdicts = {}
    for kind, crime_ids, good, bad in (("no_crime_reviews", design.no_crime_decisions, "correct", "incorrect"),
                                       ("disposal_reviews", design.disposals, "appropriate", "inappropriate")):
        verdicts[kind] = fill_verdicts(folder / f"{kind}.xlsx", lambda crime_id: bad if crime_id == crime_ids[0] else good,
                                       reviewed_at="2014-02-03 10:00:00")
    return FilledDesign(design, expected, linked, verdicts)

"""Fills a designed audit's incident-review workbook the way an auditor would: one row per crime
each sampled incident should have produced (an incident that should have produced none keeps
its one row with the code empty), a review time and the auditor's reference; the other sheets
stay as they were written."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook


def fill_incident_reviews(path: Path, expected_codes: dict[str, list[str]], reviewed_at: str,
                          auditor_ref: str = "AUD-7") -> None:
    """`expected_codes`: incident_id -> the offence codes it should have produced."""
    book = CalamineWorkbook.from_path(str(path))
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    first = book.sheet_names[0]
    header, *rows = sheets[first]
    at = {name: header.index(name) for name in header}
    filled = []
    for row in rows:
        for code in expected_codes.get(row[at["incident_id"]]) or [""]:
            new = list(row)
            new[at["reviewed_at"]], new[at["expected_offence_code"]], new[at["auditor_ref"]] = \
                reviewed_at, code, auditor_ref
            filled.append(new)
    path.unlink()  # the auditor saves over the workbook
    with xlsxwriter.Workbook(str(path)) as out:
        for name in book.sheet_names:
            sheet = out.add_worksheet(name)
            for r, values in enumerate([header, *filled] if name == first else sheets[name]):
                for c, value in enumerate(values):
                    if value not in (None, ""):
                        sheet.write(r, c, value)

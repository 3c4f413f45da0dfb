"""The auditors' workbooks of a designed audit, in the landing layout the loader reads back:

    <landing>/<force>/audits/<audit_id>/audit.xlsx             the audit row (first sheet, read by
                                                               the loader) and a `design` summary
                                                               sheet for people (strata, N_h, n_h,
                                                               seed, precision, prior)
                                       /audit_design.xlsx      one row per sampled incident with its
                                                               stratum, N_h and n_h (kind
                                                               audit_design -> raw.audit_designs)
                                       /incident_reviews.xlsx  first sheet: one row per sampled incident
                                                               to complete (reviewed_at, expected
                                                               offence code, auditor_ref; a row more
                                                               per extra crime); second sheet: the
                                                               incidents' details, pseudonymised
                                       /no_crime_reviews.xlsx  every no-crime decision of the period,
                                       /disposal_reviews.xlsx  every out-of-court disposal: a row per
                                                               crime with a verdict drop-down (written
                                                               when the period has any)

Only the first sheet of a workbook is loaded, so details and summaries sit on later sheets and
the loaded sheets keep exactly the canonical columns (any other column would reject the file).
The incidents' free-text summaries are left out: their masking catches only the caller's own
name and address, and a sheet that leaves the warehouse must carry no clear personal data.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from orchestration.audit.design import Design
from orchestration.ingest.kinds import KINDS_BY_NAME

TIME_LIMIT_HOURS = 24  # today's rule; the 2014 audits allowed 72
EXTRA_ROWS = 200  # rows below the pre-filled ones where the drop-down also applies (extra crimes)


def audit_folder(landing: Path, design: Design) -> Path:
    return landing / design.force_id / "audits" / design.audit_id


def write_sheets(landing: Path, design: Design, offence_codes: list[str], inspector: str = "") -> Path:
    """Writes the three workbooks; refuses to overwrite an existing audit folder (a landing file
    is never modified)."""
    folder = audit_folder(landing, design)
    if folder.exists():
        raise FileExistsError(f"{folder} already exists: landing files are never overwritten "
                              "(choose another --seed or audit id)")
    folder.mkdir(parents=True)
    _audit(folder / "audit.xlsx", design, inspector)
    _design(folder / "audit_design.xlsx", design)
    _incident_reviews(folder / "incident_reviews.xlsx", design, offence_codes)
    for kind, crime_ids in (("no_crime_reviews", design.no_crime_decisions), ("disposal_reviews", design.disposals)):
        if crime_ids:
            _verdict_reviews(folder / f"{kind}.xlsx", kind, design.audit_id, crime_ids)
    return folder


def _columns(kind: str) -> list[str]:
    return KINDS_BY_NAME[kind].column_names


def _write_rows(sheet, header: list[str], rows: list[list], bold) -> None:
    sheet.write_row(0, 0, header, bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None and value != "":
                sheet.write(r, c, value)
    sheet.freeze_panes(1, 0)


def _audit(path: Path, design: Design, inspector: str) -> None:
    with xlsxwriter.Workbook(str(path)) as book:
        bold = book.add_format({"bold": True})
        sheet = book.add_worksheet("audit")
        _write_rows(sheet, _columns("audit"), [[
            design.audit_id, design.force_id, design.period_start.isoformat(), design.period_end.isoformat(),
            TIME_LIMIT_HOURS, inspector]], bold)
        summary = book.add_worksheet("design")
        rows = [[s.name, s.population, s.sample_size] for s in design.strata]
        rows.append(["all", design.population, design.sample_size])
        _write_rows(summary, ["stratum", "population", "sample_size"], rows, bold)
        notes = [("seed", design.seed), ("target_precision", design.precision),
                 ("prior_rate", round(design.prior_rate, 4)), ("prior_from", design.prior_source),
                 ("expected_half_width", round(design.expected_half_width, 4))]
        for i, (name, value) in enumerate(notes, start=len(rows) + 2):
            summary.write(i, 0, name, bold)
            summary.write(i, 1, value)


def _design(path: Path, design: Design) -> None:
    rows = [[design.audit_id, incident.incident_id, s.name, s.population, s.sample_size, design.seed,
             design.precision, round(design.prior_rate, 6)]
            for s in design.strata for incident in s.sampled]
    with xlsxwriter.Workbook(str(path)) as book:
        _write_rows(book.add_worksheet("audit_design"), _columns("audit_design"), rows, book.add_format({"bold": True}))


def _incident_reviews(path: Path, design: Design, offence_codes: list[str]) -> None:
    sampled = sorted((incident for s in design.strata for incident in s.sampled), key=lambda i: i.incident_id)
    header = _columns("incident_reviews")
    rows = [[design.audit_id, incident.incident_id] + [None] * (len(header) - 2) for incident in sampled]
    with xlsxwriter.Workbook(str(path)) as book:
        bold = book.add_format({"bold": True})
        reviews = book.add_worksheet("incident_reviews")
        _write_rows(reviews, header, rows, bold)
        # drop-down of the Home Office codes (empty = the incident should have produced no crime)
        codes = book.add_worksheet("offence_codes")
        codes.write_column(0, 0, offence_codes)
        codes.hide()
        column = header.index("expected_offence_code")
        reviews.data_validation(1, column, len(rows) + EXTRA_ROWS, column, {
            "validate": "list", "source": f"=offence_codes!$A$1:$A${len(offence_codes)}",
            "ignore_blank": True, "input_title": "Expected offence",
            "input_message": "Home Office code; leave empty when no crime. One row per crime.",
        })
        reviews.set_column(0, len(header) - 1, 22)
        details = book.add_worksheet("incident_details")
        fields = ["incident_id", "stratum", "received_at", "channel", "opening_code", "closing_code",
                  "caller_name_hash", "caller_dob_hash", "caller_address_hash"]
        _write_rows(details, fields, [[getattr(i, f) if f != "received_at" else i.received_at.isoformat(sep=" ")
                                       for f in fields] for i in sampled], bold)
        details.set_column(0, len(fields) - 1, 20)


# The verdicts each review kind accepts (stg_raw__no_crime_reviews, stg_raw__disposal_reviews).
VERDICTS = {"no_crime_reviews": ["correct", "incorrect"], "disposal_reviews": ["appropriate", "inappropriate"]}


def _verdict_reviews(path: Path, kind: str, audit_id: str, crime_ids: list[str]) -> None:
    header = _columns(kind)
    rows = [[audit_id, crime_id] + [None] * (len(header) - 2) for crime_id in crime_ids]
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet(kind)
        _write_rows(sheet, header, rows, book.add_format({"bold": True}))
        column = header.index("verdict")
        sheet.data_validation(1, column, len(rows), column, {
            "validate": "list", "source": VERDICTS[kind], "input_title": "Verdict",
            "input_message": " or ".join(VERDICTS[kind]),
        })
        sheet.set_column(0, len(header) - 1, 22)

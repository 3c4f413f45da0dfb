"""The independent landing dataset and its oracle, checked on their own (no pipeline run):
the oracle agrees with the hand counts, the Wilson interval with a published figure, and
the files it writes read back as written."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
import pytest
from python_calamine import CalamineWorkbook

import independent_landing as il

_RECORDING = ("incidents_reviewed", "crimes_reported", "crimes_recorded", "crimes_correctly_classified",
              "crimes_recorded_on_time")


@pytest.fixture(scope="module")
def figures():
    return il.expected_figures()


def test_oracle_equals_the_hand_counts(figures):
    for audit_id, hand in il.HAND_COUNTED.items():
        recording = {g: tuple(row[k] for k in _RECORDING)
                     for (a, g), row in figures["recording"].items() if a == audit_id}
        assert recording == hand["recording"], audit_id
        no_crime = {g: (row["decisions_reviewed"], row["decisions_correct"])
                    for (a, g), row in figures["no_crime"].items() if a == audit_id}
        assert no_crime == hand["no_crime"], audit_id
        disposal = figures["disposal"][audit_id]
        assert (disposal["disposals_reviewed"], disposal["appropriate"]) == hand["disposal"], audit_id


def test_oracle_rows_are_consistent(figures):
    for row in figures["recording"].values():
        assert row["crimes_unrecorded"] == row["crimes_reported"] - row["crimes_recorded"]
        assert row["recording_rate"] == row["crimes_recorded"] / row["crimes_reported"]
        assert row["rate_ci_low"] < row["recording_rate"] < row["rate_ci_high"] or row["recording_rate"] in (0, 1)
    for row in figures["no_crime"].values():
        assert row["decisions_incorrect"] == row["decisions_reviewed"] - row["decisions_correct"]


def test_no_tie_changes_the_figures(figures):
    # Candidates tried in the opposite order pair differently only where it cannot matter.
    assert il.expected_figures(tie_break_reversed=True) == figures


def test_wilson_interval_of_hertfordshire():
    # DESIGN.md: 130 of 181 recorded, Wilson 95% CI about 64.9% - 77.9%.
    low, high = il.wilson(130, 181)
    assert low == pytest.approx(0.64869, abs=1e-5)
    assert high == pytest.approx(0.77871, abs=1e-5)
    assert il.wilson(0, 0) == (None, None)
    assert il.wilson(5, 5)[1] == pytest.approx(1.0)


def _read_back(path):
    """Rows as DuckDB and as Python's csv module read them (text, None as '')."""
    with duckdb.connect() as con:
        rel = con.execute("SELECT * FROM read_csv(?, header = true, all_varchar = true)", [str(path)])
        header = [c[0] for c in rel.description]
        by_duckdb = [tuple("" if v is None else v for v in row) for row in rel.fetchall()]
    with path.open(newline="", encoding="utf-8-sig") as fh:
        by_csv = [tuple(row[c] for c in header) for row in csv.DictReader(fh)]
    return header, by_duckdb, by_csv


def test_written_files_read_back(tmp_path):
    il.write_exports(tmp_path)
    il.write_audits(tmp_path)
    for force in il.FORCES:
        for day in il.EXPORT_DATES:
            for kind in il.EXPORT_KINDS:
                assert (tmp_path / force / day.isoformat() / f"{kind}.csv").is_file()
    # CRLF and newlines inside quotes (surrey), BOM (sussex): both readers see the rows written.
    for force, kind, day in (("surrey", "incidents", 0), ("surrey", "crimes", 3), ("sussex", "incidents", 0)):
        path = tmp_path / force / il.EXPORT_DATES[day].isoformat() / f"{kind}.csv"
        raw = path.read_bytes()
        assert (b"\r\n" in raw) == (force == "surrey") and raw.startswith(b"\xef\xbb\xbf") == (force == "sussex")
        header, by_duckdb, by_csv = _read_back(path)
        assert header == list(il.SPECS[force].order.get(kind, il.COLUMNS[kind]))
        assert len(by_duckdb) == len(by_csv) == len(il.build(force).exports[il.EXPORT_DATES[day]][kind])
        assert by_duckdb == by_csv
        assert any("\n" in value for row in by_csv for value in row)
    for force in ("surrey", "sussex"):
        audit = tmp_path / force / "audits" / il.SPECS[force].audit_id
        assert sorted(p.name for p in audit.iterdir()) == sorted(f"{k}.csv" for k in il.AUDIT_KINDS)
    # The XLSX audit opens; dates, times and digit-only codes come back as spreadsheet values.
    audit = tmp_path / "north-wales" / "audits" / "north-wales-2014-spring"
    sheet = CalamineWorkbook.from_path(str(audit / "incident_reviews.xlsx")).get_sheet_by_index(0).to_python()
    assert sheet[0] == list(il.COLUMNS["incident_reviews"])
    assert len(sheet) - 1 == len(il.build("north-wales").audit["incident_reviews"])
    assert {type(row[2]) for row in sheet[1:]} == {dt.datetime}
    assert 46.0 in [row[3] for row in sheet[1:]]
    head = CalamineWorkbook.from_path(str(audit / "audit.xlsx")).get_sheet_by_index(0).to_python()
    assert head[1][2:5] == [dt.date(2014, 3, 3), dt.date(2014, 3, 6), 72.0]


@pytest.mark.parametrize("force", ["surrey", "north-wales"])
def test_corrupt_incident_reviews(tmp_path, force):
    il.write_audits(tmp_path)
    corrupt = il.corrupt_incident_reviews(tmp_path, force)
    path = tmp_path / corrupt["file"]
    before = il.build(force).audit["incident_reviews"]
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as fh:
            ids = [row["incident_id"] for row in csv.DictReader(fh)]
    else:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
        ids = [row[sheet[0].index("incident_id")] for row in sheet[1:]]
    assert ids[corrupt["row"] - 1] == ""
    assert [i for n, i in enumerate(ids) if n != corrupt["row"] - 1] == \
        [r["incident_id"] for n, r in enumerate(before) if n != corrupt["row"] - 1]
    assert corrupt["audit_id"] == il.SPECS[force].audit_id


def test_bad_crimes_day_and_its_fix(tmp_path):
    relative = il.write_bad_crimes_day(tmp_path)
    path = tmp_path / relative
    assert relative == "sussex/2014-03-07/crimes.csv" and (path.parent / "incidents.csv").is_file()
    broken = path.read_bytes()

    def late_share():
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        # Every timestamp here is GMT, with or without '+00:00': compare as naive datetimes.
        at = lambda text: dt.datetime.fromisoformat(text).replace(tzinfo=None)  # noqa: E731
        return sum(at(r["recorded_at"]) < at(r["reported_at"]) for r in rows) / len(rows)

    assert late_share() >= 0.10
    assert il.fix_bad_crimes_day(tmp_path, "sussex", dt.date(2014, 3, 7)) == relative
    assert path.read_bytes() != broken
    assert late_share() == 0

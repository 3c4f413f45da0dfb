"""Real police.uk files: counts computed independently with the standard library must match
the warehouse, quirk by quirk (ASB, missing locations, duplicates, LSOAs outside the force)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import POLICE_UK_STREET

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "police_uk"
FILES = sorted(SHARED.glob("*-street.csv"))
HERTS_DISTRICTS = {"Broxbourne", "Dacorum", "East Hertfordshire", "Hertsmere", "North Hertfordshire",
                   "St Albans", "Stevenage", "Three Rivers", "Watford", "Welwyn Hatfield"}


def _independent_counts(path: Path) -> dict:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen, duplicates = set(), 0
    for row in rows:
        if not row["Crime ID"]:
            continue
        key = tuple(row.values())
        if key in seen:
            duplicates += 1
        seen.add(key)
    asb = sum(r["Crime type"] == "Anti-social behaviour" for r in rows)
    return {
        "rows": len(rows),
        "asb": asb,
        "crimes": len(rows) - asb - duplicates,
        "duplicates": duplicates,
        "without_location": sum(not r["Longitude"] for r in rows),
    }


def test_the_real_files_are_all_there():
    assert len(FILES) == 10


def test_published_volumes_match_counts_computed_from_the_csv(nightly):
    for path in FILES:
        month, force = path.name[:7], path.name[8:-len("-street.csv")]
        expected = _independent_counts(path)
        got = nightly.query(
            "SELECT sum(crimes), sum(asb_incidents), sum(duplicate_rows), sum(rows_without_location) "
            "FROM marts.published_crime_volumes WHERE force_id = ? AND month = ?", [force, month])[0]
        loaded = nightly.query(
            "SELECT rows_read, rows_loaded, rows_quarantined FROM ops.load_log WHERE file_path = ?",
            [f"police_uk/{path.name}"], published=False)
        assert loaded == [(expected["rows"], expected["rows"], 0)], path.name
        assert got == (expected["crimes"], expected["asb"], expected["duplicates"], expected["without_location"]), path.name


def test_known_quirks_of_the_real_files(nightly):
    by_file = dict(nightly.query(
        "SELECT force_id || ' ' || month, sum(duplicate_rows) FROM marts.published_crime_volumes GROUP BY 1"))
    assert by_file["derbyshire 2018-12"] == 3 and by_file["hertfordshire 2018-12"] == 0
    assert nightly.query(
        "SELECT crimes, asb_incidents FROM marts.published_crime_volumes "
        "WHERE force_id = 'hertfordshire' AND month = '2018-12' AND crime_type = 'Anti-social behaviour'") == [(0, 1790)]
    assert nightly.query("SELECT sum(rows_falls_within_mismatch) FROM marts.published_crime_volumes") == [(0,)]


def test_lsoas_outside_hertfordshire_are_counted(nightly):
    path = SHARED / "2018-12-hertfordshire-street.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        districts = Counter(r["LSOA name"].rsplit(" ", 1)[0] for r in csv.DictReader(fh) if r["LSOA name"])
    outside = sum(n for district, n in districts.items() if district not in HERTS_DISTRICTS)
    assert outside > 0
    assert nightly.query(
        "SELECT sum(rows_outside_force) FROM marts.published_crime_volumes "
        "WHERE force_id = 'hertfordshire' AND month = '2018-12'") == [(outside,)]


def test_unrecorded_estimate_for_hertfordshire_december_2018(nightly):
    crimes = _independent_counts(SHARED / "2018-12-hertfordshire-street.csv")["crimes"]
    row = nightly.query(
        "SELECT published_recorded_crimes, round(recording_rate, 4), estimated_unrecorded, "
        "estimated_unrecorded_low, estimated_unrecorded_high, audit_id FROM marts.unrecorded_crime_estimate "
        "WHERE force_id = 'hertfordshire' AND period = '2018-12'")
    assert len(row) == 1
    published, rate, estimate, low, high, audit = row[0]
    assert (published, rate, audit) == (crimes, 0.7182, "hertfordshire-2014")
    assert estimate == pytest.approx(crimes * 51 / 130)  # 181 reported, 130 recorded
    assert low < estimate < high


def test_the_old_easting_northing_layout_and_an_unknown_header(tmp_path):
    landing = tmp_path / "landing" / "police_uk"
    landing.mkdir(parents=True)
    (landing / "2011-03-kent-street.csv").write_text(
        "Month,Reported by,Falls within,Easting,Northing,Location,Crime type,Context\n"
        "2011-03,Kent Police,Kent Police,571234,156789,On or near High Street,Burglary,\n"
        "2011-03,Kent Police,Kent Police,,,No location,Anti-social behaviour,\n")
    (landing / "2011-04-kent-street.csv").write_text("Month,Shoe size\n2011-04,9\n")
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        result = load_kind(con, tmp_path / "landing", POLICE_UK_STREET, "key")
        rows = con.execute("SELECT layout, easting, northing, crime_type FROM raw.police_uk_street ORDER BY _source_row").fetchall()
    assert [l.status for l in result.loads] == ["loaded", "rejected"]
    assert "unexpected column(s) at field(s) 2 of 2" in result.loads[1].message
    assert "Shoe size" not in result.loads[1].message  # file content is never echoed
    assert rows == [("easting_northing", 571234.0, 156789.0, "Burglary"),
                    ("easting_northing", None, None, "Anti-social behaviour")]

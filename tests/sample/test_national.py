"""The national-scale sample (`cdi generate --scale`): deterministic, proportional, streamed.

A small run (scale 0.02, 9 export days: ~1,100 background incidents a day nationally, the
audit week of the 13 audited forces at their bundled volume) is generated once with one
worker and once with two, and read back as files only.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from orchestration.cli import main
from orchestration.sample import FORCE_PROFILES, SAMPLE_FORCES
from orchestration.sample import generator, national
from orchestration.sample.national import (
    AUDIT_DAYS,
    NationalSummary,
    daily_incidents,
    generate_national,
)
from orchestration.sample.national_profiles import FORCE_SHARES, NATIONAL_AREAS
from orchestration.settings import DBT_PROJECT_DIR
from tests.sample.test_generator import (
    AUDIT_KINDS,
    COLUMNS,
    EXPORT_KINDS,
    expected_figures,
    figures,
    load_force,
    read,
    tree_digest,
)

SCALE, DAYS = 0.02, 9
EXPORT_DAYS = [(date(2014, 1, 6) + timedelta(days=d)).isoformat() for d in range(DAYS)]


def territorial_forces() -> set[str]:
    with (DBT_PROJECT_DIR / "seeds" / "forces.csv").open(encoding="utf-8", newline="") as handle:
        return {row["force_id"] for row in csv.DictReader(handle)
                if row["force_type"] == "territorial"}


@pytest.fixture(scope="module")
def national_run(tmp_path_factory) -> tuple[Path, NationalSummary]:
    root = tmp_path_factory.mktemp("national")
    summary = generate_national(root, SCALE, days=DAYS, workers=1)
    return root, summary


def test_same_bytes_whatever_the_number_of_workers(national_run, tmp_path):
    root, summary = national_run
    ticks = []
    again = generate_national(tmp_path, SCALE, days=DAYS, workers=2, progress=ticks.append)
    assert tree_digest(tmp_path) == tree_digest(root)
    assert again.rows_per_kind == summary.rows_per_kind
    assert sum(ticks) == len(NATIONAL_AREAS) * DAYS


def test_share_table_covers_the_territorial_forces():
    assert set(FORCE_SHARES) == set(NATIONAL_AREAS) == territorial_forces()
    assert len(NATIONAL_AREAS) == 43 and set(SAMPLE_FORCES) <= set(NATIONAL_AREAS)
    assert math.isclose(sum(FORCE_SHARES.values()), 1.0)
    assert 0.17 <= FORCE_SHARES["metropolitan"] <= 0.20
    assert 0.05 <= FORCE_SHARES["greater-manchester"] <= 0.07
    assert all(0.004 <= FORCE_SHARES[f] <= 0.01
               for f in ("cumbria", "dyfed-powys", "warwickshire", "north-yorkshire"))
    prefixes = [area.prefix for area in NATIONAL_AREAS.values()]
    assert len(set(prefixes)) == 43 and all(re.fullmatch(r"[A-Z]{2}", p) for p in prefixes)
    for area in NATIONAL_AREAS.values():
        assert len(area.towns) >= 4, area.force_id
        for town, districts in area.towns:
            assert town and all(re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?", d) for d in districts)
    national = sum(daily_incidents(1.0).values()) * 365
    assert national == pytest.approx(20_000_000)
    assert list(daily_incidents(0.5)) == list(NATIONAL_AREAS)  # largest first


def test_layout_canonical_headers_and_summary(national_run):
    root, summary = national_run
    assert {p.name for p in root.iterdir()} == territorial_forces()
    counted = defaultdict(int)
    files = 0
    for force in NATIONAL_AREAS:
        names = sorted(p.name for p in (root / force).iterdir())
        if force in FORCE_PROFILES:
            assert names == EXPORT_DAYS + ["audits"]
            audit_dir = root / force / "audits" / f"{force}-2014"
            assert sorted(p.name for p in audit_dir.iterdir()) == sorted(
                f"{k}.csv" for k in AUDIT_KINDS)
        else:  # reference audit figures exist for the 13 audited forces only
            assert names == EXPORT_DAYS
        for path in (root / force).rglob("*"):
            if path.is_dir():
                continue
            files += 1
            raw = path.read_bytes()
            assert b"\r" not in raw
            assert raw.decode("utf-8").split("\n")[0] == COLUMNS[path.stem], path
            counted[path.stem] += len(read(path))
    assert files == summary.files_written == 43 * DAYS * 4 + 13 * 4
    assert dict(counted) == summary.rows_per_kind
    assert summary.forces == tuple(NATIONAL_AREAS)
    assert set(summary.audited_forces) == set(SAMPLE_FORCES)


def test_volumes_follow_the_share_table(national_run):
    root, _ = national_run
    mean = daily_incidents(SCALE)
    incidents, crimes = {}, {}
    for force in NATIONAL_AREAS:
        days = EXPORT_DAYS[AUDIT_DAYS:] if force in FORCE_PROFILES else EXPORT_DAYS
        incidents[force] = sum(len(read(root / force / d / "incidents.csv")) for d in days)
        crimes[force] = sum(len(read(root / force / d / "crimes.csv")) for d in days)
        expected = mean[force] * len(days)
        assert abs(incidents[force] - expected) <= 0.12 * expected + 3, force
    unaudited = [f for f in NATIONAL_AREAS if f not in FORCE_PROFILES]
    ratio = sum(crimes[f] for f in unaudited) / sum(incidents[f] for f in unaudited)
    assert 0.22 <= ratio <= 0.34  # ~6M crimes for ~20M incidents (fewer in the first days)
    # the audit week never falls below the bundled sample's volume
    herts = len(read(root / "hertfordshire" / EXPORT_DAYS[0] / "incidents.csv"))
    assert herts >= 0.85 * FORCE_PROFILES["hertfordshire"].daily_incidents


def test_ids_unique_and_links_point_backwards(national_run):
    root, _ = national_run
    for force, area in NATIONAL_AREAS.items():
        incident_day: dict[str, str] = {}
        crime_days: dict[str, list[str]] = defaultdict(list)
        crime_first: dict[str, dict[str, str]] = {}
        for day in EXPORT_DAYS:
            folder = root / force / day
            for row in read(folder / "incidents.csv"):
                assert row["incident_id"] not in incident_day, (force, row["incident_id"])
                assert re.fullmatch(rf"{area.prefix}-I-14-\d{{6,}}", row["incident_id"])
                assert row["received_at"].startswith(day)
                incident_day[row["incident_id"]] = day
            day_crimes = read(folder / "crimes.csv")
            ids = [row["crime_id"] for row in day_crimes]
            assert len(ids) == len(set(ids)) and ids == sorted(ids), (force, day)
            for row in day_crimes:
                assert re.fullmatch(rf"{area.prefix}-C-14-\d{{6,}}", row["crime_id"])
                assert row["recorded_at"][:10] <= day
                assert row["reported_at"] <= row["recorded_at"]
                if row["incident_id"]:  # exported the same day or earlier
                    assert incident_day.get(row["incident_id"], "9999") <= day, (force, row)
                crime_days[row["crime_id"]].append(day)
                crime_first.setdefault(row["crime_id"], row)
            for kind, column in (("crime_decisions", "decided_at"), ("disposals", "issued_at")):
                for row in read(folder / f"{kind}.csv"):
                    assert row[column].startswith(day)
                    assert row["crime_id"] in crime_first, (force, kind, row)
                    assert row[column] >= crime_first[row["crime_id"]]["recorded_at"]
        corrected = [c for c, days in crime_days.items() if len(days) > 1]
        assert all(len(crime_days[c]) == 2 and crime_days[c][0] < crime_days[c][1]
                   for c in corrected), force
        assert len(incident_day) > 0 and len(crime_days) > 0, force


def test_streamed_days_have_the_sample_realism(national_run):
    root, summary = national_run
    decisions = [r for d in EXPORT_DAYS[AUDIT_DAYS:]
                 for r in read(root / "metropolitan" / d / "crime_decisions.csv")]
    streamed = [r for f in NATIONAL_AREAS if f not in FORCE_PROFILES for d in EXPORT_DAYS
                for r in read(root / f / d / "crime_decisions.csv")]
    assert {r["decision"] for r in decisions + streamed} == {"NO_CRIME", "CANCELLED", "TRANSFERRED"}
    assert summary.rows_per_kind["disposals"] > 0
    incidents = read(root / "bedfordshire" / EXPORT_DAYS[-1] / "incidents.csv")
    towns = {t for t, _ in NATIONAL_AREAS["bedfordshire"].towns}
    addresses = [r["caller_address"] for r in incidents if r["caller_address"]]
    assert addresses and all(a.split(", ")[-2] in towns for a in addresses)
    crimes = [r for d in EXPORT_DAYS for r in read(root / "bedfordshire" / d / "crimes.csv")]
    assert any(r["incident_id"] == "" for r in crimes)  # reported online


def test_audited_forces_keep_their_calibrated_audit(national_run):
    root, _ = national_run
    for force in SAMPLE_FORCES:
        data = load_force(root, force)
        p = FORCE_PROFILES[force]
        assert (data.audit["period_start"], data.audit["period_end"]) == (
            EXPORT_DAYS[0], EXPORT_DAYS[AUDIT_DAYS - 1])
        assert figures(data) == expected_figures(p), force
        verdicts = [r["verdict"] for r in data.disposal_reviews]
        assert (len(verdicts), verdicts.count("inappropriate")) == (
            p.disposals_reviewed, p.disposals_inappropriate), force
    herts = load_force(root, "hertfordshire")
    assert len({r["incident_id"] for r in herts.incident_reviews}) == 224
    assert sum(1 for r in herts.incident_reviews if r["expected_offence_code"]) == 181


@pytest.mark.parametrize("day", [date(2014, 3, 30), date(2014, 10, 26), date(2014, 7, 1)])
def test_time_helpers_match_the_builder_on_dst_days(day):
    local_midnight = (day - date(1970, 1, 1)).days * 86400
    for seconds in range(0, 86400, 397):
        at = generator._utc_at(day, seconds)
        t = national._utc_of_local(local_midnight + seconds)
        assert t == int(at.timestamp())
        assert national._fmt(t) == generator._fmt(at)
        for delay in (600, 3 * 3600, 30 * 3600):
            assert national._after(t, delay) == int(generator._after(at, delay).timestamp())


@pytest.mark.parametrize("kwargs, message", [
    ({"scale": 0}, "scale must be a positive number"),
    ({"scale": float("nan")}, "scale must be a positive number"),
    ({"scale": True}, "scale must be a positive number"),
    ({"scale": 0.01, "days": 6}, "days must be an integer of at least 7"),
    ({"scale": 0.01, "workers": 0}, "workers must be a positive integer"),
])
def test_bad_arguments_raise_value_error(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_national(tmp_path, **kwargs)
    assert not any(tmp_path.iterdir())


def test_cli_scale_mode(tmp_path, capsys, monkeypatch):
    assert main(["generate", "--scale", "0.01", "--forces", "kent", "--out", str(tmp_path)]) == 2
    assert "--forces cannot be combined with --scale" in capsys.readouterr().err
    calls = []

    def fake(out_dir, scale, seed, days, workers, progress):
        calls.append((out_dir, scale, seed, days, workers))
        progress(len(NATIONAL_AREAS) * days)
        return NationalSummary(out_dir, seed, scale, days, 3, tuple(NATIONAL_AREAS),
                               tuple(SAMPLE_FORCES), 7, {"incidents": 5}, 0.5)

    monkeypatch.setattr(national, "generate_national", fake)
    assert main(["generate", "--scale", "0.5", "--workers", "3", "--out", str(tmp_path)]) == 0
    assert calls == [(tmp_path, 0.5, 2014, 365, 3)]
    out, err = capsys.readouterr()
    assert "Wrote 7 files for 43 forces" in out and "force-day" in err

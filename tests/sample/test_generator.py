"""The sample generator: deterministic, and calibrated to the reference figures.

The figures are checked by a small oracle that reads only the generated CSV files (never the
generator's internals) and applies the warehouse's matching rules: latest version of each
crime, then per incident pair expected and recorded crimes by same code, same offence group,
then any remaining one.
"""

from __future__ import annotations

import csv
import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from orchestration.sample import FORCE_PROFILES, SAMPLE_FORCES, GenerationSummary, generate

# The oracle's own copy of the Home Office code -> offence group mapping.
GROUP = {
    **dict.fromkeys(("8N", "105A", "8L"), "violence_against_the_person"),
    **dict.fromkeys(("19C", "19D", "19F", "17A", "20A"), "sexual_offences"),
    **dict.fromkeys(("34A", "34B"), "robbery"),
    **dict.fromkeys(("28A", "28B", "30A"), "burglary"),
    **dict.fromkeys(("39", "44", "45", "46", "48", "49"), "theft"),
    **dict.fromkeys(("56B", "58A", "58C", "58D"), "criminal_damage_and_arson"),
    "9A": "public_order",
    **dict.fromkeys(("10D", "92D"), "other"),
}
RAPES = ("19C", "19D", "19F")
COLUMNS = {
    "incidents": "incident_id,received_at,channel,opening_code,closing_code,caller_name,"
                 "caller_dob,caller_address,summary",
    "crimes": "crime_id,incident_id,reported_at,recorded_at,offence_code,victim_name,"
              "victim_dob,victim_address",
    "crime_decisions": "crime_id,decided_at,decision,reason_code,authorised_by,victim_informed",
    "disposals": "crime_id,disposal_type,issued_at",
    "audit": "audit_id,force_id,period_start,period_end,time_limit_hours,inspector",
    "incident_reviews": "audit_id,incident_id,reviewed_at,expected_offence_code,auditor_ref",
    "no_crime_reviews": "audit_id,crime_id,reviewed_at,verdict,auditor_ref",
    "disposal_reviews": "audit_id,crime_id,reviewed_at,verdict,auditor_ref",
}
EXPORT_KINDS = ("incidents", "crimes", "crime_decisions", "disposals")
AUDIT_KINDS = ("audit", "incident_reviews", "no_crime_reviews", "disposal_reviews")


# --- oracle ---------------------------------------------------------------------------------

def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")


@dataclass
class ForceData:
    export_days: list[str]
    incidents: dict[str, dict[str, str]]  # latest version
    crimes: dict[str, dict[str, str]]  # latest version
    crime_versions: dict[str, list[dict[str, str]]]
    decisions: list[dict[str, str]]
    disposals: list[dict[str, str]]
    audit: dict[str, str]
    incident_reviews: list[dict[str, str]]
    no_crime_reviews: list[dict[str, str]]
    disposal_reviews: list[dict[str, str]]


def load_force(root: Path, force: str) -> ForceData:
    force_dir = root / force
    days = sorted(p.name for p in force_dir.iterdir() if p.name != "audits")
    incidents, crimes, versions = {}, {}, defaultdict(list)
    decisions, disposals = [], []
    for day in days:  # ascending export date: later exports overwrite earlier versions
        for row in read(force_dir / day / "incidents.csv"):
            incidents[row["incident_id"]] = row
        for row in read(force_dir / day / "crimes.csv"):
            crimes[row["crime_id"]] = row
            versions[row["crime_id"]].append(row)
        decisions += read(force_dir / day / "crime_decisions.csv")
        disposals += read(force_dir / day / "disposals.csv")
    (audit_dir,) = (force_dir / "audits").iterdir()
    (audit,) = read(audit_dir / "audit.csv")
    return ForceData(days, incidents, crimes, dict(versions), decisions, disposals, audit,
                     read(audit_dir / "incident_reviews.csv"),
                     read(audit_dir / "no_crime_reviews.csv"),
                     read(audit_dir / "disposal_reviews.csv"))


@dataclass
class Figures:
    incidents_reviewed: int
    crimes_reported: int
    crimes_recorded: int
    correctly_classified: int
    on_time: int
    unrecorded_rapes: int
    nocrime_reviewed: int
    nocrime_correct: int
    nocrime_incorrect: int


def match(expected: list[dict[str, str]], recorded: list[dict[str, str]]):
    """Pair one incident's expected and recorded crimes: same code, same group, any."""
    todo_e = sorted(expected, key=lambda e: (e["expected_offence_code"], e["auditor_ref"]))
    todo_r = sorted(recorded, key=lambda r: (r["recorded_at"], r["crime_id"]))
    pairs = []
    for key in (lambda code: code, lambda code: GROUP.get(code, "?"), lambda code: ""):
        by_key_r = defaultdict(list)
        for r in todo_r:
            by_key_r[key(r["offence_code"])].append(r)
        by_key_e = defaultdict(list)
        for e in todo_e:
            by_key_e[key(e["expected_offence_code"])].append(e)
        for k, es in by_key_e.items():
            pairs += zip(es, by_key_r.get(k, []))
        paired = {id(x) for pair in pairs for x in pair}
        todo_e = [e for e in todo_e if id(e) not in paired]
        todo_r = [r for r in todo_r if id(r) not in paired]
    return pairs, todo_e


def expected_figures(p) -> Figures:
    """What a force's audit must give: its profile's calibrated figures."""
    return Figures(
        incidents_reviewed=p.incidents_reviewed, crimes_reported=p.crimes_reported,
        crimes_recorded=p.crimes_recorded,
        correctly_classified=p.crimes_recorded - p.misclassified,
        on_time=p.crimes_recorded - p.recorded_late, unrecorded_rapes=p.unrecorded_rapes,
        nocrime_reviewed=p.nocrime_reviewed, nocrime_correct=p.nocrime_correct,
        nocrime_incorrect=p.nocrime_reviewed - p.nocrime_correct,
    )


def figures(data: ForceData) -> Figures:
    limit = timedelta(hours=int(data.audit["time_limit_hours"]))
    expected_by_incident = defaultdict(list)
    for row in data.incident_reviews:
        if row["expected_offence_code"]:
            expected_by_incident[row["incident_id"]].append(row)
    crimes_by_incident = defaultdict(list)
    for crime in data.crimes.values():
        if crime["incident_id"]:
            crimes_by_incident[crime["incident_id"]].append(crime)
    recorded = correct = on_time = rapes = 0
    for incident_id, expected in expected_by_incident.items():
        pairs, unpaired = match(expected, crimes_by_incident.get(incident_id, []))
        received = ts(data.incidents[incident_id]["received_at"])
        recorded += len(pairs)
        correct += sum(e["expected_offence_code"] == r["offence_code"] for e, r in pairs)
        on_time += sum(ts(r["recorded_at"]) - received <= limit for _, r in pairs)
        rapes += sum(e["expected_offence_code"] in RAPES for e in unpaired)
    verdicts = [r["verdict"] for r in data.no_crime_reviews]
    return Figures(
        incidents_reviewed=len({r["incident_id"] for r in data.incident_reviews}),
        crimes_reported=sum(1 for r in data.incident_reviews if r["expected_offence_code"]),
        crimes_recorded=recorded,
        correctly_classified=correct,
        on_time=on_time,
        unrecorded_rapes=rapes,
        nocrime_reviewed=len(verdicts),
        nocrime_correct=verdicts.count("correct"),
        nocrime_incorrect=verdicts.count("incorrect"),
    )


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*")) if p.is_file()
    }


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def default_sample(tmp_path_factory) -> tuple[Path, GenerationSummary, float]:
    root = tmp_path_factory.mktemp("sample_default")
    started = time.perf_counter()
    summary = generate(root, canonical=True)
    return root, summary, time.perf_counter() - started


@pytest.fixture(scope="module")
def default_data(default_sample) -> dict[str, ForceData]:
    root = default_sample[0]
    return {force: load_force(root, force) for force in SAMPLE_FORCES}


# --- tests ----------------------------------------------------------------------------------

def test_same_seed_gives_byte_identical_files_and_other_seed_differs(default_sample,
                                                                      tmp_path):
    root, summary, _ = default_sample
    again = generate(tmp_path / "again", canonical=True)
    assert tree_digest(tmp_path / "again") == tree_digest(root)
    assert again.rows_per_kind == summary.rows_per_kind
    assert again.clear_text_values == summary.clear_text_values
    other = tmp_path / "other"
    generate(other, seed=7, canonical=True)
    assert tree_digest(other).keys() == tree_digest(root).keys()
    assert tree_digest(other) != tree_digest(root)


def test_layout_headers_and_summary(default_sample):
    root, summary, seconds = default_sample
    days = [f"2014-01-{d:02d}" for d in range(6, 13)]
    expected_files = set()
    for force in SAMPLE_FORCES:
        assert sorted(p.name for p in (root / force).iterdir()) == days + ["audits"]
        for day in days:
            expected_files |= {root / force / day / f"{k}.csv" for k in EXPORT_KINDS}
        expected_files |= {root / force / "audits" / f"{force}-2014" / f"{k}.csv"
                           for k in AUDIT_KINDS}
    assert set(summary.files) == expected_files
    assert summary.files_written == len(expected_files) == 13 * (7 * 4 + 4)
    assert {p for p in root.rglob("*") if p.is_file()} == expected_files
    counted = defaultdict(int)
    for path in expected_files:
        raw = path.read_bytes()
        assert b"\r" not in raw
        kind = path.stem
        lines = raw.decode("utf-8").split("\n")
        assert lines[0] == COLUMNS[kind]
        counted[kind] += len(read(path))
    assert dict(counted) == summary.rows_per_kind
    assert summary.forces == SAMPLE_FORCES
    assert summary.rows_per_kind["incidents"] < 25_000
    assert seconds < 20, f"generation took {seconds:.1f} s"


def test_exports_are_consistent_and_realistic(default_data):
    for force, data in default_data.items():
        all_incident_ids = set(data.incidents)
        versions = [v for vs in data.crime_versions.values() for v in vs]
        for crime in versions:
            assert ts(crime["reported_at"]) <= ts(crime["recorded_at"])
            assert crime["incident_id"] == "" or crime["incident_id"] in all_incident_ids
            assert crime["offence_code"] in GROUP
        crimes = data.crimes
        decided = {(d["crime_id"], d["decision"]) for d in data.decisions}
        assert {d["decision"] for d in data.decisions} == {"NO_CRIME", "CANCELLED", "TRANSFERRED"}
        assert all(k[0] in crimes for k in decided)
        assert all(ts(d["decided_at"]) >= ts(crimes[d["crime_id"]]["recorded_at"])
                   for d in data.decisions)
        assert all(d["victim_informed"] in ("true", "false") for d in data.decisions)
        assert all(p["crime_id"] in crimes for p in data.disposals)
        assert {p["disposal_type"] for p in data.disposals} <= {
            "CAUTION", "CONDITIONAL_CAUTION", "PENALTY_NOTICE", "COMMUNITY_RESOLUTION",
            "CANNABIS_WARNING"}
        assert {i["channel"] for i in data.incidents.values()} == {
            "999", "101", "online", "in_person", "third_party"}
        # online crimes without an incident, and crimes corrected in a later export
        assert any(c["incident_id"] == "" for c in crimes.values())
        corrected = [vs for vs in data.crime_versions.values() if len(vs) > 1]
        assert corrected and all(vs[0] != vs[-1] for vs in corrected)
        # several incidents with two or three expected crimes
        per_incident = defaultdict(int)
        for row in data.incident_reviews:
            per_incident[row["incident_id"]] += bool(row["expected_offence_code"])
        assert sum(n in (2, 3) for n in per_incident.values()) >= 3
        assert data.audit == {
            "audit_id": f"{force}-2014", "force_id": force, "period_start": "2014-01-06",
            "period_end": "2014-01-12", "time_limit_hours": "72",
            "inspector": data.audit["inspector"]}
        assert data.audit["inspector"].startswith("HMIC CDI team ")
        refs = [r["auditor_ref"] for r in
                data.incident_reviews + data.no_crime_reviews + data.disposal_reviews]
        assert len(refs) == len(set(refs))


def test_export_day_holds_that_days_events(default_sample):
    root = default_sample[0]
    for day_dir in sorted((root / "hertfordshire").iterdir()):
        if day_dir.name == "audits":
            continue
        day = day_dir.name
        assert all(r["received_at"].startswith(day) for r in read(day_dir / "incidents.csv"))
        assert all(r["decided_at"].startswith(day) for r in read(day_dir / "crime_decisions.csv"))
        assert all(r["issued_at"].startswith(day) for r in read(day_dir / "disposals.csv"))
        # crimes recorded that day, plus corrections of crimes recorded earlier
        assert all(r["recorded_at"][:10] <= day for r in read(day_dir / "crimes.csv"))


def test_no_personal_data_in_summaries(default_sample, default_data):
    summary = default_sample[1]
    written, summaries = set(), set()
    for data in default_data.values():
        for inc in data.incidents.values():
            written |= {inc["caller_name"], inc["caller_dob"], inc["caller_address"]}
            summaries.add(inc["summary"])
        for versions in data.crime_versions.values():
            for c in versions:
                written |= {c["victim_name"], c["victim_dob"], c["victim_address"]}
    assert written - {""} == summary.clear_text_values
    assert len(summaries) > 20
    for text in summaries:
        leaked = [v for v in summary.clear_text_values if v in text]
        assert not leaked, (text, leaked[:3])


def test_hertfordshire_exact_figures(default_data):
    fig = figures(default_data["hertfordshire"])
    assert (fig.incidents_reviewed, fig.crimes_reported, fig.crimes_recorded) == (224, 181, 130)
    assert (fig.correctly_classified, fig.on_time) == (126, 126)
    assert (fig.nocrime_reviewed, fig.nocrime_correct, fig.nocrime_incorrect) == (75, 71, 4)


def test_latest_version_matters(default_data):
    """Taking the first version of each crime instead of the latest changes the figures."""
    data = default_data["hertfordshire"]
    first = {cid: vs[0] for cid, vs in data.crime_versions.items()}
    stale = figures(ForceData(**(data.__dict__ | {"crimes": first})))
    latest = figures(data)
    assert (stale.crimes_recorded, stale.correctly_classified) != (
        latest.crimes_recorded, latest.correctly_classified)


def test_overall_rate_and_unrecorded_rapes(default_data):
    all_figures = {force: figures(data) for force, data in default_data.items()}
    reported = sum(f.crimes_reported for f in all_figures.values())
    recorded = sum(f.crimes_recorded for f in all_figures.values())
    assert 0.79 <= recorded / reported <= 0.81
    assert sum(f.unrecorded_rapes for f in all_figures.values()) == 14
    for force, f in all_figures.items():
        assert 150 <= f.crimes_reported <= 260, force
        assert f.correctly_classified <= f.crimes_recorded and f.on_time <= f.crimes_recorded
        if force != "hertfordshire":
            assert 0.72 <= f.crimes_recorded / f.crimes_reported <= 0.90, force


def test_every_force_reproduces_its_calibration_row(default_data):
    for force, data in default_data.items():
        p = FORCE_PROFILES[force]
        fig = figures(data)
        assert fig == expected_figures(p), force
        verdicts = [r["verdict"] for r in data.disposal_reviews]
        assert (len(verdicts), verdicts.count("inappropriate")) == (
            p.disposals_reviewed, p.disposals_inappropriate), force


@pytest.mark.parametrize("seed", [2014, 99])
def test_single_force_five_days_keeps_hertfordshire_figures(tmp_path, seed):
    generate(tmp_path, seed=seed, forces=["hertfordshire"], days=5, canonical=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hertfordshire"]
    data = load_force(tmp_path, "hertfordshire")
    assert data.export_days == [f"2014-01-{d:02d}" for d in range(6, 11)]
    assert data.audit["period_end"] == "2014-01-10"
    fig = figures(data)
    assert (fig.incidents_reviewed, fig.crimes_reported, fig.crimes_recorded) == (224, 181, 130)
    assert (fig.correctly_classified, fig.on_time) == (126, 126)
    assert (fig.nocrime_reviewed, fig.nocrime_correct, fig.nocrime_incorrect) == (75, 71, 4)


def test_reviews_reference_the_right_decisions_and_disposals(default_data):
    for force, data in default_data.items():
        no_crimes = {d["crime_id"] for d in data.decisions if d["decision"] == "NO_CRIME"}
        disposed = {d["crime_id"] for d in data.disposals}
        assert data.no_crime_reviews and data.disposal_reviews
        for review in data.no_crime_reviews:
            assert review["crime_id"] in data.crimes, force
            assert review["crime_id"] in no_crimes, force
            assert review["verdict"] in ("correct", "incorrect")
        for review in data.disposal_reviews:
            assert review["crime_id"] in data.crimes, force
            assert review["crime_id"] in disposed, force
            assert review["verdict"] in ("appropriate", "inappropriate")
        assert any(r["verdict"] == "inappropriate" for r in data.disposal_reviews)
        ids = [r["crime_id"] for r in data.no_crime_reviews + data.disposal_reviews]
        assert len(ids) == len(set(ids))


def test_bad_arguments_raise_value_error(tmp_path):
    with pytest.raises(ValueError, match="days must be at least 5"):
        generate(tmp_path, days=4)
    with pytest.raises(ValueError, match="atlantis"):
        generate(tmp_path, forces=["hertfordshire", "atlantis"])
    assert not any(tmp_path.iterdir())


def test_contract_shapes_are_deterministic_too(tmp_path):
    """Kent (cp1252, ';'), Greater Manchester (JSON lines), the Met (XLSX), Essex (own names
    and codes, two contract versions) and XLSX audit sheets: same seed, same bytes."""
    forces = ["kent", "greater-manchester", "metropolitan", "essex"]
    first = generate(tmp_path / "a", forces=forces)
    second = generate(tmp_path / "b", forces=forces)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    names = {p.relative_to(tmp_path / "a").as_posix() for p in first.files}
    assert "kent/2014-01-06/KENT_INCIDENTS_20140106.csv" in names
    assert "greater-manchester/2014-01-06/gmp-crimes-2014-01-06.jsonl" in names
    assert "metropolitan/2014-01-06/MPS_20140106_CAD.xlsx" in names
    assert "essex/2014-01-08/incidents_20140108.csv" in names  # contract version 1
    assert "essex/2014-01-09/ESX_STORM_20140109.csv" in names  # version 2 from 2014-01-09
    assert "kent/audits/kent-2014/incident_reviews.xlsx" in names
    assert first.rows_per_kind == second.rows_per_kind

"""The whole loop on a copy of the sample night: design an audit of Hertfordshire, fill the
sheets from the sample's truth as an auditor would (tests/audit/fill.py), load them in one
incremental run, and read the weighted rate, equal to an independent computation from the
filled sheets."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import pipeline_env, run_pipeline
from orchestration.audit.design import make_design, offence_codes
from orchestration.audit.sheets import write_sheets
from orchestration.headline import headline
from orchestration.warehouse import PUBLISHED_FILE
from tests.audit.fill import fill_incident_reviews, fill_verdicts, sample_truth
from tests.audit.stratified import Stratum, ratio_estimate

FORCE = "hertfordshire"
SEED = 19


def test_design_fill_load_gives_the_weighted_rate_of_the_filled_sheets(copy_of_night):
    landing, workdir = copy_of_night
    with pipeline_env(landing, workdir) as settings:
        published = settings.published_dir / PUBLISHED_FILE
    design = make_design(published, FORCE, dt.date(2014, 1, 6), dt.date(2014, 1, 12), 0.05, SEED)
    # the prior is the force's latest published audit's rate (DESIGN.md: 130 / 181)
    assert (design.prior_rate, design.prior_source) == (pytest.approx(130 / 181), f"{FORCE}'s latest audit {FORCE}-2014")
    folder = write_sheets(landing, design, offence_codes(published))
    expected, linked = sample_truth(published, FORCE)
    sampled = {i.incident_id for s in design.strata for i in s.sampled}
    fill_incident_reviews(folder / "incident_reviews.xlsx", {i: expected.get(i, []) for i in sampled},
                          reviewed_at="2014-02-03 10:00:00")
    # every no-crime decision and disposal of the week, reviewed in full: the first of each wrong
    assert design.no_crime_decisions and design.disposals
    verdicts = {}
    for kind, crime_ids, good, bad in (("no_crime_reviews", design.no_crime_decisions, "correct", "incorrect"),
                                       ("disposal_reviews", design.disposals, "appropriate", "inappropriate")):
        verdicts[kind] = fill_verdicts(folder / f"{kind}.xlsx", lambda crime_id: bad if crime_id == crime_ids[0] else good,
                                       reviewed_at="2014-02-03 10:00:00")
        assert sorted(verdicts[kind]) == crime_ids

    night = run_pipeline(landing, workdir)
    assert night.outcome.success, night.outcome.report()

    # independently: x = codes written for the incident, y = min(x, crimes linked to it)
    # (every expected crime pairs with any unpaired recorded crime of its incident, DESIGN.md)
    strata = []
    for s in design.strata:
        x = tuple(len(expected.get(i.incident_id, [])) for i in s.sampled)
        y = tuple(min(n, linked.get(i.incident_id, 0)) for n, i in zip(x, s.sampled))
        strata.append(Stratum(s.name, s.population, x, y))
    reported = sum(sum(s.x) for s in strata)
    recorded = sum(sum(s.y) for s in strata)
    assert 0 < recorded < reported  # the sample holds unrecorded crimes: not a trivial rate of 1
    rows = night.query(
        "SELECT rate_method, incidents_reviewed, crimes_reported, crimes_recorded, recording_rate, "
        "weighted_recording_rate, weighted_rate_ci_low, weighted_rate_ci_high "
        "FROM marts.recording_accuracy WHERE audit_id = ? AND offence_group = 'all'", [design.audit_id])
    assert len(rows) == 1
    method, incidents, crimes_reported, crimes_recorded, wilson_rate, *weighted = rows[0]
    assert (method, incidents, crimes_reported, crimes_recorded) == ("weighted", design.sample_size, reported, recorded)
    assert wilson_rate == pytest.approx(recorded / reported, abs=1e-12)
    assert weighted == pytest.approx(ratio_estimate(strata), abs=1e-12)
    print(f"{design.audit_id}: n = {design.sample_size} of {design.population}; Wilson {recorded}/{reported} = "
          f"{wilson_rate:.4f}; weighted {weighted[0]:.4f} ({weighted[1]:.4f} - {weighted[2]:.4f})")

    # `cdi run`'s headline shows the weighted rate for it, and says so
    text = headline(night.settings)
    line = next(line for line in text.splitlines() if design.audit_id in line)
    assert f"{100 * weighted[0]:5.1f}%" in line and line.endswith("weighted (stratified design)")
    # the all-forces line counts each force once, by its latest audit: the sample's 2670 / 2136
    # (DESIGN.md) with Hertfordshire's 181 / 130 replaced by the new audit's counts
    (total,) = [line.split() for line in text.splitlines() if line.strip().startswith("all forces")]
    assert total[4:6] == [str(2670 - 181 + reported), str(2136 - 130 + recorded)]

    # it is now the force's latest audit: the analysts' views rank it by its headline rate
    latest = night.query("SELECT audit_id, recording_rate, rate_ci_low, rate_ci_high "
                         "FROM marts.worst_forces_latest_audit WHERE force_id = ?", [FORCE])
    assert latest == [(design.audit_id, *(pytest.approx(v, abs=1e-12) for v in weighted))]

    # the decisions' accuracy: every one reviewed, one of each judged wrong (Wilson, no weights)
    assert night.query("SELECT decisions_reviewed, decisions_correct FROM marts.no_crime_accuracy "
                       "WHERE audit_id = ? AND offence_group = 'all'", [design.audit_id]) == [
        (len(design.no_crime_decisions), len(design.no_crime_decisions) - 1)]
    assert night.query("SELECT disposals_reviewed, appropriate, inappropriate FROM marts.disposal_accuracy "
                       "WHERE audit_id = ?", [design.audit_id]) == [(len(design.disposals), len(design.disposals) - 1, 1)]

    # the audit without a design keeps its figures and its method
    assert night.query("SELECT rate_method, crimes_reported, crimes_recorded FROM marts.recording_accuracy "
                       "WHERE audit_id = 'hertfordshire-2014' AND offence_group = 'all'") == [("wilson", 181, 130)]

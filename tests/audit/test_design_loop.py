"""The whole loop on the night after the sample's (tests/conftest.py `next_night`): an audit
of Hertfordshire designed from the published sample night, its sheets filled from the sample's
truth as an auditor would (tests/audit/fill.py `design_and_fill`) and loaded in that one
incremental run; the weighted rate read back equals an independent computation from the filled
sheets."""

from __future__ import annotations

import pytest

from orchestration.headline import headline
from tests.audit.fill import DESIGNED_FORCE as FORCE
from tests.audit.stratified import Stratum, ratio_estimate


def test_design_fill_load_gives_the_weighted_rate_of_the_filled_sheets(next_night):
    filled, night = next_night.design, next_night.night
    design, expected, linked, verdicts = filled.design, filled.expected, filled.linked, filled.verdicts
    # the prior is the force's latest published audit's rate (DESIGN.md: 130 / 181)
    assert (design.prior_rate, design.prior_source) == (pytest.approx(130 / 181), f"{FORCE}'s latest audit {FORCE}-2014")
    # every no-crime decision and disposal of the week, reviewed in full: the first of each wrong
    assert design.no_crime_decisions and design.disposals
    assert sorted(verdicts["no_crime_reviews"]) == design.no_crime_decisions
    assert sorted(verdicts["disposal_reviews"]) == design.disposals
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

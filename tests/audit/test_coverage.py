"""Coverage of the weighted interval: over 100 seeded designs of one population whose truth is
known (tests/audit/population.py: the bundled sample has no population truth), the 95% interval
of the dbt model must cover the population's true recording rate at least 93 times.

Cheap by construction: the 100 designs are drawn by the real `make_design`, each sampled
incident's truth is summed per stratum in Python, and ONE dbt run of int_recording_rates_weighted
estimates all 100 audits from those sums."""

from __future__ import annotations

import pytest

from orchestration.audit.design import make_design
from tests.audit.population import FORCE, PERIOD, build_warehouse
from tests.audit.stratified import Stratum, ratio_estimate, run_estimator, strata_rows

pytestmark = pytest.mark.e2e  # runs dbt

DRAWS = 100
PRECISION = 0.03


def test_the_weighted_interval_covers_the_true_rate_in_at_least_93_of_100_draws(tmp_path):
    truth = build_warehouse(tmp_path / "population.duckdb")
    rows, expected = [], {}
    for seed in range(1, DRAWS + 1):
        design = make_design(tmp_path / "population.duckdb", FORCE, *PERIOD, PRECISION, seed)
        strata = [Stratum(s.name, s.population, tuple(truth.x[i.incident_id] for i in s.sampled),
                          tuple(truth.y[i.incident_id] for i in s.sampled)) for s in design.strata]
        rows += strata_rows(design.audit_id, strata)
        expected[design.audit_id] = ratio_estimate(strata)

    found = run_estimator(tmp_path, rows)

    assert len(found) == DRAWS
    for audit_id, (method, *figures) in found.items():
        assert method == "weighted"
        assert figures == pytest.approx(expected[audit_id], abs=1e-12)  # the SQL is the formula
    covered = sum(low <= truth.rate <= high for _, _, low, high in found.values())
    half_widths = sorted((high - low) / 2 for _, _, low, high in found.values())
    print(f"true rate {truth.rate:.4f}; covered {covered}/{DRAWS}; "
          f"median half-width {half_widths[DRAWS // 2]:.4f}")
    assert covered >= 93
    # the design's target is met on the realised samples too (the prior 0.5 is conservative)
    assert half_widths[DRAWS // 2] <= PRECISION

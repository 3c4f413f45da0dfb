"""The weighted (stratified ratio) recording rate against figures computed by hand.

The dbt model int_recording_rates_weighted runs on stratum sums written straight into its
input table (no pipeline): one dbt run, a few seconds."""

from __future__ import annotations

import math

import pytest

from tests.audit.stratified import Stratum, ratio_estimate, run_estimator, strata_rows

pytestmark = pytest.mark.e2e  # runs dbt

# Hand-computed: X = 2.5*4 + 2.5*2 + 1*4 + 4*2 + 0 = 27, Y = 2.5*2 + 2.5*2 = 10, R = 10/27.
# Only violence adds variance: sexual offences (all recorded, x constant) and burglary (none
# recorded, x constant) have e_hi constant, s^2 = 0; theft is a census (n_h = N_h, fpc 0);
# no_crime_type has x = y = 0. Violence: e = (17, -10, 7, 0)/27, mean 7/54,
# s^2 = sum (e - mean)^2 / 3 = 0.1778692..., term = 10^2 (1 - 4/10) s^2 / 4 = 15 s^2.
STRATA = [
    Stratum("violence_against_the_person", 10, (1, 1, 2, 0), (1, 0, 1, 0)),
    Stratum("sexual_offences", 5, (1, 1), (1, 1)),
    Stratum("theft", 3, (1, 2, 1), (0, 0, 0)),
    Stratum("burglary", 8, (1, 1), (0, 0)),
    Stratum("no_crime_type", 100, (0, 0), (0, 0)),
]


def _by_hand() -> tuple[float, float, float]:
    e = [v / 27 for v in (17, -10, 7, 0)]
    mean = sum(e) / 4
    s2 = sum((v - mean) ** 2 for v in e) / 3
    se = math.sqrt(15 * s2) / 27
    return 10 / 27, 10 / 27 - 1.96 * se, 10 / 27 + 1.96 * se


def test_hand_figures_agree_with_the_python_estimator():
    assert ratio_estimate(STRATA) == pytest.approx(_by_hand(), abs=1e-12)
    assert _by_hand() == pytest.approx((0.370370, 0.251797, 0.488944), abs=1e-6)


def test_dbt_model_gives_the_hand_computed_rate_and_interval(tmp_path):
    all_recorded = [Stratum("a", 6, (1, 2, 1), (1, 2, 1)), Stratum("b", 4, (1, 1), (1, 1))]
    none_recorded = [Stratum("a", 6, (1, 2, 1), (0, 0, 0)), Stratum("b", 4, (1, 1), (0, 0))]
    # e_hi constant in each stratum though R = 6*1 / (6*1 + 4*1) = 0.6: v = 0 up to rounding
    constant = [Stratum("a", 12, (1, 1), (1, 1)), Stratum("b", 8, (1, 1), (0, 0))]
    census = [Stratum("a", 3, (1, 2, 1), (1, 2, 0)), Stratum("b", 2, (1, 1), (1, 1))]
    rows = (strata_rows("mixed", STRATA) + strata_rows("all-recorded", all_recorded)
            + strata_rows("none-recorded", none_recorded) + strata_rows("constant", constant)
            + strata_rows("census", census)
            + strata_rows("mismatch", STRATA, problem="1 reviewed incident(s) not in the design"))
    found = run_estimator(tmp_path, rows)

    method, *figures = found["mixed"]
    assert method == "weighted"
    assert figures == pytest.approx(_by_hand(), abs=1e-12)
    # every sampled crime recorded (or none, or e constant in every stratum) in strata only
    # sampled: the linearised interval would be a point, so no weighted figure
    for audit in ("all-recorded", "none-recorded", "constant"):
        assert found[audit] == ("wilson_zero_variance", None, None, None), audit
    # a census has no sampling error: R = (1 + 2 + 0 + 1 + 1) / 6, a zero-width interval
    method, rate, low, high = found["census"]
    assert method == "weighted" and rate == pytest.approx(5 / 6) and low == rate == high
    # a design that does not match its reviews gives no weighted figure
    assert found["mismatch"] == ("wilson_design_mismatch", None, None, None)

"""The marts of a real run on the bundled sample reproduce DESIGN.md's reference figures."""

from __future__ import annotations

import pytest


def test_hertfordshire_recording_accuracy(nightly):
    row = nightly.query(
        "SELECT incidents_reviewed, crimes_reported, crimes_recorded, crimes_unrecorded, "
        "crimes_correctly_classified, crimes_recorded_on_time, round(recording_rate, 4), "
        "round(rate_ci_low, 4), round(rate_ci_high, 4) FROM marts.recording_accuracy "
        "WHERE force_id = 'hertfordshire' AND offence_group = 'all'")
    assert row == [(224, 181, 130, 51, 126, 126, 0.7182, 0.6487, 0.7787)]


def test_hertfordshire_no_crime_accuracy(nightly):
    row = nightly.query(
        "SELECT decisions_reviewed, decisions_correct, decisions_incorrect, round(accuracy_rate, 4) "
        "FROM marts.no_crime_accuracy WHERE force_id = 'hertfordshire' AND offence_group = 'all'")
    assert row == [(75, 71, 4, 0.9467)]


def test_thirteen_forces_one_in_five_unrecorded(nightly):
    forces, reported, recorded = nightly.query(
        "SELECT count(DISTINCT force_id), sum(crimes_reported), sum(crimes_recorded) "
        "FROM marts.recording_accuracy WHERE offence_group = 'all'")[0]
    assert forces == 13
    assert 0.79 <= recorded / reported <= 0.81


def test_fourteen_unrecorded_rapes(nightly):
    unrecorded_rapes = nightly.query(
        "SELECT count(*) FROM intermediate.int_expected_crimes_matched WHERE is_rape AND NOT is_recorded")
    assert unrecorded_rapes == [(14,)]


def test_violence_and_sexual_offences_are_under_recorded_most(nightly):
    rates = dict(nightly.query(
        "SELECT offence_group, sum(crimes_recorded) / sum(crimes_reported) FROM marts.recording_accuracy "
        "GROUP BY offence_group"))
    worst_two = sorted((g for g in rates if g != "all"), key=rates.get)[:2]
    assert set(worst_two) == {"violence_against_the_person", "sexual_offences"}


def test_group_rows_add_up_to_the_all_row(nightly):
    mismatches = nightly.query(
        "SELECT force_id FROM marts.recording_accuracy GROUP BY force_id, audit_id "
        "HAVING sum(crimes_reported) FILTER (WHERE offence_group <> 'all') "
        "<> sum(crimes_reported) FILTER (WHERE offence_group = 'all')")
    assert mismatches == []


@pytest.mark.parametrize("mart", ["dim_force", "dim_offence", "dim_date", "disposal_accuracy"])
def test_dimensions_and_disposals_are_populated(nightly, mart):
    assert nightly.query(f"SELECT count(*) FROM marts.{mart}")[0][0] > 0


def test_disposal_accuracy_hertfordshire(nightly):
    assert nightly.query(
        "SELECT disposals_reviewed, appropriate, inappropriate FROM marts.disposal_accuracy "
        "WHERE force_id = 'hertfordshire'") == [(30, 26, 4)]

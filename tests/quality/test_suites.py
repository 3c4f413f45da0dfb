"""Suite files: they load, name real tables, and refuse what GX would silently drop."""

from __future__ import annotations

import json

import pytest

from orchestration.quality.suites import SuiteError, load_suites, resolve_placeholders


def test_every_stage_has_suites_and_each_loads():
    suites = load_suites()
    stages = {s.stage for s in suites}
    assert stages == {"raw", "staging", "marts"}
    assert {s.table[1] for s in suites if s.stage == "raw"} == {
        "incidents", "crimes", "crime_decisions", "disposals", "audits",
        "incident_reviews", "no_crime_reviews", "disposal_reviews", "police_uk_street"}
    for suite in suites:
        assert suite.columns or suite.stage == "marts", suite.name


def test_an_invalid_severity_is_refused_not_dropped(tmp_path):
    bad = {"name": "raw.x", "meta": {"asset_key": ["raw", "x"], "table": "raw.x"},
           "expectations": [{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "a"},
                             "severity": "error"}]}
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "x.json").write_text(json.dumps(bad))
    with pytest.raises(SuiteError, match="severity 'critical' .* not 'error'"):
        load_suites(tmp_path)


def test_seed_placeholders_read_the_dbt_seed():
    import datetime as dt

    forces = resolve_placeholders({"$seed": "forces.force_id"}, dt.datetime(2020, 1, 1))
    assert len(forces) == 44 and "hertfordshire" in forces and "btp" in forces


def test_gx_accepts_every_expectation_of_every_suite():
    import datetime as dt

    from great_expectations.core import ExpectationSuite

    for suite in load_suites():
        document = resolve_placeholders(suite.document, dt.datetime(2020, 1, 1))
        built = ExpectationSuite(name=suite.name, expectations=document["expectations"])
        assert len(built.expectations) == len(document["expectations"]), suite.name


def test_no_regex_captures_a_group():
    """GX matches a column with pandas' str.contains, which warns on every validation when the
    pattern has a capturing group ("has match groups"): printed in `cdi run`'s output each
    night. Groups are written (?:...)."""
    import re

    patterns = [(suite.name, expectation["kwargs"]["regex"]) for suite in load_suites()
                for expectation in suite.document["expectations"] if "regex" in expectation["kwargs"]]
    assert len(patterns) > 5
    assert [(name, regex) for name, regex in patterns if re.compile(regex).groups] == []

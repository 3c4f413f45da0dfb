"""The quality pages from hand-built results: what each expectation checked, the bounded trend
of nights, and nothing remote."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from orchestration.quality import history
from orchestration.quality.arguments import phrases
from orchestration.quality.docs import record_outcome
from orchestration.quality.suites import SuiteFile
from orchestration.quality.validate import ExpectationOutcome, SuiteOutcome

FIRST_NIGHT = dt.date(2014, 1, 1)
CHANNELS = ["999", "101", "online", "in_person", "third_party"]
FORCES = [f"force_{i:02d}" for i in range(44)]  # as long as the forces seed
SUITE = SuiteFile(Path("expectations/raw/incidents.json"),
                  {"name": "raw.incidents", "meta": {"asset_key": ["raw", "incidents"], "table": "raw.incidents"},
                   "expectations": []})
NIGHT_CELL = re.compile(r'<span class="night (\w+)" title="([0-9-]+): ')


def _status_of(night: int) -> str:
    """A pattern with every status: a blocking night each week, warnings on others."""
    return history.BLOCKING if night % 7 == 3 else history.WARNING if night % 5 == 1 else history.OK


def _outcome(night: int, status: str) -> SuiteOutcome:
    validated_at = dt.datetime.combine(FIRST_NIGHT + dt.timedelta(days=night + 1), dt.time(2, 5))
    return SuiteOutcome("raw.incidents", "raw.incidents", 1000 + night, validated_at, [
        ExpectationOutcome("expect_column_values_to_be_in_set", {"column": "force_id", "value_set": FORCES},
                           "critical", status != history.BLOCKING, 0 if status != history.BLOCKING else 1,
                           [] if status != history.BLOCKING else ["atlantis"]),
        ExpectationOutcome("expect_column_values_to_be_in_set", {"column": "channel", "value_set": CHANNELS,
                                                                 "mostly": 0.95},
                           "warning", status != history.WARNING, 0 if status != history.WARNING else 1,
                           [] if status != history.WARNING else ["carrier_pigeon"]),
        ExpectationOutcome("expect_column_values_to_be_between",
                           {"column": "received_at", "min_value": dt.datetime(2000, 1, 1),
                            "max_value": validated_at}, "critical", True, 0, []),
        ExpectationOutcome("expect_column_values_to_match_regex",
                           {"column": "incident_id", "regex": "^[A-Z0-9][A-Z0-9/_.-]{2,39}$"}, "critical", True, 0, []),
        ExpectationOutcome("expect_column_pair_values_a_to_be_greater_than_b",
                           {"column_A": "crimes_reported", "column_B": "crimes_recorded", "or_equal": True},
                           "critical", True, 0, []),
    ])


def _record(quality: Path, night: int, status: str) -> None:
    record_outcome(_outcome(night, status), SUITE, quality, FIRST_NIGHT + dt.timedelta(days=night))


def _night(night: int) -> str:
    return (FIRST_NIGHT + dt.timedelta(days=night)).isoformat()


def test_each_expectation_shows_its_value_set_and_thresholds(tmp_path):
    _record(tmp_path, 0, history.OK)
    page = (tmp_path / "raw.incidents.html").read_text()
    # every force of a long value set, in full, and its size
    assert "one of 44 values" in page and all(f"<code>{force}</code>" in page for force in FORCES)
    assert "one of 5 values" in page and "<code>in_person</code>" in page
    assert "true of at least 95% of rows" in page
    assert "between <code>2000-01-01 00:00:00</code> and <code>2014-01-02 02:05:00</code> (inclusive)" in page
    assert "matches <code>^[A-Z0-9][A-Z0-9/_.-]{2,39}$</code>" in page
    assert "A: <code>crimes_reported</code>, B: <code>crimes_recorded</code>" in page and "equal values pass" in page


def test_thresholds_are_phrased_from_kwargs_whatever_the_expectation():
    assert phrases({"column": "x", "min_value": 0, "strict_min": True}) == ["above <code>0</code>"]
    assert phrases({"column": "x", "max_value": 9}) == ["at most <code>9</code>"]
    assert phrases({"column_list": ["a", "b"], "row_condition": {"type": "pass_through",
                                                                  "pass_through_filter": 'g=="all"'},
                    "condition_parser": "pandas"}) == ["only rows where <code>g==&quot;all&quot;</code>"]
    # a kwarg without a phrase is still shown, never dropped
    assert phrases({"column": "x", "type_": "int"}) == ["type_: <code>int</code>"]


def test_the_trend_keeps_the_last_30_nights_in_order(tmp_path):
    for night in range(35):
        _record(tmp_path, night, _status_of(night))
    expected = [(_status_of(n), _night(n)) for n in range(5, 35)]
    index = (tmp_path / "index.html").read_text()
    assert NIGHT_CELL.findall(index) == expected
    page = (tmp_path / "raw.incidents.html").read_text()
    assert NIGHT_CELL.findall(page) == expected
    # the table lists the same 30 nights, newest first, with their rows and failed expectations
    trend = page[page.index("<h2 id=trend>"):]
    assert re.findall(r"<tr><td>([0-9-]{10})</td>", trend) == [night for _, night in reversed(expected)]
    assert f"<td>{_night(34)}</td><td>2014-02-05T02:05:00</td><td>1034</td><td>0 of 5</td><td class=ok>passed</td>" in trend
    assert f"<td>{_night(31)}</td><td>2014-02-02T02:05:00</td><td>1031</td><td>1 of 5</td><td class=blocking>" in trend
    kept = (tmp_path / "history" / "raw.incidents.jsonl").read_text().splitlines()
    assert len(kept) == history.NIGHTS == 30


def test_validating_a_night_again_replaces_it(tmp_path):
    for night in range(35):
        _record(tmp_path, night, _status_of(night))
    _record(tmp_path, 34, history.WARNING)  # a re-run of the last night: the same night, now with a warning
    _record(tmp_path, 20, history.BLOCKING)
    nights = history.read(tmp_path / "history" / "raw.incidents.jsonl")
    assert [n["night"] for n in nights] == [_night(n) for n in range(5, 35)]
    assert nights[-1]["status"] == history.WARNING and nights[15]["status"] == history.BLOCKING


def test_a_run_without_partitions_is_the_night_of_its_validation(tmp_path):
    record_outcome(_outcome(3, history.OK), SUITE, tmp_path)
    (entry,) = history.read(tmp_path / "history" / "raw.incidents.jsonl")
    assert entry["night"] == "2014-01-05"  # validated at 2014-01-05 02:05 UTC


def test_the_history_holds_counts_not_sampled_values(tmp_path):
    _record(tmp_path, 3, history.BLOCKING)
    _record(tmp_path, 6, history.WARNING)
    text = (tmp_path / "history" / "raw.incidents.jsonl").read_text()
    assert "atlantis" not in text and "carrier_pigeon" not in text
    assert set(json.loads(text.splitlines()[0])) == {"night", "validated_at", "rows_validated", "expectations",
                                                     "failed", "status"}


def test_the_pages_have_no_script_and_no_remote_asset(tmp_path):
    for night in range(3):
        _record(tmp_path, night, _status_of(night))
    for page in tmp_path.glob("*.html"):
        text = page.read_text()
        assert "<script" not in text.lower(), page.name
        assert "http://" not in text and "https://" not in text, page.name
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:[a-z]+:)?//""", text, re.I), page.name

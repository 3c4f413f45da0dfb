"""Integrity of the published figures, end to end, on data nobody here wrote.

Six real nights over the independently written landing folder of `independent_landing`
(3 forces, 4 export days; shared auditor refs, repeated offence codes, reclassified crimes,
repeated no-crime decisions, reordered columns, CRLF, BOM, quoted newlines, XLSX sheets),
each figure compared with that module's own computation, never with an earlier run:

1. exports only, no audit yet: the night publishes, the accuracy marts are empty;
2. the audit sheets arrive: every accuracy figure equals the oracle;
3. a corrected surrey sheet loses a row and a sussex export loses 15% of its rows: both audits
   are held back (their night-2 figures stay), north-wales publishes, and it is said loudly;
4. a north-wales day with crimes recorded before they were reported: blocked;
5. the same landing folder unchanged: blocked again, same message, nothing published;
6. the bad file replaced by a corrected one: the night publishes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from dataclasses import dataclass, field

import duckdb
import pytest

import independent_landing as independent
from orchestration.headline import headline
from tests.conftest import POLICE_UK_FILES, REPO_ROOT, pipeline_env

pytestmark = pytest.mark.e2e  # runs the real pipeline (or dbt, or a server): not in `make test-fast`

TOLERANCE = 1e-9
# Our Wilson interval uses z = 1.96; the oracle may use the exact quantile (1.95996...).
CI_TOLERANCE = 1e-4


@dataclass
class Nights:
    landing: object
    settings: object = None
    outcomes: list = field(default_factory=list)
    published: list = field(default_factory=list)  # per night: {table: rows} of the published file
    headlines: list = field(default_factory=list)
    held: dict = field(default_factory=dict)
    night_two: object = None


def _published_marts(path) -> dict[str, list]:
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            table: con.execute(f'SELECT * FROM marts."{table}" ORDER BY ALL').fetchall()
            for table in ("recording_accuracy", "no_crime_accuracy", "disposal_accuracy", "audit_status",
                          "unrecorded_crime_estimate")
        } | {"bad_crimes": con.execute(
            "SELECT count(*) FROM staging.stg_raw__crimes WHERE recorded_at < reported_at").fetchone()[0]}


def _sussex_export_losing_rows(landing) -> str:
    """A new sussex day whose crimes file loses 3 of 20 rows (15%, above the 1% a force export
    may lose): a change of shape, not a few bad rows."""
    folder = landing / "sussex" / "2014-03-07"
    folder.mkdir(parents=True)
    lines = ["crime_id,incident_id,reported_at,recorded_at,offence_code,victim_name,victim_dob,victim_address"]
    for n in range(20):
        recorded = "07/03/2014 11:00" if n in (4, 9, 15) else "2014-03-07 11:00:00"  # not ISO: quarantined
        lines.append(f"SX-LATE-{n:03d},,2014-03-07 10:00:00,{recorded},105A,Alex Doe,1980-01-01,1 High St")
    (folder / "crimes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "sussex/2014-03-07/crimes.csv"


@pytest.fixture(scope="module")
def nights(tmp_path_factory) -> Nights:
    from orchestration.run import run_nightly

    root = tmp_path_factory.mktemp("independent")
    landing = root / "landing"
    independent.write_exports(landing)
    (landing / "police_uk").mkdir()
    for path in sorted(POLICE_UK_FILES.glob("*-street.csv")):
        shutil.copy(path, landing / "police_uk" / path.name)
    result = Nights(landing)
    steps = [
        lambda: None,
        lambda: independent.write_audits(landing),
        lambda: result.held.update(sheet=independent.corrupt_incident_reviews(landing, "surrey"),
                                   export=_sussex_export_losing_rows(landing)),
        lambda: result.held.update(bad_crimes=independent.write_bad_crimes_day(
            landing, "north-wales", dt.date(2014, 3, 8))),
        lambda: None,
        lambda: independent.fix_bad_crimes_day(landing, "north-wales", dt.date(2014, 3, 8)),
    ]
    with pipeline_env(landing, root / "work") as settings:
        result.settings = settings
        for night, step in enumerate(steps, start=1):
            step()
            if night == 2:  # for the pandas peer: the landing folder as the night read it
                result.night_two = root / "landing-night-2"
                shutil.copytree(landing, result.night_two)
            result.outcomes.append(run_nightly(settings))
            result.published.append(_published_marts(settings.published_dir / "warehouse.duckdb"))
            result.headlines.append(headline(settings))
    return result


def _recording(rows) -> dict:
    columns = ("force_id", "audit_id", "offence_group", "incidents_reviewed", "crimes_reported", "crimes_recorded",
               "crimes_unrecorded", "recording_rate", "rate_ci_low", "rate_ci_high",
               "crimes_correctly_classified", "crimes_recorded_on_time")
    return {(r[1], r[2]): dict(zip(columns, r)) for r in rows}


def _no_crime(rows) -> dict:
    columns = ("force_id", "audit_id", "offence_group", "decisions_reviewed", "decisions_correct",
               "decisions_incorrect", "accuracy_rate", "accuracy_ci_low", "accuracy_ci_high")
    return {(r[1], r[2]): dict(zip(columns, r)) for r in rows}


def _same(actual: dict, expected: dict, where) -> None:
    for name, value in expected.items():
        if name not in actual:
            continue
        tolerance = CI_TOLERANCE if "_ci_" in name else TOLERANCE
        if isinstance(value, float) or isinstance(actual[name], float):
            assert actual[name] == pytest.approx(value, abs=tolerance), (where, name)
        else:
            assert actual[name] == value, (where, name)


def _assert_figures(published: dict, oracle: dict, audits) -> None:
    recording, no_crime = _recording(published["recording_accuracy"]), _no_crime(published["no_crime_accuracy"])
    expected_recording = {k: v for k, v in oracle["recording"].items() if k[0] in audits}
    expected_no_crime = {k: v for k, v in oracle["no_crime"].items() if k[0] in audits}
    assert {k for k in recording if k[0] in audits} == set(expected_recording)
    for key, expected in expected_recording.items():
        _same(recording[key], expected, key)
    assert {k for k in no_crime if k[0] in audits} == set(expected_no_crime)
    for key, expected in expected_no_crime.items():
        _same(no_crime[key], expected, key)
    disposals = {r[1]: {"disposals_reviewed": r[2], "appropriate": r[3], "inappropriate": r[4]}
                 for r in published["disposal_accuracy"]}
    for audit_id in audits:
        _same(disposals[audit_id], oracle["disposal"][audit_id], audit_id)


def test_a_night_without_audits_publishes_the_exports(nights):
    outcome, published = nights.outcomes[0], nights.published[0]
    assert outcome.success, outcome.report()
    assert published["recording_accuracy"] == [] and published["no_crime_accuracy"] == []
    assert published["audit_status"] == []
    assert "no audit loaded yet" in nights.headlines[0]
    assert not [w for w in outcome.warnings if "row_count" in w]


def test_every_figure_equals_an_independent_computation(nights):
    outcome = nights.outcomes[1]
    assert outcome.success, outcome.report()
    oracle = independent.expected_figures()
    audits = {key[0] for key in oracle["recording"]}
    assert len(audits) == 3
    _assert_figures(nights.published[1], oracle, audits)
    assert {row[2] for row in nights.published[1]["audit_status"]} == {"published"}
    # Forces without an audit of their own get the national rate, pooled over the latest audits.
    sources = {row[0]: row[2] for row in nights.published[1]["unrecorded_crime_estimate"]}
    assert sources and set(sources.values()) == {"national"}  # the real police.uk files: other forces
    pooled = [v for k, v in oracle["recording"].items() if k[1] == "all"]
    rate = sum(v["crimes_recorded"] for v in pooled) / sum(v["crimes_reported"] for v in pooled)
    assert {round(row[6], 12) for row in nights.published[1]["unrecorded_crime_estimate"]} == {round(rate, 12)}


def test_the_pandas_peer_agrees_on_the_csv_audits(nights):
    """A second independent computation (scripts/bench_peers/pandas_peer.py, written without
    dbt): it reads CSV only, so the XLSX audit (north-wales) is left to the oracle above."""
    sys.path.insert(0, str(REPO_ROOT))
    from scripts.bench_peers.pandas_peer import run_pandas

    peer = run_pandas(nights.night_two)
    recording, no_crime = _recording(nights.published[1]["recording_accuracy"]), _no_crime(
        nights.published[1]["no_crime_accuracy"])
    csv_audits = {row["audit_id"] for row in peer["recording_accuracy"].to_dict("records")
                  if row["force_id"] in ("surrey", "sussex")}
    assert len(csv_audits) == 2
    for table, published in (("recording_accuracy", recording), ("no_crime_accuracy", no_crime)):
        rows = [r for r in peer[table].to_dict("records") if r["audit_id"] in csv_audits]
        assert {(r["audit_id"], r["offence_group"]) for r in rows} == {k for k in published if k[0] in csv_audits}
        for row in rows:
            _same(published[(row["audit_id"], row["offence_group"])],
                  {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}, (table, row["audit_id"]))


def test_a_partial_audit_is_held_back_loudly_and_its_last_figures_stay(nights):
    outcome, published = nights.outcomes[2], nights.published[2]
    assert outcome.success, outcome.report()  # other audits still publish
    sheet, export = nights.held["sheet"], nights.held["export"]
    status = {row[1]: row for row in published["audit_status"]}  # force, audit, status, reason, rows, files, shown
    surrey, sussex = status[sheet["audit_id"]], next(r for r in status.values() if r[0] == "sussex")
    assert surrey[2] == "held_back" and surrey[6] == "previous" and surrey[4] == 1
    assert sheet["file"] in surrey[3] and f"rows {sheet['row']}" in surrey[3] and "missing required value" in surrey[3]
    assert sussex[2] == "held_back" and sussex[6] == "previous" and sussex[4] == 3
    assert f"{export}: 3 of 20 rows quarantined" in sussex[3] and "1.00% a force export may lose" in sussex[3]
    assert [r[2] for r in status.values() if r[0] == "north-wales"] == ["published"]
    # The held-back audits' published figures are still night 2's: never computed from partial input.
    oracle = independent.expected_figures()
    _assert_figures(published, oracle, set(status))
    # Loud: a failing warning check naming the audit, the file, the rows; a line above the headline.
    (warning,) = [w for w in outcome.warnings if "audits_published" in w]
    assert sheet["audit_id"] in warning and sheet["file"] in warning and export in warning
    assert "HELD BACK: 2 audit(s)" in nights.headlines[2]
    report = (nights.settings.published_dir / "report.html").read_text(encoding="utf-8")
    assert report.index("id=audit-status") < report.index("id=unrecorded-estimate")
    assert "2 audit(s) held back" in report


def test_a_blocked_night_stays_blocked_until_its_file_is_replaced(nights):
    blocked, again, fixed = nights.outcomes[3:6]
    assert not blocked.success and not again.success
    assert blocked.failures and again.failures == blocked.failures  # the same message, again
    assert any("stg_raw__crimes" in f and "recorded_at" in f for f in blocked.failures), blocked.failures
    # Nothing of it reached readers: the published file is still night 3's.
    assert nights.published[3] == nights.published[4] == nights.published[2]
    assert nights.published[4]["bad_crimes"] == 0
    assert fixed.success, fixed.report()
    assert nights.published[5]["bad_crimes"] == 0


def test_a_landing_folder_that_does_not_exist_stops_at_once(tmp_path, capsys):
    from orchestration.cli import main

    with pipeline_env(tmp_path / "no" / "such" / "folder", tmp_path / "work"):
        assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert f"the landing folder {tmp_path / 'no' / 'such' / 'folder'} does not exist" in err
    assert not (tmp_path / "work" / "warehouse.duckdb").exists()

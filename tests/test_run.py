"""Backfills from the CLI: the partitions asked for, progress, idempotent re-runs, late forces."""

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.dbt import KEPT_RUN_TARGETS
from tests.conftest import pipeline_env

FORCE_EXPORTS = "('incidents', 'crimes', 'crime_decisions', 'disposals')"


def _tables(warehouse) -> dict[str, list]:
    """Every row of every raw, ops, staging, intermediate and mart table (load times aside)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'ops', 'staging', 'intermediate', 'marts') ORDER BY ALL"
        ).fetchall()
        tables = {}
        for schema, table in names:
            columns = [c for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "AND column_name NOT IN ('_loaded_at', 'started_at', 'finished_at', 'run_id') ORDER BY ordinal_position",
                [schema, table]).fetchall()]
            select = ", ".join(f'"{c}"' for c in columns)
            tables[f"{schema}.{table}"] = con.execute(f'SELECT {select} FROM "{schema}"."{table}" ORDER BY ALL').fetchall()
    return tables


def _build_folder(out: str):
    """The dbt build folder of the run `out` reports (dagster-dbt names it after the run id;
    another test may be building at the same time under xdist)."""
    run_id = re.search(r"^Run ([0-9a-f-]{36}) ", out, re.MULTILINE).group(1)
    (build,) = (DBT_PROJECT_DIR / "target").glob(f"dbt_models-{run_id[:7]}-*")
    return build


@pytest.mark.e2e
def test_backfill_loads_exactly_the_force_days_asked_and_reruns_change_nothing(small_landing, workdir, capsys):
    # essex stopped sending after 2014-01-07: by the night after 2014-01-10 it is 50 h overdue.
    for day in ("2014-01-08", "2014-01-09", "2014-01-10"):
        shutil.rmtree(small_landing / "essex" / day)
    with pipeline_env(small_landing, workdir) as settings:
        code = main(["backfill", "--from", "2014-01-06", "--to", "2014-01-10", "--force", "kent", "--force", "essex"])
        captured = capsys.readouterr()
        out = captured.out + captured.err  # Dagster's event log (file progress) is on stderr
        assert code == 0, out
        assert "run: export date(s) 2014-01-06 .. 2014-01-10, essex, kent (5 date partition(s))" in out
        assert "[incidents 7/7]" in out  # file progress (every 5 s and the last): 5 kent + 2 essex files
        assert "essex (last export 2014-01-07, 50.0 h overdue)" in out  # exports_on_time warning
        assert "kent (last" not in out
        # dbt's node lines are in its log file, not among the run's lines: one summary instead
        assert " START sql " not in out and " OK created sql " not in out
        summary = re.search(r"dbt build: (.*); dbt's log: (\S+dbt\.log)", out)
        models = sum(node["resource_type"] == "model" for node in json.loads(
            (DBT_PROJECT_DIR / "target" / "manifest.json").read_text())["nodes"].values())
        assert summary and f"{models} models ({models} success)" in summary.group(1), out[-3000:]
        assert " START sql view model staging.stg_raw__audits " in Path(summary.group(2)).read_text()

        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            loaded = con.execute(
                "SELECT split_part(file_path, '/', 1), split_part(file_path, '/', 2), count(*) FROM ops.load_log "
                f"WHERE kind IN {FORCE_EXPORTS} GROUP BY ALL ORDER BY ALL").fetchall()
        assert loaded == [("essex", "2014-01-06", 4), ("essex", "2014-01-07", 4)] + [
            ("kent", f"2014-01-0{d}", 4) for d in (6, 7, 8, 9)] + [("kent", "2014-01-10", 4)]
        before = _tables(settings.warehouse)
        # The first build tests every row and records how far it tested.
        build = _build_folder(out)
        (unique_test,) = build.glob("compiled/**/unique_combination_stg_raw__incidents_force_id__incident_id.sql")
        assert "where 1 = 1)" in unique_test.read_text()
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            tested = con.execute("SELECT (SELECT load_id FROM ops.dbt_tested_through), max(load_id) "
                                 "FROM ops.load_log").fetchone()
        assert tested[0] == tested[1]
        results = json.loads((build / "run_results.json").read_text())["results"]
        assert not [r for r in results if r["unique_id"].startswith("unit_test.")]  # make test runs them

        # The same partition again: nothing new to load, no row anywhere changes.
        assert main(["backfill", "--from", "2014-01-07", "--to", "2014-01-07", "--force", "kent"]) == 0
        out = capsys.readouterr().out
        assert "run: export date(s) 2014-01-07, kent (1 date partition(s))" in out
        assert _tables(settings.warehouse) == before
        # The next build tests the keys of loads no passing build has tested (none here).
        build = _build_folder(out)
        (unique_test,) = build.glob("compiled/**/unique_combination_stg_raw__incidents_force_id__incident_id.sql")
        assert f"where _load_id >= {tested[0] + 1})" in unique_test.read_text()

    # The first run kept its dbt parse state, so the second did not parse the project again
    # (its warehouse path differs from the one `cdi prepare` parsed with); old build folders go.
    builds = list((DBT_PROJECT_DIR / "target").glob("dbt_models-*"))
    # (+1: the other xdist worker may be in a build of its own, not pruned yet)
    assert 2 <= len(builds) <= KEPT_RUN_TARGETS + 1
    assert "Unable to do partial parsing" not in (build / "dbt.log").read_text()


def test_backfill_refuses_bad_requests_in_one_line(small_landing, tmp_path, capsys):
    with pipeline_env(small_landing, tmp_path):
        assert main(["backfill", "--from", "2014-01-09", "--to", "2014-01-06"]) == 2
        assert "cdi backfill: --to 2014-01-06 is before --from 2014-01-09" in capsys.readouterr().err
        assert main(["backfill", "--from", "2014-01-06", "--to", "2014-01-06", "--force", "atlantis"]) == 2
        assert "unknown force(s): atlantis" in capsys.readouterr().err
        assert main(["backfill", "--from", "2012-12-30", "--to", "2013-01-02"]) == 2
        assert "2012-12-30 .. 2013-01-02 are outside the partition range 2013-01-01" in capsys.readouterr().err
        with pytest.raises(SystemExit):
            main(["backfill", "--from", "2014-13-01", "--to", "2014-01-06"])
        assert "not a date" in capsys.readouterr().err


def test_history_runs_announce_planned_materializations_in_one_event_per_asset(monkeypatch):
    """A year is 365 dates: one planned event per asset and check per partition would be
    thousands of events before the first step. Runs over a month switch Dagster to one."""
    import datetime as dt
    import os

    from orchestration.run import ONE_PLANNED_EVENT_ABOVE, RunPlan, _planned_events_in_one

    monkeypatch.delenv("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", raising=False)
    night = RunPlan(dt.date(2014, 1, 6), dt.date(2014, 1, 6))
    year = RunPlan(dt.date(2014, 1, 6), dt.date(2015, 1, 5), ("kent",))
    assert night.partition_count <= ONE_PLANNED_EVENT_ABOVE < year.partition_count
    with _planned_events_in_one(night):
        assert "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS" not in os.environ
    with _planned_events_in_one(year):
        assert os.environ["DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"] == "true"
    assert "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS" not in os.environ


def test_a_night_sends_nothing_to_the_internet(nightly):
    """Private by default: the whole run, dbt and GX included, under a recording proxy
    (tests/fixtures_network.py). dagster-dbt's `dbt --version` used to ask pypi.org."""
    assert nightly.outbound == []


def _readme_make_run_ending() -> str:
    """The README's code block that shows how `make run` ends (the one starting `Run `)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    return re.search(r"```\n(Run .*?)```", readme, re.DOTALL).group(1)


def _as_pattern(block: str) -> str:
    """The README's example as a pattern: a line `  …` stands for any number of lines, a run id
    shown as `31e9…` for any run id."""
    lines = []
    for line in block.rstrip("\n").split("\n"):
        if line.strip() == "…":
            lines.append(r"(?:[^\n]*\n)*?")
            continue
        escaped = re.sub(r"[0-9a-f]+…", "RUNID", line)
        lines.append(re.escape(escaped).replace("RUNID", r"[0-9a-f-]{36}") + "\n")
    return "".join(lines)


@pytest.mark.e2e
def test_readme_shows_what_make_run_prints(nightly, tmp_path, monkeypatch):
    """README's `make run` ending, line for line, against the sample night's own outcome and
    headline, with the folders where `make run` keeps them (data/ under the checkout)."""
    from orchestration.headline import headline
    from orchestration.settings import Settings

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "warehouse.duckdb").symlink_to(nightly.settings.warehouse)
    (tmp_path / "data" / "published").symlink_to(nightly.settings.published_dir)
    monkeypatch.chdir(tmp_path)
    settings = Settings(landing_dir=Path("data/landing"), warehouse=Path("data/warehouse.duckdb"),
                        published_dir=Path("data/published"), pseudonym_key=nightly.settings.pseudonym_key)
    printed = nightly.outcome.report().split("\n")[0] + "\n" + headline(settings) + "\n"
    assert re.fullmatch(_as_pattern(_readme_make_run_ending()), printed), printed

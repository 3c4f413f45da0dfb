"""The benchmark's peers (bare DuckDB script, pandas analyst) give the pipeline's marts.

The pipeline's night (`nightly`) ran on the bundled sample with contract-shaped files for the
contract forces; the peers read the same sample (same seed and days) written canonically.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))  # scripts/ is not an installed package

from scripts.bench_peers.bare import run_bare  # noqa: E402
from scripts.bench_peers.marts import BARE_SCHEMA, PIPELINE_SCHEMA, compare, read_marts  # noqa: E402
from scripts.bench_peers.pandas_peer import run_pandas  # noqa: E402

pytestmark = pytest.mark.e2e  # runs the real pipeline (or dbt, or a server): not in `make test-fast`


@pytest.fixture(scope="module")
def canonical(tmp_path_factory):
    """The `sample` fixture's data (default seed and days), every force in canonical CSV."""
    from orchestration.sample import generate

    landing = tmp_path_factory.mktemp("canonical") / "landing"
    return landing, generate(landing, canonical=True)


@pytest.fixture(scope="module")
def bare(canonical, nightly, tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("bare") / "bare.duckdb"
    run_bare(canonical[0], database, nightly.settings.pseudonym_key)
    return database


@pytest.fixture(scope="module")
def pipeline_marts(nightly):
    return read_marts(nightly.published, PIPELINE_SCHEMA)


@pytest.fixture(scope="module")
def peers(bare, canonical):
    return {"bare": read_marts(bare, BARE_SCHEMA), "pandas": run_pandas(canonical[0])}


@pytest.mark.parametrize("peer", ["bare", "pandas"])
def test_peer_marts_equal_the_pipeline(pipeline_marts, peers, peer):
    assert compare(pipeline_marts, peers[peer], f"pipeline vs {peer}") == []


@pytest.mark.parametrize("peer", ["bare", "pandas"])
def test_peer_reproduces_the_reference_figures(peers, peer):
    recording = peers[peer]["recording_accuracy"]
    totals = recording[recording["offence_group"] == "all"]
    herts = totals[totals["force_id"] == "hertfordshire"].iloc[0]
    assert (herts["crimes_reported"], herts["crimes_recorded"], round(herts["recording_rate"], 4)) == (181, 130, 0.7182)
    assert (totals["crimes_reported"].sum(), totals["crimes_recorded"].sum()) == (2670, 2136)
    assert len(peers[peer]["force_volumes"]) == 13


def test_compare_reports_every_difference(peers):
    changed = {name: frame.copy() for name, frame in peers["bare"].items()}
    recording = changed["recording_accuracy"]
    recording.loc[recording.index[recording["offence_group"] == "all"][0], "rate_ci_low"] += 1e-6
    changed["force_volumes"].loc[0, "crimes"] += 1
    changed["disposal_accuracy"] = changed["disposal_accuracy"].iloc[1:]
    problems = compare(peers["bare"], changed, "x")
    assert len(problems) == 3, problems
    assert compare(peers["bare"], peers["bare"], "same") == []


def test_bare_pseudonyms_are_the_pipelines(bare, nightly):
    """Same keyed HMAC: the same person has the same pseudonym in both warehouses."""
    sql = "SELECT DISTINCT caller_name_hash FROM raw.incidents WHERE caller_name_hash IS NOT NULL"
    with duckdb.connect(str(bare), read_only=True) as con:
        ours = {row[0] for row in con.execute(sql).fetchall()}
    assert ours and ours == {row[0] for row in nightly.query(sql)}


def test_bare_warehouse_holds_no_clear_personal_value(bare, canonical):
    clear = sorted(canonical[1].clear_text_values)
    assert len(clear) > 1000
    values = pd.DataFrame({"v": clear})
    with duckdb.connect(str(bare), read_only=True) as con:
        con.register("clear_values", values)
        columns = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' AND table_schema IN ('raw', 'staging', 'marts')").fetchall()
        assert any(t == "incidents" and c == "caller_name_hash" for _, t, c in columns)
        found = [
            (schema, table, column)
            for schema, table, column in columns
            if con.execute(f'SELECT count(*) FROM "{schema}"."{table}" t JOIN clear_values c '
                           f'ON t."{column}" = c.v').fetchone()[0]
        ]
    assert found == []

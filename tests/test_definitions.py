"""The code location loads: every asset, check, job and schedule the scheduler will see."""

import pytest
from dagster import AssetKey

from orchestration.definitions import defs


def test_definitions_load_with_every_layer():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/incidents", "raw/crimes", "raw/audits", "raw/incident_reviews"} <= keys
    assert {"staging/stg_raw__crimes", "intermediate/int_expected_crimes_matched"} <= keys
    assert {"marts/recording_accuracy", "marts/no_crime_accuracy", "marts/dim_force"} <= keys
    assert "published/warehouse" in keys
    groups = {graph.get(AssetKey.from_user_string(k)).group_name for k in keys}
    assert {"raw", "staging", "intermediate", "marts", "publish"} <= groups


def test_checks_cover_raw_staging_and_marts():
    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in defs.resolve_asset_graph().asset_check_keys}
    assert "raw/crimes:gx_crimes" in checks
    assert "staging/stg_raw__crimes:gx_stg_raw__crimes" in checks
    assert "marts/recording_accuracy:gx_recording_accuracy" in checks
    assert "raw/incidents:landing_files_clean" in checks
    assert any(name.startswith("marts/recording_accuracy:") and "gx_" not in name for name in checks), "dbt tests"


def test_nightly_job_and_schedule():
    assert defs.resolve_job_def("nightly") is not None
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"


def test_dbt_sources_continue_the_lineage_of_the_ingest_assets():
    graph = defs.resolve_asset_graph()
    parents = graph.get(AssetKey(["staging", "stg_raw__crimes"])).parent_keys
    assert AssetKey(["raw", "crimes"]) in parents
    publish_parents = graph.get(AssetKey(["published", "warehouse"])).parent_keys
    assert AssetKey(["marts", "recording_accuracy"]) in publish_parents
    assert AssetKey(["raw", "incidents"]) in publish_parents


@pytest.mark.e2e
def test_dg_check_defs_passes_as_the_readme_runs_it(tmp_path):
    """`.venv/bin/dg check defs` from the project folder ([tool.dg] in pyproject.toml), with
    nothing but the system PATH: not the environment's bin folder, no CDI_* variable. Under
    dg (and `dagster dev`) the manifest is parsed at import; dagster-dbt's own way of doing it
    needed both, and failed the code location from a fresh clone."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from orchestration.settings import PROJECT_ROOT

    dg = Path(sys.executable).with_name("dg")
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": os.environ.get("LANG", "C.UTF-8")}
    out = subprocess.run([str(dg), "check", "defs"], cwd=PROJECT_ROOT, env=bare, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
    assert "All definitions loaded successfully." in out.stdout + out.stderr

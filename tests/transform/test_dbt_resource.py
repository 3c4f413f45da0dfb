"""The dbt resource learns dbt's version without starting dbt (which would ask pypi.org)."""

from __future__ import annotations

from functools import cached_property

import dagster_dbt.core.resource as dagster_dbt_resource
from dagster_dbt import DbtCliResource
from dbt.version import get_installed_version

from orchestration.transform.dbt import dbt_resource


def test_dbt_version_comes_from_the_installed_package_not_a_dbt_process(monkeypatch):
    def no_process(command, *args, **kwargs):
        raise AssertionError(f"started {command}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_process)
    assert str(dbt_resource()._cli_version) == get_installed_version().to_version_string(skip_matcher=True)


def test_dagster_dbt_still_asks_the_property_we_answer():
    """After a dagster-dbt upgrade that renamed it, the override would silently stop working."""
    assert isinstance(vars(DbtCliResource).get("_cli_version"), cached_property)


def test_each_warehouse_profile_keeps_its_own_dbt_parse_state(tmp_path, monkeypatch):
    """dbt parses the whole project (~3.5 s) when the profile differs from its state's: two
    warehouses served from one checkout must not overwrite each other's state, even when
    their builds start at the same moment; the data dictionary's `dbt docs generate` starts
    from the state its warehouse's build left."""
    from orchestration.settings import ENV_WAREHOUSE
    from orchestration.transform import dbt as transform
    from orchestration.transform import dbt_cli

    target = tmp_path / "target"
    monkeypatch.setattr(dbt_cli, "TARGET_DIR", target)
    target.mkdir()
    (target / "partial_parse.msgpack").write_text("state of cdi prepare")
    for warehouse in ("a.duckdb", "b.duckdb"):
        monkeypatch.setenv(ENV_WAREHOUSE, str(tmp_path / warehouse))
        build = transform.new_run_target("run-" + warehouse)
        assert (build / "partial_parse.msgpack").read_text() == "state of cdi prepare"
        (build / "partial_parse.msgpack").write_text(f"state of {warehouse}")
        dbt_cli.keep_parse_state(build, str(tmp_path / warehouse))
    monkeypatch.setenv(ENV_WAREHOUSE, str(tmp_path / "a.duckdb"))
    first, second = transform.new_run_target("run-a"), transform.new_run_target("run-a")
    assert first != second and first.name.startswith("dbt_models-run-a-")
    assert (first / "partial_parse.msgpack").read_text() == "state of a.duckdb"
    monkeypatch.setenv(ENV_WAREHOUSE, str(tmp_path / "b.duckdb"))
    assert (transform.new_run_target("run-b") / "partial_parse.msgpack").read_text() == "state of b.duckdb"
    # the data dictionary of warehouse a, whatever the environment says
    docs = tmp_path / "docs"
    docs.mkdir()
    dbt_cli.seed_parse_state(docs, str(tmp_path / "a.duckdb"))
    assert (docs / "partial_parse.msgpack").read_text() == "state of a.duckdb"
    # the shared file dagster-dbt would copy is `cdi prepare`'s, whatever ran since
    assert (target / "partial_parse.msgpack").read_text() == "state of cdi prepare"


def test_build_failures_name_each_node_that_failed_with_dbt_message(tmp_path):
    import json

    from orchestration.transform.dbt import build_failures

    results = [
        {"unique_id": "model.crime_data_integrity.recording_accuracy", "status": "success", "message": "OK"},
        {"unique_id": "test.crime_data_integrity.assert_rates_are_shares", "status": "fail",
         "message": "Got 2 results, configured to fail if != 0"},
        {"unique_id": "test.crime_data_integrity.unique_dim_force_force_id.4b1c", "status": "warn", "message": "Got 1 result"},
        {"unique_id": "model.crime_data_integrity.dim_force", "status": "error",
         "message": "Runtime Error in model dim_force\n  Conversion Error: Could not convert 'x'"},
        {"unique_id": "model.crime_data_integrity.dim_date", "status": "skipped", "message": None},
    ]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results, "elapsed_time": 1.0}))
    assert build_failures(tmp_path) == [
        "test assert_rates_are_shares: Got 2 results, configured to fail if != 0",
        "model dim_force: Runtime Error in model dim_force Conversion Error: Could not convert 'x'",
    ]


def test_the_manifest_is_stale_without_one_after_an_edit_or_under_another_dbt(tmp_path, monkeypatch):
    import json
    import os
    from importlib.metadata import version

    from orchestration.settings import DBT_PROJECT_DIR
    from orchestration.transform import dbt_cli

    monkeypatch.setattr(dbt_cli, "TARGET_DIR", tmp_path)
    assert dbt_cli.manifest_is_stale()  # none yet
    (tmp_path / dbt_cli.PUBLISHED_VIEWS).write_text("{}")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"metadata": {"dbt_version": version("dbt-core")}}))
    assert not dbt_cli.manifest_is_stale()
    manifest.write_text(json.dumps({"metadata": {"dbt_version": "1.10.0"}}))
    assert dbt_cli.manifest_is_stale()  # the lock moved dbt-core
    manifest.write_text(json.dumps({"metadata": {"dbt_version": version("dbt-core")}}))
    newest = max(p.stat().st_mtime for p in DBT_PROJECT_DIR.joinpath("models").rglob("*.sql"))
    os.utime(manifest, (newest - 10, newest - 10))  # written before the newest model
    assert dbt_cli.manifest_is_stale()
    os.utime(manifest)  # now
    assert not dbt_cli.manifest_is_stale()
    (tmp_path / dbt_cli.PUBLISHED_VIEWS).unlink()  # the published views' SQL is prepared with it
    assert dbt_cli.manifest_is_stale()

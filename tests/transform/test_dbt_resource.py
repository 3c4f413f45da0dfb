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

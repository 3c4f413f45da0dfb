"""Settings read once from the environment: the quarantine share dbt is handed."""

import pytest

from orchestration.settings import ENV_MAX_QUARANTINE_SHARE, Settings, environment_variable


@pytest.mark.parametrize("given, handed", [(None, "0.01"), ("0.05", "0.05"), ("1", "1.0"), ("0", "0.0"),
                                           ("1e-5", "0.000010000000")])
def test_the_quarantine_share_reaches_dbt_as_a_plain_decimal(given, handed):
    with environment_variable(ENV_MAX_QUARANTINE_SHARE, given):
        assert Settings.from_env().max_quarantine_share == handed


@pytest.mark.parametrize("given", ["abc", "-0.1", "1.5", "5%"])
def test_a_share_outside_0_to_1_is_refused_naming_the_variable(given):
    with environment_variable(ENV_MAX_QUARANTINE_SHARE, given), pytest.raises(ValueError, match=ENV_MAX_QUARANTINE_SHARE):
        Settings.from_env()


def test_the_lake_is_beside_the_warehouse_unless_named(tmp_path):
    from orchestration.settings import ENV_LAKE, ENV_WAREHOUSE

    with environment_variable(ENV_WAREHOUSE, str(tmp_path / "w" / "warehouse.duckdb")), \
            environment_variable(ENV_LAKE, None):
        assert Settings.from_env().lake_dir == tmp_path / "w" / "lake"
        with environment_variable(ENV_LAKE, str(tmp_path / "elsewhere")):
            assert Settings.from_env().lake_dir == tmp_path / "elsewhere"


def test_an_unknown_engine_is_refused_naming_the_variable():
    from orchestration.settings import ENV_ENGINE

    with environment_variable(ENV_ENGINE, "spark"):
        assert Settings.from_env().engine == "spark"
    with environment_variable(ENV_ENGINE, "snowflake"), pytest.raises(ValueError, match=f"{ENV_ENGINE}='snowflake'"):
        Settings.from_env()

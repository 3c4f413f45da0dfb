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

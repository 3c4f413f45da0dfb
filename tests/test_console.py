"""What `cdi run` prints when a step fails on purpose: the reason, once per event, no frames."""

from __future__ import annotations

import dagster as dg

from orchestration.console import console_logger


@dg.asset
def checked() -> None:
    raise dg.Failure("dbt build failed: test assert_rates_are_shares: Got 2 results, configured to fail if != 0")


@dg.asset
def broken() -> None:
    raise ZeroDivisionError("a bug")


@dg.asset(deps=[checked])
def downstream() -> None:
    pass


def _run(*assets) -> None:
    defs = dg.Definitions(assets=list(assets), loggers={"console": console_logger})
    # The run config `cdi run` gives (orchestration/run.py): the console logger at INFO.
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        raise_on_error=False, run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}})
    assert not result.success


def test_a_deliberate_failure_prints_its_reason_without_frames(capfd):
    _run(checked, downstream)
    err = capfd.readouterr().err
    assert err.count("dbt build failed: test assert_rates_are_shares: Got 2 results") == 2  # step, run
    assert "Stack Trace:" not in err and 'File "' not in err
    assert "Dependencies for step downstream failed: ['checked']" in err


def test_a_bug_keeps_its_stack_trace(capfd):
    _run(broken)
    err = capfd.readouterr().err
    assert "ZeroDivisionError: a bug" in err and "Stack Trace:" in err and 'File "' in err

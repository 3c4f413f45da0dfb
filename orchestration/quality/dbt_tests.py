"""dbt's data tests as one check per model: what that model's tests found in tonight's build.

dagster-dbt can map every dbt data test to an asset check of its own, but that costs three
Dagster events per test per night (planned, output, evaluation: ~10 ms each in the on-disk
instance, ~7 s a night for our 260 tests, ~2 s of it before the first step) whatever the
data. Instead the build step (transform/dbt.py) records each test's outcome in
`ops.dbt_test_results` (the latest build's only), and the `dbt_tests` check of each tested
model summarises them: how many tests ran, which warned or failed, with dbt's message.

A test failing with severity `error` fails `dbt build` itself: the dbt step fails, nothing
downstream runs and the run's failure names the test (dbt's own message). The checks then
show what a passing (or warning) build found, one line per model in the Dagster UI.
"""


import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    multi_asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.warehouse import OPS_DDL, WAREHOUSE_POOL, table_exists

CHECK_NAME = "dbt_tests"
RESULTS_TABLE = ("ops", "dbt_test_results")  # its DDL: orchestration/warehouse.py
# The one status of a test that passed; `warn` (a warn-severity test that found rows), `fail`
# and `error` did not (the last two fail the build itself).
_PASSING = {"pass"}


def _attached(node: Mapping[str, Any]) -> str | None:
    """The model or seed a test node tests (a relationships test names it first)."""
    return node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), None)


def nodes_with_tests(manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """unique_id of each model or seed with data tests -> the names of its tests."""
    tests: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        attached = _attached(node)
        if attached and attached.split(".")[0] in ("model", "seed"):
            tests.setdefault(attached, []).append(node["name"])
    return tests


def build_outcomes(target: Path, asset_keys: Mapping[str, AssetKey]) -> list[tuple[str, str, str, int | None, str]]:
    """(asset key, test, status, failures, message) of every data test in a build's target
    folder (run_results.json and manifest.json)."""
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    outcomes = []
    for result in results:
        node = manifest["nodes"].get(result["unique_id"])
        if node is None or node["resource_type"] != "test":
            continue
        key = asset_keys.get(_attached(node) or "")
        if key is None:
            continue
        outcomes.append((key.to_user_string(), node["name"], result["status"], result.get("failures"),
                         (result.get("message") or "")[:500]))
    return outcomes


def record_outcomes(con, run_id: str, outcomes: list[tuple[str, str, str, int | None, str]]) -> None:
    """Keep the latest build's outcomes only: the table does not grow with the nights."""
    con.execute(OPS_DDL)
    con.execute("DELETE FROM ops.dbt_test_results")
    if outcomes:
        con.executemany("INSERT INTO ops.dbt_test_results VALUES (?, ?, ?, ?, ?, ?)",
                        [(run_id, *outcome) for outcome in outcomes])


def _summary(tests: list[tuple[str, str, int | None, str]]) -> tuple[bool, AssetCheckSeverity, dict]:
    bad = [(test, status, failures, message) for test, status, failures, message in tests if status not in _PASSING]
    severity = AssetCheckSeverity.WARN if all(status == "warn" for _, status, _, _ in bad) else AssetCheckSeverity.ERROR
    if not tests:
        summary = "no data test ran in this build"
    elif not bad:
        summary = f"all {len(tests)} dbt data test(s) passed"
    else:
        summary = f"{len(bad)} of {len(tests)} dbt data test(s) did not pass: " + "; ".join(
            f"{test} {status} ({message or f'{failures} failing row(s)'})" for test, status, failures, message in bad[:10])
    metadata = {
        "summary": summary,
        "tests": len(tests),
        "passed": len(tests) - len(bad),
        "not_passed": MetadataValue.json([{"test": t, "status": s, "failures": f} for t, s, f, _ in bad]),
        "test_names": MetadataValue.json(sorted(test for test, _, _, _ in tests)),
    }
    return not bad, severity, metadata


def build_dbt_test_checks(manifest: Mapping[str, Any], asset_keys: Mapping[str, AssetKey]):
    """One `dbt_tests` check per model (or seed) with data tests, evaluated in one step."""
    tested = {uid: names for uid, names in nodes_with_tests(manifest).items() if uid in asset_keys}
    specs = [
        AssetCheckSpec(CHECK_NAME, asset=asset_keys[uid], blocking=False,
                       description=f"The model's {len(names)} dbt data test(s) in tonight's build "
                       "(a failing error-severity test fails the dbt step itself).")
        for uid, names in sorted(tested.items(), key=lambda item: asset_keys[item[0]].to_user_string())
    ]

    @multi_asset_check(specs=specs, name="dbt_tests", pool=WAREHOUSE_POOL,
                       description="dbt's data tests of tonight's build, one check per tested model.")
    def dbt_tests(context: AssetCheckExecutionContext, warehouse: DuckDBResource) -> Iterator[AssetCheckResult]:
        by_asset: dict[str, list] = {}
        with warehouse.get_connection() as con:
            if table_exists(con, *RESULTS_TABLE):
                for key, test, status, failures, message in con.execute(
                        "SELECT asset_key, test, status, failures, message FROM ops.dbt_test_results "
                        "WHERE run_id = ? ORDER BY asset_key, test", [context.run.run_id]).fetchall():
                    by_asset.setdefault(key, []).append((test, status, failures, message))
        for spec in specs:
            passed, severity, metadata = _summary(by_asset.get(spec.asset_key.to_user_string(), []))
            yield AssetCheckResult(asset_key=spec.asset_key, check_name=CHECK_NAME, passed=passed,
                                   severity=severity, metadata=metadata)

    return dbt_tests

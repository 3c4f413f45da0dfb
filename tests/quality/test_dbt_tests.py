"""dbt's data tests as one `dbt_tests` check per tested model."""

import json
import shutil
from pathlib import Path

import duckdb
from dagster import AssetCheckSeverity, AssetKey

from orchestration.definitions import defs
from orchestration.quality.dbt_tests import CHECK_NAME, _summary, nodes_with_tests
from orchestration.transform.dbt import dbt_manifest

MANIFEST = {"nodes": {
    "model.p.a": {"resource_type": "model"},
    "seed.p.s": {"resource_type": "seed"},
    "test.p.not_null_a_x": {"resource_type": "test", "name": "not_null_a_x", "attached_node": "model.p.a",
                            "depends_on": {"nodes": ["model.p.a"]}},
    "test.p.rel_a_s": {"resource_type": "test", "name": "rel_a_s", "attached_node": None,
                       "depends_on": {"nodes": ["seed.p.s", "model.p.a"]}},
    "test.p.on_source": {"resource_type": "test", "name": "on_source", "attached_node": "source.p.raw.t",
                         "depends_on": {"nodes": ["source.p.raw.t"]}},
}}


def test_tests_belong_to_the_model_or_seed_they_are_attached_to():
    assert nodes_with_tests(MANIFEST) == {"model.p.a": ["not_null_a_x"], "seed.p.s": ["rel_a_s"]}


def test_a_check_passes_warns_or_fails_with_the_tests_named():
    passed, _, meta = _summary([("t1", "pass", 0, ""), ("t2", "pass", 0, "")])
    assert passed and meta["summary"] == "all 2 dbt data test(s) passed"
    passed, severity, meta = _summary([("t1", "pass", 0, ""), ("t2", "warn", 3, "Got 3 results")])
    assert not passed and severity == AssetCheckSeverity.WARN
    assert meta["summary"] == "1 of 2 dbt data test(s) did not pass: t2 warn (Got 3 results)"
    passed, severity, _ = _summary([("t1", "fail", 1, ""), ("t2", "warn", 3, "")])
    assert not passed and severity == AssetCheckSeverity.ERROR


def test_every_tested_model_has_one_check_and_no_test_is_a_check_of_its_own():
    checks = {(key.asset_key, key.name) for key in defs.resolve_asset_graph().asset_check_keys}
    tested = nodes_with_tests(dbt_manifest())
    assert len(tested) > 30
    dbt_checks = {key for key, name in checks if name == CHECK_NAME}
    assert len(dbt_checks) == len(tested)
    assert AssetKey(["marts", "recording_accuracy"]) in dbt_checks
    assert not [name for _, name in checks if name.startswith(("not_null_", "unique_", "relationships_"))]


def test_the_nights_build_recorded_every_data_test_and_all_passed(nightly):
    data_tests = sum(1 for n in dbt_manifest()["nodes"].values() if n["resource_type"] == "test")
    with duckdb.connect(str(nightly.settings.warehouse), read_only=True) as con:
        rows = con.execute("SELECT status, count(*), count(DISTINCT run_id) FROM ops.dbt_test_results GROUP BY 1").fetchall()
    assert rows == [("pass", data_tests, 1)]
    assert not [w for w in nightly.outcome.warnings if ":dbt_tests" in w]
    assert json.dumps(rows)  # plain values, nothing personal: test names and statuses


def test_not_null_columns_fails_once_per_model_naming_each_column_with_nulls(copy_of_night, tmp_path):
    """The model-level test that replaced 140 one-column `not_null` tests still names the
    column: one result row per column holding NULLs, with its count."""
    from dbt.cli.main import dbtRunner

    from orchestration.settings import DBT_PROJECT_DIR, ENV_WAREHOUSE, environment_variable

    # A path of its own: in-process dbt keeps its DuckDB instance open after the test, and the
    # next test's night at the shared `workdir` path would find it there.
    _, workdir = copy_of_night
    warehouse = Path(shutil.copy(workdir / "warehouse.duckdb", tmp_path / "warehouse.duckdb"))
    with duckdb.connect(str(warehouse)) as con:
        codes = con.execute("SELECT offence_code FROM marts.dim_offence ORDER BY 1 LIMIT 3").fetchall()
        con.execute("UPDATE marts.dim_offence SET offence_group = NULL WHERE offence_code IN (?, ?)",
                    [codes[0][0], codes[1][0]])
        con.execute("UPDATE marts.dim_offence SET is_rape = NULL WHERE offence_code = ?", [codes[2][0]])
    with environment_variable(ENV_WAREHOUSE, str(warehouse)):
        result = dbtRunner().invoke([
            "test", "--select", "dim_offence,test_name:not_null_columns", "--store-failures", "--quiet",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")])
    (outcome,) = result.result.results
    assert (outcome.status, outcome.failures) == ("fail", 2)
    with duckdb.connect(str(warehouse)) as con:  # dbt's in-process instance still holds the file
        (table,) = con.execute("SELECT table_schema || '.' || table_name FROM information_schema.tables "
                               "WHERE table_name LIKE 'not_null_columns_dim_offence%'").fetchone()
        assert con.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == [("is_rape", 1), ("offence_group", 2)]

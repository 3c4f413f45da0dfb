"""The dbt project as Dagster assets.

The manifest is prepared by `cdi prepare` (make targets, test fixtures), and again at import
under `dagster dev` and `dg`; otherwise importing this module never parses dbt.
"""


import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from functools import cache, cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetObservation, AssetSpec, Config, Failure, Output
from dagster_dbt import (
    DagsterDbtCliRuntimeError,
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)
from dagster_duckdb import DuckDBResource
from packaging.version import Version

from orchestration.partitions import dep_on
from orchestration.publish.watermark import last_load
from orchestration.settings import DBT_PROJECT_DIR, ENV_WAREHOUSE, environment_variable
from orchestration.quality.dbt_tests import record_outcomes, build_outcomes
from orchestration.resources import PipelineSettings
from orchestration.transform import dbt_cli, spark_engine
from orchestration.transform.dbt_cli import dbt_executable, keep_parse_state, parse_project, seed_parse_state
from orchestration.warehouse import OPS_DDL, WAREHOUSE_POOL, qident, table_exists

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` and `dg` (check defs, dev) the manifest is parsed again at import when a
# project file changed since it was written (edits show on reload), as dagster-dbt's
# prepare_if_dev() would do, but through cdi's own parse: prepare_if_dev() runs
# `dbt` from PATH and needs CDI_WAREHOUSE set, so from a fresh clone it failed unless both were
# given by hand; parse_project() runs the dbt beside this interpreter with the settings' warehouse.
if dbt_project.preparer.using_dagster_dev() and dbt_cli.manifest_is_stale():
    parse_project()

# The layer a model lives in is the folder under models/ (staging, intermediate, marts).
_LAYERS = ("staging", "intermediate", "marts")


class WarehouseDbtCli(DbtCliResource):
    """dagster-dbt's resource, told the dbt version instead of asking `dbt --version`.

    dagster-dbt runs `dbt --version` before every dbt command to learn which engine it drives.
    That starts a second dbt process (~3 s a night) and, worse, makes dbt ask pypi.org for
    its latest release (dbt/version.py): a call out to the internet from every nightly build.
    The dbt this project runs is the dbt-core installed beside this interpreter
    (`dbt_cli.dbt_executable`), so its version is the installed package's."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))


def dbt_resource() -> DbtCliResource:
    return WarehouseDbtCli(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )


def new_run_target(run_id: str) -> Path:
    """A build folder of its own (dagster-dbt's naming: target/dbt_models-<run>-<random>),
    seeded with the parse state this warehouse's profile last left (`dbt_cli.seed_parse_state`).
    Seeding the build's own folder, not the shared target/partial_parse.msgpack that
    dagster-dbt would copy, keeps two builds starting at once (two warehouses, the test
    workers) from starting from each other's state."""
    run_target = dbt_cli.TARGET_DIR / f"dbt_models-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    run_target.mkdir(parents=True)
    seed_parse_state(run_target, os.environ.get(ENV_WAREHOUSE, ""))
    return run_target


# dagster-dbt gives every build its own target folder (~13 MB: manifest, compiled SQL, logs);
# a nightly deployment would pile up gigabytes of them in a year.
KEPT_RUN_TARGETS = 10


def prune_run_targets(keep: int = KEPT_RUN_TARGETS) -> None:
    """Delete all but the newest `keep` build folders (target/dbt_models-*)."""
    runs = sorted(dbt_cli.TARGET_DIR.glob("dbt_models-*"),
                  key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in runs[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset key = [schema, name], group = layer; sources keep their `meta.dagster` keys."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        resource_type = props["resource_type"]
        if resource_type == "source":
            return spec
        if resource_type == "seed":
            return spec.replace_attributes(key=AssetKey(["seeds", props["name"]]), group_name="seeds")
        layer = next((part for part in props["fqn"][1:-1] if part in _LAYERS), "marts")
        # Models read whole raw tables, whichever force-days a run loaded (partitions.py).
        deps = [dep_on(dep.asset_key) for dep in spec.deps]
        return spec.replace_attributes(key=AssetKey([props["schema"], props["name"]]), group_name=layer, deps=deps)


# dbt's data tests are not one Dagster asset check each (three events per test per night):
# quality/dbt_tests.py summarises them in one check per tested model.
translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))


@cache
def dbt_manifest() -> dict[str, Any]:
    """The prepared manifest (`cdi prepare`), read once per process."""
    return json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))


@cache
def asset_keys_by_unique_id() -> dict[str, AssetKey]:
    """The asset key of every dbt model and seed, by its unique_id."""
    manifest = dbt_manifest()
    return {uid: translator.get_asset_spec(manifest, uid, dbt_project).key
            for uid, node in manifest["nodes"].items() if node["resource_type"] in ("model", "seed")}


# Read by the dbt macro rows_loaded_tonight(): the data tests that would scan a whole
# incremental model every night test only the rows of loads no passing build has tested.
TEST_FROM_LOAD_ID = "CDI_DBT_TEST_FROM_LOAD_ID"
# One row: every load up to this id was in the warehouse when a `dbt build` passed.
TESTED_THROUGH = ("ops", "dbt_tested_through")
_TESTED_THROUGH_TABLE = ".".join(qident(part) for part in TESTED_THROUGH)


def first_untested_load(con) -> int | None:
    """The first load id no passing build has tested (None: none recorded, so test every row).

    A failed build records nothing, so rows it failed on are tested again the next night and
    keep blocking the publish until they are fixed."""
    if not table_exists(con, *TESTED_THROUGH):
        return None
    (through,) = con.execute(f"SELECT max(load_id) FROM {_TESTED_THROUGH_TABLE}").fetchone()
    return None if through is None else through + 1


def record_tested(con, through: int | None) -> None:
    if through is None:
        return
    con.execute(OPS_DDL)
    con.execute(f"DELETE FROM {_TESTED_THROUGH_TABLE}")
    con.execute(f"INSERT INTO {_TESTED_THROUGH_TABLE} VALUES (?)", [through])


def build_summary(target: Path) -> str:
    """One line for the run's log: what dbt built and tested, by outcome, and where its log is."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    kinds: dict[str, dict[str, int]] = {}
    for result in results["results"]:
        kind = result["unique_id"].split(".", 1)[0]
        statuses = kinds.setdefault(kind, {})
        statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    parts = [f"{sum(statuses.values())} {kind}s (" + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items())) + ")"
             for kind, statuses in sorted(kinds.items())]
    return f"dbt build: {'; '.join(parts)} in {results['elapsed_time']:.1f} s; dbt's log: {target / 'dbt.log'}"


# What a node of run_results.json ends in when it stopped the build (`warn` and `skipped` did not).
_FAILED_STATUSES = {"error", "fail", "runtime error"}


def build_failures(target: Path) -> list[str]:
    """Each node that made the build fail, as `<kind> <name>: <dbt's message>`."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    failures = []
    for result in results["results"]:
        if result["status"] in _FAILED_STATUSES:
            kind, _, name = result["unique_id"].split(".", 2)
            message = " ".join((result.get("message") or result["status"]).split())
            failures.append(f"{kind} {name.split('.')[-1]}: {message}")
    return failures


def built_nodes(target: Path) -> list[str]:
    """The unique_id of every seed and model the build ran successfully."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    return [r["unique_id"] for r in results
            if r["status"] == "success" and r["unique_id"].split(".", 1)[0] in ("model", "seed")]


class DbtBuildConfig(Config):
    """`full_refresh` rebuilds the incremental models from the whole raw layer."""

    full_refresh: bool = False


@dbt_assets(
    manifest=dbt_manifest(),  # read once: the dbt_tests checks use the same dict
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig, warehouse: DuckDBResource,
    pipeline: PipelineSettings,
):
    """`dbt build`: seeds, models and their data tests in DAG order (the tests' outcomes go to
    ops.dbt_test_results, summarised per model by the `dbt_tests` checks).

    Incremental models take only the loads they have not seen yet (see the README).
    Events are held until dbt exits: only then may this process open the warehouse (one
    writer) to count each model's rows for the UI (dagster-dbt's `fetch_row_counts` would
    open it while dbt still holds the lock)."""
    # Unit tests check the SQL, not the night's data: `make test` runs them (dbt's advice is
    # to keep them out of production builds). The build's dbt.log keeps dbt's info lines, not
    # its debug ones (every statement of every node, ~5,000 lines a night): writing those
    # was ~7% of a small night's build. The SQL each node ran stays in the build's run/ folder.
    on_spark = pipeline.engine == "spark"
    args = ["build", "--exclude-resource-type", "unit_test", "--log-level-file", "info",
            *(["--full-refresh"] if config.full_refresh else []),
            *(["--target", spark_engine.SPARK_TARGET] if on_spark else [])]
    with warehouse.get_connection() as con:
        first_load_id = None if config.full_refresh else first_untested_load(con)
        through = last_load(con)
    spark_env = spark_engine.spark_environment() if on_spark else {}
    if on_spark:
        context.log.info(spark_engine.register_sources(Path(warehouse.database)))
    run_target = new_run_target(context.run.run_id)
    # dagster-dbt echoes each of dbt's ~450 node lines to stdout: `cdi run` printed them among
    # its summary. They are in the build's dbt.log; the step logs one line instead, and a
    # failing test still fails the step with dbt's message (raised by stream()).
    try:
        with environment_variable(TEST_FROM_LOAD_ID, None if first_load_id is None else str(first_load_id)), \
                contextlib.ExitStack() as spark_settings, \
                open(os.devnull, "w") as nowhere, contextlib.redirect_stdout(nowhere):
            for name, value in spark_env.items():
                spark_settings.enter_context(environment_variable(name, value))
            invocation = dbt.cli(args, context=context, target_path=run_target)
            events = list(invocation.stream())  # raises if a blocking test failed: nothing recorded
    except DagsterDbtCliRuntimeError as exc:
        # dagster-dbt's error holds dbt's coloured node lines; the step says which nodes failed
        # and why, from run_results.json, and where dbt's whole log is.
        if not (run_target / "run_results.json").exists():  # dbt stopped before building
            raise
        raise Failure(f"dbt build failed: {'; '.join(build_failures(run_target))} "
                      f"(dbt's log: {run_target / 'dbt.log'})") from exc
    finally:
        if (run_target / "run_results.json").exists():  # not when dbt stopped before building
            context.log.info(build_summary(run_target))
    outcomes = build_outcomes(invocation.target_path, asset_keys_by_unique_id())
    keep_parse_state(invocation.target_path, os.environ.get(ENV_WAREHOUSE, ""))
    if on_spark:  # the steps after this one read the warehouse: Spark's build goes there
        built = spark_engine.built_relations(built_nodes(invocation.target_path), dbt_manifest())
        exported = spark_engine.export_dir()
        spark_engine.export_built(built, exported)
        with warehouse.get_connection() as con:
            spark_engine.import_built(con, built, exported)
        context.log.info(f"Spark's build of {len(built)} seeds and models loaded into {warehouse.database}")
    prune_run_targets()
    with warehouse.get_connection() as con:
        record_tested(con, through)
        record_outcomes(con, context.run.run_id, outcomes)
        def counted(event: Output) -> Output:
            schema, name = context.asset_key_for_output(event.output_name).path
            count = con.execute(f"SELECT count(*) FROM {qident(schema)}.{qident(name)}").fetchone()[0]
            return event.with_metadata({**event.metadata, "dagster/row_count": count})

        # dbt's run_results.json is the record of what it built, in the order it finished (each
        # node after its parents). dagster-dbt reads its events from dbt's stdout, and on the
        # Spark target some never arrive (a seed's, a model's, different ones each run, seen in
        # `make test-spark` while run_results.json had every node): the model would be reported
        # skipped, with every step after it. So the outputs go out in run_results' order, the
        # missing ones made from it.
        outputs = {event.output_name: event for event in events if isinstance(event, Output)}
        for event in events:
            if not isinstance(event, (Output, AssetObservation)):  # a test's result: in ops.dbt_test_results
                yield event
        for unique_id in built_nodes(invocation.target_path):
            key = asset_keys_by_unique_id().get(unique_id)
            if key is None or key not in context.selected_asset_keys:
                continue
            output_name = context.assets_def.get_output_name_for_asset_key(key)
            event = outputs.pop(output_name, None) or Output(None, output_name=output_name,
                                                             metadata={"unique_id": unique_id})
            yield counted(event)
        for event in outputs.values():  # not in run_results (none expected): as dagster-dbt gave them
            yield counted(event)

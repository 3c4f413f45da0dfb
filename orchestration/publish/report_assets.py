"""What readers get beside the warehouse file: the nightly report and the data dictionary.

Both run after `published/warehouse`, so they only ever describe a night that passed every
blocking check. The report reads the published file (read-only, no warehouse pool); the
dictionary's catalog reads the working warehouse, so it queues in the warehouse pool.
"""

import time
from pathlib import Path

from dagster import (
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    DagsterEventType,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from orchestration.publish.assets import PUBLISHED_KEY
from orchestration.resources import PipelineSettings
from orchestration.warehouse import WAREHOUSE_POOL

REPORT_KEY = AssetKey(["published", "report"])
DOCS_KEY = AssetKey(["published", "docs"])


def _checks_of_run(context: AssetExecutionContext) -> list:
    """Every asset check evaluated so far in this run (all of them: the report runs last)."""
    from orchestration.publish.report import CheckResult

    results = []
    for entry in context.instance.all_logs(context.run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        results.append(CheckResult(
            asset=evaluation.asset_key.to_user_string(),
            name=evaluation.check_name,
            passed=evaluation.passed,
            blocking=evaluation.severity == AssetCheckSeverity.ERROR,
        ))
    return results


@asset(
    key=REPORT_KEY,
    deps=[PUBLISHED_KEY],
    group_name="publish",
    kinds={"html"},
    description="report.html: recording and no-crime accuracy charts, unrecorded-crime estimates and the "
                "night's data quality, self-contained and offline, from the published warehouse.",
)
def published_report(context: AssetExecutionContext, pipeline: PipelineSettings) -> MaterializeResult:
    started = time.perf_counter()
    from orchestration.publish.report import build_report  # charts (altair): ~1 s, only here

    result = build_report(pipeline.published_path, _checks_of_run(context))
    seconds = time.perf_counter() - started
    context.log.info(f"report {result.path} ({result.bytes / 1e6:.1f} MB, {len(result.charts)} charts) in {seconds:.1f}s")
    for note in result.notes:
        context.log.warning(f"report: {note}")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(result.path)),
        "bytes": result.bytes,
        "charts": MetadataValue.json(result.charts),
        "notes": MetadataValue.json(result.notes),
        "seconds": round(seconds, 2),
    })


@asset(
    key=DOCS_KEY,
    deps=[PUBLISHED_KEY],
    group_name="publish",
    pool=WAREHOUSE_POOL,
    kinds={"dbt", "html"},
    description="docs/index.html: the dbt documentation (every model and column described, with lineage) "
                "as one offline page, plus manifest.json and catalog.json.",
)
def published_docs(
    context: AssetExecutionContext, warehouse: DuckDBResource, pipeline: PipelineSettings
) -> MaterializeResult:
    started = time.perf_counter()
    from orchestration.publish.docs import build_docs

    result = build_docs(Path(warehouse.database), pipeline.published_path)
    seconds = time.perf_counter() - started
    state = "generated" if result.regenerated else "unchanged (same dbt project and warehouse columns), kept"
    context.log.info(f"data dictionary {result.index} {state}: {result.models} models, "
                     f"{result.documented_columns} described columns, {seconds:.1f}s")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(result.index)),
        "regenerated": result.regenerated,
        "models": result.models,
        "documented_columns": result.documented_columns,
        "seconds": round(seconds, 2),
    })


report_assets = [published_report, published_docs]

"""One blocking Dagster asset check per expectation suite, on the table it names.

A failed `critical` expectation fails the check with ERROR severity, which stops every
asset downstream of the table (and so the publish); failed `warning` expectations fail it
with WARN severity and the run goes on.
"""


import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.schema import qident
from orchestration.ingest.assets import is_partitioned_key
from orchestration.partitions import FORCE_DAYS
from orchestration.quality.docs import record_outcome
from orchestration.quality.suites import SuiteFile, load_suites
from orchestration.quality.validate import LOCATOR_COLUMNS, SuiteOutcome, validate
from orchestration.resources import WAREHOUSE_POOL, PipelineSettings


def read_batch(con, suite: SuiteFile, run_id: str) -> pd.DataFrame:
    """The rows a suite validates: this run's loads for `current_load`, else the table.

    Only the columns the suite reads, plus force_id/export_date when the table has them,
    so a failure can say which force-day the bad rows came from."""
    schema, table = suite.table
    present = {row[0] for row in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, table]).fetchall()}
    wanted = list(dict.fromkeys([*suite.columns, *(c for c in LOCATOR_COLUMNS if c in present)]))
    columns = ", ".join(qident(c) for c in wanted) or "1 AS _row"
    sql = f"SELECT {columns} FROM {qident(schema)}.{qident(table)}"
    params: list[str] = []
    if suite.batch == "current_load":
        sql += " WHERE _load_id IN (SELECT load_id FROM ops.load_log WHERE run_id = ? AND status = 'loaded')"
        params.append(run_id)
    return con.execute(sql, params).df()


def check_result(outcome: SuiteOutcome) -> AssetCheckResult:
    failed = outcome.blocking_failures + outcome.warnings
    return AssetCheckResult(
        passed=outcome.passed,
        severity=AssetCheckSeverity.ERROR if outcome.blocking_failures else AssetCheckSeverity.WARN,
        metadata={
            "summary": outcome.summary(),
            "rows_validated": outcome.rows_validated,
            "expectations_evaluated": len(outcome.outcomes),
            "expectations_failed": len(failed),
            "failed_expectations": MetadataValue.json(
                [
                    {
                        "expectation": o.type,
                        "kwargs": {k: str(v) for k, v in o.kwargs.items()},
                        "severity": o.severity,
                        "unexpected_count": o.unexpected_count,
                        "unexpected_sample": [str(v) for v in o.unexpected_sample],
                        "force_days": list(o.where),
                    }
                    for o in failed
                ]
            ),
        },
    )


def _build(suite: SuiteFile) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(suite.asset_key),
        name=suite.check_name,
        blocking=True,
        pool=WAREHOUSE_POOL,
        partitions_def=FORCE_DAYS if is_partitioned_key(AssetKey(suite.asset_key)) else None,
        description=f"Great Expectations suite {suite.path.parent.name}/{suite.path.name} "
        f"({len(suite.document['expectations'])} expectations, batch: {suite.batch}).",
    )
    def _check(
        context: AssetCheckExecutionContext, warehouse: DuckDBResource, pipeline: PipelineSettings
    ) -> AssetCheckResult:
        with warehouse.get_connection() as con:
            frame = read_batch(con, suite, context.run.run_id)
        if frame.empty and suite.batch == "current_load":
            return AssetCheckResult(passed=True, metadata={"summary": "no rows loaded in this run", "rows_validated": 0})
        outcome = validate(suite, frame)
        record_outcome(outcome, suite, pipeline.published_path / "quality")
        if not outcome.passed:
            context.log.warning(outcome.summary())
        return check_result(outcome)

    return _check


def build_quality_checks() -> list[AssetChecksDefinition]:
    return [_build(suite) for suite in load_suites()]

"""One blocking Dagster asset check per expectation suite, on the table it names.

A failed `critical` expectation fails the check with ERROR severity, which stops every
asset downstream of the table (and so the publish); failed `warning` expectations fail it
with WARN severity and the run goes on.

Suites on the partitioned raw tables are checks of their ingest asset, evaluated in its step
right after the load (`suite_check_specs`, `run_suite`): a separate check on a partitioned
table would either list every partition since 2013 on each run (unpartitioned, ~3.7 s) or,
partitioned, make Dagster store one copy of the run's whole partition list per partition
(quadratic: hours for a national year). The others are separate checks (`build_quality_checks`).
"""

import time
from typing import TYPE_CHECKING

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.warehouse import qident
from orchestration.partitions import is_partitioned_key, last_export_date
from orchestration.publish.watermark import published_through
from orchestration.quality.docs import record_outcome
from orchestration.quality.suites import SuiteFile, load_suites
if TYPE_CHECKING:  # pandas: ~1 s to import, paid only where a suite runs
    import pandas as pd

from orchestration.quality.validate import (
    LOCATOR_COLUMNS,
    SuiteOutcome,
    merge,
    row_by_row,
    separable_by_force,
    validate,
)
from orchestration.resources import PipelineSettings
from orchestration.warehouse import WAREHOUSE_POOL


# Rows per DataFrame when a suite is validated in chunks (validate.row_by_row, separable_by_force).
CHUNK_ROWS = 1_000_000


def _batch_sql(con, suite: SuiteFile) -> tuple[str, list]:
    """The rows a suite validates: the loads not yet published for `current_load`, else the table.

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
        # Every row no publish has included yet, not just this run's: an unchanged re-run of a
        # blocked night must fail again (publish/watermark.py).
        sql += " WHERE _load_id > ?"
        params.append(published_through(con))
    return sql, params


def read_batch(con, suite: SuiteFile) -> "pd.DataFrame":
    sql, params = _batch_sql(con, suite)
    return con.execute(sql, params).df()


def _force_groups(con, sql: str, params: list[str]) -> list[list[str]]:
    """The batch's forces packed into groups of about CHUNK_ROWS rows (a bigger force alone)."""
    counts = con.execute(f"SELECT force_id, count(*) FROM ({sql}) GROUP BY force_id ORDER BY force_id",
                         params).fetchall()
    groups: list[list[str]] = []
    rows = CHUNK_ROWS
    for force_id, count in counts:
        if rows + count > CHUNK_ROWS:
            groups.append([])
            rows = 0
        groups[-1].append(force_id)
        rows += count
    return groups


def _chunks(con, suite: SuiteFile):
    """The batch as DataFrames of about CHUNK_ROWS rows: streamed for row-by-row suites, a
    group of forces at a time for suites whose uniqueness keys include force_id."""
    sql, params = _batch_sql(con, suite)
    if row_by_row(suite):
        result = con.execute(sql, params)
        while not (frame := result.fetch_df_chunk(vectors_per_chunk=CHUNK_ROWS // 2048)).empty:
            yield frame
        return
    for forces in _force_groups(con, sql, params):
        # Rows without a force are a group of their own: IN never matches NULL.
        without_force = " OR force_id IS NULL" if None in forces else ""
        yield con.execute(f"SELECT * FROM ({sql}) WHERE force_id IN (SELECT unnest(?)){without_force}",
                          [*params, [f for f in forces if f is not None]]).df()


def validate_batch(con, suite: SuiteFile) -> SuiteOutcome | None:
    """The suite's outcome on its batch (None: no rows loaded since the last publish). Suites that hold
    chunk by chunk are validated a million rows at a time, so memory stays flat however big
    the load; the others read the whole batch."""
    if not (row_by_row(suite) or separable_by_force(suite)):
        frame = read_batch(con, suite)
        return None if frame.empty and suite.batch == "current_load" else validate(suite, frame)
    parts = [validate(suite, frame) for frame in _chunks(con, suite)]
    if not parts:
        return None if suite.batch == "current_load" else validate(suite, read_batch(con, suite))
    return merge(parts)


def check_result(outcome: SuiteOutcome) -> tuple[bool, AssetCheckSeverity, dict]:
    """Passed, severity and metadata of a suite's check."""
    failed = outcome.blocking_failures + outcome.warnings
    return (
        outcome.passed,
        AssetCheckSeverity.ERROR if outcome.blocking_failures else AssetCheckSeverity.WARN,
        {
            "summary": outcome.summary(),
            "rows_validated": outcome.rows_validated,
            "expectations_evaluated": len(outcome.outcomes),
            "expectations_failed": len(failed),
            "failed_expectations": MetadataValue.json(
                [
                    {
                        "expectation": o.type,
                        # Not the value set: 44 forces would bury the rest (the quality page has it).
                        "kwargs": {k: str(v) for k, v in o.kwargs.items() if k != "value_set"},
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


def _description(suite: SuiteFile) -> str:
    return (f"Great Expectations suite {suite.path.parent.name}/{suite.path.name} "
            f"({len(suite.document['expectations'])} expectations, batch: {suite.batch}).")


def run_suite(con, suite: SuiteFile, quality_dir, log, tags: dict[str, str]) -> AssetCheckResult:
    """Validate the suite's batch and say so as the suite's check result (with its seconds).
    `tags`: the run's, which say the night its result belongs to in the pages' history."""
    started = time.perf_counter()
    outcome = validate_batch(con, suite)
    if outcome is None:
        passed, severity = True, AssetCheckSeverity.ERROR
        metadata = {"summary": "no rows loaded since the last publish", "rows_validated": 0}
    else:
        record_outcome(outcome, suite, quality_dir, last_export_date(tags))
        if not outcome.passed:
            log.warning(outcome.summary())
        passed, severity, metadata = check_result(outcome)
    metadata["validation_seconds"] = round(time.perf_counter() - started, 3)
    log.info(f"GX {suite.check_name}: {metadata['rows_validated']} rows validated in "
             f"{metadata['validation_seconds']:.2f} s")
    return AssetCheckResult(asset_key=AssetKey(suite.asset_key), check_name=suite.check_name,
                            passed=passed, severity=severity, metadata=metadata)


def suite_check_specs(key: AssetKey) -> list[AssetCheckSpec]:
    """The checks of the suites on `key`, for an asset that evaluates them in its own step."""
    return [AssetCheckSpec(suite.check_name, asset=key, blocking=True, description=_description(suite))
            for suite in load_suites() if AssetKey(suite.asset_key) == key]


def suites_on(key: AssetKey) -> list[SuiteFile]:
    return [suite for suite in load_suites() if AssetKey(suite.asset_key) == key]


def _build(suite: SuiteFile) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(suite.asset_key),
        name=suite.check_name,
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=_description(suite),
    )
    def _check(
        context: AssetCheckExecutionContext, warehouse: DuckDBResource, pipeline: PipelineSettings
    ) -> AssetCheckResult:
        with warehouse.get_connection() as con:
            return run_suite(con, suite, pipeline.published_path / "quality", context.log, context.run.tags)

    return _check


def build_quality_checks() -> list[AssetChecksDefinition]:
    """Separate checks for the suites on unpartitioned tables (see the module docstring)."""
    return [_build(suite) for suite in load_suites() if not is_partitioned_key(AssetKey(suite.asset_key))]

"""One Dagster asset per export kind: landing files -> `raw.<table>`.

Nightly force exports are partitioned by force x export date (`orchestration.partitions`);
a run of a range of partitions loads their folders only, in one step (single-run backfill
policy: a year of history is one run, not thousands). Audit sheets and police.uk files are
not nightly drops: their assets load whatever new file the landing folder holds.
"""

import datetime as dt

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import EXPORT_KINDS, ExportKind
from orchestration.ingest import freshness
from orchestration.partitions import FORCE_DAYS, SINGLE_RUN, ForceDay, is_partitioned, raw_asset_key
from orchestration.quality.checks import run_suite, suite_check_specs, suites_on
from orchestration.resources import WAREHOUSE_POOL, PipelineSettings

LANDING_CHECK = "landing_files_clean"
PROGRESS_EVERY_SECONDS = 5.0
# Files the landing check lists in its metadata, and names in its one-line summary (a folder
# of strays can hold thousands; all of them are in ops.load_log).
LISTED_FILES, NAMED_FILES = 100, 10

# A raw table of nightly exports not refreshed for 36 hours is flagged in the Dagster UI;
# which force is late is the `exports_on_time` check's business (ingest/freshness.py).
NIGHTLY_FRESHNESS = FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=36), warn_window=dt.timedelta(hours=26))


def _partitions(context: AssetExecutionContext) -> list[ForceDay] | None:
    if not context.has_partition_key_range and not context.has_partition_key:
        return None
    return sorted(ForceDay.from_key(key) for key in context.partition_keys)


def _landing_summary(rejected: list[str], ignored: list[str], quarantined: int) -> str:
    """What `cdi run` prints for the check: counts, then the first files and their reasons."""
    if not (rejected or ignored or quarantined):
        return "every landing file loaded, no row quarantined"
    named = rejected + ignored
    text = f"{len(rejected)} file(s) rejected, {len(ignored)} ignored, {quarantined} row(s) quarantined"
    if named:
        text += ": " + "; ".join(named[:NAMED_FILES])
    if len(named) > NAMED_FILES:
        text += f"; and {len(named) - NAMED_FILES} more (ops.load_log)"
    return text


def _id_range(ids: list[int]) -> str:
    return f"{min(ids)}..{max(ids)}" if ids else "none"


def _build(kind: ExportKind) -> AssetsDefinition:
    key = raw_asset_key(kind)
    partitioned = is_partitioned(kind)

    @asset(
        key=key,
        group_name="raw",
        pool=WAREHOUSE_POOL,
        partitions_def=FORCE_DAYS if partitioned else None,
        backfill_policy=SINGLE_RUN if partitioned else None,
        freshness_policy=NIGHTLY_FRESHNESS if partitioned else None,
        kinds={"duckdb"},
        description=f"`{kind.name}` landing files loaded into raw.{kind.table} "
        "(pseudonymised, with lineage; bad rows in ops.quarantine).",
        check_specs=[
            AssetCheckSpec(
                LANDING_CHECK,
                asset=key,
                description="Every landing file was loaded whole: none rejected, ignored or with a "
                "quarantined row (warning).",
            ),
            # Checks on a partitioned table are evaluated here, after the load (quality/checks.py).
            *(suite_check_specs(key) if partitioned else []),
            *([freshness.EXPORTS_ON_TIME] if key == freshness.CHECKED_ASSET else []),
        ],
    )
    def _ingest(
        context: AssetExecutionContext, warehouse: DuckDBResource, pipeline: PipelineSettings
    ) -> MaterializeResult:
        days = _partitions(context) if partitioned else None
        if days is not None:
            context.log.info(f"{kind.name}: {len(days)} force-day partition(s), {days[0]} .. {days[-1]}")
        with warehouse.get_connection() as con:
            result = load_kind(
                con,
                pipeline.landing_path,
                kind,
                pipeline.pseudonym_key,
                run_id=context.run.run_id,
                progress=context.log.info,
                progress_every=PROGRESS_EVERY_SECONDS,
                force_days=None if days is None else {(d.force_id, d.export_date) for d in days},
            )
            total_rows = con.execute(f'SELECT count(*) FROM raw."{kind.table}"').fetchone()[0]
            checks = [run_suite(con, suite, pipeline.published_path / "quality", context.log)
                      for suite in (suites_on(key) if partitioned else [])]
            if key == freshness.CHECKED_ASSET:
                checks.append(freshness.exports_on_time(con, dict(context.run.tags), context.log))
        rejected, ignored = result.not_loaded("rejected"), result.not_loaded("ignored")
        for line in rejected:
            context.log.warning(f"REJECTED {line}")
        for line in ignored:
            context.log.warning(f"IGNORED {line}")
        return MaterializeResult(
            metadata={
                "files_loaded": result.count("loaded"),
                "files_unchanged": result.count("unchanged"),
                "files_skipped": result.count("skipped"),
                "files_rejected": len(rejected),
                "files_ignored": len(ignored),
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                # The first and last load only: a ranged run copies this metadata into the
                # materialization of every partition it covers.
                "load_id_range": _id_range(result.load_ids),
                "dagster/row_count": total_rows,
            },
            check_results=[
                AssetCheckResult(
                    check_name=LANDING_CHECK,
                    passed=not rejected and not ignored and result.rows_quarantined == 0,
                    severity=AssetCheckSeverity.WARN,
                    metadata={
                        "summary": _landing_summary(rejected, ignored, result.rows_quarantined),
                        "rejected_files": MetadataValue.json(rejected[:LISTED_FILES]),
                        "ignored_files": MetadataValue.json(ignored[:LISTED_FILES]),
                        "rows_quarantined": result.rows_quarantined,
                    },
                ),
                *checks,
            ],
        )

    return _ingest


ingest_assets = [_build(kind) for kind in EXPORT_KINDS]

"""One Dagster asset per export kind: landing files -> `raw.<table>`."""


from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import EXPORT_KINDS, ExportKind
from orchestration.resources import WAREHOUSE_POOL, PipelineSettings

LANDING_CHECK = "landing_files_clean"


def raw_asset_key(kind: ExportKind) -> AssetKey:
    return AssetKey(["raw", kind.table])


def _build(kind: ExportKind) -> AssetsDefinition:
    key = raw_asset_key(kind)

    @asset(
        key=key,
        group_name="raw",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        description=f"`{kind.name}` landing files loaded into raw.{kind.table} "
        "(pseudonymised, with lineage; bad rows in ops.quarantine).",
        check_specs=[
            AssetCheckSpec(
                LANDING_CHECK,
                asset=key,
                description="Every landing file was readable and every row loaded (warning).",
            )
        ],
    )
    def _ingest(
        context: AssetExecutionContext, warehouse: DuckDBResource, pipeline: PipelineSettings
    ) -> MaterializeResult:
        with warehouse.get_connection() as con:
            result = load_kind(
                con,
                pipeline.landing_path,
                kind,
                pipeline.pseudonym_key,
                run_id=context.run.run_id,
                progress=context.log.info,
            )
            total_rows = con.execute(f'SELECT count(*) FROM raw."{kind.table}"').fetchone()[0]
        rejected = [f"{load.file.relative_path}: {load.message}" for load in result.rejected]
        for line in rejected:
            context.log.warning(f"REJECTED {line}")
        return MaterializeResult(
            metadata={
                "files_loaded": result.count("loaded"),
                "files_unchanged": result.count("unchanged"),
                "files_skipped": result.count("skipped"),
                "files_rejected": len(rejected),
                "rows_loaded": result.rows_loaded,
                "rows_quarantined": result.rows_quarantined,
                "load_ids": MetadataValue.json(result.load_ids),
                "dagster/row_count": total_rows,
            },
            check_results=[
                AssetCheckResult(
                    check_name=LANDING_CHECK,
                    passed=not rejected and result.rows_quarantined == 0,
                    severity=AssetCheckSeverity.WARN,
                    metadata={
                        "rejected_files": MetadataValue.json(rejected),
                        "rows_quarantined": result.rows_quarantined,
                    },
                )
            ],
        )

    return _ingest


ingest_assets = [_build(kind) for kind in EXPORT_KINDS]

"""The publish asset: runs last, after every blocking check upstream has passed."""


from collections.abc import Sequence
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from orchestration.publish.snapshot import publish
from orchestration.transform.dbt_cli import published_views
from orchestration.partitions import dep_on
from orchestration.resources import PipelineSettings
from orchestration.warehouse import WAREHOUSE_POOL

PUBLISHED_KEY = AssetKey(["published", "warehouse"])


def build_publish_asset(upstream: Sequence[AssetKey]) -> AssetsDefinition:
    """Depends on every table with checks, so any blocking failure keeps the old night."""

    @asset(
        key=PUBLISHED_KEY,
        deps=[dep_on(key) for key in upstream],
        group_name="publish",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "parquet"},
        description="Read-only snapshot of the warehouse and Parquet of every mart, one night at a time "
                    "(written under nights/, handed over by one atomic swap of the `current` link).",
    )
    def published_warehouse(
        context: AssetExecutionContext, warehouse: DuckDBResource, pipeline: PipelineSettings
    ) -> MaterializeResult:
        context.log.info(f"publishing {warehouse.database} into {pipeline.published_path}: "
                         "tonight's files in a new folder under nights/, then one swap of `current`")
        result = publish(Path(warehouse.database), pipeline.published_path, pipeline.lake_path, published_views())
        steps = ", ".join(f"{step} {value:.1f} s" for step, value in result.seconds.items())
        if result.leftovers_removed:
            context.log.warning(f"removed what an interrupted publish left in {pipeline.published_path}: "
                                + ", ".join(result.leftovers_removed))
        if result.compacted_from:
            context.log.info(f"compacted the warehouse from {result.compacted_from / 1e6:.1f} MB: "
                             "more than a quarter of it was free space DuckDB keeps for later writes")
        lake_files = sum(result.contents.lake_views.values())
        context.log.info(f"published {result.warehouse} ({result.bytes / 1e6:.1f} MB; raw tables as views over "
                         f"{lake_files} lake files), "
                         f"{len(result.parquet_files)} Parquet files, night {result.night.name}, "
                         f"raw record of {result.quarantined_records_dropped} quarantined rows left out ({steps})")
        return MaterializeResult(
            metadata={
                "path": MetadataValue.path(str(result.warehouse)),
                "bytes": result.bytes,
                "compacted_from_bytes": result.compacted_from or 0,
                "seconds": MetadataValue.json(result.seconds),
                "parquet_files": MetadataValue.json([p.name for p in result.parquet_files]),
                "night": MetadataValue.path(str(result.night)),
                "quarantined_records_dropped": result.quarantined_records_dropped,
                "lake_files": MetadataValue.json(result.contents.lake_views),
            }
        )

    return published_warehouse

"""One Dagster asset per export kind: landing files -> `raw.<table>`.

Nightly force exports are partitioned by export date (`orchestration.partitions`); a run of
a range of dates loads their folders (of the forces its config names, else every force) in
one step (single-run backfill policy: a year of history is one run, not hundreds). Audit
sheets and police.uk files are not nightly drops: their assets load whatever new file the
landing folder holds.
"""

import datetime as dt
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    Failure,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from orchestration.ingest.batch import load_kind
from orchestration.ingest.lake import land
from orchestration.ingest.kinds import EXPORT_KINDS, ExportKind
from orchestration.ingest import freshness
from orchestration.partitions import (
    EXPORT_DATES,
    SINGLE_RUN,
    ForceSelection,
    check_forces,
    is_partitioned,
    landing_force_days,
    raw_asset_key,
)
from orchestration.quality.checks import run_suite, suite_check_specs, suites_on
from orchestration.resources import PipelineSettings
from orchestration.warehouse import WAREHOUSE_POOL

LANDING_CHECK = "landing_files_clean"
PROGRESS_EVERY_SECONDS = 5.0
# Files the landing check lists in its metadata, and names in its one-line summary (a folder
# of strays can hold thousands; all of them are in ops.load_log).
LISTED_FILES, NAMED_FILES = 100, 10

# A raw table of nightly exports not refreshed for 36 hours is flagged in the Dagster UI;
# which force is late is the `exports_on_time` check's business (ingest/freshness.py).
NIGHTLY_FRESHNESS = FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=36), warn_window=dt.timedelta(hours=26))


def _dates(context: AssetExecutionContext) -> list[dt.date] | None:
    if not context.has_partition_key_range and not context.has_partition_key:
        return None
    return sorted(dt.date.fromisoformat(key) for key in context.partition_keys)


def _force_days(context: AssetExecutionContext, landing: Path, forces: list[str]) -> set[tuple[str, dt.date]] | None:
    """The (force, date) folders this run loads: its dates x the forces of its config (every
    force when none is named); None for a run without partitions (every folder)."""
    dates = _dates(context)
    if dates is None:
        return None
    folders = landing_force_days(landing)
    try:
        selected = set(check_forces(forces, folders))
    except ValueError as exc:
        raise Failure(str(exc)) from None
    wanted = set(dates)
    days = {(day.force_id, day.export_date) for day in folders
            if day.export_date in wanted and (not selected or day.force_id in selected)}
    span = str(dates[0]) if len(dates) == 1 else f"{dates[0]} .. {dates[-1]}"
    context.log.info(f"export date(s) {span}: {len(days)} force folder(s) of "
                     f"{', '.join(sorted(selected)) if selected else 'every force'}")
    return days


def _per_force(result) -> dict[str, dict[str, int]]:
    """Files and rows of each force this run touched: what per-force partitions used to show."""
    forces: dict[str, dict[str, int]] = {}
    for load in result.loads:
        entry = forces.setdefault(load.file.force_id, {"files_loaded": 0, "files_unchanged": 0,
                                                         "files_rejected": 0, "rows_loaded": 0,
                                                         "rows_quarantined": 0})
        status = {"loaded": "files_loaded", "unchanged": "files_unchanged", "rejected": "files_rejected"}.get(load.status)
        if status:
            entry[status] += 1
        entry["rows_loaded"] += load.rows_loaded
        entry["rows_quarantined"] += load.rows_quarantined
    return dict(sorted(forces.items()))


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

    decorate = asset(
        key=key,
        group_name="raw",
        pool=WAREHOUSE_POOL,
        partitions_def=EXPORT_DATES if partitioned else None,
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

    def ingest(context: AssetExecutionContext, forces: list[str] | None, warehouse: DuckDBResource,
               pipeline: PipelineSettings) -> MaterializeResult:
        days = None if forces is None else _force_days(context, pipeline.landing_path, forces)
        with warehouse.get_connection() as con:
            result = load_kind(
                con,
                pipeline.landing_path,
                kind,
                pipeline.pseudonym_key,
                run_id=context.run.run_id,
                progress=context.log.info,
                progress_every=PROGRESS_EVERY_SECONDS,
                force_days=days,
            )
            land(con, pipeline.lake_path, [kind], context.log.info)
            total_rows = con.execute(f'SELECT count(*) FROM raw."{kind.table}"').fetchone()[0]
            checks = [run_suite(con, suite, pipeline.published_path / "quality", context.log, context.run.tags)
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
                "per_force": MetadataValue.json(_per_force(result)),
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

    # Only the nightly export tables take a force selection (run config); the others load
    # whatever new audit or police.uk file the landing folder holds.
    if partitioned:
        def _ingest(context: AssetExecutionContext, config: ForceSelection, warehouse: DuckDBResource,
                    pipeline: PipelineSettings) -> MaterializeResult:
            return ingest(context, config.forces, warehouse, pipeline)
    else:
        def _ingest(context: AssetExecutionContext, warehouse: DuckDBResource,
                    pipeline: PipelineSettings) -> MaterializeResult:
            return ingest(context, None, warehouse, pipeline)
    return decorate(_ingest)


ingest_assets = [_build(kind) for kind in EXPORT_KINDS]

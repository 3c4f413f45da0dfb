"""`cdi audit design` as a Dagster job with run config: for planners who work in the UI.

An op job, not an asset: the sheets are landing files for the auditors, not a warehouse table,
and the nightly job selects every asset. It reads the published warehouse (read-only; never the
file the nightly run writes), so it needs no slot of the warehouse pool.
"""


import datetime as dt

from dagster import Config, Failure, OpExecutionContext, in_process_executor, job, op

from orchestration.audit.design import DesignError, make_design, offence_codes
from orchestration.audit.sheets import write_sheets
from orchestration.resources import PipelineSettings
from orchestration.warehouse import PUBLISHED_FILE


class AuditDesignConfig(Config):
    force: str
    period_start: str  # YYYY-MM-DD
    period_end: str
    precision: float = 0.03
    seed: int  # required here: a run's config is its record, so the draw can be repeated
    audit_id: str | None = None
    inspector: str = ""


@op(description="Size and draw a stratified sample of a force's incidents; write the auditors' sheets.")
def design_audit(context: OpExecutionContext, config: AuditDesignConfig, pipeline: PipelineSettings) -> str:
    warehouse = pipeline.published_path / PUBLISHED_FILE
    try:
        design = make_design(warehouse, config.force, dt.date.fromisoformat(config.period_start),
                             dt.date.fromisoformat(config.period_end), config.precision, config.seed,
                             audit_id=config.audit_id, progress=context.log.info)
        folder = write_sheets(pipeline.landing_path, design, offence_codes(warehouse), inspector=config.inspector)
    except (DesignError, FileExistsError, ValueError) as exc:
        raise Failure(str(exc)) from None
    sizes = ", ".join(f"{s.name} {s.sample_size}/{s.population}" for s in design.strata)
    context.log.info(f"{design.audit_id}: {design.sample_size} of {design.population} incidents ({sizes}); "
                     f"expected half-width {design.expected_half_width:.4f}; sheets in {folder}")
    return str(folder)


@job(executor_def=in_process_executor, description="Design an inspection audit (cdi audit design).")
def audit_design_job():
    design_audit()

"""The audit design as a Dagster job: registered, and it writes the same sheets as the CLI."""

from __future__ import annotations


from orchestration.audit.job import audit_design_job
from orchestration.definitions import defs
from orchestration.resources import PipelineSettings
from tests.audit.population import build_warehouse


def test_the_job_is_registered_and_writes_the_sheets(tmp_path):
    assert defs.resolve_job_def("audit_design_job") is not None
    published = tmp_path / "published"
    build_warehouse(published / "warehouse.duckdb")
    landing = tmp_path / "landing"
    result = audit_design_job.execute_in_process(
        run_config={"ops": {"design_audit": {"config": {
            "force": "kent", "period_start": "2014-01-01", "period_end": "2014-03-31",
            "precision": 0.05, "seed": 3}}}},
        resources={"pipeline": PipelineSettings(landing_dir=str(landing), published_dir=str(published), lake_dir=str(tmp_path / "lake"),
                                                pseudonym_key="k")},
    )
    assert result.success
    folder = landing / "kent" / "audits" / "kent-20140101-20140331-s3"
    assert sorted(p.name for p in folder.iterdir()) == ["audit.xlsx", "audit_design.xlsx", "incident_reviews.xlsx"]
    assert result.output_for_node("design_audit") == str(folder)

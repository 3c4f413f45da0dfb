"""Run the nightly job in this process and explain the outcome to a person."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance

from orchestration.settings import Settings


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    materialized: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        lines = [f"Run {self.run_id}: {'SUCCEEDED' if self.success else 'FAILED'} "
                 f"({len(self.materialized)} assets materialized)"]
        lines += [f"  FAILED  {line}" for line in self.failures]
        lines += [f"  WARNING {line}" for line in self.warnings]
        lines += self.notes
        return "\n".join(lines)


def _instance() -> DagsterInstance:
    # With DAGSTER_HOME set (make run/dev) runs are kept and visible in the UI.
    if os.environ.get("DAGSTER_HOME"):
        os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def _describe_check(evaluation) -> str:
    meta = {key: getattr(value, "value", value) for key, value in evaluation.metadata.items()}
    detail = meta.get("summary") or meta.get("failed_expectations") or meta.get("rejected_files") or ""
    return f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} {detail}".rstrip()


def run_nightly(settings: Settings) -> RunOutcome:
    from orchestration.definitions import build_definitions
    from orchestration.headline import headline

    job = build_definitions(settings).resolve_job_def("nightly")
    with _instance() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
        outcome = RunOutcome(success=result.success, run_id=result.run_id)
        for event in result.all_events:
            if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                outcome.materialized.append(event.asset_key.to_user_string())
            elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
                evaluation = event.event_specific_data
                if evaluation.passed:
                    continue
                target = outcome.failures if evaluation.severity == AssetCheckSeverity.ERROR else outcome.warnings
                target.append(_describe_check(evaluation))
            elif event.event_type == DagsterEventType.STEP_FAILURE:
                error = event.event_specific_data.error
                message = error.message.strip().splitlines()[-1] if error else "unknown error"
                outcome.failures.append(f"step {event.step_key}: {message}")
    outcome.notes.append(headline(settings))
    return outcome

"""The `audits_published` check: a warning naming every audit whose figures are held back.

dbt's `marts.audit_status` decides (int_audit_statuses.sql); this check makes the decision loud
where operators look (the asset's Checks tab, `cdi run`'s summary) without blocking the night:
the other forces' figures still publish, and the held-back audit's are not computed from
partial input.
"""


from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)
from dagster_duckdb import DuckDBResource

from orchestration.warehouse import WAREHOUSE_POOL

AUDIT_STATUS_KEY = AssetKey(["marts", "audit_status"])
CHECK_NAME = "audits_published"

HELD_BACK_SQL = """
SELECT audit_id, force_id, reason, rows_quarantined, files, figures_shown
FROM marts.audit_status WHERE status = 'held_back' ORDER BY force_id, audit_id
"""


def describe_held_back(rows) -> list[str]:
    """One line per held-back audit: what readers see instead, and why."""
    shown = {"previous": "the figures last published for it stay", "none": "no figures published"}
    return [f"{audit_id} ({force_id}) held back, {shown.get(figures, figures)}: {reason}"
            for audit_id, force_id, reason, _, _, figures in rows]


@asset_check(
    asset=AUDIT_STATUS_KEY,
    name=CHECK_NAME,
    blocking=False,
    pool=WAREHOUSE_POOL,
    description="Every audit's figures are published tonight; a warning names each held-back audit, "
    "its files, rows and reasons (marts.audit_status).",
)
def audits_published(context: AssetCheckExecutionContext, warehouse: DuckDBResource) -> AssetCheckResult:
    with warehouse.get_connection() as con:
        rows = con.execute(HELD_BACK_SQL).fetchall()
        (audits,) = con.execute("SELECT count(*) FROM marts.audit_status").fetchone()
    lines = describe_held_back(rows)
    for line in lines:
        context.log.warning(f"HELD BACK {line}")
    summary = "; ".join(lines) if lines else f"all {audits} audit(s) published"
    return AssetCheckResult(
        passed=not rows,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "summary": summary,
            "audits": audits,
            "audits_held_back": len(rows),
            "held_back": MetadataValue.json([
                {"audit_id": a, "force_id": f, "reason": r, "rows_quarantined": q, "files": fl, "figures_shown": s}
                for a, f, r, q, fl, s in rows
            ]),
        },
    )

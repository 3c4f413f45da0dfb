"""int_audit_strata_summed on hand-made inputs: the per-stratum sums, and the checks that keep a
weighted rate from a design its reviews do not follow (rate_method 'wilson_design_mismatch').

Its four parents are written straight into a scratch DuckDB as tables; ONE dbt run builds it and
the estimator after it (a few seconds, no pipeline)."""

from __future__ import annotations

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from orchestration.settings import DBT_PROJECT_DIR, ENV_WAREHOUSE, environment_variable

pytestmark = pytest.mark.e2e  # runs dbt

# every audit: stratum a (N = 10) drew i1, i2; stratum b (N = 3, a census) drew i3, i4, i5
DESIGN = [("a", 10, 2, "i1"), ("a", 10, 2, "i2"), ("b", 3, 3, "i3"), ("b", 3, 3, "i4"), ("b", 3, 3, "i5")]
# i1: two violent crimes expected, both recorded; i3, i4: a theft each, i3's recorded; i2, i5: none
EXPECTED = [("i1", "violence_against_the_person", True), ("i1", "violence_against_the_person", True),
            ("i3", "theft", True), ("i4", "theft", False)]
REVIEWED = ["i1", "i1", "i2", "i3", "i4", "i5"]


def _inputs(con) -> None:
    for schema in ("staging", "intermediate"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute("CREATE TABLE staging.stg_raw__audit_designs (audit_id VARCHAR, force_id VARCHAR, incident_id VARCHAR, "
                "stratum VARCHAR, stratum_population BIGINT, stratum_sample_size BIGINT)")
    con.execute("CREATE TABLE staging.stg_raw__incident_reviews (audit_id VARCHAR, incident_id VARCHAR)")
    con.execute("CREATE TABLE intermediate.int_audits_published (audit_id VARCHAR, force_id VARCHAR)")
    con.execute("CREATE TABLE intermediate.int_expected_crimes_matched (audit_id VARCHAR, incident_id VARCHAR, "
                "expected_offence_group VARCHAR, is_recorded BOOLEAN)")

    def audit(audit_id, design=DESIGN, reviewed=REVIEWED, published=True):
        con.executemany("INSERT INTO staging.stg_raw__audit_designs VALUES (?, 'kent', ?, ?, ?, ?)",
                        [(audit_id, i, s, n_pop, n) for s, n_pop, n, i in design])
        con.executemany("INSERT INTO staging.stg_raw__incident_reviews VALUES (?, ?)", [(audit_id, i) for i in reviewed])
        con.executemany("INSERT INTO intermediate.int_expected_crimes_matched VALUES (?, ?, ?, ?)",
                        [(audit_id, i, g, r) for i, g, r in EXPECTED if i in reviewed])
        if published:
            con.execute("INSERT INTO intermediate.int_audits_published VALUES (?, 'kent')", [audit_id])

    audit("ok")
    audit("extra", reviewed=[*REVIEWED, "i9"])
    audit("missing", reviewed=[i for i in REVIEWED if i != "i2"])
    audit("disagree", design=[("a", 10, 2, "i1"), ("a", 11, 2, "i2"), *DESIGN[2:]])
    audit("single", design=[("a", 10, 1, "i1"), *DESIGN[2:]], reviewed=[i for i in REVIEWED if i != "i2"])
    audit("held-back", published=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("strata")
    warehouse = workdir / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        _inputs(con)
    with environment_variable(ENV_WAREHOUSE, str(warehouse)):
        result = dbtRunner().invoke([
            "run", "--select", "int_audit_strata_summed", "int_recording_rates_weighted", "--quiet",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")])
    assert result.success, result.exception
    # dbt's in-process DuckDB instance may still hold the file: connect the same way (read-write)
    with duckdb.connect(str(warehouse)) as con:
        sums = con.execute("SELECT audit_id, stratum, offence_group, stratum_population, stratum_sample_size, "
                           "incidents_reviewed, sum_x, sum_y, sum_xx, sum_yy, sum_xy, design_problem "
                           "FROM intermediate.int_audit_strata_summed ORDER BY ALL").fetchall()
        methods = dict(con.execute("SELECT audit_id, rate_method FROM intermediate.int_recording_rates_weighted "
                                   "WHERE offence_group = 'all'").fetchall())
    return sums, methods


def test_sums_per_stratum_and_group(built):
    sums, _ = built
    ok = [row[1:11] for row in sums if row[0] == "ok"]
    assert ok == [
        # stratum, group, N, n, reviewed, x, y, xx, yy, xy: i1 (x 2, y 2) and i2 (0, 0) in a
        ("a", "all", 10, 2, 2, 2, 2, 4, 4, 4),
        ("a", "theft", 10, 2, 2, 0, 0, 0, 0, 0),
        ("a", "violence_against_the_person", 10, 2, 2, 2, 2, 4, 4, 4),
        # i3 (1, 1), i4 (1, 0), i5 (0, 0) in b
        ("b", "all", 3, 3, 3, 2, 1, 2, 1, 1),
        ("b", "theft", 3, 3, 3, 2, 1, 2, 1, 1),
        ("b", "violence_against_the_person", 3, 3, 3, 0, 0, 0, 0, 0),
    ]
    assert {row[11] for row in sums if row[0] == "ok"} == {None}


def test_a_design_its_reviews_do_not_follow_gets_no_weighted_rate(built):
    sums, methods = built
    problems = {row[0]: row[11] for row in sums}
    assert problems["extra"] == "1 reviewed incident(s) not in the design"
    assert problems["missing"] == "stratum a: 1 of 2 sampled incidents reviewed"
    assert problems["disagree"].startswith("stratum a: its rows disagree on N_h or n_h")
    assert problems["single"] == "stratum a: fewer than 2 sampled incidents and not a census"
    assert "held-back" not in problems  # only audits whose figures may be published
    assert methods == {"ok": "weighted", "extra": "wilson_design_mismatch", "missing": "wilson_design_mismatch",
                       "disagree": "wilson_design_mismatch", "single": "wilson_design_mismatch"}

"""The stratified ratio estimator computed independently in Python (from each sampled incident's
x and y, not from the SQL's sums), and a way to run the dbt model on given stratum sums."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR, ENV_WAREHOUSE, environment_variable

Z = 1.96


@dataclass(frozen=True)
class Stratum:
    name: str
    population: int  # N_h
    x: tuple[int, ...]  # expected crimes of each sampled incident
    y: tuple[int, ...]  # of them recorded

    @property
    def n(self) -> int:
        return len(self.x)


def ratio_estimate(strata: list[Stratum]) -> tuple[float, float, float]:
    """(R, low, high): R = sum_h N_h/n_h sum y / sum_h N_h/n_h sum x; the interval
    R +/- 1.96 sqrt(v), v = 1/X^2 sum_h N_h^2 (1 - n_h/N_h) s_e,h^2 / n_h, clipped to [0, 1]."""
    x_total = sum(s.population / s.n * sum(s.x) for s in strata)
    y_total = sum(s.population / s.n * sum(s.y) for s in strata)
    r = y_total / x_total
    variance = 0.0
    for s in strata:
        if s.n < 2:
            continue
        e = [yi - r * xi for xi, yi in zip(s.x, s.y)]
        mean = sum(e) / s.n
        s2 = sum((ei - mean) ** 2 for ei in e) / (s.n - 1)
        variance += s.population ** 2 * (1 - s.n / s.population) * s2 / s.n
    se = math.sqrt(variance) / x_total
    return r, max(0.0, r - Z * se), min(1.0, r + Z * se)


def strata_rows(audit_id: str, strata: list[Stratum], problem: str | None = None) -> list[tuple]:
    """The rows of intermediate.int_audit_strata_summed (group `all`) for these strata."""
    return [(audit_id, "somewhere", s.name, "all", s.population, s.n, s.n, sum(s.x), sum(s.y),
             sum(v * v for v in s.x), sum(v * v for v in s.y), sum(a * b for a, b in zip(s.x, s.y)), problem)
            for s in strata]


def run_estimator(workdir: Path, rows: list[tuple]) -> dict[str, tuple]:
    """Builds intermediate.int_recording_rates_weighted with dbt over `rows` as its input table;
    returns audit_id -> (rate_method, rate, low, high) of the `all` rows."""
    from dbt.cli.main import dbtRunner

    warehouse = workdir / "estimator.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS intermediate")
        con.execute("""CREATE OR REPLACE TABLE intermediate.int_audit_strata_summed (
            audit_id VARCHAR, force_id VARCHAR, stratum VARCHAR, offence_group VARCHAR,
            stratum_population BIGINT, stratum_sample_size BIGINT, incidents_reviewed BIGINT,
            sum_x BIGINT, sum_y BIGINT, sum_xx BIGINT, sum_yy BIGINT, sum_xy BIGINT,
            design_problem VARCHAR)""")
        con.executemany("INSERT INTO intermediate.int_audit_strata_summed VALUES "
                        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    with environment_variable(ENV_WAREHOUSE, str(warehouse)):
        result = dbtRunner().invoke([
            "run", "--select", "int_recording_rates_weighted", "--quiet",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")])
    assert result.success, f"dbt run failed: {result.exception}"
    # dbt's in-process DuckDB instance may still hold the file: connect the same way (read-write)
    with duckdb.connect(str(warehouse)) as con:
        found = con.execute(
            "SELECT audit_id, rate_method, weighted_recording_rate, weighted_rate_ci_low, weighted_rate_ci_high "
            "FROM intermediate.int_recording_rates_weighted WHERE offence_group = 'all'").fetchall()
    return {row[0]: row[1:] for row in found}

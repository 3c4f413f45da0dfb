"""Ingestion throughput against bare DuckDB, on the same file, in one run.

    .venv/bin/python scripts/bench_ingest.py [--rows 1000000] [--repeat 3]

Writes a canonical incidents export of N rows (invented values; 3 personal columns with
realistic repetition: ~400k names, ~25k birth dates, ~300k addresses per million), then
times (a) bare DuckDB: `CREATE TABLE AS SELECT * FROM read_csv(file)` and (b) this project's
ingestion of the same file (header check, typed parse, quarantine rules, HMAC pseudonyms,
lineage, load log, one transaction). Prints rows/s and the ratio b/a (target <= 1.5).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.ingest.contracts import ReadSpec
from orchestration.ingest.kinds import EXPORT_KINDS, KINDS_BY_NAME
from orchestration.ingest.landing import LandingFile
from orchestration.ingest.schema import ensure_schema


def write_export(path: Path, rows: int) -> None:
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT 'HT-I-14-' || lpad(i::VARCHAR, 8, '0') AS incident_id, "
            "strftime(TIMESTAMP '2014-01-06' + to_seconds(i % 86400), '%Y-%m-%dT%H:%M:%S') AS received_at, "
            "['999','101','online','in_person','third_party'][1 + i % 5] AS channel, "
            "'ASSAULT' AS opening_code, 'NFA' AS closing_code, "
            "'Person ' || (hash(i) % 400000) AS caller_name, "
            "strftime(DATE '1930-01-01' + (hash(i + 1) % 25000)::INTEGER, '%Y-%m-%d') AS caller_dob, "
            "(hash(i + 2) % 300000) || ' Station Road, Hitchin' AS caller_address, "
            "'a call about a disturbance' AS summary "
            "FROM range(?) t(i)) TO ? (HEADER, DELIMITER ',')",
            [rows, str(path)],
        )


def bare(path: Path, db: Path) -> float:
    with duckdb.connect(str(db)) as con:
        started = time.perf_counter()
        con.execute("CREATE TABLE incidents AS SELECT * FROM read_csv(?)", [str(path)])
        return time.perf_counter() - started


def ingest(landing: Path, path: Path, db: Path) -> float:
    from orchestration.ingest.loader import FileLoader

    with duckdb.connect(str(db)) as con:
        ensure_schema(con, EXPORT_KINDS)
        loader = FileLoader(con, "benchmark-key", run_id="bench")
        kind = KINDS_BY_NAME["incidents"]
        file = LandingFile(path, path.relative_to(landing).as_posix(), kind, "hertfordshire",
                           None, None, ReadSpec.canonical(kind))
        started = time.perf_counter()
        outcome = loader.load(file)
        elapsed = time.perf_counter() - started
        assert outcome.status == "loaded" and outcome.rows_quarantined == 0, outcome.describe()
        return elapsed


def ingest_without_pseudonyms(landing: Path, path: Path, db: Path) -> float:
    """Breakdown only: the same load with the HMAC replaced by the value itself, to show
    what the pseudonymisation costs. Never used outside this script."""
    from orchestration.ingest import loader

    original = loader.hmac_sql
    loader.hmac_sql = lambda value_sql, *args: f"nullif(trim({value_sql}), '')"
    try:
        return ingest(landing, path, db)
    finally:
        loader.hmac_sql = original


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        path = landing / "hertfordshire" / "2014-01-06" / "incidents.csv"
        path.parent.mkdir(parents=True)
        write_export(path, args.rows)
        times_a, times_b, times_c = [], [], []
        for n in range(args.repeat):
            times_a.append(bare(path, Path(tmp) / f"bare{n}.duckdb"))
            times_b.append(ingest(landing, path, Path(tmp) / f"ingest{n}.duckdb"))
            times_c.append(ingest_without_pseudonyms(landing, path, Path(tmp) / f"plain{n}.duckdb"))
        a, b, c = (statistics.median(t) for t in (times_a, times_b, times_c))
        size = path.stat().st_size / 1e6
    print(f"machine: {platform.machine()}, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}, DuckDB {duckdb.__version__}")
    print(f"file: {args.rows:,} incident rows, {size:.0f} MB; median of {args.repeat}")
    print(f"(a) bare DuckDB read_csv -> table : {a:6.2f} s  {args.rows / a:12,.0f} rows/s")
    print(f"(b) cdi ingestion               : {b:6.2f} s  {args.rows / b:12,.0f} rows/s")
    print(f"(c) cdi ingestion, HMAC off (breakdown only): {c:6.2f} s  {args.rows / c:12,.0f} rows/s")
    print(f"ratio b/a: {b / a:.2f} (target <= 1.5); c/a: {c / a:.2f}; "
          f"pseudonymising 3 columns costs {b - c:.2f} s per {args.rows:,} rows")


if __name__ == "__main__":
    main()

"""Benchmark (issue 20): the nightly publish against the history under it, and dbt on both engines.

    .venv-spark/bin/python scripts/bench_lake.py [--scale 0.1] [--years 1 5] [--spark] [--json F]

Generates max(--years) years of national exports at --scale (`cdi generate --scale`), then
loads them year by year with the pipeline's own loader and lake writer (`load_kind`, `land`:
what the ingest assets run) and `dbt build` (incremental, as a night runs it). After each
year listed in --years it times, best of --repeat, each from the same state:

  publish   `snapshot.publish` as the nightly asset calls it: seconds, and the bytes it wrote
            (the night's folder: its DuckDB file and one Parquet file per mart)
  copy      what every publish wrote before the lake: the whole working warehouse
            (`shutil.copyfile` + fsync, as the old publish did)

and after the first year, with --spark (needs the Spark venv: `make spark-env`):

  duckdb    `dbt build --full-refresh` on DuckDB (every model from the whole raw layer)
  spark     the Spark sources (the lake) + `dbt build --target spark`

`--publish-only DIR` times the publish and the copy of a state left in DIR (its
warehouse.duckdb and lake/). Figures go to stdout and, as JSON, to --json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

FIRST_DAY = dt.date(2014, 1, 6)  # the national generator's first export date


def _env(workdir: Path) -> dict[str, str]:
    return {**os.environ, "CDI_WAREHOUSE": str(workdir / "warehouse.duckdb"), "CDI_PSEUDONYM_KEY": "bench-key",
            "CDI_SPARK_DIR": str(workdir / "spark"), "SPARK_LOCAL_IP": "127.0.0.1", "TZ": "UTC"}


def _dbt(workdir: Path, *args: str) -> float:
    from orchestration.settings import DBT_PROJECT_DIR

    dbt = Path(sys.executable).with_name("dbt")
    started = time.perf_counter()
    done = subprocess.run([str(dbt), *args, "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(workdir / "target"),
                           "--log-path", str(workdir / "logs")],
                          env=_env(workdir), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"dbt {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - started


def _load(landing: Path, workdir: Path, first: dt.date, last: dt.date) -> dict:
    import duckdb
    from orchestration.ingest.batch import load_kind
    from orchestration.ingest.kinds import EXPORT_KINDS, Layout
    from orchestration.ingest.lake import land
    from orchestration.partitions import landing_force_days

    days = {(d.force_id, d.export_date) for d in landing_force_days(landing) if first <= d.export_date <= last}
    started = time.perf_counter()
    with duckdb.connect(str(workdir / "warehouse.duckdb"), config={"storage_compatibility_version": "v1.4.0"}) as con:
        for kind in EXPORT_KINDS:
            partitioned = kind.layout is Layout.FORCE_EXPORT
            load_kind(con, landing, kind, "bench-key", run_id="bench", force_days=days if partitioned else None)
        land(con, workdir / "lake", EXPORT_KINDS)
        rows = sum(con.execute(f'SELECT count(*) FROM raw."{k.table}"').fetchone()[0] for k in EXPORT_KINDS)
    loaded = time.perf_counter() - started
    built = _dbt(workdir, "build", "--exclude-resource-type", "unit_test")
    files = sum(1 for _ in (workdir / "lake").rglob("*.parquet"))
    print(f"loaded {first} .. {last}: {len(days)} force-days in {loaded:.0f} s, dbt build {built:.0f} s; "
          f"raw rows {rows}, lake files {files}", flush=True)
    return {"first": str(first), "last": str(last), "force_days": len(days), "load_s": round(loaded, 1),
            "dbt_build_s": round(built, 1), "raw_rows": rows, "lake_files": files}


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _publish(workdir: Path, repeat: int) -> dict:
    from orchestration.publish import snapshot
    from orchestration.transform.dbt_cli import published_views

    warehouse, published = workdir / "warehouse.duckdb", workdir / "published"
    views = published_views()
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = snapshot.publish(warehouse, published, workdir / "lake", views)
        runs.append((time.perf_counter() - started, _bytes(result.night), result.seconds))
    seconds, written, steps = min(runs, key=lambda run: run[0])
    copies = []
    for _ in range(repeat):
        target = workdir / "copy.duckdb"
        started = time.perf_counter()
        shutil.copyfile(warehouse, target)
        with target.open("rb+") as copy:
            os.fsync(copy.fileno())
        copies.append(time.perf_counter() - started)
        target.unlink()
    size = warehouse.stat().st_size
    lake = _bytes(workdir / "lake")
    print(f"publish {seconds:.2f} s, {written / 1e6:.1f} MB written ({steps}); the old copy {min(copies):.2f} s, "
          f"{size / 1e6:.0f} MB; warehouse {size / 1e6:.0f} MB, lake {lake / 1e6:.0f} MB", flush=True)
    return {"publish_s": round(seconds, 2), "publish_mb": round(written / 1e6, 1), "publish_steps": steps,
            "old_copy_s": round(min(copies), 2), "old_copy_mb": round(size / 1e6, 1), "lake_mb": round(lake / 1e6, 1)}


def _engines(workdir: Path) -> dict:
    duck = workdir.with_name(workdir.name + "-duckdb")
    shutil.rmtree(duck, ignore_errors=True)
    duck.mkdir()
    shutil.copy(workdir / "warehouse.duckdb", duck / "warehouse.duckdb")
    duckdb_s = _dbt(duck, "build", "--full-refresh", "--exclude-resource-type", "unit_test")
    print(f"dbt build --full-refresh on DuckDB: {duckdb_s:.0f} s", flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "orchestration.transform.spark_sources",
                           str(workdir / "warehouse.duckdb")], env=_env(workdir), capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"Spark sources failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    sources_s = time.perf_counter() - started
    spark_s = _dbt(workdir, "build", "--target", "spark", "--exclude-resource-type", "unit_test")
    print(f"Spark sources {sources_s:.0f} s, dbt build --target spark {spark_s:.0f} s", flush=True)
    return {"duckdb_full_build_s": round(duckdb_s, 1), "spark_sources_s": round(sources_s, 1),
            "spark_build_s": round(spark_s, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--years", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--workdir", default="/tmp/cdi-bench-lake")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--spark", action="store_true", help="also time dbt on both engines after the first year")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's landing folder")
    parser.add_argument("--publish-only", metavar="DIR",
                        help="only time the publish (and the old copy) of the state in DIR (warehouse.duckdb, lake/)")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.publish_only:
        figures = _publish(Path(args.publish_only), args.repeat)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2))
        return 0
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ["CDI_PSEUDONYM_KEY"] = "bench-key"
    from orchestration.sample.national import generate_national
    from orchestration.transform.dbt_cli import parse_project

    work = Path(args.workdir)
    landing, state = work / "landing", work / "state"
    if not (args.reuse and landing.exists()):
        shutil.rmtree(work, ignore_errors=True)
        started = time.perf_counter()
        summary = generate_national(landing, scale=args.scale, days=365 * max(args.years))
        print(f"generated {max(args.years)} years at scale {args.scale}: {summary} "
              f"in {time.perf_counter() - started:.0f} s", flush=True)
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    os.environ["CDI_WAREHOUSE"] = str(state / "warehouse.duckdb")
    parse_project()
    report = {"date": dt.date.today().isoformat(), "scale": args.scale,
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "years": []}
    done_through = FIRST_DAY - dt.timedelta(days=1)
    for years in sorted(args.years):
        last = FIRST_DAY + dt.timedelta(days=365 * years - 1)
        loaded = _load(landing, state, done_through + dt.timedelta(days=1), last)
        done_through = last
        entry = {"years": years, **loaded, **_publish(state, args.repeat)}
        if args.spark and years == min(args.years):
            entry.update(_engines(state))
        report["years"].append(entry)
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

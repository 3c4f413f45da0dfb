"""Benchmark: one night's run with a year of history loaded versus with none.

    .venv/bin/python scripts/bench_nightly.py [--days 366] [--workdir /tmp/cdi-bench-nightly]

Generates the sample for 13 forces over `--days` export days (the last day is "tonight"),
then times, each in its own warehouse:

  history   every day but the last loaded with the pipeline's own loader (load_kind, the
            code the ingest assets run), then `dbt build`: the state a year of nights leaves.
            Not through Dagster: a one-run backfill of 4,745 force-days writes ~320k
            materialization events (~3 ms each in the event log), which is not what is measured
  loaded    tonight's partitions (last day x 13 forces) on top of that history, via run_nightly
  empty     tonight's partitions on a warehouse holding the audit sheets only

Both night runs are the whole chain (ingest, dbt build, GX checks, publish, report, docs),
each from a copy of its starting state, best of `--repeat`. The target is loaded / empty
<= 1.3. Figures go to stdout and, as JSON, to `--json`.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST_DAY = dt.date(2014, 1, 6)  # the generator's first export date


def _settings(landing: Path, workdir: Path):
    from orchestration.settings import ENV_LANDING, ENV_PUBLISHED, ENV_WAREHOUSE, Settings

    os.environ[ENV_LANDING] = str(landing)
    os.environ[ENV_WAREHOUSE] = str(workdir / "warehouse.duckdb")
    os.environ[ENV_PUBLISHED] = str(workdir / "published")
    settings = Settings.from_env()
    settings.export_to_env()
    return settings


def _timed_run(label: str, landing: Path, workdir: Path, first: dt.date, last: dt.date) -> dict:
    from orchestration.run import run_nightly

    settings = _settings(landing, workdir)
    started = time.perf_counter()
    outcome = run_nightly(settings, dates=(first, last))
    seconds = time.perf_counter() - started
    if not outcome.success:
        raise SystemExit(f"{label}: run failed\n{outcome.report()}")
    size = settings.warehouse.stat().st_size
    print(f"{label:8s} {first} .. {last}: {seconds:7.1f} s  (warehouse {size / 1e6:.0f} MB)", flush=True)
    return {"label": label, "first": str(first), "last": str(last), "seconds": round(seconds, 2), "warehouse_mb": round(size / 1e6, 1)}


def _load_history(landing: Path, workdir: Path, tonight: dt.date) -> dict:
    import duckdb
    from orchestration.ingest.batch import load_kind
    from orchestration.ingest.kinds import EXPORT_KINDS
    from orchestration.partitions import landing_force_days
    from orchestration.settings import DBT_PROJECT_DIR

    settings = _settings(landing, workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    days = {(d.force_id, d.export_date) for d in landing_force_days(landing) if d.export_date < tonight}
    started = time.perf_counter()
    with duckdb.connect(str(settings.warehouse), config={"storage_compatibility_version": "v1.4.0"}) as con:
        for kind in EXPORT_KINDS:
            load_kind(con, landing, kind, settings.pseudonym_key, run_id="history", force_days=days)
    loaded = time.perf_counter() - started
    # A subprocess, as in the pipeline: dbt in this process would keep the warehouse open.
    dbt = Path(sys.executable).with_name("dbt")
    build = subprocess.run([str(dbt), "build", "--quiet", "--project-dir", str(DBT_PROJECT_DIR),
                            "--profiles-dir", str(DBT_PROJECT_DIR)], capture_output=True, text=True)
    if build.returncode:
        raise SystemExit(f"history: dbt build failed:\n{build.stdout[-3000:]}{build.stderr[-3000:]}")
    seconds = time.perf_counter() - started
    size = settings.warehouse.stat().st_size
    print(f"history  {len(days)} force-days: {seconds:7.1f} s  (load {loaded:.0f} s, dbt build {seconds - loaded:.0f} s; "
          f"warehouse {size / 1e6:.0f} MB)", flush=True)
    return {"label": "history", "force_days": len(days), "seconds": round(seconds, 2), "load_seconds": round(loaded, 2),
            "warehouse_mb": round(size / 1e6, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=366, help="export days generated (the last one is tonight)")
    parser.add_argument("--workdir", default="/tmp/cdi-bench-nightly")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each night (the best is kept)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the generated landing and history state of a previous run (needs --json)")
    args = parser.parse_args()

    os.environ.pop("DAGSTER_HOME", None)  # a throwaway Dagster instance per run
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("CDI_PSEUDONYM_KEY", "bench-key")
    from orchestration.transform.dbt_cli import parse_project
    from orchestration.sample import generate

    work = Path(args.workdir)
    landing = work / "landing"
    tonight = FIRST_DAY + dt.timedelta(days=args.days - 1)
    before_first = FIRST_DAY - dt.timedelta(days=1)  # no folders: loads the audit sheets only
    previous = json.loads(Path(args.json).read_text()) if args.reuse and args.json and Path(args.json).exists() else None
    if previous and (work / "history" / "warehouse.duckdb").exists():
        print(f"reusing {landing} and the history state in {work / 'history'}", flush=True)
        files, rows, history = previous["files"], previous["rows"], previous["runs"][0]
    else:
        shutil.rmtree(work, ignore_errors=True)
        started = time.perf_counter()
        summary = generate(landing, days=args.days)
        files, rows = summary.files_written, sum(summary.rows_per_kind.values())
        print(f"generated {files} files, {rows} rows, {args.days} days x 13 forces "
              f"in {time.perf_counter() - started:.0f} s", flush=True)
        parse_project()
        history = _load_history(landing, work / "history", tonight)
    if not (work / "history" / "published").exists():
        # Last night's run: what a real night starts from (published snapshot, report, docs).
        yesterday = tonight - dt.timedelta(days=1)
        _timed_run("previous", landing, work / "history", yesterday, yesterday)
    results = [history]
    _timed_run("audits", landing, work / "audits", before_first, before_first)
    # Each night starts from a fresh copy of its starting state; best of --repeat.
    for label, start in (("loaded", work / "history"), ("empty", work / "audits")):
        runs = []
        for _ in range(args.repeat):
            night = work / label
            shutil.rmtree(night, ignore_errors=True)
            night.mkdir()
            shutil.copy(start / "warehouse.duckdb", night / "warehouse.duckdb")
            if (start / "published").exists():
                shutil.copytree(start / "published", night / "published")
            runs.append(_timed_run(label, landing, night, tonight, tonight))
        results.append(min(runs, key=lambda run: run["seconds"]))

    ratio = results[1]["seconds"] / results[2]["seconds"]
    print(f"\none night with {args.days - 1} days loaded / with none: {ratio:.2f}x (target <= 1.3x: "
          f"{'MET' if ratio <= 1.3 else 'NOT MET'})")
    report = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "days": args.days, "files": files, "rows": rows,
        "runs": results, "ratio_loaded_over_empty": round(ratio, 2),
    }
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

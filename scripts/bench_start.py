"""Benchmark: what a small night costs with the defaults users get.

    .venv/bin/python scripts/bench_start.py [--forces 3] [--days 5] [--repeat 3] [--json FILE]

Writes the sample for `--forces` forces over `--days` export days into a fresh landing
folder, then times `cdi run` as `make run` starts it (its own process, the on-disk SQLite
Dagster instance of orchestration/dagster.yaml), from an empty warehouse each time:

  start     from launching `cdi run` to Dagster's first STEP_START event (imports, the
            definitions, the instance, run planning: everything that does not depend on data)
  total     the whole command: ingest, dbt build, GX checks, publish, report, dictionary
  rerun     the same landing folder again on the loaded warehouse (nothing new to load)

Best of `--repeat` for each. Figures go to stdout and, as JSON, to `--json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CDI = str(Path(sys.executable).with_name("cdi"))


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(CDI_LANDING_DIR=str(root / "landing"), CDI_WAREHOUSE=str(root / "work" / "warehouse.duckdb"),
               CDI_PUBLISHED_DIR=str(root / "work" / "published"), DAGSTER_HOME=str(root / "dagster_home"),
               DAGSTER_DISABLE_TELEMETRY="1", DO_NOT_TRACK="1")
    return env


def _first_step_at(dagster_home: Path, run_id: str) -> float:
    """Wall-clock time (epoch seconds) of the run's first STEP_START event."""
    from dagster import DagsterEventType, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        (first, *_) = instance.all_logs(run_id, of_type=DagsterEventType.STEP_START)
        return first.timestamp


def _run(root: Path) -> tuple[float, float]:
    """(seconds to the first step, seconds in all) of one `cdi run`."""
    started = time.time()
    done = subprocess.run([CDI, "run"], env=_env(root), capture_output=True, text=True)
    total = time.time() - started
    if done.returncode != 0:
        raise SystemExit(f"cdi run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    run_id = next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("Run "))
    return _first_step_at(root / "dagster_home", run_id) - started, total


def _fresh(root: Path, landing: Path) -> None:
    for name in ("work", "dagster_home"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / "dagster_home").mkdir()
    shutil.copy(ROOT / "orchestration" / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    if not (root / "landing").exists():
        shutil.copytree(landing, root / "landing")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--forces", type=int, default=3)
    parser.add_argument("--days", type=int, default=5, help="export days (the generator writes at least 5)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from orchestration.sample import SAMPLE_FORCES, generate

    with tempfile.TemporaryDirectory(prefix="cdi-bench-start-") as tmp:
        root = Path(tmp)
        landing = root / "source"
        generate(landing, forces=list(SAMPLE_FORCES[: args.forces]), days=args.days)
        runs, reruns = [], []
        for attempt in range(1, args.repeat + 1):
            _fresh(root, landing)
            runs.append(_run(root))
            reruns.append(_run(root))
            print(f"attempt {attempt}: start {runs[-1][0]:.1f} s, total {runs[-1][1]:.1f} s, "
                  f"rerun {reruns[-1][1]:.1f} s", flush=True)
    figures = {
        "machine": f"{platform.node()} {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "forces": args.forces, "days": args.days, "repeat": args.repeat,
        "start_seconds": round(min(start for start, _ in runs), 2),
        "total_seconds": round(min(total for _, total in runs), 2),
        "rerun_seconds": round(min(total for _, total in reruns), 2),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

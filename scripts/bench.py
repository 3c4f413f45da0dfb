"""Benchmark: the whole pipeline against bare DuckDB and a pandas analyst, at national scales.

    .venv/bin/python scripts/bench.py [--scales 0.01 0.1 1.0] [--workdir /tmp/cdi-bench] [--json F]

For each scale (a fraction of the national volume: 1.0 = 43 forces, ~20M incidents, ~6M
crimes a year) it generates a year of exports (`cdi generate --scale`, 365 days + one more
night), then, on the same 365 days, in separate processes:

  (a) pipeline  `cdi run`: ingestion, dbt build, GX checks, publish, report, docs, with a
                Dagster instance on disk (the project's dagster.yaml), as `make run` does
  (b) bare      scripts/bench_peers/bare.sql: the same loads (typed, pseudonymised, with
                lineage) and the same marts in one DuckDB script, no orchestration (the limit)
  (c) pandas    scripts/bench_peers/pandas_peer.py: the same marts as an analyst computes them

It checks the three give identical marts (recording, no-crime and disposal accuracy and the
latest-version rows per force), then puts the extra night in the landing folder and times
the nightly increment on the loaded year (`cdi backfill` of that date x 43 forces, what the
02:00 schedule runs) twice: cold (the warehouse dropped from the page cache first) and warm
(again from a copy of the loaded year, which the copy read into the cache). Wall time, peak
RSS (the whole process tree, sampled every 0.2 s), rows/s, the ratios a/b and c/a and the
share of the run spent in GX checks are printed and written to `--json`; the targets of
issue 8 are judged at the largest scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
FIRST_DAY = dt.date(2014, 1, 6)  # the generator's first export date
YEAR_DAYS = 365
PAGE = os.sysconf("SC_PAGE_SIZE")

TARGETS = {
    "year_seconds": 15 * 60,  # full national year, (a)
    "year_rss_mb": 6 * 1024,
    "a_over_b": 1.5,
    "nightly_seconds": 60,
    "gx_share": 0.15,
}


@dataclass
class Measure:
    label: str
    seconds: float
    peak_rss_mb: float
    rows: int = 0
    notes: dict = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{entry}/statm") as fh:
                resident = int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[int(entry)] = resident
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def timed(label: str, command: list[str], log: Path, env: dict[str, str] | None = None) -> Measure:
    """Run `command`, output to `log`; wall time and the peak RSS of its process tree."""
    peak = 0
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(process.pid))
                done.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    if code:
        tail = log.read_text()[-4000:]
        raise SystemExit(f"{label} failed (exit {code}), see {log}:\n{tail}")
    measure = Measure(label, round(seconds, 2), round(peak / 2**20, 1))
    print(f"  {label:10s} {seconds:8.1f} s  peak RSS {measure.peak_rss_mb:8.1f} MB", flush=True)
    return measure


def _pipeline_env(work: Path, landing: Path, instance: str) -> dict[str, str]:
    """`instance`: "sqlite" = a Dagster home on disk with the project's dagster.yaml (as
    `make run`), "memory" = no DAGSTER_HOME, cdi's throwaway in-memory instance."""
    from orchestration.settings import ENV_LANDING, ENV_PUBLISHED, ENV_WAREHOUSE

    env = {key: value for key, value in os.environ.items() if key != "DAGSTER_HOME"}
    if instance == "sqlite":
        home = work / "dagster_home"
        home.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
        env["DAGSTER_HOME"] = str(home)
    return {
        **env,
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "DO_NOT_TRACK": "1",
        ENV_LANDING: str(landing),
        ENV_WAREHOUSE: str(work / "warehouse.duckdb"),
        ENV_PUBLISHED: str(work / "published"),
    }


def _landing_rows(warehouse: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT coalesce(sum(rows_read), 0) FROM ops.load_log WHERE status = 'loaded'").fetchone()[0]


def _gx_seconds(log: Path) -> float:
    """Seconds spent validating GX suites in a run, from its log: every suite says
    `GX <check>: <n> rows validated in <s> s` (the suites on raw exports run inside the ingest
    step, so step durations would not show them)."""
    return sum(float(m) for m in re.findall(r"rows validated in ([0-9.]+) s", log.read_text()))


def _move_night(landing: Path, holding: Path, night: dt.date, back: bool) -> None:
    """Move the extra night's force-day folders out of the landing folder (or back)."""
    source, target = (holding, landing) if back else (landing, holding)
    for folder in sorted(source.glob(f"*/{night.isoformat()}")):
        destination = target / folder.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(destination)


def _drop_from_page_cache(*paths: Path) -> None:
    """Ask the kernel to forget these files' cached pages (written back first), as if the
    machine had done other work since: the nightly starts from disk."""
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _generate(scale: float, landing: Path, log: Path) -> Measure:
    stamp = landing / ".generated.json"
    wanted = {"scale": scale, "days": YEAR_DAYS + 1, "seed": 2014}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        print(f"  generate   reusing {landing}", flush=True)
        return Measure("generate", 0.0, 0.0, notes={"reused": True})
    shutil.rmtree(landing, ignore_errors=True)
    measure = timed("generate", [str(BIN / "cdi"), "generate", "--scale", str(scale), "--days", str(YEAR_DAYS + 1),
                                 "--out", str(landing)], log)
    stamp.write_text(json.dumps(wanted))
    return measure


def bench_scale(scale: float, workdir: Path, pandas: bool, instance: str) -> dict:
    from scripts.bench_peers.marts import BARE_SCHEMA, PIPELINE_SCHEMA, compare, read_marts

    work = workdir / f"scale-{scale:g}"
    landing, holding = work / "landing", work / "next-night"
    print(f"scale {scale:g} ({work})", flush=True)
    work.mkdir(parents=True, exist_ok=True)
    generated = _generate(scale, landing, work / "generate.log")
    night = FIRST_DAY + dt.timedelta(days=YEAR_DAYS)
    _move_night(landing, holding, night, back=False)
    for stale in ("pipeline", "bare.duckdb", "bare.duckdb.wal", "pandas.pkl"):
        path = work / stale
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)

    (work / "pipeline").mkdir(parents=True, exist_ok=True)
    env = _pipeline_env(work / "pipeline", landing, instance)
    a = timed("(a) cdi run", [str(BIN / "cdi"), "run"], work / "pipeline.log", env)
    a.rows = _landing_rows(work / "pipeline" / "warehouse.duckdb")
    gx = _gx_seconds(work / "pipeline.log")
    a.notes = {"gx_seconds": round(gx, 1), "gx_share": round(gx / a.seconds, 3)}
    pipeline_marts = read_marts(work / "pipeline" / "warehouse.duckdb", PIPELINE_SCHEMA)

    b = timed("(b) bare", [sys.executable, "-m", "scripts.bench_peers.bare", str(landing), str(work / "bare.duckdb")],
              work / "bare.log")  # the same CDI_PSEUDONYM_KEY as (a), from this environment
    b.rows = a.rows
    problems = compare(pipeline_marts, read_marts(work / "bare.duckdb", BARE_SCHEMA), "pipeline vs bare")

    c = None
    if pandas:
        c = timed("(c) pandas", [sys.executable, str(Path(__file__)), "_pandas", str(landing), str(work / "pandas.pkl")],
                  work / "pandas.log")
        c.rows = a.rows
        import pandas as pd

        problems += compare(pipeline_marts, pd.read_pickle(work / "pandas.pkl"), "pipeline vs pandas")
    if problems:
        print("\n".join(problems[:20]))
        raise SystemExit(f"scale {scale:g}: the marts differ ({len(problems)} differences)")
    print(f"  identical marts: pipeline = bare{' = pandas' if c else ''}", flush=True)

    _move_night(landing, holding, night, back=True)
    warehouse = work / "pipeline" / "warehouse.duckdb"
    a.notes["warehouse_mb"] = round(warehouse.stat().st_size / 2**20)
    night_command = [str(BIN / "cdi"), "backfill", "--from", str(night), "--to", str(night)]
    year = work / "year.duckdb"
    shutil.copyfile(warehouse, year)  # reads the warehouse into the page cache ...
    _drop_from_page_cache(warehouse, year)  # ... and out again: the first night starts cold
    nightly = timed("nightly", night_command, work / "nightly.log", env)
    nightly.rows = _landing_rows(warehouse) - a.rows
    os.replace(year, warehouse)  # the loaded year again, now in the page cache
    warm = timed("nightly warm", night_command, work / "nightly-warm.log", env)
    nightly.notes = {"warm_seconds": warm.seconds}
    result = {
        "scale": scale, "rows": a.rows, "instance": instance,
        "generate": asdict(generated), "a": asdict(a), "b": asdict(b), "c": asdict(c) if c else None,
        "nightly": asdict(nightly),
        "a_over_b": round(a.seconds / b.seconds, 2),
        "c_over_a": round(c.seconds / a.seconds, 2) if c else None,
    }
    for key in ("a", "b", "c"):
        if result[key]:
            result[key]["rows_per_second"] = round(result[key]["rows"] / result[key]["seconds"])
    return result


def _pandas_main(landing: str, out: str) -> int:
    import pandas as pd

    from scripts.bench_peers.pandas_peer import run_pandas

    pd.to_pickle(run_pandas(Path(landing)), out)
    return 0


def _table(results: list[dict]) -> str:
    lines = ["| scale | rows | (a) pipeline s | (a) RSS MB | (a) rows/s | (b) bare s | (b) RSS MB | (b) rows/s "
             "| (c) pandas s | (c) RSS MB | a/b | c/a | GX share of (a) | warehouse MB | nightly s cold | warm |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        a, b, c = r["a"], r["b"], r["c"]
        pandas_cells = f"{c['seconds']:.1f} | {c['peak_rss_mb']:,.0f}" if c else "– | –"
        lines.append(
            f"| {r['scale']:g} | {r['rows']:,} | {a['seconds']:.0f} | {a['peak_rss_mb']:,.0f} | {a['rows_per_second']:,} "
            f"| {b['seconds']:.1f} | {b['peak_rss_mb']:,.0f} | {b['rows_per_second']:,} | {pandas_cells} "
            f"| {r['a_over_b']:.2f} | {r['c_over_a'] if r['c_over_a'] is not None else '–'} "
            f"| {a['notes']['gx_share']:.1%} | {a['notes']['warehouse_mb']:,} | {r['nightly']['seconds']:.1f} "
            f"| {r['nightly']['notes']['warm_seconds']:.1f} |"
        )
    return "\n".join(lines)


def _verdicts(largest: dict) -> list[str]:
    a = largest["a"]
    checks = [
        ("full year (a) under 15 min", a["seconds"] <= TARGETS["year_seconds"], f"{a['seconds'] / 60:.1f} min"),
        ("peak RSS of (a) under 6 GB", a["peak_rss_mb"] <= TARGETS["year_rss_mb"], f"{a['peak_rss_mb'] / 1024:.2f} GB"),
        ("a/b at most 1.5", largest["a_over_b"] <= TARGETS["a_over_b"], f"{largest['a_over_b']:.2f}"),
        ("nightly increment under 60 s (cold page cache)", largest["nightly"]["seconds"] <= TARGETS["nightly_seconds"],
         f"{largest['nightly']['seconds']:.1f} s"),
        ("nightly increment under 60 s (warm)", largest["nightly"]["notes"]["warm_seconds"] <= TARGETS["nightly_seconds"],
         f"{largest['nightly']['notes']['warm_seconds']:.1f} s"),
        ("GX under 15% of (a)", a["notes"]["gx_share"] <= TARGETS["gx_share"], f"{a['notes']['gx_share']:.1%}"),
    ]
    return [f"{'MET    ' if ok else 'NOT MET'} {name}: {value} (scale {largest['scale']:g})" for name, ok, value in checks]


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "_pandas":
        return _pandas_main(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--workdir", default="/tmp/cdi-bench")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--pandas-max-scale", type=float, default=1.0,
                        help="run the pandas peer only up to this scale (it holds everything in memory)")
    parser.add_argument("--instance", choices=("sqlite", "memory"), default="sqlite",
                        help="Dagster instance of (a): on disk as `make run` (default) or cdi's in-memory one")
    args = parser.parse_args()
    os.environ.setdefault("CDI_PSEUDONYM_KEY", "bench-key")
    subprocess.run([str(BIN / "cdi"), "prepare"], check=True, cwd=ROOT, capture_output=True)
    workdir = Path(args.workdir)
    results = []
    for scale in sorted(args.scales):
        results.append(bench_scale(scale, workdir, pandas=scale <= args.pandas_max_scale, instance=args.instance))
        report = {
            "date": dt.date.today().isoformat(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                       f"{os.sysconf('SC_PHYS_PAGES') * PAGE / 2**30:.0f} GiB RAM, Python {platform.python_version()}",
            "results": results,
            "verdicts": _verdicts(results[-1]),
        }
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=2))
    print()
    print(_table(results))
    print()
    print("\n".join(report["verdicts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

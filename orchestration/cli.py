"""The `cdi` command: generate sample exports, prepare dbt, run the nightly pipeline or a
backfill of export dates, report the load status, publish to PostgreSQL."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import shutil
import sys
import time
from pathlib import Path

from orchestration.settings import (
    DBT_PROJECT_DIR,
    PROJECT_ROOT,
    ENV_LANDING,
    ENGINES,
    ENV_ENGINE,
    ENV_PUBLISHED,
    ENV_WAREHOUSE,
    Settings,
)


def _apply_path_flags(args: argparse.Namespace) -> Settings:
    """Flags win over the environment; both end up in the environment for dbt."""
    for flag, env in (("landing", ENV_LANDING), ("warehouse", ENV_WAREHOUSE), ("published", ENV_PUBLISHED)):
        value = getattr(args, flag, None)
        if value:
            os.environ[env] = str(Path(value).expanduser().resolve())
    engine = getattr(args, "engine", None)
    if engine:
        os.environ[ENV_ENGINE] = engine
    settings = Settings.from_env()
    settings.export_to_env()
    if settings.engine == "spark":
        from orchestration.transform.spark_engine import require_spark

        require_spark()
    return settings


def _add_engine_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINES,
                        help=f"where dbt builds the models (env {ENV_ENGINE}; default duckdb; spark: "
                             "`make spark-env`, then .venv-spark/bin/cdi)")


def _add_path_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--landing", help=f"landing folder (env {ENV_LANDING}; default data/landing)")
    parser.add_argument("--warehouse", help=f"working DuckDB file (env {ENV_WAREHOUSE}; default data/warehouse.duckdb)")
    parser.add_argument("--published", help=f"published folder (env {ENV_PUBLISHED}; default data/published)")


def cmd_generate(args: argparse.Namespace) -> int:
    if args.scale is not None:
        return _generate_national(args)
    if args.workers is not None:
        raise ValueError("--workers only applies to the national mode (--scale)")
    from orchestration.sample import generate

    started = time.perf_counter()
    summary = generate(
        Path(args.out), seed=args.seed, forces=args.forces or None,
        days=7 if args.days is None else args.days,
        progress=lambda line: print(line, file=sys.stderr),
    )
    rows = ", ".join(f"{kind} {count}" for kind, count in sorted(summary.rows_per_kind.items()))
    print(f"Wrote {summary.files_written} files for {len(summary.forces)} forces to {args.out} "
          f"in {time.perf_counter() - started:.1f}s ({rows})")
    return 0


def _generate_national(args: argparse.Namespace) -> int:
    if args.forces:
        raise ValueError("--forces cannot be combined with --scale: the national mode writes "
                         "all 43 territorial forces (leave out --scale for chosen forces)")
    from tqdm import tqdm

    from orchestration.sample.national import NATIONAL_AREAS, generate_national

    days = 365 if args.days is None else args.days
    with tqdm(total=len(NATIONAL_AREAS) * days, unit="force-day", file=sys.stderr,
              desc=f"scale {args.scale:g}") as bar:
        summary = generate_national(Path(args.out), scale=args.scale, seed=args.seed, days=days,
                                    workers=args.workers, progress=bar.update)
    rows = ", ".join(f"{kind} {count}" for kind, count in summary.rows_per_kind.items())
    print(f"Wrote {summary.files_written} files for {len(summary.forces)} forces to {args.out} "
          f"in {summary.seconds:.1f}s with {summary.workers} worker(s) ({rows}); audit sheets "
          f"for the {len(summary.audited_forces)} audited forces")
    return 0


def _ensure_fresh_manifest() -> None:
    from orchestration.transform.dbt_cli import manifest_is_stale, parse_project

    if manifest_is_stale():  # a run must never execute yesterday's dbt project
        print("dbt project changed since the manifest was written: parsing it again.")
        parse_project()


def cmd_prepare(args: argparse.Namespace) -> int:
    from orchestration.transform.dbt_cli import manifest_is_stale, parse_project

    _apply_path_flags(args)
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if args.if_stale and not manifest_is_stale():
        print(f"dbt manifest up to date: {manifest}")
        return 0
    parse_project()
    print(f"dbt manifest ready: {manifest}")
    return 0


def _landing_is_empty(landing: Path) -> bool:
    return not landing.exists() or not any(landing.iterdir())


# Real police.uk street-level files shipped beside the project (shared/data/police_uk).
POLICE_UK_SAMPLES = PROJECT_ROOT.parent / "shared" / "data" / "police_uk"


def _copy_published_samples(landing: Path) -> None:
    files = sorted(POLICE_UK_SAMPLES.glob("*-street.csv")) if POLICE_UK_SAMPLES.is_dir() else []
    if not files:
        print(f"No police.uk sample files at {POLICE_UK_SAMPLES}: published volumes will be empty.")
        return
    target = landing / "police_uk"
    target.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, target / path.name)
    print(f"Copied {len(files)} real police.uk files from {POLICE_UK_SAMPLES} to {target}.")


def _require_landing(settings: Settings) -> None:
    """A landing folder that is not there is a mistake (a typo, an unmounted share), not an
    empty night: running 44 forces over nothing would only fail checks further on."""
    if not settings.landing_dir.is_dir():
        what = "is not a folder" if settings.landing_dir.exists() else "does not exist"
        raise ValueError(f"the landing folder {settings.landing_dir} {what} "
                         f"(--landing or {ENV_LANDING}; `make run` writes the bundled sample into data/landing)")


def cmd_run(args: argparse.Namespace) -> int:
    settings = _apply_path_flags(args)
    settings.warn_if_demo_key()
    if args.sample_if_empty and _landing_is_empty(settings.landing_dir):
        from orchestration.sample import generate

        print(f"{settings.landing_dir} is empty: writing the bundled sample exports there first.")
        generate(settings.landing_dir)
        _copy_published_samples(settings.landing_dir)
    _require_landing(settings)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    _ensure_fresh_manifest()

    from orchestration.run import run_nightly

    outcome = run_nightly(settings, full_refresh=args.full_refresh, progress=print,
                          command="cdi run" + (" --full-refresh" if args.full_refresh else "")
                          + (f" --engine {settings.engine}" if settings.engine != "duckdb" else ""))
    print(outcome.report())
    return 0 if outcome.success else 1


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_backfill(args: argparse.Namespace) -> int:
    settings = _apply_path_flags(args)
    settings.warn_if_demo_key()
    if args.to < args.start:
        raise ValueError(f"--to {args.to} is before --from {args.start}")
    _require_landing(settings)
    _ensure_fresh_manifest()
    from orchestration.run import run_nightly

    started = time.perf_counter()
    outcome = run_nightly(settings, dates=(args.start, args.to), forces=args.force,
                          full_refresh=args.full_refresh, progress=print,
                          command=f"cdi backfill --from {args.start} --to {args.to}"
                                  + "".join(f" --force {force}" for force in args.force or ()))
    print(outcome.report())
    print(f"Backfill {outcome.plan}: {outcome.plan.partition_count} date partition(s) in one run, "
          f"{time.perf_counter() - started:.1f}s")
    return 0 if outcome.success else 1


def cmd_publish_postgres(args: argparse.Namespace) -> int:
    settings = _apply_path_flags(args)
    from orchestration.publish.postgres import publish_to_postgres
    from orchestration.warehouse import PUBLISHED_FILE

    result = publish_to_postgres(settings.published_dir, args.dsn, schema=args.schema, reader_role=args.reader_role)
    rows = sum(result.tables.values())
    print(f"Published {len(result.tables)} tables ({rows} rows) from {settings.published_dir / PUBLISHED_FILE} "
          f"into PostgreSQL schema {result.schema} in {result.seconds:.1f}s; read-only role: {result.reader_role}")
    return 0


def cmd_audit_design(args: argparse.Namespace) -> int:
    settings = _apply_path_flags(args)
    from orchestration.audit.design import DesignError, make_design, offence_codes
    from orchestration.audit.sheets import write_sheets
    from orchestration.warehouse import PUBLISHED_FILE, warehouse_to_read

    if args.seed is None:  # an unpredictable sample; the seed is printed and kept in the design
        import secrets

        args.seed = secrets.randbelow(2**31)
    started = time.perf_counter()
    warehouse = warehouse_to_read(Path(args.warehouse).expanduser().resolve() if args.warehouse else None,
                                  settings.published_dir / PUBLISHED_FILE, settings.warehouse)
    try:
        design = make_design(warehouse, args.force, args.start, args.to, args.precision, args.seed,
                             audit_id=args.audit_id, progress=lambda line: print(line, file=sys.stderr))
        folder = write_sheets(settings.landing_dir, design, offence_codes(warehouse), inspector=args.inspector or "")
    except (DesignError, FileExistsError) as exc:
        raise ValueError(str(exc)) from None
    print(f"Audit {design.audit_id}: {design.sample_size} of {design.population} incidents "
          f"({args.force}, {args.start} .. {args.to}), seed {design.seed}")
    print(f"{'stratum':<30} {'population':>10} {'sample':>7}")
    for stratum in design.strata:
        print(f"{stratum.name:<30} {stratum.population:>10} {stratum.sample_size:>7}")
    print(f"prior rate {design.prior_rate:.3f} ({design.prior_source}); expected 95% half-width "
          f"{design.expected_half_width:.4f} (target {design.precision})")
    print(f"every decision of the period to review: {len(design.no_crime_decisions)} no-crime, "
          f"{len(design.disposals)} out-of-court disposal(s)")
    written = [path.name for path in sorted(folder.iterdir())]
    print(f"Wrote {', '.join(written)} into {folder} in {time.perf_counter() - started:.1f}s")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = _apply_path_flags(args)
    from orchestration.status import judged_at, read_status
    from orchestration.warehouse import published_warehouse, warehouse_to_read

    if args.nights < 1:
        raise ValueError(f"--nights must be at least 1, not {args.nights}")
    warehouse = warehouse_to_read(Path(args.warehouse).expanduser().resolve() if args.warehouse else None,
                                  published_warehouse(settings.published_dir), settings.warehouse)
    status = read_status(warehouse, args.nights, judged_at(args.as_of))
    print(status.report(args.nights))
    return 1 if status.needs_attention else 0


# What a bug report needs: cdi's version and the engines it drives (read from the installed
# packages' metadata: no engine is imported for it).
VERSIONED = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "great-expectations")


def version_line() -> str:
    from importlib.metadata import version

    engines = ", ".join(f"{name} {version(name)}" for name in VERSIONED)
    return f"cdi {version('crime-data-integrity')} ({engines}; Python {platform.python_version()})"


class _PrintVersion(argparse.Action):
    """`--version`: one unwrapped line (argparse's own action wraps it to the terminal)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, help="print cdi's version and its engines' and exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_line())
        parser.exit()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Dagster prints its own event log; without this, records propagated to the root logger
    # would be printed a second time (and GX's INFO chatter with them).
    logging.getLogger().handlers[0].setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="cdi", description="Crime Data Integrity Warehouse")
    parser.add_argument("--version", action=_PrintVersion)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write deterministic sample force exports and audit sheets")
    gen.add_argument("--out", required=True, help="landing folder to write into")
    gen.add_argument("--seed", type=int, default=2014)
    gen.add_argument("--forces", nargs="+", help="police.uk force ids (default: the 13 audited forces)")
    gen.add_argument("--days", type=int,
                     help="export days (default 7, at least 5; with --scale default 365, at least 7)")
    gen.add_argument("--scale", type=float,
                     help="national mode: all 43 territorial forces, canonical CSV, streamed; "
                          "1.0 = ~20M incidents and ~6M crimes a year (0.01 = ~200k incidents)")
    gen.add_argument("--workers", type=int,
                     help="processes for --scale (default: one per CPU); output is the same")
    gen.set_defaults(func=cmd_generate)

    prep = sub.add_parser("prepare", help="parse the dbt project (writes the manifest)")
    prep.add_argument("--if-stale", action="store_true",
                      help="only when a project file is newer than the manifest, or dbt-core changed (make does this)")
    _add_path_flags(prep)
    prep.set_defaults(func=cmd_prepare)

    run = sub.add_parser("run", help="run the whole nightly pipeline in this process")
    _add_path_flags(run)
    run.add_argument("--sample-if-empty", action="store_true",
                     help="generate the bundled sample into the landing folder when it is empty")
    run.add_argument("--full-refresh", action="store_true",
                     help="rebuild the incremental dbt models from the whole raw layer")
    _add_engine_flag(run)
    run.set_defaults(func=cmd_run)

    back = sub.add_parser("backfill", help="load and build a range of export dates (all forces or some)")
    _add_path_flags(back)
    back.add_argument("--from", dest="start", type=_date, required=True, help="first export date, YYYY-MM-DD")
    back.add_argument("--to", type=_date, required=True, help="last export date, YYYY-MM-DD (inclusive)")
    back.add_argument("--force", action="append",
                      help="a force id (repeatable); default: every force with a landing folder")
    back.add_argument("--full-refresh", action="store_true",
                      help="rebuild the incremental dbt models from the whole raw layer")
    _add_engine_flag(back)
    back.set_defaults(func=cmd_backfill)

    audit = sub.add_parser("audit", help="inspection audits").add_subparsers(dest="audit_command", required=True)
    design = audit.add_parser(
        "design", help="size and draw a stratified sample of a force's incidents and write the auditors' sheets")
    design.add_argument("--force", required=True, help="police.uk force id")
    design.add_argument("--from", dest="start", type=_date, required=True, help="first day received, YYYY-MM-DD")
    design.add_argument("--to", type=_date, required=True, help="last day received, YYYY-MM-DD (inclusive)")
    design.add_argument("--precision", type=float, default=0.03,
                        help="target 95%% half-width of the overall recording rate (default 0.03)")
    design.add_argument("--seed", type=int, help="seed of the random draw (default: a fresh one, printed)")
    design.add_argument("--audit-id", help="default <force>-<from>-<to>-s<seed>")
    design.add_argument("--inspector", help="written into the audit sheet")
    design.add_argument("--landing", help=f"landing folder the sheets go into (env {ENV_LANDING}; default data/landing)")
    design.add_argument("--warehouse",
                        help="DuckDB file to read, read-only (default: the published one, else the working one)")
    design.add_argument("--published", help=f"published folder (env {ENV_PUBLISHED}; default data/published)")
    design.set_defaults(func=cmd_audit_design)

    status = sub.add_parser(
        "status", help="the last nights per force, late forces and held-back audits; exit 1 when any needs attention")
    status.add_argument("--nights", type=int, default=3, help="export dates shown per force (default 3)")
    status.add_argument("--as-of", type=_date, metavar="DATE",
                        help="judge lateness as the nightly run of export date DATE does (02:00 Europe/London "
                             "the morning after); default: now")
    status.add_argument("--warehouse",
                        help="DuckDB file to read, read-only (default: the published one, else the working one)")
    status.add_argument("--published", help=f"published folder (env {ENV_PUBLISHED}; default data/published)")
    status.set_defaults(func=cmd_status)

    pg = sub.add_parser("publish-postgres", help="copy the published marts into a PostgreSQL schema (atomic swap)")
    pg.add_argument("--dsn", required=True,
                    help="libpq connection string or URI; the password may come from PGPASSWORD or ~/.pgpass")
    pg.add_argument("--schema", default="marts", help="target schema (default marts)")
    pg.add_argument("--reader-role", default="cdi_reader",
                    help="read-only role given USAGE/SELECT, created NOLOGIN if missing (default cdi_reader)")
    pg.add_argument("--published", help=f"published folder (env {ENV_PUBLISHED}; default data/published)")
    pg.set_defaults(func=cmd_publish_postgres)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # bad arguments reach the user as one clear line
        print(f"cdi {args.command}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last line of defence: say what failed
        run = sys.modules.get("orchestration.run")  # imported by the commands that run the job
        if run is not None and isinstance(exc, run.WarehouseBusy):  # another run holds the warehouse
            print(f"cdi {args.command}: {exc}", file=sys.stderr)
            return run.EXIT_WAREHOUSE_BUSY
        if os.environ.get("CDI_DEBUG"):
            raise
        print(f"cdi {args.command} failed: {type(exc).__name__}: {exc}\n"
              "(set CDI_DEBUG=1 for the full traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

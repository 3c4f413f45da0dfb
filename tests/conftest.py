"""Shared fixtures: the dbt manifest (once), the bundled sample, real pipeline runs,
headless Chromium and PostgreSQL."""

from __future__ import annotations

import os
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.settings import ENV_LANDING, ENV_PUBLISHED, ENV_WAREHOUSE, Settings, environment_variable

# Headless Chromium and a throwaway PostgreSQL server, for tests anywhere under tests/
# (tests/ is on sys.path: `pythonpath` in pyproject.toml).
from fixtures_browser import chromium  # noqa: F401
from fixtures_network import recording_proxy
from fixtures_postgres import postgres  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"


def pytest_configure(config):
    # Runs before test modules import the definitions: the manifest must exist and be fresh,
    # and runs in tests use a throwaway Dagster instance, never the developer's DAGSTER_HOME.
    os.environ.pop("DAGSTER_HOME", None)
    os.environ["DAGSTER_DISABLE_TELEMETRY"] = "1"
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has parsed already
        return
    from orchestration.transform.dbt_cli import manifest_is_stale, parse_project

    # `make test` has just parsed (`cdi prepare`): parsing again cost ~4 s before any test.
    if manifest_is_stale():
        parse_project()


# Fixtures that run the real pipeline (or start a browser or a database server): a test using
# one is end to end, left out of `make test-fast`. Modules that run it themselves say so with
# `pytestmark = pytest.mark.e2e`.
E2E_FIXTURES = {"nightly", "copy_of_night", "next_night", "pipeline", "published_copy", "chromium", "postgres"}


# `make test` runs two xdist workers. The tests of the session's sample night run on one of
# them, so the night is loaded once, not once per worker; every other test stays with its
# module, so a module-scoped fixture (the nights of a story) is built once too. xdist's own
# `xdist_group` cannot say this here: it renames the test ids, which pytest 9 no longer lets it
# do, so the scheduler below groups by module, with the modules of the night as one group.
NIGHT_FIXTURES = {"nightly", "copy_of_night", "next_night", "published_copy"}
NIGHT_MODULES = {
    "tests/audit/test_design_loop.py",
    "tests/ingest/test_ingest_assets.py",
    "tests/ingest/test_landing_hygiene.py",
    "tests/ingest/test_police_uk.py",
    "tests/publish/test_docs.py",
    "tests/publish/test_night_file.py",
    "tests/publish/test_postgres.py",
    "tests/publish/test_publish.py",
    "tests/publish/test_readers.py",
    "tests/publish/test_report.py",
    "tests/quality/test_blocking.py",
    "tests/quality/test_dbt_tests.py",
    "tests/scripts/test_bench_peers.py",
    "tests/test_run.py",
    "tests/test_status.py",
    "tests/transform/test_marts.py",
}


# Modules whose module-scoped fixture runs many nights in a row (1.5-2.5 min of one worker).
STORY_MODULES = {"tests/test_published_figures.py", "tests/transform/test_incremental_models.py"}


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndTheNight(LoadScopeScheduling):
        def __init__(self, config, log=None):
            super().__init__(config, log)
            # Hand out modules in the collection order set below (longest first), not xdist's
            # default of the module with the most tests first.
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "night" if module in NIGHT_MODULES else module

    return ModulesAndTheNight(config, log)


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if E2E_FIXTURES & fixtures:
            item.add_marker(pytest.mark.e2e)
        module = item.nodeid.split("::", 1)[0]
        if NIGHT_FIXTURES & fixtures and module not in NIGHT_MODULES:
            raise pytest.UsageError(f"{module} uses the session's night: add it to NIGHT_MODULES in tests/conftest.py")
    # The scheduler hands out modules in this order, longest first: the night's modules (~4 min
    # on a worker), the stories of many nights, the other end-to-end modules (a pipeline run is
    # ~20-40 s), then the unit modules (seconds), which fill in at the end. A worker is given
    # its next module while its last two tests run, so a run-sized module handed out last could
    # leave the other worker idle for minutes (it did: two runs queued on one worker, ~40 s).
    heavy = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("e2e")}

    def rank(item) -> int:
        module = item.nodeid.split("::", 1)[0]
        return 0 if module in NIGHT_MODULES else 1 if module in STORY_MODULES else 2 if module in heavy else 3

    items.sort(key=rank)  # stable: a module keeps its own order


@contextmanager
def pipeline_env(landing: Path, workdir: Path):
    """CDI_* settings pointing at a landing folder and a private warehouse/published folder."""
    values = {ENV_LANDING: str(landing), ENV_WAREHOUSE: str(workdir / "warehouse.duckdb"),
              ENV_PUBLISHED: str(workdir / "published")}
    with ExitStack() as stack:
        for name, value in values.items():
            stack.enter_context(environment_variable(name, value))
        yield Settings.from_env()


@dataclass
class Night:
    """One real run of the nightly job and where it wrote."""

    settings: Settings
    outcome: object
    outbound: list[str] | None = None  # request lines sent towards the internet, when recorded

    @property
    def published(self) -> Path:
        return self.settings.published_dir / "warehouse.duckdb"

    def query(self, sql: str, params=None, published: bool = True):
        path = self.published if published else self.settings.warehouse
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()


def run_pipeline(landing: Path, workdir: Path) -> Night:
    from orchestration.run import run_nightly

    workdir.mkdir(parents=True, exist_ok=True)
    with pipeline_env(landing, workdir) as settings:
        return Night(settings, run_nightly(settings))


POLICE_UK_FILES = SHARED_DIR / "data" / "police_uk"


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """The bundled sample (13 forces, 7 days), generated once, plus the real police.uk files."""
    from orchestration.sample import generate

    landing = tmp_path_factory.mktemp("sample") / "landing"
    summary = generate(landing)
    (landing / "police_uk").mkdir()
    for path in sorted(POLICE_UK_FILES.glob("*-street.csv")):
        shutil.copy(path, landing / "police_uk" / path.name)
    return landing, summary


@pytest.fixture(scope="session")
def sample_landing(sample) -> Path:
    return sample[0]


@pytest.fixture(scope="session")
def nightly(sample_landing, tmp_path_factory) -> Night:
    """The whole pipeline run once on the sample: ingestion, dbt, checks, publish; with
    every call towards the internet recorded (there must be none)."""
    with recording_proxy() as outbound:
        night = run_pipeline(sample_landing, tmp_path_factory.mktemp("nightly"))
    night.outbound = outbound
    assert night.outcome.success, night.outcome.report()
    return night


@pytest.fixture
def workdir(tmp_path_factory) -> Path:
    """An empty folder for a test's warehouse and published folder, at the same path for every
    test of this worker (emptied first). dbt keys its partial-parse state by the connection,
    the warehouse path included, so each new path parsed the whole project again (~3.5 s a
    run); tests that start a warehouse of their own share one path and parse it once. dbt run
    in-process keeps its DuckDB instance open after the test: such tests use a path of their
    own, or the next night here would meet that instance."""
    path = tmp_path_factory.getbasetemp() / "workdir"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


def _copy_night(night: Night, workdir: Path, landing: Path) -> tuple[Path, Path]:
    """The night's warehouse and published folder into `workdir`, its landing folder to `landing`."""
    # symlinks=True: the published folder's links (current -> nights/<night>) stay links
    shutil.copytree(night.settings.warehouse.parent, workdir, symlinks=True, dirs_exist_ok=True)
    shutil.copytree(night.settings.landing_dir, landing)
    return landing, workdir


@pytest.fixture
def copy_of_night(nightly, workdir, tmp_path):
    """A private copy of a successful night (warehouse + published), to run again on."""
    return _copy_night(nightly, workdir, tmp_path / "landing")


# What readers are asked in the publish tests: one figure of each layer, so a mix of nights shows.
NIGHT_SIGNATURE = (
    "SELECT (SELECT count(*) FROM raw.incidents), (SELECT sum(crimes_recorded) FROM marts.recording_accuracy), "
    "(SELECT count(*) FROM marts.recording_accuracy)"
)


def night_signature(published: Path) -> tuple:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(NIGHT_SIGNATURE).fetchone()


@dataclass
class NextNight:
    """The night after the sample's, and what readers of the published file saw meanwhile."""

    night: Night
    before: tuple  # (raw.incidents rows, crimes recorded, recording_accuracy rows) published before it
    answers: list[str]  # the readers' lines: those three figures and how they were read, or ERROR
    design: object  # the audit designed, written and filled before it (tests/audit/fill.py FilledDesign)


READER = REPO_ROOT / "tests" / "publish" / "reader_loop.py"


# Entries of a landing folder the loader must pass over, each named in the night's warning
# (tests/ingest/test_landing_hygiene.py), by their path under the landing folder.
ODD_DAY = "kent/2014-01-06"
ODD_LANDING_ENTRIES = ("kent/2012-12-31", "kent/latest", f"{ODD_DAY}/incidents (1).csv", "essex/2014-01-06/incidents.csv")


def add_odd_entries(landing: Path) -> None:
    """A date folder before 2013 (it used to crash the run: no partition for it), a folder
    that is not a date, a copy under an unexpected name and a symlink."""
    day = landing / ODD_DAY
    shutil.copytree(day, landing / ODD_LANDING_ENTRIES[0])
    shutil.copytree(day, landing / ODD_LANDING_ENTRIES[1])
    incidents = next(day.glob("KENT_INCIDENTS_*"))
    shutil.copy(incidents, landing / ODD_LANDING_ENTRIES[2])
    os.symlink(incidents, landing / ODD_LANDING_ENTRIES[3])


@pytest.fixture(scope="session")
def next_night(nightly, tmp_path_factory) -> NextNight:
    """The night after the sample's, on a copy of it, as a real second night brings several
    things at once, run once while a reader in its own process (Python, SQLAlchemy, the
    DuckDB CLI) queries the published file in a loop:
    - one more hertfordshire export day (its incidents renumbered, one of them with a channel
      no force uses: a warning, not a block);
    - odd entries in the landing folder (`add_odd_entries`);
    - the sheets of a Hertfordshire audit designed from the published night and filled
      (tests/audit/fill.py `design_and_fill`).
    The publish tests check what readers saw, the quality tests that the warning was reported
    and the night still published, the landing tests that every odd entry was named, the
    audit-design test the weighted rate: one night, not four."""
    import signal
    import subprocess
    import sys
    import time

    from tests.audit.fill import design_and_fill

    root = tmp_path_factory.mktemp("next_night")
    landing, workdir = _copy_night(nightly, root / "work", root / "landing")
    source, day = landing / "hertfordshire" / "2014-01-12", landing / "hertfordshire" / "2014-01-13"
    day.mkdir()
    text = (source / "incidents.csv").read_text().replace("HT-I-14-", "HT-I-15-").replace("2014-01-12T", "2014-01-13T")
    (day / "incidents.csv").write_text(
        text.rstrip("\n") + "\nHT-I-15-999999,2014-01-13T09:00:00,carrier_pigeon,ASSAULT,NFA,,,,noise\n")
    add_odd_entries(landing)
    published = workdir / "published" / "warehouse.duckdb"
    design = design_and_fill(landing, published)
    before = night_signature(published)
    answers = root / "answers.txt"
    reader = subprocess.Popen([sys.executable, str(READER), str(published), str(answers)])
    try:
        night = run_pipeline(landing, workdir)
        time.sleep(0.5)
    finally:
        reader.send_signal(signal.SIGTERM)
        reader.wait(timeout=30)
    return NextNight(night, before, answers.read_text().splitlines(), design)


@pytest.fixture(scope="session")
def two_forces(tmp_path_factory) -> Path:
    """A small landing folder: essex and kent, export days 2014-01-06 .. 2014-01-10."""
    from orchestration.sample import generate

    landing = tmp_path_factory.mktemp("two_forces") / "landing"
    generate(landing, forces=["essex", "kent"], days=5)
    return landing


@pytest.fixture
def small_landing(two_forces, tmp_path) -> Path:
    """A private copy of `two_forces` that a test may add files to or remove files from."""
    landing = tmp_path / "landing"
    shutil.copytree(two_forces, landing)
    return landing


@pytest.fixture(scope="session")
def pipeline():
    """`pipeline(landing, workdir)` runs the real nightly job there and returns the Night."""
    return run_pipeline

"""Readers always see a complete night: during a run, after a failed run, after a crash."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

CDI = str(Path(sys.executable).with_name("cdi"))
READER = Path(__file__).with_name("reader_loop.py")
NIGHT_SIGNATURE = (
    "SELECT (SELECT count(*) FROM raw.incidents), (SELECT sum(crimes_recorded) FROM marts.recording_accuracy), "
    "(SELECT count(*) FROM marts.recording_accuracy)"
)


def _env(landing: Path, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(CDI_LANDING_DIR=str(landing), CDI_WAREHOUSE=str(workdir / "warehouse.duckdb"),
               CDI_PUBLISHED_DIR=str(workdir / "published"))
    return env


def _signature(path: Path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(NIGHT_SIGNATURE).fetchone()


def _add_a_day(landing: Path) -> None:
    """A new nightly drop for one force: the next night differs from the last one."""
    source = landing / "hertfordshire" / "2014-01-12"
    target = landing / "hertfordshire" / "2014-01-13"
    target.mkdir()
    text = (source / "incidents.csv").read_text().replace("HT-I-14-", "HT-I-15-").replace("2014-01-12T", "2014-01-13T")
    (target / "incidents.csv").write_text(text)


def test_parquet_and_snapshot_are_published(nightly):
    published = nightly.settings.published_dir
    assert not (published / "warehouse.duckdb.wal").exists()
    names = {p.name for p in (published / "parquet").glob("*.parquet")}
    assert {"recording_accuracy.parquet", "no_crime_accuracy.parquet", "dim_force.parquet"} <= names
    with duckdb.connect() as con:
        herts = con.execute(
            "SELECT crimes_recorded FROM read_parquet(?) WHERE force_id = 'hertfordshire' AND offence_group = 'all'",
            [str(published / "parquet" / "recording_accuracy.parquet")]).fetchall()
    assert herts == [(130,)]


def test_readers_see_the_old_or_the_new_night_never_a_mix(copy_of_night):
    landing, workdir = copy_of_night
    published = workdir / "published" / "warehouse.duckdb"
    old = _signature(published)
    _add_a_day(landing)
    answers = workdir / "answers.txt"
    reader = subprocess.Popen([sys.executable, str(READER), str(published), str(answers)])
    try:
        run = subprocess.run([CDI, "run"], env=_env(landing, workdir), capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        time.sleep(0.5)
    finally:
        reader.send_signal(signal.SIGTERM)
        reader.wait(timeout=30)
    new = _signature(published)
    assert new != old
    lines = answers.read_text().splitlines()
    errors = [line for line in lines if line.startswith("ERROR")]
    assert errors == []
    seen = {tuple(int(v) for v in line.split(",")[:3]) for line in lines}
    kinds = {line.split(",")[3] for line in lines}
    assert len(lines) > 20
    assert kinds == {"with_python", "with_sqlalchemy", "with_cli"}
    assert seen <= {old, new} and old in seen


def test_a_failed_run_leaves_the_published_file_exactly_as_it_was(copy_of_night):
    landing, workdir = copy_of_night
    published = workdir / "published" / "warehouse.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    bad = landing / "atlantis" / "2014-01-13"
    bad.mkdir(parents=True)
    text = (landing / "hertfordshire" / "2014-01-12" / "incidents.csv").read_text()
    (bad / "incidents.csv").write_text(text.replace("HT-I-14-", "AT-I-14-"))
    run = subprocess.run([CDI, "run"], env=_env(landing, workdir), capture_output=True, text=True, timeout=600)
    assert run.returncode == 1
    assert "FAILED" in run.stdout and "atlantis" in run.stdout
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("kill_at", ["[crimes ", "Running dbt command", "published__warehouse"])
def test_sigkill_at_any_stage_leaves_everything_usable(nightly, tmp_path, kill_at):
    landing = nightly.settings.landing_dir
    workdir = tmp_path / "night"
    shutil.copytree(nightly.settings.published_dir, workdir / "published")
    published = workdir / "published" / "warehouse.duckdb"
    good = _signature(published)
    proc = subprocess.Popen([CDI, "run"], env=_env(landing, workdir), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    killed = False
    for line in proc.stdout:
        if kill_at in line and "STEP_SUCCESS" not in line:
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=600)
    assert killed, f"never saw {kill_at!r}"
    # The published night is intact and readable, the working file opens.
    assert _signature(published) == good
    with duckdb.connect(str(workdir / "warehouse.duckdb")) as con:
        con.execute("SELECT count(*) FROM ops.load_log").fetchone()
    rerun = subprocess.run([CDI, "run"], env=_env(landing, workdir), capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert _signature(published) == good
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        duplicates = con.execute(
            "SELECT count(*) - count(DISTINCT (_source_file, _source_row)) FROM raw.crimes").fetchone()[0]
    assert duplicates == 0

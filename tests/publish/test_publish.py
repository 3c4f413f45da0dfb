"""Readers always see a complete night: during a run, after a failed run, after a crash."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, DagsterRunStatus

from orchestration.publish import snapshot
from orchestration.warehouse import WAREHOUSE_POOL
from orchestration.settings import PROJECT_ROOT
from tests.conftest import night_signature
from tests.publish.conftest import publish_night

CDI = str(Path(sys.executable).with_name("cdi"))


def _env(landing: Path, workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(CDI_LANDING_DIR=str(landing), CDI_WAREHOUSE=str(workdir / "warehouse.duckdb"),
               CDI_PUBLISHED_DIR=str(workdir / "published"))
    return env


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


def test_readers_see_the_old_or_the_new_night_never_a_mix(next_night):
    """Readers in their own processes (Python, SQLAlchemy, the DuckDB CLI) query the published
    file in a loop while the next night runs (tests/conftest.py `next_night`, in-process: the
    CLI's start-up is tested by the kill test) and publishes."""
    night = next_night.night
    assert night.outcome.success, night.outcome.report()
    old, new = next_night.before, night_signature(night.published)
    assert new != old
    lines = next_night.answers
    errors = [line for line in lines if line.startswith("ERROR")]
    assert errors == []
    seen = {tuple(int(v) for v in line.split(",")[:3]) for line in lines}
    kinds = {line.split(",")[3] for line in lines}
    assert len(lines) > 20
    assert kinds == {"with_python", "with_sqlalchemy", "with_cli"}
    assert seen <= {old, new} and old in seen


def test_a_failed_run_leaves_the_published_file_exactly_as_it_was(copy_of_night, pipeline):
    landing, workdir = copy_of_night
    published = workdir / "published" / "warehouse.duckdb"
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    bad = landing / "atlantis" / "2014-01-13"
    bad.mkdir(parents=True)
    text = (landing / "hertfordshire" / "2014-01-12" / "incidents.csv").read_text()
    (bad / "incidents.csv").write_text(text.replace("HT-I-14-", "AT-I-14-"))
    night = pipeline(landing, workdir)
    report = night.outcome.report()
    assert not night.outcome.success  # `cdi run` exits 1
    assert "FAILED" in report and "atlantis" in report
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before


def _marts(path: Path) -> dict[str, list]:
    """Every row of every table and view of the marts schema, in order."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [name for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM marts."{name}" ORDER BY ALL').fetchall() for name in names}


def _parquet(published: Path) -> dict[str, list]:
    """Every row of every Parquet file readers find in published/parquet/, in order."""
    with duckdb.connect() as con:
        return {path.stem: con.execute("SELECT * FROM read_parquet(?) ORDER BY ALL", [str(path)]).fetchall()
                for path in sorted((published / "parquet").glob("*.parquet"))}


def _leftovers(published: Path) -> list[str]:
    """Temporaries and set-aside files of the publish step: in the published folder and under
    nights/ (docs/ and quality/ belong to the steps after it)."""
    paths = list(published.iterdir())
    for folder, dirs, files in os.walk(published / "nights"):
        paths += [Path(folder) / name for name in dirs + files]
    return sorted(str(path.relative_to(published)) for path in paths
                  if path.name.startswith(".") or path.name.endswith((".tmp", ".old", ".wal")))


RAW_TABLES = ("incidents", "crimes", "crime_decisions", "disposals", "audits", "incident_reviews",
              "no_crime_reviews", "disposal_reviews", "police_uk_street")


def _working_state(warehouse: Path) -> dict[str, list]:
    """Every raw table, accuracy mart, load-log row (load times aside) and quarantined row."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        state = {t: con.execute(f'SELECT * FROM raw."{t}" ORDER BY ALL').fetchall() for t in RAW_TABLES}
        for mart in ("recording_accuracy", "no_crime_accuracy", "disposal_accuracy"):
            state[mart] = con.execute(f'SELECT * FROM marts."{mart}" ORDER BY ALL').fetchall()
        state["load_log"] = con.execute(
            "SELECT * EXCLUDE (started_at, finished_at) FROM ops.load_log ORDER BY load_id").fetchall()
        state["quarantine"] = con.execute("SELECT * FROM ops.quarantine ORDER BY ALL").fetchall()
    return state


def _recovered(run_id: str, pid: int, step: str) -> str:
    return f"previous run {run_id} (pid {pid}) died at step {step}: marked failed, released the warehouse"


# (what the killed run's output shows when it is killed, the step it was in). A kill inside
# publish is covered point by point, in a process of its own, by the test after this one.
KILL_STAGES = (("[crimes ", "raw__crimes"),
               ("Running dbt command", "dbt_models"))


def test_sigkill_at_ingest_and_dbt_then_a_plain_run_recovers(nightly, copy_of_night, tmp_path, monkeypatch):
    """Two runs in a row killed with SIGKILL on one on-disk Dagster instance (SQLite, with
    orchestration/dagster.yaml copied in as make does), starting from a copy of a loaded
    night: while loading, in the dbt build. Each next run names the run that died
    and where, marks it failed and frees its warehouse pool slot (the next run used to wait
    for it forever); readers keep the last good night throughout; the plain run after the
    last kill publishes the marts of a clean run (the session's night, from the same landing
    folder) with no temporaries left."""
    landing, workdir = copy_of_night
    published = workdir / "published" / "warehouse.duckdb"
    good = night_signature(published)
    loaded = _working_state(workdir / "warehouse.duckdb")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    env = {**_env(landing, workdir), "DAGSTER_HOME": str(home)}
    killed: list[tuple[str, int, str]] = []
    for kill_at, step in KILL_STAGES:
        proc = subprocess.Popen([CDI, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = []
        for line in proc.stdout:
            output.append(line)
            if kill_at in line and "STEP_SUCCESS" not in line:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=60)
        text = "".join(output)
        assert kill_at in output[-1], f"never saw {kill_at!r}: {text[-3000:]}"
        if killed:  # the run before this one was released, so this one got as far as `step`
            assert _recovered(*killed[-1]) in text, text[-3000:]
        killed.append((re.search(r" - nightly - ([0-9a-f-]{36}) - ", output[-1]).group(1), proc.pid, step))
        # The published night is intact and readable, the working file opens.
        assert night_signature(published) == good
        assert _parquet(workdir / "published") == _marts(published)

    rerun = subprocess.run([CDI, "run"], env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert _recovered(*killed[-1]) in rerun.stdout
    assert re.search(r"^Run [0-9a-f-]{36} \(.*\): SUCCEEDED", rerun.stdout, re.MULTILINE)
    # The marts of a clean run, in the warehouse and in the Parquet files beside it.
    clean = _marts(nightly.published)
    assert clean["recording_accuracy"] and _marts(published) == clean
    assert _parquet(workdir / "published") == clean
    assert _leftovers(workdir / "published") == []
    assert len(list((workdir / "published" / "nights").iterdir())) == 2  # current and previous
    # Idempotent too: two killed runs and a plain one over the same landing folder leave every
    # raw table, mart, load-log row and quarantined row exactly as the loaded night had them.
    after = _working_state(workdir / "warehouse.duckdb")
    for name in loaded:
        assert after[name] == loaded[name], name
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        duplicates = con.execute(
            "SELECT count(*) - count(DISTINCT (_source_file, _source_row)) FROM raw.crimes").fetchone()[0]
    assert duplicates == 0
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with DagsterInstance.get() as instance:
        assert [instance.get_run_by_id(run_id).status for run_id, _, _ in killed] == [DagsterRunStatus.FAILURE] * len(KILL_STAGES)
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots == []


# A publish in its own process that SIGKILLs itself at one point: when the function named is
# called (`_point`: when it is about to change the link named).
KILLED_PUBLISH = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    from orchestration.publish import snapshot
    from orchestration.transform.dbt_cli import published_views

    warehouse, published, name, link = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    original = getattr(snapshot, name)

    def killed_here(*args, **kwargs):
        if name != "_point" or (args[0].name == link and not (args[0].is_symlink()
                                                             and os.readlink(args[0]) == str(args[1]))):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(snapshot, name, killed_here)
    snapshot.publish(warehouse, published, warehouse.parent / "lake", published_views())
""")

# where the publish is killed: (function, link, whose night readers see after the kill)
KILL_POINTS = {
    "parquet written, before the night's file": ("free_space", "", "old"),
    "writing the night's file": ("write_night_file", "", "old"),
    "written and fsynced, before the swap": ("_point", "current", "old"),
    "swapped, before `previous` is pointed": ("_point", "previous", "new"),
    "swapped, before the watermark": ("record_published", "", "new"),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_publish_killed_anywhere_leaves_one_whole_night_and_the_next_cleans_up(copy_of_night, point):
    _, workdir = copy_of_night
    warehouse, published = workdir / "warehouse.duckdb", workdir / "published"
    publish_night(warehouse, published)  # the night readers have (a copy of a published folder, adopted)
    old = _marts(published / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:  # tonight's marts differ
        con.execute("UPDATE marts.dim_force SET force_name = force_name || ' (tonight)'")
    new = _marts(warehouse)
    assert new != old
    name, link, seen = KILL_POINTS[point]

    killed = subprocess.run([sys.executable, "-c", KILLED_PUBLISH, str(warehouse), str(published), name, link],
                            capture_output=True, text=True, timeout=120)

    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    night = {"old": old, "new": new}[seen]
    assert _marts(published / "warehouse.duckdb") == night  # the warehouse and ...
    assert _parquet(published) == night  # ... every Parquet file of one and the same night
    result = publish_night(warehouse, published)
    assert _marts(published / "warehouse.duckdb") == _parquet(published) == new
    assert _leftovers(published) == []
    nights = sorted(p.name for p in (published / "nights").iterdir())
    assert nights == sorted([result.night.name, os.readlink(published / "previous").split("/")[-1]])
    assert os.readlink(published / "current") == f"nights/{result.night.name}"
    if seen == "old":  # the killed publish's half-written night was removed, and said so
        assert [p for p in result.leftovers_removed if p.startswith("nights/")] != []


def test_a_published_folder_of_the_older_layout_is_adopted_with_its_night(copy_of_night):
    """Before nights/: a regular warehouse.duckdb, a parquet/ folder, and the temporary a
    SIGKILL during publish used to leave there."""
    _, workdir = copy_of_night
    warehouse, published = workdir / "warehouse.duckdb", workdir / "published"
    for name in ("current", "previous", "nights", "warehouse.duckdb", "parquet"):
        path = published / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_symlink() or path.exists():
            path.unlink()
    (published / "parquet").mkdir()
    shutil.copyfile(warehouse, published / "warehouse.duckdb")
    with duckdb.connect(str(published / "warehouse.duckdb")) as con:
        con.execute("COPY marts.dim_date TO ? (FORMAT parquet)", [str(published / "parquet" / "dim_date.parquet")])
        con.execute("COPY marts.dim_force TO ? (FORMAT parquet)",  # what a SIGKILL left
                    [str(published / "parquet" / ".dim_force.parquet.tmp")])
    (published / ".warehouse.duckdb.tmp").write_bytes(b"half a copy")
    before = hashlib.sha256((published / "warehouse.duckdb").read_bytes()).hexdigest()

    snapshot._adopt_folder(published)  # what publish does first: same night, new layout
    assert os.readlink(published / "warehouse.duckdb") == "current/warehouse.duckdb"
    assert os.readlink(published / "parquet") == "current/parquet"
    assert hashlib.sha256((published / "warehouse.duckdb").read_bytes()).hexdigest() == before
    assert [p.name for p in (published / "parquet").iterdir()] == ["dim_date.parquet"]

    result = publish_night(warehouse, published)
    assert result.leftovers_removed == [".warehouse.duckdb.tmp"]
    assert _leftovers(published) == []
    assert _parquet(published) == _marts(published / "warehouse.duckdb") == _marts(warehouse)
    assert {p.name for p in result.parquet_files} == {f"{name}.parquet" for name in _marts(warehouse)}


def test_the_published_copy_carries_no_quarantined_record(copy_of_night):
    """Readers get the reconciliation figures of ops.quarantine, not the rows themselves: not
    even as the free bytes a dropped column leaves (the record is never written there)."""
    _, workdir = copy_of_night
    warehouse, published = workdir / "warehouse.duckdb", workdir / "published"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("INSERT INTO ops.quarantine (load_id, file_path, source_row, raw_record, reason) "
                    "SELECT 1, 'kent/2014-01-06/incidents.csv', 2 + i, "
                    "'KENT-I-' || i || ',2014-01-06T09:00,999,Ann Example,1 High Street', 'ragged row: 5 fields' "
                    "FROM range(20000) AS t(i)")
        figures = con.execute(
            "SELECT load_id, file_path, source_row, reason FROM ops.quarantine ORDER BY ALL").fetchall()

    result = publish_night(warehouse, published)

    assert result.quarantined_records_dropped == len(figures) >= 20000
    with duckdb.connect(str(published / "warehouse.duckdb"), read_only=True) as con:
        columns = [c for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'ops' "
            "AND table_name = 'quarantine' ORDER BY ordinal_position").fetchall()]
        assert "raw_record" not in columns and columns[:3] == ["load_id", "file_path", "source_row"]
        assert con.execute(
            "SELECT load_id, file_path, source_row, reason FROM ops.quarantine ORDER BY ALL").fetchall() == figures
        assert con.execute("SELECT count(*) FROM staging.stg_ops__quarantined_rows").fetchone() == (len(figures),)
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the working file keeps them for operators
        assert con.execute("SELECT count(raw_record) FROM ops.quarantine").fetchone() == (len(figures),)
    assert b"Ann Example" not in (published / "warehouse.duckdb").read_bytes()

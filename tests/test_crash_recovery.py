"""A run that died gives back what it held; a second run on the same warehouse is told why not.

Real processes throughout: a run is SIGKILLed while it holds the `duckdb_warehouse` pool slot
of an on-disk (SQLite) instance, a `cdi run` and a `cdi backfill` meet a live holder of the
warehouse lock. The whole pipeline killed at ingest, dbt and publish is in
tests/publish/test_publish.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from orchestration.warehouse import WAREHOUSE_POOL
from orchestration.run import (
    EXIT_WAREHOUSE_BUSY,
    RUN_TAG_HOST,
    RUN_TAG_PID,
    RUN_TAG_PROCESS,
    WarehouseBusy,
    _process_is_gone,
    lock_path,
    process_tags,
    release_dead_runs,
    wait_for_warehouse_file,
    warehouse_lock,
)
from orchestration.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e  # runs the real pipeline (or dbt, or a server): not in `make test-fast`

CDI = str(Path(sys.executable).with_name("cdi"))

# A run of a one-step job whose step sits in the warehouse pool, executed in process with
# cdi's process tags, as `cdi run` executes the nightly job.
POOL_RUN = textwrap.dedent("""
    import sys, time
    from dagster import DagsterInstance, job, op
    from orchestration.run import process_tags

    @op(pool="duckdb_warehouse")
    def hold_the_warehouse():
        print("holding the warehouse", flush=True)
        time.sleep(float(sys.argv[2]))

    @job
    def one_step():
        hold_the_warehouse()

    with DagsterInstance.get() as instance:
        result = one_step.execute_in_process(instance=instance, run_id=sys.argv[1], tags=process_tags())
    print("run finished", result.success, flush=True)
""")

# A process holding the warehouse lock the way `cdi run` does, from planning to its first run.
LOCK_HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from orchestration.run import RunPlan, warehouse_lock
    import datetime as dt

    with warehouse_lock(Path(sys.argv[1]), "cdi run") as lock:
        lock.record_run(sys.argv[2], RunPlan(dt.date(2014, 1, 6), dt.date(2014, 1, 12), ("essex", "kent")))
        print("holding", flush=True)
        time.sleep(120)
""")


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    """An on-disk SQLite instance configured as `make` does: orchestration/dagster.yaml copied in."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def _pool_run(run_id: str, seconds: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", POOL_RUN, run_id, str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_killed_run_is_marked_failed_and_its_pool_slot_freed(dagster_home):
    killed_id = str(uuid.uuid4())
    victim = _pool_run(killed_id, 600)
    for line in victim.stdout:
        if "holding the warehouse" in line:
            break
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)

    with DagsterInstance.get() as instance:
        # The wedge: Dagster still sees the run as started, holding the warehouse's only slot.
        assert instance.get_run_by_id(killed_id).status == DagsterRunStatus.STARTED
        pool = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        assert pool.slot_count == 1
        assert [(slot.run_id, slot.step_key) for slot in pool.claimed_slots] == [(killed_id, "hold_the_warehouse")]

        lines = release_dead_runs(instance)

        assert lines == [f"previous run {killed_id} (pid {victim.pid}) died at step hold_the_warehouse: "
                         "marked failed, released the warehouse"]
        assert instance.get_run_by_id(killed_id).status == DagsterRunStatus.FAILURE
        (failure,) = instance.all_logs(killed_id, of_type=DagsterEventType.RUN_FAILURE)
        assert f"pid {victim.pid}" in failure.dagster_event.message
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots == []
        assert release_dead_runs(instance) == []  # nothing left to release

    # The next run takes the slot and finishes (it waited forever before).
    started = time.monotonic()
    after = _pool_run(str(uuid.uuid4()), 0)
    out, _ = after.communicate(timeout=120)
    assert after.returncode == 0, out[-2000:]
    assert "run finished True" in out
    assert time.monotonic() - started < 120


def test_only_runs_whose_process_is_gone_count_as_dead():
    mine = process_tags()
    assert mine[RUN_TAG_PID] == str(os.getpid()) and mine[RUN_TAG_PROCESS]
    assert not _process_is_gone(mine)
    # the same pid, given to another process since (another start time or boot)
    assert _process_is_gone({**mine, RUN_TAG_PROCESS: mine[RUN_TAG_PROCESS] + "0"})
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    assert _process_is_gone({**mine, RUN_TAG_PID: ended.stdout.strip()})
    # what cannot be checked from here is left alone: another host's run, a run without the tags
    assert not _process_is_gone({**mine, RUN_TAG_PID: ended.stdout.strip(), RUN_TAG_HOST: "another-host"})
    assert not _process_is_gone({})


def test_a_second_run_on_the_same_warehouse_stops_at_once_naming_the_holder(small_landing, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    run_id = str(uuid.uuid4())
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(warehouse), run_id],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env.update(CDI_LANDING_DIR=str(small_landing), CDI_WAREHOUSE=str(warehouse),
                   CDI_PUBLISHED_DIR=str(tmp_path / "published"))
        started = time.monotonic()
        second = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for command in ([CDI, "run"], [CDI, "backfill", "--from", "2014-01-06", "--to", "2014-01-07"])]
        outputs = [process.communicate(timeout=120) for process in second]
        seconds = time.monotonic() - started
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    for process, (out, err), name in zip(second, outputs, ("run", "backfill")):
        assert process.returncode == EXIT_WAREHOUSE_BUSY, out + err
        assert f"cdi {name}: the warehouse {warehouse} is in use by run {run_id} (pid {holder.pid} on " in err
        assert "`cdi run`, started 20" in err and "2014-01-06 .. 2014-01-12, essex, kent" in err
        assert "Run " not in out and "run: export date" not in out  # nothing was started
    assert seconds < 60
    assert not (tmp_path / "published").exists()
    # The kernel released the SIGKILLed holder's lock: the next run takes it at once.
    with warehouse_lock(warehouse, "cdi run") as lock:
        assert lock_path(warehouse).read_text().startswith('{"pid": %d' % os.getpid())
    assert lock_path(warehouse).read_text() == ""  # emptied when released


def test_a_process_still_holding_the_warehouse_file_is_waited_for(tmp_path):
    """After a kill during the dbt step, dbt goes on with the warehouse open for a while."""
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(float(sys.argv[2]))", str(warehouse), "3"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "open"
    said = []
    wait_for_warehouse_file(warehouse, said.append)
    assert holder.wait(timeout=30) == 0
    assert said[0].startswith(f"the warehouse file {warehouse} is open by process {holder.pid} (")
    assert said[-1].startswith(f"the warehouse file {warehouse} is free after ")

    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(WarehouseBusy, match=f"still open read-write by process {holder.pid} "):
            wait_for_warehouse_file(warehouse, said.append, timeout=1)
    finally:
        holder.kill()
        holder.wait()

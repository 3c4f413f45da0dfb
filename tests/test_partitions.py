"""Force x export-date partitions: keys, registration order, rectangles of runs."""

import datetime as dt
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import DagsterInstance, partition_loading_context

from orchestration.ingest.landing import export_date_range
from orchestration.partitions import (
    EXPORT_DATES,
    FORCE_DAYS,
    ForceDay,
    contiguous_runs,
    known_forces,
    landing_force_days,
    range_tags,
    register_forces,
    seed_forces,
)
from orchestration.run import plan_runs
from orchestration.settings import ENV_LANDING, Settings


def test_a_partition_key_is_date_then_force_and_round_trips():
    day = ForceDay(dt.date(2014, 1, 6), "kent")
    assert day.key == "2014-01-06|kent"
    assert ForceDay.from_key(day.key) == day
    assert FORCE_DAYS.get_partitions_def_for_dimension("date").timezone == "Europe/London"


def test_landing_folders_give_the_force_days(tmp_path: Path):
    for folder in ("kent/2014-01-07", "kent/2014-01-06", "essex/2014-01-06", "kent/audits/kent-2014",
                   "kent/2014-02-30", "kent/not-a-date", "README.d", "Bad_Force/2014-01-06"):
        (tmp_path / folder).mkdir(parents=True)
    assert [str(day) for day in landing_force_days(tmp_path)] == [
        "essex 2014-01-06", "kent 2014-01-06", "kent 2014-01-07"]


def test_landing_forces_come_first_so_one_rectangle_covers_them(tmp_path: Path):
    for force in ("kent", "essex", "new-force"):
        (tmp_path / force / "2014-01-06").mkdir(parents=True)
    forces = known_forces(tmp_path)
    assert forces[:3] == ["essex", "kent", "new-force"]
    assert len(forces) == len(seed_forces()) + 1  # new-force is not in the seed
    with DagsterInstance.ephemeral() as instance:
        assert register_forces(instance, forces) == forces
        assert register_forces(instance, ["kent", "surrey"]) == []  # nothing twice
        order = instance.get_dynamic_partitions("force")
    assert contiguous_runs(["kent", "essex"], order) == [["essex", "kent"]]
    assert contiguous_runs(["new-force", "essex"], order) == [["essex"], ["new-force"]]
    with pytest.raises(ValueError, match="unknown force.*atlantis"):
        contiguous_runs(["atlantis"], order)


def test_range_tags_describe_a_rectangle():
    tags = range_tags(dt.date(2014, 1, 6), dt.date(2014, 1, 8), ["essex", "kent"])
    assert set(tags.values()) == {"2014-01-06|essex", "2014-01-08|kent"}
    with pytest.raises(ValueError, match="before"):
        range_tags(dt.date(2014, 1, 8), dt.date(2014, 1, 6), ["kent"])


@pytest.mark.parametrize("utc", ["2026-06-30 22:59", "2026-06-30 23:00", "2026-01-15 23:59", "2026-01-16 00:00"])
def test_the_partitions_are_the_export_dates_a_landing_folder_may_carry(utc):
    """2013-01-01 to tomorrow in Europe/London (BST: 23:00 UTC is already the next day)."""
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    first, last = export_date_range(now)
    with partition_loading_context(effective_dt=now):
        assert (EXPORT_DATES.get_first_partition_key(), EXPORT_DATES.get_last_partition_key()) == (
            first.isoformat(), last.isoformat())
    assert last == now.astimezone(ZoneInfo("Europe/London")).date() + dt.timedelta(days=1)


def test_odd_folders_are_no_partitions_so_planning_neither_crashes_nor_stalls(tmp_path: Path, monkeypatch):
    """Before 2013 the run crashed (no partition key); 2099 planned ~100,000 partitions."""
    landing = tmp_path / "landing"
    tomorrow = export_date_range()[1]
    for folder in ("kent/2014-01-06", "essex/2014-01-07", f"kent/{tomorrow}", "kent/2012-12-31",
                   "kent/2099-01-01", f"kent/{tomorrow + dt.timedelta(days=1)}", "kent/20140108",
                   '"kent"/2014-01-06', "Kent/2014-01-06", "kent force/2014-01-06"):
        (landing / folder).mkdir(parents=True)
    (tmp_path / "outside" / "2014-01-08").mkdir(parents=True)
    os.symlink(tmp_path / "outside" / "2014-01-08", landing / "kent" / "2014-01-08")  # a symlinked day
    os.symlink(tmp_path / "outside", landing / "surrey")  # a symlinked force
    assert [str(day) for day in landing_force_days(landing)] == [
        "kent 2014-01-06", "essex 2014-01-07", f"kent {tomorrow}"]
    assert known_forces(landing)[:2] == ["essex", "kent"]

    shutil.rmtree(landing / "kent" / tomorrow.isoformat())
    monkeypatch.setenv(ENV_LANDING, str(landing))
    with DagsterInstance.ephemeral() as instance:
        (plan,) = plan_runs(Settings.from_env(), instance)
    assert (plan.first, plan.last, plan.forces) == (dt.date(2014, 1, 6), dt.date(2014, 1, 7), ("essex", "kent"))

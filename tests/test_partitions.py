"""Export-date partitions: forces as run config, date tags, the range a landing folder may hold."""

import datetime as dt
import os
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dagster import partition_loading_context

from orchestration.ingest.landing import export_date_range
from orchestration.partitions import (
    EXPORT_DATES,
    PARTITIONED_KINDS,
    ForceDay,
    check_dates,
    check_forces,
    range_tags,
    forces_op_config,
    landing_force_days,
)
from orchestration.run import plan_run
from orchestration.settings import ENV_LANDING, Settings


def test_partitions_are_days_in_london_with_thousands_not_hundreds_of_thousands_of_keys():
    assert EXPORT_DATES.timezone == "Europe/London"
    with partition_loading_context(effective_dt=dt.datetime(2026, 11, 27, tzinfo=dt.UTC)):
        # 2013-01-01 .. 2026-11-28: under Dagster's advice of at most 100,000 per asset.
        assert EXPORT_DATES.get_num_partitions() == 5080


def test_landing_folders_give_the_force_days(tmp_path: Path):
    for folder in ("kent/2014-01-07", "kent/2014-01-06", "essex/2014-01-06", "kent/audits/kent-2014",
                   "kent/2014-02-30", "kent/not-a-date", "README.d", "Bad_Force/2014-01-06"):
        (tmp_path / folder).mkdir(parents=True)
    assert [str(day) for day in landing_force_days(tmp_path)] == [
        "essex 2014-01-06", "kent 2014-01-06", "kent 2014-01-07"]
    assert ForceDay(dt.date(2014, 1, 6), "kent").key == "2014-01-06|kent"


def test_forces_are_run_config_of_each_export_table_and_unknown_ones_are_refused(tmp_path: Path):
    (tmp_path / "new-force" / "2014-01-06").mkdir(parents=True)
    assert forces_op_config([]) == {}  # every force
    config = forces_op_config(["kent", "essex", "kent"])
    assert set(config) == {f"raw__{kind.table}" for kind in PARTITIONED_KINDS} and len(config) == 4
    assert {op["config"]["forces"] == ["essex", "kent"] for op in config.values()} == {True}
    folders = landing_force_days(tmp_path)
    assert check_forces(["new-force", "kent"], folders) == ["kent", "new-force"]  # a landing folder counts
    with pytest.raises(ValueError, match="unknown force.*atlantis"):
        check_forces(["atlantis", "kent"], folders)


def test_range_tags_name_the_first_and_last_date_of_one_run():
    assert range_tags(dt.date(2014, 1, 6), dt.date(2014, 1, 8)) == {
        "dagster/asset_partition_range_start": "2014-01-06", "dagster/asset_partition_range_end": "2014-01-08"}
    with pytest.raises(ValueError, match="not a range"):
        range_tags(dt.date(2014, 1, 8), dt.date(2014, 1, 6))


def test_dates_outside_the_partition_range_are_refused_by_name():
    first, last = export_date_range()
    check_dates(first, last)
    with pytest.raises(ValueError, match="2012-12-31 .. 2013-01-05 are outside the partition range 2013-01-01"):
        check_dates(dt.date(2012, 12, 31), dt.date(2013, 1, 5))
    with pytest.raises(ValueError, match="outside the partition range"):
        check_dates(last, last + dt.timedelta(days=1))


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
    """Before 2013 the run crashed (no partition key); 2099 planned ~100,000 force-day partitions."""
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

    shutil.rmtree(landing / "kent" / tomorrow.isoformat())
    monkeypatch.setenv(ENV_LANDING, str(landing))
    plan = plan_run(Settings.from_env())
    assert (plan.first, plan.last, plan.forces) == (dt.date(2014, 1, 6), dt.date(2014, 1, 7), ())
    assert str(plan) == "2014-01-06 .. 2014-01-07, every force"

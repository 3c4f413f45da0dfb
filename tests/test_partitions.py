"""Force x export-date partitions: keys, registration order, rectangles of runs."""

import datetime as dt
from pathlib import Path

import pytest
from dagster import DagsterInstance

from orchestration.partitions import (
    FORCE_DAYS,
    ForceDay,
    contiguous_runs,
    known_forces,
    landing_force_days,
    range_tags,
    register_forces,
    seed_forces,
)


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

"""When a force's export counts as late, and as of when."""

import datetime as dt
from zoneinfo import ZoneInfo

from orchestration.ingest.freshness import as_of, late_forces, overdue

LONDON = ZoneInfo("Europe/London")


def test_a_run_judges_lateness_as_of_the_night_it_collected():
    assert as_of({"dagster/asset_partition_range_end": "2014-01-09"}) == dt.datetime(2014, 1, 10, 2, 0, tzinfo=LONDON)
    assert as_of({"dagster/partition": "2014-06-30"}) == dt.datetime(2014, 7, 1, 2, 0, tzinfo=LONDON)
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    assert as_of({}, now) == now


def test_an_export_is_due_at_the_end_of_its_day_and_late_36_hours_after():
    night = dt.datetime(2014, 1, 10, 2, 0, tzinfo=LONDON)  # the run that collects 2014-01-09
    assert overdue(dt.date(2014, 1, 9), night) < dt.timedelta(0)  # 01-10's export is not due yet
    assert overdue(dt.date(2014, 1, 8), night) == dt.timedelta(hours=2)
    rows = [("essex", dt.date(2014, 1, 7)), ("kent", dt.date(2014, 1, 9)), ("surrey", dt.date(2014, 1, 8)),
            ("sussex", None)]
    assert late_forces(rows, night) == []  # essex is 26 h overdue: not yet late
    later = night + dt.timedelta(hours=11)
    assert late_forces(rows, later) == [{"force_id": "essex", "latest_export": "2014-01-07", "hours_overdue": 37.0}]

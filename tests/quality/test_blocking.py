"""Blocking and warning checks in real runs: what stops the night and what does not."""

from __future__ import annotations

import hashlib
from pathlib import Path

from orchestration.quality import history

INCIDENT_HEADER = "incident_id,received_at,channel,opening_code,closing_code,caller_name,caller_dob,caller_address,summary\n"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _drop(landing: Path, force: str, day: str, row: str) -> None:
    folder = landing / force / day
    folder.mkdir(parents=True)
    (folder / "incidents.csv").write_text(INCIDENT_HEADER + row + "\n")


def test_unknown_force_fails_its_blocking_check_and_keeps_the_published_night(copy_of_night, pipeline):
    landing, workdir = copy_of_night
    published = workdir / "published" / "warehouse.duckdb"
    before = _sha(published)
    _drop(landing, "atlantis", "2014-01-13", "AT-I-14-000001,2014-01-13T09:00:00,999,ASSAULT,NFA,,,,a fight")

    night = pipeline(landing, workdir)

    assert not night.outcome.success
    failures = "\n".join(night.outcome.failures)
    assert "raw/incidents:gx_incidents" in failures
    assert "expect_column_values_to_be_in_set(force_id)" in failures and "atlantis" in failures
    assert "(in atlantis 2014-01-13)" in failures  # the force-day of the bad rows
    assert "published/warehouse" not in night.outcome.materialized
    assert not any(key.startswith("marts/") for key in night.outcome.materialized)
    assert _sha(published) == before
    page = (workdir / "published" / "quality" / "raw.incidents.html").read_text()
    assert "FAIL" in page and "atlantis" in page


def test_a_warning_is_reported_and_the_night_is_published(next_night):
    """The next night's new day holds one incident with a channel no force uses."""
    night = next_night.night
    assert night.outcome.success, night.outcome.report()
    assert any("channel" in w and "carrier_pigeon" in w for w in night.outcome.warnings)
    assert night.query("SELECT count(*) FROM raw.incidents WHERE channel = 'carrier_pigeon'") == [(1,)]
    # the trend: the sample's night, then this one with its warning (a night = the run's last export date)
    quality = night.settings.published_dir / "quality"
    nights = history.read(quality / "history" / "raw.incidents.jsonl")
    assert [(n["night"], n["status"]) for n in nights] == [("2014-01-12", "ok"), ("2014-01-13", "warning")]


def test_quality_pages_are_offline_and_list_every_suite(nightly):
    quality = nightly.settings.published_dir / "quality"
    index = (quality / "index.html").read_text()
    assert "raw.incidents" in index and "marts.recording_accuracy" in index
    for page in quality.glob("*.html"):
        text = page.read_text()
        assert "http://" not in text and "https://" not in text and "<script" not in text, page.name
    # each suite's trend has the night (2014-01-06 .. 2014-01-12 is keyed by its last date)
    assert index.count('<span class="night ok" title="2014-01-12: passed') >= 10
    incidents = (quality / "raw.incidents.html").read_text()
    channels = "one of 5 values: <span class=set>" + " ".join(
        f"<code>{c}</code>" for c in ("999", "101", "online", "in_person", "third_party")) + "</span>"
    assert channels in incidents  # the value set of a real suite
    assert "one of 44 values" in incidents and "<code>hertfordshire</code>" in incidents  # the forces seed

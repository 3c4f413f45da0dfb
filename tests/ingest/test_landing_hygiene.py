"""Nothing under the landing folder is passed over in silence or read from outside it: each
entry the loader does not read is logged once in ops.load_log, by name, with the reason.

Fast: the ingest steps' own function (`load_kind`) on a temporary landing folder and an
in-memory DuckDB; one real nightly run shows the run summary and the check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, SensorResult, build_sensor_context

from orchestration.ingest import landing
from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.warehouse import OPS_DDL
from orchestration.landing_sensor import ENV_SETTLE, landing_sensor
from orchestration.settings import ENV_LANDING

KEY = "test-key"
HEADER = "incident_id,received_at,channel,opening_code,closing_code,caller_name,caller_dob,caller_address,summary"
SECRET = "Jane Secretname"  # a person's name in a file's rows: never in a message


def _incidents(path: Path, incident_id: str = "HT-I-1") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{HEADER}\n{incident_id},2014-01-06T10:00:00,999,ASSAULT,CRIME_RECORDED,{SECRET},,,fight\n")
    return path


def _load_every_kind(con, landing_dir: Path) -> dict[str, object]:
    return {kind.name: load_kind(con, landing_dir, kind, KEY, run_id="test") for kind in EXPORT_KINDS}


def _not_loaded(con) -> dict[str, tuple[str, str, str]]:
    rows = con.execute("SELECT file_path, kind, status, message FROM ops.load_log WHERE status <> 'loaded'").fetchall()
    assert len(rows) == len({row[0] for row in rows}), "an entry logged twice"
    return {path: (kind, status, message) for path, kind, status, message in rows}


NOT_A_DATE = ("incidents", "ignored", "not a date folder")
ODD_ENTRIES = {
    # path under the landing folder: (kind logged, status, reason named)
    "hertfordshire/2014-13-45/incidents.csv": NOT_A_DATE,
    "hertfordshire/latest/incidents.csv": NOT_A_DATE,
    "hertfordshire/2026-02-30/incidents.csv": NOT_A_DATE,
    "hertfordshire/20260302/incidents.csv": NOT_A_DATE,
    "hertfordshire/2014-01-06/incidents (1).csv": ("incidents", "ignored", "unexpected file name"),
    "hertfordshire/2014-01-06/Incidents.csv": ("incidents", "ignored", "unexpected file name"),
    "hertfordshire/2014-01-06/incidents.CSV": ("incidents", "ignored", "unexpected file name"),
    "hertfordshire/2014-01-06/incidents.csv\n": ("incidents", "ignored", "unexpected file name"),
    "hertfordshire/2014-01-06/crimes export.csv": ("crimes", "ignored", "unexpected file name"),
    "hertfordshire/2014-01-06/victims.csv": ("unknown", "ignored", "unknown kind"),
    "hertfordshire/2014-01-06/incidénts.csv": ("unknown", "ignored", "unknown kind"),
    "hertfordshire/2014-01-06/scratch/incidents.csv": ("unknown", "ignored", "outside the landing layout"),
    "hertfordshire/audits/h-2014/audit (2).csv": ("audit", "ignored", "unexpected file name"),
    "hertfordshire/2012-12-31/incidents.csv": ("incidents", "rejected", "outside the partition range"),
    "hertfordshire/2099-01-01/crimes.csv": ("crimes", "rejected", "outside the partition range"),
    '"kent"/2014-01-06/incidents.csv': ("unknown", "rejected", "not a force folder"),
    "Kent/2014-01-06/incidents.csv": ("unknown", "rejected", "not a force folder"),
    "kent force/2014-01-06/incidents.csv": ("unknown", "rejected", "not a force folder"),
    "README.txt": ("unknown", "ignored", "outside the landing layout"),
    "police_uk/2024-01-kent-street (1).csv": ("street", "ignored", "unexpected file name"),
}


@pytest.fixture
def odd_landing(tmp_path) -> Path:
    landing_dir = tmp_path / "landing"
    _incidents(landing_dir / "hertfordshire" / "2014-01-06" / "incidents.csv")
    for path in ODD_ENTRIES:
        _incidents(landing_dir / path, "HT-I-9")
    return landing_dir


def test_every_file_not_loaded_is_logged_once_by_name_with_its_reason(odd_landing):
    con = duckdb.connect()
    results = _load_every_kind(con, odd_landing)
    assert results["incidents"].count("loaded") == 1
    logged = _not_loaded(con)
    printed = {path.replace("\n", "\\n"): expected for path, expected in ODD_ENTRIES.items()}
    assert set(logged) == set(printed)
    for path, (kind, status, reason) in printed.items():
        assert logged[path][:2] == (kind, status), path
        assert reason in logged[path][2], path
    # Each kind's step reports its own entries (those of no kind: the incidents step).
    for kind, result in results.items():
        assert sorted(e.relative_path for e in result.unloaded) == sorted(
            p for p, (k, _, _) in printed.items() if k == kind or k == "unknown" and kind == "incidents")
    # Nothing of these files was read: one row loaded, no name from their rows anywhere.
    assert con.execute("SELECT count(*) FROM raw.incidents").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM ops.load_log WHERE message LIKE ?", [f"%{SECRET}%"]).fetchone()[0] == 0

    # The same night again (and the next ones): not one row more, nothing reported again.
    before = con.execute("SELECT * FROM ops.load_log ORDER BY load_id").fetchall()
    again = _load_every_kind(con, odd_landing)
    assert con.execute("SELECT * FROM ops.load_log ORDER BY load_id").fetchall() == before
    assert all(result.unloaded == [] for result in again.values())


def test_a_run_of_some_partitions_lists_only_their_folders_but_every_odd_folder(odd_landing):
    con = duckdb.connect()
    _incidents(odd_landing / "hertfordshire" / "2014-01-07" / "Incidents.csv")
    load_kind(con, odd_landing, EXPORT_KINDS[0], KEY, force_days={("hertfordshire", dt.date(2014, 1, 7))})
    logged = set(_not_loaded(con))
    assert "hertfordshire/2014-01-07/Incidents.csv" in logged
    assert "hertfordshire/2014-01-06/Incidents.csv" not in logged  # another partition's folder
    assert {"hertfordshire/latest/incidents.csv", "hertfordshire/2012-12-31/incidents.csv", "README.txt"} <= logged


def test_a_file_logged_as_not_loaded_loads_once_its_reason_is_gone(tmp_path, monkeypatch):
    """Its load-log row holds a fingerprint of its name, not its content hash, so the loader
    does not take it for a file it has already seen."""
    con = duckdb.connect()
    first, today_plus_one = landing.export_date_range()
    early = today_plus_one + dt.timedelta(days=1)
    path = _incidents(tmp_path / "landing" / "essex" / early.isoformat() / "incidents.csv")
    result = load_kind(con, tmp_path / "landing", EXPORT_KINDS[0], KEY)
    assert result.loads == []
    assert [(e.status, e.reason) for e in result.unloaded] == [("rejected", landing.OUT_OF_RANGE)]
    monkeypatch.setattr(landing, "export_date_range", lambda now=None: (first, early))  # a day later
    result = load_kind(con, tmp_path / "landing", EXPORT_KINDS[0], KEY)
    assert [load.status for load in result.loads] == ["loaded"] and result.unloaded == []
    assert con.execute("SELECT count(*) FROM raw.incidents WHERE _source_file = ?",
                       [path.relative_to(tmp_path / "landing").as_posix()]).fetchone()[0] == 1


def test_symlinks_are_rejected_by_name_and_never_followed(tmp_path):
    outside = tmp_path / "outside"
    passwd = outside / "passwd"
    passwd.parent.mkdir()
    passwd.write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n")
    _incidents(outside / "day" / "incidents.csv")
    _incidents(outside / "force" / "2014-01-06" / "incidents.csv")
    landing_dir = tmp_path / "landing"
    (landing_dir / "hertfordshire" / "2014-01-06").mkdir(parents=True)
    links = {
        "hertfordshire/2014-01-06/incidents.csv": (passwd, "incidents"),
        "hertfordshire/2014-01-07": (outside / "day", "unknown"),
        "hertfordshire/audits/h-2014/audit.csv": (passwd, "audit"),
        "essex": (outside / "force", "unknown"),
        "police_uk/2024-01-kent-street.csv": (passwd, "street"),
        "hertfordshire/2014-01-06/disposals.csv": (tmp_path / "missing", "disposals"),  # dangling
    }
    for path, (target, _) in links.items():
        (landing_dir / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, landing_dir / path)

    con = duckdb.connect()
    _load_every_kind(con, landing_dir)
    assert con.execute("SELECT count(*) FROM raw.incidents").fetchone()[0] == 0
    logged = _not_loaded(con)
    assert not any("root" in message or SECRET in message for _, _, message in logged.values())
    assert logged == {path: (kind, "rejected", "symlink, not followed") for path, (_, kind) in links.items()}
    # Nothing of a target is in the log: not its bytes, its size or its hash.
    sizes_and_hashes = con.execute("SELECT DISTINCT file_bytes, file_sha256 FROM ops.load_log").fetchall()
    assert {size for size, _ in sizes_and_hashes} == {0}
    assert hashlib.sha256(passwd.read_bytes()).hexdigest() not in {sha for _, sha in sizes_and_hashes}


def test_a_folder_or_file_the_pipeline_may_not_read_is_rejected_not_a_crash(tmp_path, monkeypatch):
    """A drop owned by another user (umask 077) used to fail the whole night."""
    landing_dir = tmp_path / "landing"
    _incidents(landing_dir / "hertfordshire" / "2014-01-06" / "incidents.csv")
    locked = _incidents(landing_dir / "hertfordshire" / "2014-01-07" / "incidents.csv").parent
    unreadable = _incidents(landing_dir / "hertfordshire" / "2014-01-08" / "incidents.csv")
    scandir, access = os.scandir, os.access

    def scandir_as_another_user(path):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", scandir_as_another_user)
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != unreadable and access(path, mode))
    con = duckdb.connect()
    result = load_kind(con, landing_dir, EXPORT_KINDS[0], KEY)
    assert [load.status for load in result.loads] == ["loaded"]
    assert _not_loaded(con) == {
        "hertfordshire/2014-01-07": ("unknown", "rejected", "cannot be listed (Permission denied)"),
        "hertfordshire/2014-01-08/incidents.csv": ("incidents", "rejected", "cannot be read (permission denied)"),
    }


def test_a_warehouse_from_before_the_ignored_status_takes_it(tmp_path):
    """Its ops.load_log CHECK constraint lists loaded|skipped|rejected only."""
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    con.execute("BEGIN")
    con.execute(OPS_DDL.replace(", 'ignored'", ""))
    con.execute("COMMIT")
    con.execute("INSERT INTO ops.load_log VALUES (nextval('ops.load_id_seq'), 'kent/2013-05-01/incidents.csv', "
                "'ab', 1, 1, 1, 0, 'loaded', NULL, now(), now(), 'incidents', 'old', NULL)")
    before = con.execute("SELECT * FROM ops.load_log").fetchall()
    _incidents(tmp_path / "landing" / "kent" / "latest" / "incidents.csv")
    load_kind(con, tmp_path / "landing", EXPORT_KINDS[0], KEY)
    assert con.execute("SELECT file_path, status FROM ops.load_log ORDER BY load_id").fetchall()[1:] == [
        ("kent/latest/incidents.csv", "ignored")]
    assert con.execute("SELECT * FROM ops.load_log ORDER BY load_id").fetchall()[:1] == before
    with pytest.raises(duckdb.ConstraintException):  # the key and the CHECK still hold
        con.execute("INSERT INTO ops.load_log SELECT * FROM ops.load_log LIMIT 1")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO ops.load_log SELECT * REPLACE (99 AS load_id, 'gone' AS status) FROM ops.load_log LIMIT 1")


def test_the_sensor_neither_follows_a_symlink_nor_plans_an_odd_folder(small_landing, tmp_path, monkeypatch):
    watched = tmp_path / "watched"
    watched.mkdir()
    monkeypatch.setenv(ENV_LANDING, str(watched))
    monkeypatch.setenv(ENV_SETTLE, "0")
    with DagsterInstance.ephemeral() as instance:
        first = build_sensor_context(instance=instance, cursor=None)
        landing_sensor(first)
        # A date folder holding nothing but a symlink (to a file that is not even there) is an
        # arrival all the same: its run rejects the link by name. Folders that are no
        # partition (2099, before 2013, not a date) start nothing.
        (watched / "kent" / "2014-01-08").mkdir(parents=True)
        os.symlink(tmp_path / "nowhere.csv", watched / "kent" / "2014-01-08" / "incidents.csv")
        for day in ("2099-01-01", "2012-12-31", "latest"):
            shutil.copytree(small_landing / "kent" / "2014-01-08", watched / "kent" / day)
        result = landing_sensor(build_sensor_context(instance=instance, cursor=first.cursor))
        assert isinstance(result, SensorResult)
        (request,) = result.run_requests
        assert request.partition_key == "2014-01-08"
        assert {tuple(op["config"]["forces"]) for op in request.run_config["ops"].values()} == {("kent",)}


def test_a_night_with_odd_entries_runs_and_warns_naming_them(next_night):
    """The one end-to-end run (tests/conftest.py `next_night`, whose landing folder holds the
    odd entries of `add_odd_entries`): a date folder before 2013 used to crash the run (no
    partition for it); now the night runs over the valid folders and the check names every
    odd file."""
    night = next_night.night
    report = night.outcome.report()
    assert night.outcome.success, report
    assert str(night.outcome.plan) == "2014-01-06 .. 2014-01-13, every force"
    (warning,) = [w for w in night.outcome.warnings if "raw/incidents:landing_files_clean" in w]
    for named in ("kent/2012-12-31/KENT_INCIDENTS_20140106.csv: export date outside the partition range",
                  "kent/latest/KENT_INCIDENTS_20140106.csv: not a date folder",
                  "kent/2014-01-06/incidents (1).csv: unexpected file name for incidents",
                  "essex/2014-01-06/incidents.csv: symlink, not followed"):
        assert named in warning, report
    assert "5 file(s) rejected, 5 ignored" in warning
    logged = night.query("SELECT status, count(*) FROM ops.load_log WHERE status IN ('rejected', 'ignored') "
                         "GROUP BY ALL ORDER BY ALL", published=False)
    assert logged == [("ignored", 5), ("rejected", 5)]  # every file of the odd folders, each once

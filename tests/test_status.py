"""`cdi status`: its lines and exit codes on small warehouses built by hand (fast), and on the
session's sample night run as the README shows it (end to end)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.settings import ENV_LANDING, ENV_MAX_QUARANTINE_SHARE, ENV_PUBLISHED, ENV_WAREHOUSE
from orchestration.warehouse import OPS_DDL

CDI = Path(sys.executable).with_name("cdi")
LOADED_AT = dt.datetime(2014, 1, 11, 1, 30)

# ops.load_log rows: (file_path, kind, status, rows_loaded, rows_quarantined, run_id, finished_at)
TWO_FORCES = [
    (f"{force}/2014-01-{day:02d}/{kind}.csv", kind, "loaded", rows, 0, "run-one", LOADED_AT)
    for force, rows in (("essex", 10), ("kent", 20))
    for day in (8, 9, 10)
    for kind in ("incidents", "crimes")
]
# marts.audit_status rows: (force_id, audit_id, status, reason, rows_quarantined, files, figures_shown)
PUBLISHED_AUDITS = [("essex", "essex-2014", "published", None, 0, None, "tonight"),
                    ("kent", "kent-2014", "published", None, 0, None, "tonight")]


def build_warehouse(path: Path, files: list[tuple], audits: list[tuple]) -> Path:
    """The tables `cdi status` reads, filled by hand: ops.load_log as the loader writes it, and
    marts.load_history/marts.audit_status as the dbt models would give them for these files."""
    with duckdb.connect(str(path)) as con:
        con.execute(OPS_DDL)
        for load_id, (file_path, kind, status, loaded, quarantined, run_id, finished) in enumerate(files, 1):
            con.execute("INSERT INTO ops.load_log VALUES (?, ?, 'sha', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                        [load_id, file_path, loaded + quarantined, loaded, quarantined, status,
                         "why" if status == "rejected" else None, finished, finished, kind, run_id])
        con.execute("CREATE SCHEMA marts")
        con.execute("""
            CREATE TABLE marts.load_history AS
            SELECT split_part(file_path, '/', 1) AS force_id, 'force_export' AS layout,
                   CAST(split_part(file_path, '/', 2) AS DATE) AS export_date, NULL AS audit_id, kind, run_id,
                   count(*) AS files, count(*) FILTER (WHERE status = 'loaded') AS files_loaded,
                   sum(rows_read) AS rows_read, sum(rows_loaded) AS rows_loaded,
                   sum(rows_quarantined) AS rows_quarantined, max(status) AS status, max(finished_at) AS loaded_at
            FROM ops.load_log GROUP BY ALL""")
        con.execute("CREATE TABLE marts.audit_status (force_id VARCHAR, audit_id VARCHAR, status VARCHAR, "
                    "reason VARCHAR, rows_quarantined BIGINT, files VARCHAR, figures_shown VARCHAR)")
        con.executemany("INSERT INTO marts.audit_status VALUES (?, ?, ?, ?, ?, ?, ?)", audits)
    return path


@pytest.fixture
def status(monkeypatch, capsys):
    """`status(warehouse, *flags)` runs `cdi status` in this process: (exit code, stdout lines, stderr)."""
    # The CLI exports its settings into the environment: monkeypatch puts them back afterwards.
    for name in (ENV_LANDING, ENV_WAREHOUSE, ENV_PUBLISHED, ENV_MAX_QUARANTINE_SHARE):
        monkeypatch.setenv(name, os.environ.get(name, ""))

    def run(warehouse: Path, *flags: str):
        code = main(["status", "--warehouse", str(warehouse), *flags])
        out, err = capsys.readouterr()
        return code, out.splitlines(), err
    return run


def test_nothing_to_see_exits_0_with_the_nights_of_each_force(status, tmp_path):
    warehouse = build_warehouse(tmp_path / "w.duckdb", TWO_FORCES, PUBLISHED_AUDITS)
    code, lines, _ = status(warehouse, "--as-of", "2014-01-10", "--nights", "2")
    assert code == 0
    assert lines == [
        f"Last 2 night(s) per force (marts.load_history in {warehouse}):",
        "  force                night      files rows loaded quarantined  status   run       loaded at (UTC)",
        "  essex                2014-01-10     2          20           0  loaded   run-one   2014-01-11 01:30",
        "  essex                2014-01-09     2          20           0  loaded   run-one   2014-01-11 01:30",
        "  kent                 2014-01-10     2          40           0  loaded   run-one   2014-01-11 01:30",
        "  kent                 2014-01-09     2          40           0  loaded   run-one   2014-01-11 01:30",
        "Late forces as of 2014-01-11 02:00 GMT: none (2 on time)",
        "Held-back audits: none (2 published)",
        "Latest loads (run run-one, 2014-01-11 01:30 UTC): 12 file(s), none rejected",
        "OK: nothing needs attention",
    ]


def test_a_force_more_than_36_hours_late_exits_1(status, tmp_path):
    # essex sent 2014-01-11, kent did not: judged at 02:00 on 2014-01-13, kent's export for the
    # 11th was due at midnight on the 12th, 26 h ago (not yet late); on the 14th, 50 h.
    essex = [("essex/2014-01-11/incidents.csv", "incidents", "loaded", 5, 0, "run-two", LOADED_AT + dt.timedelta(days=1))]
    warehouse = build_warehouse(tmp_path / "w.duckdb", TWO_FORCES + essex, PUBLISHED_AUDITS)
    assert status(warehouse, "--as-of", "2014-01-12")[0] == 0
    code, lines, _ = status(warehouse, "--as-of", "2014-01-13", "--nights", "1")
    assert code == 1
    assert lines[2:] == [
        "  essex                2014-01-11     1           5           0  loaded   run-two   2014-01-12 01:30",
        "  kent                 2014-01-10     2          40           0  loaded   run-one   2014-01-11 01:30",
        "Late forces as of 2014-01-14 02:00 GMT: 1 of 2 more than 36 h late",
        "  kent (last export 2014-01-10, 50.0 h overdue)",
        "Held-back audits: none (2 published)",
        "Latest loads (run run-two, 2014-01-12 01:30 UTC): 1 file(s), none rejected",
        "NEEDS ATTENTION: 1 late force(s), 0 held-back audit(s), 0 rejected file(s) in the latest loads",
    ]


def test_a_held_back_audit_exits_1_naming_it(status, tmp_path):
    held = [PUBLISHED_AUDITS[0], ("kent", "kent-2014", "held_back", "kent/audits/kent-2014/audit.csv: 2 of 9 rows "
                                  "quarantined (rows 3, 4: missing required value in reviewed_at)", 2,
                                  "kent/audits/kent-2014/audit.csv", "none")]
    warehouse = build_warehouse(tmp_path / "w.duckdb", TWO_FORCES, held)
    code, lines, _ = status(warehouse, "--as-of", "2014-01-10", "--nights", "1")
    assert code == 1
    assert lines[-4:] == [
        "Held-back audits: 1 of 2",
        "  kent-2014 (kent) held back, no figures published: kent/audits/kent-2014/audit.csv: 2 of 9 rows "
        "quarantined (rows 3, 4: missing required value in reviewed_at)",
        "Latest loads (run run-one, 2014-01-11 01:30 UTC): 12 file(s), none rejected",
        "NEEDS ATTENTION: 0 late force(s), 1 held-back audit(s), 0 rejected file(s) in the latest loads",
    ]


def test_a_rejected_file_needs_attention_in_the_latest_night_only(status, tmp_path):
    second = LOADED_AT + dt.timedelta(days=1)
    night_two = [("essex/2014-01-11/incidents.csv", "incidents", "loaded", 5, 0, "run-two", second),
                 ("essex/2014-01-11/crimes.csv", "crimes", "rejected", 0, 0, "run-two", second)]
    warehouse = build_warehouse(tmp_path / "w.duckdb", TWO_FORCES + night_two, PUBLISHED_AUDITS)
    code, lines, _ = status(warehouse, "--as-of", "2014-01-11", "--nights", "1")
    assert code == 1
    assert lines[2] == "  essex                2014-01-11     2           5           0  loaded,rejected run-two   2014-01-12 01:30"
    assert lines[-3:] == [
        "Latest loads (run run-two, 2014-01-12 01:30 UTC): 2 file(s), 1 rejected",
        "  essex/2014-01-11/crimes.csv: why",
        "NEEDS ATTENTION: 0 late force(s), 0 held-back audit(s), 1 rejected file(s) in the latest loads",
    ]
    night_three = [("kent/2014-01-11/incidents.csv", "incidents", "loaded", 7, 0, "run-three", second + dt.timedelta(hours=1))]
    warehouse = build_warehouse(tmp_path / "w3.duckdb", TWO_FORCES + night_two + night_three, PUBLISHED_AUDITS)
    assert status(warehouse, "--as-of", "2014-01-11")[0] == 0


def test_a_date_loaded_again_by_a_later_run_shows_once_per_run(status, tmp_path):
    corrected = [("kent/2014-01-10/crimes.csv", "crimes", "loaded", 21, 1, "run-two", LOADED_AT + dt.timedelta(days=1))]
    warehouse = build_warehouse(tmp_path / "w.duckdb", TWO_FORCES + corrected, PUBLISHED_AUDITS)
    code, lines, _ = status(warehouse, "--as-of", "2014-01-10", "--nights", "1")
    assert code == 0
    assert lines[3:5] == [
        "  kent                 2014-01-10     1          21           1  loaded   run-two   2014-01-12 01:30",
        "  kent                 2014-01-10     2          40           0  loaded   run-one   2014-01-11 01:30",
    ]


def test_no_warehouse_yet_exits_2_with_one_line(status, tmp_path):
    code, lines, err = status(tmp_path / "missing.duckdb")
    assert (code, lines) == (2, [])
    assert err == f"cdi status: no warehouse at {tmp_path / 'missing.duckdb'} yet: run `make run` (or `cdi run`) first\n"
    with duckdb.connect(str(tmp_path / "bare.duckdb")) as con:
        con.execute(OPS_DDL)
    code, _, err = status(tmp_path / "bare.duckdb")
    assert code == 2 and "has no marts.load_history yet" in err and err.count("\n") == 1


# End to end, on the session's sample night: the command as the README shows it.
def run_cdi_status(night, *flags: str) -> subprocess.CompletedProcess:
    env = {**os.environ, ENV_PUBLISHED: str(night.settings.published_dir),
           ENV_WAREHOUSE: str(night.settings.warehouse)}
    return subprocess.run([str(CDI), "status", *flags], capture_output=True, text=True, timeout=120, env=env)


def masked(line: str) -> str:
    """A line of `cdi status` without what differs from run to run: the run's id and times."""
    line = re.sub(r"run [0-9a-f]{8}, [0-9-]{10} [0-9:]{5} UTC", "run RUN, TIME UTC", line)
    return re.sub(r"[0-9a-f]{8}  2\d{3}-\d\d-\d\d \d\d:\d\d$", "RUN  TIME", line)


def readme_example(command: str) -> list[str]:
    """The output lines the README shows under `command`, masked."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = text.split(command + "\n", 1)[1].split("```", 1)[0]
    return [masked(line) for line in block.splitlines()]


def landing_files(landing: Path) -> list[Path]:
    return [path for path in landing.rglob("*") if path.is_file()]


def test_cdi_status_on_the_sample_night_exits_0_as_of_its_last_export_date(nightly, sample_landing):
    done = run_cdi_status(nightly, "--as-of", "2014-01-12", "--nights", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Last 1 night(s) per force (marts.load_history in {nightly.published}):"
    assert len([line for line in lines if line.startswith("  ")]) == 1 + 13  # the header, a night per force
    # hertfordshire's four canonical CSV files of 2014-01-12, their data rows counted here
    day = sample_landing / "hertfordshire" / "2014-01-12"
    rows = 0
    for path in sorted(day.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows += sum(1 for _ in csv.DictReader(handle))
    (herts,) = [line for line in lines if line.startswith("  hertfordshire ")]
    assert herts.split()[:6] == ["hertfordshire", "2014-01-12", "4", str(rows), "0", "loaded"]
    assert lines[-4:-2] == ["Late forces as of 2014-01-13 02:00 GMT: none (13 on time)",
                            "Held-back audits: none (13 published)"]
    # the night loaded every file of the landing folder, in one run
    assert lines[-2].endswith(f"UTC): {len(landing_files(sample_landing))} file(s), none rejected")
    assert lines[-1] == "OK: nothing needs attention"
    # and the README shows exactly this, but for where the warehouse is and the run's id and times
    assert readme_example("$ .venv/bin/cdi status --as-of 2014-01-12 --nights 1") == [
        masked(line.replace(str(nightly.published), "<checkout>/data/published/warehouse.duckdb")) for line in lines]


def test_cdi_status_on_the_sample_night_today_names_every_force_late_and_exits_1(nightly):
    done = run_cdi_status(nightly)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    late = [line for line in lines if line.startswith("  ") and "(last export 2014-01-12, " in line]
    assert len(late) == 13 and all(line.endswith(" h overdue)") for line in late)
    assert lines[-1] == "NEEDS ATTENTION: 13 late force(s), 0 held-back audit(s), 0 rejected file(s) in the latest loads"


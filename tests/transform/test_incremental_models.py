"""The incremental staging models, built night by night, equal a full refresh row for row.

A small sample (3 forces, 10 export days) is loaded the way the pipeline loads it, one night's
folders at a time, with dbt run in-process after each night. The first and last nights run the
whole `dbt build` (data and unit tests included: the first build has no incremental table yet);
the nights between run the incremental models only, as the tables downstream are rebuilt whole
from them on any run.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.settings import DBT_PROJECT_DIR, ENV_WAREHOUSE, environment_variable

pytestmark = pytest.mark.e2e  # runs the real pipeline (or dbt, or a server): not in `make test-fast`

FORCES = ["hertfordshire", "kent", "essex"]
DAYS = 10
POLICE_UK = Path(__file__).resolve().parents[3] / "shared" / "data" / "police_uk"
# police.uk files are monthly: one arrives on night 1, the next on night 4
POLICE_UK_BY_NIGHT = {1: "2024-01-city-of-london-street.csv", 4: "2024-02-city-of-london-street.csv"}
INCREMENTAL = "config.materialized:incremental"


def load_all(warehouse: Path, landing: Path, run_id: str) -> None:
    """What the ingestion assets do: load every new or changed landing file of every kind."""
    with duckdb.connect(str(warehouse)) as con:
        for kind in EXPORT_KINDS:
            load_kind(con, landing, kind, "test-key", run_id=run_id)


def dbt(warehouse: Path, target: Path, *args: str):
    """dbt in-process on `warehouse`; fails the test unless dbt succeeds (warnings do not fail)."""
    from dbt.cli.main import dbtRunner

    with environment_variable(ENV_WAREHOUSE, str(warehouse)):
        result = dbtRunner().invoke([
            *args, "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(target / "target"), "--log-path", str(target / "logs"),
        ])
    assert result.success, f"dbt {' '.join(args)} failed: {result.exception}"
    return result


def copy_warehouse(warehouse: Path, to: Path) -> Path:
    # dbt's in-process DuckDB may still hold the file: connecting to the same path reuses that
    # instance, so CHECKPOINT writes everything into the file before it is copied.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CHECKPOINT")
    shutil.copy(warehouse, to)
    return to


def relations(con, catalog: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = ? "
        "AND table_schema IN ('staging', 'intermediate', 'marts') ORDER BY ALL", [catalog]).fetchall()


def differences(incremental: Path, full_refresh: Path) -> dict[str, tuple[int, int]]:
    """Per relation, (rows only in the incremental build, rows only in the full refresh)."""
    # full_refresh is the file dbt built last: this connection shares dbt's instance
    with duckdb.connect(str(full_refresh)) as con:
        con.execute("ATTACH ? AS incremental (READ_ONLY)", [str(incremental)])
        ours, theirs = relations(con, "incremental"), relations(con, full_refresh.stem)
        assert ours == theirs and len(ours) > 20
        found = {}
        for schema, name in ours:
            a, b = f'incremental."{schema}"."{name}"', f'"{full_refresh.stem}"."{schema}"."{name}"'
            counts = tuple(
                con.execute(f"SELECT count(*) FROM (SELECT * FROM {x} EXCEPT ALL SELECT * FROM {y})").fetchone()[0]
                for x, y in ((a, b), (b, a))
            )
            if counts != (0, 0):
                found[f"{schema}.{name}"] = counts
        con.execute("DETACH incremental")
    return found


def assert_equals_full_refresh(warehouse: Path, workdir: Path) -> None:
    full = copy_warehouse(warehouse, workdir / "full_refresh.duckdb")
    dbt(full, workdir, "run", "--full-refresh")
    assert differences(warehouse, full) == {}


def snapshot(warehouse: Path) -> dict:
    with duckdb.connect(str(warehouse)) as con:
        return {rel: con.execute(f'SELECT * FROM "{rel[0]}"."{rel[1]}" ORDER BY ALL').fetchall()
                for rel in relations(con, warehouse.stem)}


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """(landing, warehouse, workdir) after ten nights loaded and built incrementally."""
    from orchestration.sample import generate

    workdir = tmp_path_factory.mktemp("incremental")
    exports, landing, warehouse = workdir / "exports", workdir / "landing", workdir / "warehouse.duckdb"
    generate(exports, forces=FORCES, days=DAYS)
    dates = sorted({p.name for force in FORCES for p in (exports / force).iterdir() if p.name != "audits"})
    assert len(dates) == DAYS
    for night, date in enumerate(dates, start=1):
        for force in FORCES:
            shutil.copytree(exports / force / date, landing / force / date)
            if night == 2:  # the audit sheets arrive mid-way
                shutil.copytree(exports / force / "audits", landing / force / "audits")
        if night in POLICE_UK_BY_NIGHT:
            (landing / "police_uk").mkdir(exist_ok=True)
            shutil.copy(POLICE_UK / POLICE_UK_BY_NIGHT[night], landing / "police_uk")
        load_all(warehouse, landing, f"night-{night}")
        if night in (1, DAYS):
            dbt(warehouse, workdir, "build")
        else:
            dbt(warehouse, workdir, "run", "--select", INCREMENTAL)
    return landing, warehouse, workdir


def test_nightly_incremental_builds_equal_a_full_refresh(nights):
    _, warehouse, workdir = nights
    assert_equals_full_refresh(warehouse, workdir)


def test_a_run_with_nothing_new_changes_no_row(nights):
    _, warehouse, workdir = nights
    before = snapshot(warehouse)
    load_all(warehouse, nights[0], "rerun")
    dbt(warehouse, workdir, "run")
    assert snapshot(warehouse) == before


def test_a_corrected_file_for_an_old_date_replaces_exactly_its_rows(nights, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(nights[0], landing)
    warehouse = copy_warehouse(nights[1], tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        # an old file holding the current version of a crime exported before (reclassified)
        fallback, relative = con.execute(
            "SELECT crime_id, _source_file FROM staging.stg_raw__crimes AS s WHERE force_id = 'hertfordshire' "
            "AND export_date < (SELECT max(export_date) FROM raw.crimes) AND EXISTS (SELECT 1 FROM raw.crimes AS r "
            "WHERE r.force_id = s.force_id AND r.crime_id = s.crime_id AND r._source_file <> s._source_file) "
            "ORDER BY crime_id LIMIT 1").fetchone()
        # its earlier version, which must win again once the file no longer has it
        earlier = con.execute(
            "SELECT offence_code, _source_file FROM raw.crimes WHERE force_id = 'hertfordshire' AND crime_id = ? "
            "AND _source_file <> ? ORDER BY export_date DESC, _load_id DESC LIMIT 1", [fallback, relative]).fetchone()
        # a crime only this file has (it must vanish), and one more whose current version it holds
        only_here = con.execute(
            "SELECT crime_id FROM raw.crimes WHERE force_id = 'hertfordshire' GROUP BY crime_id "
            "HAVING bool_and(_source_file = ?) ORDER BY crime_id LIMIT 1", [relative]).fetchone()[0]
        changed, code = con.execute(
            "SELECT crime_id, offence_code FROM staging.stg_raw__crimes WHERE _source_file = ? "
            "AND crime_id NOT IN (?, ?) ORDER BY crime_id LIMIT 1", [relative, only_here, fallback]).fetchone()
    new_code = "28E" if code != "28E" else "30C"

    crimes_file = landing / relative
    with crimes_file.open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    crime_id, offence_code = header.index("crime_id"), header.index("offence_code")
    rows = [row for row in rows if row[crime_id] not in (only_here, fallback)]
    for row in rows:
        if row[crime_id] == changed:
            row[offence_code] = new_code
    with crimes_file.open("w", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    # and a republished police.uk month: 5 rows fewer, one crime row published twice
    police_file = landing / "police_uk" / POLICE_UK_BY_NIGHT[1]
    lines = police_file.read_text().splitlines(keepends=True)
    with_crime_id = next(line for line in lines[1:] if not line.startswith(","))
    police_file.write_text("".join(lines[:-5] + [with_crime_id]))

    load_all(warehouse, landing, "correction")
    with duckdb.connect(str(warehouse)) as con:
        # the loader keeps the replaced load's log row as 'loaded': raw is what says it is gone
        statuses = con.execute("SELECT status FROM ops.load_log WHERE file_path = ? ORDER BY load_id",
                               [relative]).fetchall()
        assert statuses == [("loaded",), ("loaded",)]
    dbt(warehouse, tmp_path, "run")

    with duckdb.connect(str(warehouse)) as con:
        staged = {row[0]: row[1:] for row in con.execute(
            "SELECT crime_id, offence_code, _source_file FROM staging.stg_raw__crimes "
            "WHERE force_id = 'hertfordshire' AND crime_id IN (?, ?, ?)", [only_here, fallback, changed]).fetchall()}
        police_rows, duplicates = con.execute(
            "SELECT count(*), count_if(is_duplicate) FROM staging.stg_police_uk__street_crimes "
            "WHERE _source_file = ?", [f"police_uk/{police_file.name}"]).fetchone()
    assert staged == {changed: (new_code, relative), fallback: earlier}
    assert police_rows == len(lines) - 1 - 5 + 1 and duplicates >= 1
    assert_equals_full_refresh(warehouse, tmp_path)


def test_a_crime_whose_incident_is_missing_is_reported_once(nights, tmp_path):
    """relationships_combination: the child's keys minus the parent keys that join to them."""
    warehouse = copy_warehouse(nights[1], tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        force_id, incident_id = con.execute(
            "SELECT force_id, incident_id FROM staging.stg_raw__crimes WHERE incident_id IS NOT NULL "
            "ORDER BY crime_id LIMIT 1").fetchone()
        con.execute("DELETE FROM staging.stg_raw__incidents WHERE force_id = ? AND incident_id = ?", [force_id, incident_id])
    result = dbt(warehouse, tmp_path, "test", "--select", "test_name:relationships_combination")
    failures = {r.node.name: (str(r.status), r.failures) for r in result.result.results if r.failures}
    (name,) = failures
    assert "stg_raw__crimes_force_id__incident_id" in name
    assert failures[name] == ("warn", 1)  # one missing incident, however many crimes name it

"""The published night's file: every relation of the working warehouse with the same rows,
but the raw tables and the history-sized models as views over the lake's immutable files."""

from __future__ import annotations

import duckdb

from orchestration.ingest.batch import load_kind
from orchestration.ingest.kinds import EXPORT_KINDS, KINDS_BY_NAME
from orchestration.ingest.lake import land
from orchestration.transform.dbt_cli import published_views
from tests.publish.conftest import publish_night

HISTORY_SIZED = {"staging.stg_raw__incidents", "staging.stg_raw__crimes", "staging.stg_raw__crime_decisions",
                 "staging.stg_raw__disposals", "staging.stg_police_uk__street_crimes",
                 "intermediate.int_police_uk_rows_located"}


def _relations(path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {(s, t): kind for s, t, kind in con.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables").fetchall()}


def _rows(path, schema: str, table: str) -> tuple[list, list]:
    with duckdb.connect(str(path), read_only=True) as con:
        name = f'"{schema}"."{table}"'
        columns = con.execute(f"DESCRIBE SELECT * FROM {name}").fetchall()
        rows = con.execute(f"SELECT * FROM {name}").fetchall()
    return [c[:2] for c in columns], sorted(rows, key=repr)


def test_the_night_file_has_every_relation_with_the_working_warehouses_rows(nightly):
    working, published = nightly.settings.warehouse, nightly.published
    ours, theirs = _relations(working), _relations(published)
    assert set(theirs) == set(ours)
    assert set(published_views()) == HISTORY_SIZED  # dbt meta published_as: view
    views = {name for name, kind in theirs.items() if kind == "VIEW" and ours[name] != "VIEW"}
    assert views == {("raw", k.table) for k in EXPORT_KINDS} | {tuple(n.split(".")) for n in HISTORY_SIZED}
    assert not _rows(working, "raw", "audit_designs")[1]  # a raw table without rows: a view of none
    for schema, table in sorted(ours):
        if (schema, table) == ("ops", "quarantine"):
            continue  # without raw_record (test_publish.py)
        if (schema, table) == ("ops", "published_through"):
            continue  # moved in the working file once the night was swapped in
        assert _rows(published, schema, table) == _rows(working, schema, table), f"{schema}.{table}"
    with duckdb.connect(str(published), read_only=True) as con:
        sql = con.execute("SELECT sql FROM duckdb_views() WHERE schema_name = 'raw' AND view_name = 'crimes'").fetchone()[0]
        lake = str(nightly.settings.lake_dir)
        assert sql.count(lake + "/crimes/force=") == 13  # 13 forces, one month, one night: one file each
        # the raw rows themselves are only in the lake: the file is the size of the marts
        (rows,) = con.execute("SELECT sum(estimated_size) FROM duckdb_tables() WHERE schema_name = 'raw'").fetchone()
        assert not rows


def test_a_corrected_file_replaces_its_rows_in_the_published_view(copy_of_night):
    landing, workdir = copy_of_night
    warehouse, published = workdir / "warehouse.duckdb", workdir / "published"
    incidents = sorted(landing.glob("hertfordshire/*/incidents.csv"))[0]
    lines = incidents.read_bytes().splitlines(keepends=True)
    incidents.write_bytes(b"".join(lines[:-3]))  # the export re-sent without its last 3 rows
    with duckdb.connect(str(warehouse)) as con:
        load_kind(con, landing, KINDS_BY_NAME["incidents"], "demo")
        (written,) = land(con, workdir / "lake", [KINDS_BY_NAME["incidents"]])
        expected = sorted(con.execute("SELECT * FROM raw.incidents").fetchall(), key=repr)
        (old_file,) = con.execute("SELECT lake_file FROM ops.load_log WHERE file_path = ? AND status = 'loaded' "
                                  "ORDER BY load_id LIMIT 1",
                                  [incidents.relative_to(landing).as_posix()]).fetchone()
    assert written.rows == len(lines) - 4  # header and 3 rows fewer
    publish_night(warehouse, published)
    assert _rows(published / "warehouse.duckdb", "raw", "incidents")[1] == expected
    assert (workdir / "lake" / old_file).exists()  # superseded, never edited or removed

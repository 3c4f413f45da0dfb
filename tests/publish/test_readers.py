"""Every documented way of reading the published warehouse works, read-only."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import duckdb
import pytest
import sqlalchemy

HERTS = "SELECT crimes_recorded FROM marts.recording_accuracy WHERE force_id = 'hertfordshire' AND offence_group = 'all'"


def test_duckdb_cli_readonly(nightly):
    cli = Path(sys.executable).with_name("duckdb")
    out = subprocess.run([str(cli), "-readonly", "-csv", "-noheader", str(nightly.published), "-c", HERTS],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "130"


def test_python_read_only_connection_cannot_write(nightly):
    with duckdb.connect(str(nightly.published), read_only=True) as con:
        assert con.execute(HERTS).fetchall() == [(130,)]
        with pytest.raises(duckdb.Error):
            con.execute("CREATE TABLE marts.scratch AS SELECT 1")


def test_sqlalchemy_duckdb_engine_lists_marts_and_queries(nightly):
    engine = sqlalchemy.create_engine(f"duckdb:///{nightly.published}", connect_args={"read_only": True})
    try:
        inspector = sqlalchemy.inspect(engine)
        # duckdb-engine names schemas <database>.<schema>; the database is the file stem.
        assert {"warehouse.marts", "warehouse.raw", "warehouse.ops"} <= set(inspector.get_schema_names())
        assert {"recording_accuracy", "no_crime_accuracy", "dim_force"} <= set(inspector.get_table_names(schema="marts"))
        with engine.connect() as con:
            assert con.execute(sqlalchemy.text(HERTS)).scalar() == 130
    finally:
        engine.dispose()


def _catalog(published: Path) -> tuple[dict, dict]:
    """DuckDB's own answer, to hold reflection to: every marts relation's columns and comments."""
    with duckdb.connect(str(published), read_only=True) as con:
        columns: dict[str, list] = {}
        for table, column, data_type, comment in con.execute(
                "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
                "WHERE schema_name = 'marts' ORDER BY table_name, column_index").fetchall():
            columns.setdefault(table, []).append((column, data_type, comment))
        comments = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
                                    "UNION ALL SELECT view_name, comment FROM duckdb_views() "
                                    "WHERE schema_name = 'marts'").fetchall())
    return columns, comments


def _autoload(name: str, engine) -> sqlalchemy.Table:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duckdb-engine: "doesn't yet support reflection on indices"
        return sqlalchemy.Table(name, sqlalchemy.MetaData(), schema="marts", autoload_with=engine)


def test_bi_reflection_of_every_mart_and_view(nightly):
    """What Superset's dataset screens call, through `duckdb+cdi://` as the README configures it."""
    columns, comments = _catalog(nightly.published)
    engine = sqlalchemy.create_engine(f"duckdb+cdi:///{nightly.published}", connect_args={"read_only": True})
    try:
        inspector = sqlalchemy.inspect(engine)
        tables = inspector.get_table_names(schema="warehouse.marts")
        views = inspector.get_view_names(schema="warehouse.marts")
        assert {"recording_accuracy", "no_crime_accuracy", "dim_force"} <= set(tables)
        assert "worst_forces_latest_audit" in views
        assert sorted(tables + views) == sorted(columns)
        for name in tables + views:
            reflected = inspector.get_columns(name, schema="warehouse.marts")
            assert [(c["name"], c["comment"]) for c in reflected] == [(c, comment) for c, _, comment in columns[name]]
            assert all(not isinstance(c["type"], sqlalchemy.types.NullType) for c in reflected), name
            assert inspector.get_pk_constraint(name, schema="warehouse.marts")["constrained_columns"] == []
            assert inspector.get_foreign_keys(name, schema="warehouse.marts") == []
            assert inspector.get_table_comment(name, schema="warehouse.marts")["text"] == comments[name]
            table = _autoload(name, engine)
            assert [c.name for c in table.columns] == [c for c, _, _ in columns[name]]
        # The marts carry their dbt descriptions (persist_docs): a BI tool shows them.
        assert comments["recording_accuracy"] and all(comment for _, _, comment in columns["recording_accuracy"])
        assert inspector.get_pk_constraint("load_log", schema="ops")["constrained_columns"] == ["load_id"]
        herts = _autoload("recording_accuracy", engine)
        with engine.connect() as con:
            assert con.execute(sqlalchemy.select(herts.c.crimes_recorded).where(
                herts.c.force_id == "hertfordshire", herts.c.offence_group == "all")).scalar() == 130
    finally:
        engine.dispose()


def test_plain_duckdb_engine_still_cannot_reflect_on_duckdb_2(nightly):
    """Why `duckdb+cdi://` exists. When this fails, upstream reflection works again and the
    dialect can go (README, "Reading the warehouse")."""
    engine = sqlalchemy.create_engine(f"duckdb:///{nightly.published}", connect_args={"read_only": True})
    try:
        with pytest.raises(sqlalchemy.exc.ProgrammingError, match="REGCLASS"):
            sqlalchemy.inspect(engine).get_pk_constraint("recording_accuracy", schema="marts")
    finally:
        engine.dispose()


def test_parquet_files_read_by_pyarrow_match_the_warehouse(nightly):
    """A tool with no DuckDB inside (pyarrow, as pandas/Power BI/Tableau Parquet readers are)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    parquet = nightly.settings.published_dir / "parquet"
    with duckdb.connect(str(nightly.published), read_only=True) as con:
        marts = dict(con.execute("SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall())
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'").fetchall()}
        for name in marts.keys() | views:
            table = pq.read_table(parquet / f"{name}.parquet")
            assert table.num_rows == con.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0], name
    recording = pq.read_table(parquet / "recording_accuracy.parquet")
    herts = recording.filter(pc.and_(pc.equal(recording["force_id"], "hertfordshire"),
                                     pc.equal(recording["offence_group"], "all")))
    assert herts.select(["crimes_recorded", "crimes_reported"]).to_pylist() == [
        {"crimes_recorded": 130, "crimes_reported": 181}]
    assert str(recording.schema.field("recording_rate").type) == "double"
    assert str(recording.schema.field("crimes_recorded").type) == "int64"


def test_parquet_files_carry_the_dbt_descriptions(nightly):
    """Read by pyarrow and held to dbt's manifest, not to the warehouse the files came from."""
    import json

    import pyarrow.parquet as pq

    from orchestration.settings import DBT_PROJECT_DIR

    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    marts = [node for node in manifest["nodes"].values() if node["resource_type"] == "model" and "marts" in node["fqn"]]
    parquet = nightly.settings.published_dir / "parquet"
    assert len(marts) > 10
    for node in marts:
        metadata = pq.read_schema(parquet / f"{node['alias']}.parquet").metadata
        assert metadata[b"description"].decode() == node["description"], node["alias"]
        described = {name: column["description"] for name, column in node["columns"].items() if column["description"]}
        assert json.loads(metadata[b"column_descriptions"]) == described, node["alias"]
    recording = json.loads(pq.read_schema(parquet / "recording_accuracy.parquet").metadata[b"column_descriptions"])
    assert "recording_rate" in recording

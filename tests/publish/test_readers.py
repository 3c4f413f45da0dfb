"""Every documented way of reading the published warehouse works, read-only."""

from __future__ import annotations

import subprocess
import sys
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

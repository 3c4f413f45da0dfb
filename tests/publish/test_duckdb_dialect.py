"""`duckdb+cdi://`: SQLAlchemy reflection on DuckDB 2.0, on a hand-built file with every kind of
constraint, comment and type the published warehouse could hold."""

from __future__ import annotations

import warnings

import duckdb
import pytest
import sqlalchemy
from sqlalchemy import MetaData, Table, inspect, types

DDL = """
CREATE SCHEMA marts;
CREATE TABLE marts.force (force_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE);
CREATE TABLE marts.rate (
    force_id VARCHAR REFERENCES marts.force (force_id),
    audit_id VARCHAR,
    reported BIGINT NOT NULL CHECK (reported >= 0),
    rate DOUBLE,
    share DECIMAL(9, 3),
    audited_on DATE,
    loaded_at TIMESTAMP WITH TIME ZONE,
    codes VARCHAR[],
    PRIMARY KEY (force_id, audit_id)
);
COMMENT ON TABLE marts.rate IS 'One row per force and audit';
COMMENT ON COLUMN marts.rate.rate IS 'recorded / reported';
CREATE VIEW marts.latest AS SELECT force_id, rate FROM marts.rate;
CREATE SCHEMA other;
CREATE TABLE other.rate (x INTEGER);
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("dialect") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(DDL)
    engine = sqlalchemy.create_engine(f"duckdb+cdi:///{path}", connect_args={"read_only": True})
    yield engine
    engine.dispose()


@pytest.mark.parametrize("schema", ["marts", "warehouse.marts"])
def test_tables_views_and_columns(engine, schema):
    inspector = inspect(engine)
    assert inspector.get_table_names(schema=schema) == ["force", "rate"]
    assert inspector.get_view_names(schema=schema) == ["latest"]
    columns = {c["name"]: c for c in inspector.get_columns("rate", schema=schema)}
    assert list(columns) == ["force_id", "audit_id", "reported", "rate", "share", "audited_on", "loaded_at", "codes"]
    assert isinstance(columns["reported"]["type"], types.BIGINT) and columns["reported"]["nullable"] is False
    assert isinstance(columns["rate"]["type"], types.DOUBLE_PRECISION)
    assert (columns["share"]["type"].precision, columns["share"]["type"].scale) == (9, 3)
    assert isinstance(columns["audited_on"]["type"], types.DATE)
    assert columns["loaded_at"]["type"].timezone is True
    assert isinstance(columns["codes"]["type"].item_type, types.String)
    assert columns["rate"]["comment"] == "recorded / reported"
    assert [c["name"] for c in inspector.get_columns("latest", schema=schema)] == ["force_id", "rate"]


def test_keys_constraints_and_comments(engine):
    inspector = inspect(engine)
    assert inspector.get_pk_constraint("rate", schema="marts")["constrained_columns"] == ["force_id", "audit_id"]
    assert inspector.get_pk_constraint("latest", schema="marts")["constrained_columns"] == []
    [fk] = inspector.get_foreign_keys("rate", schema="marts")
    assert (fk["constrained_columns"], fk["referred_schema"], fk["referred_table"], fk["referred_columns"]) == (
        ["force_id"], "marts", "force", ["force_id"])
    assert [u["column_names"] for u in inspector.get_unique_constraints("force", schema="marts")] == [["name"]]
    assert [c["sqltext"] for c in inspector.get_check_constraints("rate", schema="marts")] == ["(reported >= 0)"]
    assert inspector.get_table_comment("rate", schema="marts") == {"text": "One row per force and audit"}
    assert inspector.get_table_comment("force", schema="marts") == {"text": None}
    assert "FROM marts.rate" in inspector.get_view_definition("latest", schema="marts")


def test_a_table_of_the_same_name_in_another_schema_stays_apart(engine):
    assert [c["name"] for c in inspect(engine).get_columns("rate", schema="other")] == ["x"]
    with pytest.raises(sqlalchemy.exc.NoSuchTableError):
        inspect(engine).get_columns("missing", schema="marts")


def test_table_autoload_gives_columns_keys_and_foreign_keys(engine):
    metadata = MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duckdb-engine: "doesn't yet support reflection on indices"
        rate = Table("rate", metadata, schema="marts", autoload_with=engine)
    assert [c.name for c in rate.primary_key.columns] == ["force_id", "audit_id"]
    assert {fk.target_fullname for fk in rate.foreign_keys} == {"marts.force.force_id"}
    assert rate.comment == "One row per force and audit"
    with engine.connect() as con:
        assert con.execute(sqlalchemy.select(sqlalchemy.func.count()).select_from(rate)).scalar() == 0

"""The tables dbt does not build (schemas `raw`, `police_uk`, `ops`) as documented dbt sources,
and the data dictionary's landing page: the project's own overview, not dbt's generic one.

The warehouse here is a new, empty one made by the code every ingest step runs first
(`prepare_warehouse`), so a table or column added to the DDL without its description fails."""

from __future__ import annotations

import json

import pytest

from orchestration.ingest.batch import prepare_warehouse
from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.transform.dbt_cli import TARGET_DIR
from orchestration.warehouse import connect

SCHEMAS = ("raw", "police_uk", "ops")
PROJECT_OVERVIEW = "doc.crime_data_integrity.__overview__"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((TARGET_DIR / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sources(manifest) -> dict[tuple[str, str], dict]:
    """Each declared source table by (schema, table) in the warehouse."""
    return {(node["schema"], node["identifier"]): node for node in manifest["sources"].values()}


@pytest.fixture(scope="module")
def warehouse_columns(tmp_path_factory) -> dict[tuple[str, str], list[str]]:
    """(schema, table) -> its columns, of every table a new warehouse has in SCHEMAS."""
    with connect(tmp_path_factory.mktemp("empty") / "warehouse.duckdb") as con:
        prepare_warehouse(con)
        rows = con.execute(
            "SELECT table_schema, table_name, list(column_name ORDER BY ordinal_position) "
            "FROM information_schema.columns WHERE table_catalog = current_database() "
            "AND table_schema IN (SELECT unnest(?)) GROUP BY ALL ORDER BY ALL", [list(SCHEMAS)]).fetchall()
    return {(schema, table): columns for schema, table, columns in rows}


def test_every_table_outside_dbt_is_a_source_with_every_column_described(sources, warehouse_columns):
    assert len(warehouse_columns) >= 16  # ten raw tables and six ops tables today
    undeclared = sorted(f"{schema}.{table}" for schema, table in warehouse_columns if (schema, table) not in sources)
    assert undeclared == []
    undescribed = [
        f"{schema}.{table}.{column}"
        for (schema, table), columns in warehouse_columns.items()
        for column in columns
        if not sources[(schema, table)]["columns"].get(column, {}).get("description", "").strip()
    ]
    assert undescribed == []
    for key in warehouse_columns:
        assert sources[key]["description"].strip(), key
        assert sources[key]["source_description"].strip(), key


def test_the_sources_declare_no_table_or_column_the_warehouse_lacks(sources, warehouse_columns):
    """A column renamed or dropped in the DDL must leave the YAML too: the dictionary would
    describe a column nobody can query."""
    stale_tables = sorted(f"{s}.{t}" for s, t in sources if s in SCHEMAS and (s, t) not in warehouse_columns)
    assert stale_tables == []
    stale_columns = {f"{s}.{t}": sorted(set(sources.get((s, t), {}).get("columns", {})) - set(columns))
                     for (s, t), columns in warehouse_columns.items()}
    assert {table: columns for table, columns in stale_columns.items() if columns} == {}


def test_personal_columns_are_described_as_keyed_pseudonyms(sources):
    personal = [(kind.table, column.stored_name) for kind in EXPORT_KINDS for column in kind.columns if column.personal]
    assert len(personal) == 6
    for table, column in personal:
        text = sources[("raw", table)]["columns"][column]["description"]
        assert "keyed HMAC" in text and "never reaches the warehouse" in text, (table, column)


def test_the_dictionary_opens_on_the_project_overview(manifest):
    """dbt's page shows any __overview__ not from dbt's own package instead of its generic one."""
    overviews = [doc["unique_id"] for doc in manifest["docs"].values()
                 if doc["name"] == "__overview__" and doc["package_name"] != "dbt"]
    assert overviews == [PROJECT_OVERVIEW]
    text = manifest["docs"][PROJECT_OVERVIEW]["block_contents"]
    for phrase in ("raw", "staging", "intermediate", "marts", "How to read a rate", "Wilson",
                   "held back", "quality/index.html", "report.html", "keyed HMAC-SHA256 pseudonyms"):
        assert phrase in text, phrase

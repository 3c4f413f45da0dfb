"""SQLAlchemy reflection that works on DuckDB 2.0: the `duckdb+cdi://` dialect for BI tools.

duckdb-engine (0.17.0, the newest) reflects through PostgreSQL's catalog, as its parent
dialect does: `pg_collation` for columns and `CAST(... AS REGCLASS)` for keys, constraints and
comments. DuckDB 2.0 has neither, so `inspect(engine).get_columns(...)`, `get_pk_constraint`,
`get_foreign_keys` and `Table(..., autoload_with=engine)` fail whatever SQLAlchemy version is
installed (checked with SQLAlchemy 2.0.58 and 2.1.9). Superset's dataset screens call exactly
these. This dialect keeps everything of duckdb-engine (connections, types, SQL compilation)
and answers reflection from DuckDB's own catalog functions, `duckdb_columns()`,
`duckdb_constraints()`, `duckdb_tables()` and `duckdb_views()`, which are stable across
DuckDB versions.

It imports only SQLAlchemy and duckdb-engine, so a BI tool's environment can use it without
the rest of this package: the entry point in pyproject.toml registers it with SQLAlchemy as
`duckdb+cdi`, or `registry.register("duckdb.cdi", "orchestration.publish.duckdb_dialect",
"CdiDuckDBDialect")` does where only this file is copied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from duckdb_engine import Dialect as DuckDBDialect
from sqlalchemy import exc, text, types as sqltypes, util
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, ObjectKind, ObjectScope
from sqlalchemy.engine.reflection import ReflectionDefaults

# DuckDB spellings PostgreSQL's type names do not cover.
_DUCKDB_TYPES: dict[str, type[sqltypes.TypeEngine]] = {
    "double": sqltypes.DOUBLE_PRECISION,
    "decimal": sqltypes.NUMERIC,
    "blob": sqltypes.LargeBinary,
    "timestamp_us": sqltypes.TIMESTAMP,
}

_TYPE_WITH_ARGS = re.compile(r"^(?P<name>[A-Za-z_ ]+?)\s*(?:\((?P<args>[\d,\s]+)\))?$")

# Catalog queries; `database_name` and `schema_name` are bound, never formatted in.
_RELATIONS = """
    SELECT table_name AS name, 'table' AS kind, "comment" FROM duckdb_tables()
    WHERE database_name = :database AND schema_name = :schema AND temporary = :temporary
    UNION ALL
    SELECT view_name, 'view', "comment" FROM duckdb_views()
    WHERE database_name = :database AND schema_name = :schema AND temporary = :temporary
      AND NOT internal
"""
_COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable, column_default, "comment"
    FROM duckdb_columns()
    WHERE database_name = :database AND schema_name = :schema
    ORDER BY table_name, column_index
"""
_CONSTRAINTS = """
    SELECT table_name, constraint_type, constraint_name, constraint_column_names,
           referenced_table, referenced_column_names, expression
    FROM duckdb_constraints()
    WHERE database_name = :database AND schema_name = :schema
      AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY', 'UNIQUE', 'CHECK')
    ORDER BY table_name, constraint_index
"""


class CdiDuckDBDialect(DuckDBDialect):
    """duckdb-engine with reflection read from DuckDB's catalog functions."""

    supports_statement_cache = False

    # --- where to look ---------------------------------------------------------------------

    def _where(self, connection: Connection, schema: str | None) -> dict[str, str]:
        # duckdb-engine names schemas `<database>.<schema>` (get_schema_names); a bare schema
        # or none at all means the connection's current database.
        database, schema_name = self.identifier_preparer._separate(schema)
        current_database, current_schema = connection.execute(
            text("SELECT current_database(), current_schema()")).one()
        return {"database": database or current_database, "schema": schema_name or current_schema}

    def _relations(self, connection: Connection, schema: str | None, filter_names: Iterable[str] | None,
                   scope: ObjectScope, kind: ObjectKind) -> dict[str, tuple[str, str | None]]:
        wanted_kinds = {k for flag, k in ((ObjectKind.TABLE, "table"), (ObjectKind.VIEW, "view")) if flag in kind}
        params = {**self._where(connection, schema), "temporary": scope is ObjectScope.TEMPORARY}
        names = set(filter_names) if filter_names is not None else None
        return {
            name: (relation_kind, comment)
            for name, relation_kind, comment in connection.execute(text(_RELATIONS), params)
            if relation_kind in wanted_kinds and (names is None or name in names)
        }

    def _rows(self, connection: Connection, query: str, schema: str | None) -> list[Any]:
        return list(connection.execute(text(query), self._where(connection, schema)))

    # --- columns and types -----------------------------------------------------------------

    def _column_type(self, data_type: str) -> sqltypes.TypeEngine:
        if data_type.endswith("[]"):
            return ARRAY(self._column_type(data_type[:-2]))
        match = _TYPE_WITH_ARGS.match(data_type)
        name = match["name"].strip().lower() if match else data_type.lower()
        args = [int(a) for a in match["args"].split(",")] if match and match["args"] else []
        type_class = _DUCKDB_TYPES.get(name) or self.ischema_names.get(name)
        if type_class is None:
            # STRUCT, MAP, UNION, ...: SQLAlchemy's convention for a type it cannot name.
            util.warn(f"Did not recognize type '{data_type}'")
            return sqltypes.NULLTYPE
        # PostgreSQL's names map both timestamp spellings to one class and say the zone apart.
        zoned = {"timezone": True} if name in {"timestamp with time zone", "timestamptz", "time with time zone"} else {}
        try:
            return type_class(*args, **zoned)
        except TypeError:
            return type_class()

    def get_multi_columns(self, connection: Connection, schema: str | None = None, filter_names=None,
                          scope=ObjectScope.DEFAULT, kind=ObjectKind.TABLE, **kw: Any):
        relations = self._relations(connection, schema, filter_names, scope, kind)
        columns: dict[tuple[str | None, str], list[dict]] = {(schema, name): [] for name in relations}
        for table, column, data_type, nullable, default, comment in self._rows(connection, _COLUMNS, schema):
            if table in relations:
                columns[(schema, table)].append({
                    "name": column, "type": self._column_type(data_type), "nullable": nullable,
                    "default": default, "autoincrement": False, "comment": comment,
                })
        return columns.items()

    # --- keys and constraints --------------------------------------------------------------

    def _per_relation(self, connection: Connection, schema: str | None, filter_names, scope, kind,
                      constraint_type: str, entry: Callable[[Any], dict]) -> list[tuple]:
        """Every asked relation with the list of its constraints of one type, each as `entry`
        makes it (an empty list for a relation without any)."""
        relations = self._relations(connection, schema, filter_names, scope, kind)
        found: dict[tuple[str | None, str], list[dict]] = {(schema, name): [] for name in relations}
        for row in self._rows(connection, _CONSTRAINTS, schema):
            if row.table_name in relations and row.constraint_type == constraint_type:
                found[(schema, row.table_name)].append(entry(row))
        return list(found.items())

    def get_multi_pk_constraint(self, connection: Connection, schema: str | None = None, filter_names=None,
                                scope=ObjectScope.DEFAULT, kind=ObjectKind.TABLE, **kw: Any):
        keys = self._per_relation(connection, schema, filter_names, scope, kind, "PRIMARY KEY", lambda row: {
            "constrained_columns": list(row.constraint_column_names), "name": row.constraint_name})
        # A table has at most one primary key; one without gets SQLAlchemy's empty key.
        return [(key, found[0] if found else ReflectionDefaults.pk_constraint()) for key, found in keys]

    def get_multi_foreign_keys(self, connection: Connection, schema: str | None = None, filter_names=None,
                               scope=ObjectScope.DEFAULT, kind=ObjectKind.TABLE, **kw: Any):
        # DuckDB only lets a foreign key point into its own schema.
        return self._per_relation(connection, schema, filter_names, scope, kind, "FOREIGN KEY", lambda row: {
            "name": row.constraint_name, "constrained_columns": list(row.constraint_column_names),
            "referred_schema": schema, "referred_table": row.referenced_table,
            "referred_columns": list(row.referenced_column_names), "options": {},
        })

    def get_multi_unique_constraints(self, connection: Connection, schema: str | None = None, filter_names=None,
                                     scope=ObjectScope.DEFAULT, kind=ObjectKind.TABLE, **kw: Any):
        return self._per_relation(connection, schema, filter_names, scope, kind, "UNIQUE", lambda row: {
            "name": row.constraint_name, "column_names": list(row.constraint_column_names)})

    def get_multi_check_constraints(self, connection: Connection, schema: str | None = None, filter_names=None,
                                    scope=ObjectScope.DEFAULT, kind=ObjectKind.TABLE, **kw: Any):
        return self._per_relation(connection, schema, filter_names, scope, kind, "CHECK", lambda row: {
            "name": row.constraint_name, "sqltext": row.expression})

    def get_multi_table_comment(self, connection: Connection, schema: str | None = None, filter_names=None,
                                scope=ObjectScope.DEFAULT, kind=ObjectKind.TABLE, **kw: Any):
        relations = self._relations(connection, schema, filter_names, scope, kind)
        return [((schema, name), {"text": comment} if comment else ReflectionDefaults.table_comment())
                for name, (_, comment) in relations.items()]

    def get_multi_table_options(self, connection: Connection, schema: str | None = None, filter_names=None,
                                scope=ObjectScope.DEFAULT, kind=ObjectKind.TABLE, **kw: Any):
        # PostgreSQL's INHERITS and WITH options (read from pg_inherits): DuckDB has neither.
        relations = self._relations(connection, schema, filter_names, scope, kind)
        return [((schema, name), ReflectionDefaults.table_options()) for name in relations]

    def get_view_definition(self, connection: Connection, view_name: str, schema: str | None = None, **kw: Any):
        where = self._where(connection, schema)
        row = connection.execute(text(
            "SELECT sql FROM duckdb_views() WHERE database_name = :database AND schema_name = :schema "
            "AND view_name = :view"), {**where, "view": view_name}).first()
        if row is None:
            raise exc.NoSuchTableError(f"{schema}.{view_name}" if schema else view_name)
        return row.sql

"""The canonical export kinds: their columns, types, keys and personal fields.

One `ExportKind` per landing file kind; `docs/raw_tables.md` describes the tables they make.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ColumnType(str, Enum):
    TEXT = "VARCHAR"
    TIMESTAMP = "TIMESTAMP"  # stored in UTC; landing values are UK local unless offset given
    DATE = "DATE"
    INTEGER = "INTEGER"
    BOOLEAN = "BOOLEAN"


class Layout(str, Enum):
    FORCE_EXPORT = "force_export"  # <force_id>/<YYYY-MM-DD>/<kind>.<ext>
    AUDIT = "audit"  # <force_id>/audits/<audit_id>/<kind>.<ext>


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False
    personal: bool = False  # pseudonymised at ingest; stored as `<name>_hash`

    @property
    def stored_name(self) -> str:
        return f"{self.name}_hash" if self.personal else self.name


@dataclass(frozen=True)
class ExportKind:
    name: str  # landing file stem
    table: str  # raw table name
    layout: Layout
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # unique within one file; a repeat is quarantined

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


T, TS, D, I, B = (
    ColumnType.TEXT,
    ColumnType.TIMESTAMP,
    ColumnType.DATE,
    ColumnType.INTEGER,
    ColumnType.BOOLEAN,
)


def _required(name: str, type_: ColumnType = T) -> Column:
    return Column(name, type_, required=True)


def _personal(name: str) -> Column:
    return Column(name, T, personal=True)


EXPORT_KINDS: tuple[ExportKind, ...] = (
    ExportKind(
        "incidents",
        "incidents",
        Layout.FORCE_EXPORT,
        (
            _required("incident_id"),
            _required("received_at", TS),
            Column("channel"),
            Column("opening_code"),
            Column("closing_code"),
            _personal("caller_name"),
            _personal("caller_dob"),
            _personal("caller_address"),
            Column("summary"),
        ),
        key=("incident_id",),
    ),
    ExportKind(
        "crimes",
        "crimes",
        Layout.FORCE_EXPORT,
        (
            _required("crime_id"),
            Column("incident_id"),
            _required("reported_at", TS),
            _required("recorded_at", TS),
            _required("offence_code"),
            _personal("victim_name"),
            _personal("victim_dob"),
            _personal("victim_address"),
        ),
        key=("crime_id",),
    ),
    ExportKind(
        "crime_decisions",
        "crime_decisions",
        Layout.FORCE_EXPORT,
        (
            _required("crime_id"),
            _required("decided_at", TS),
            _required("decision"),
            Column("reason_code"),
            Column("authorised_by"),
            Column("victim_informed", B),
        ),
        key=("crime_id", "decision"),
    ),
    ExportKind(
        "disposals",
        "disposals",
        Layout.FORCE_EXPORT,
        (
            _required("crime_id"),
            _required("disposal_type"),
            _required("issued_at", TS),
        ),
        key=("crime_id", "disposal_type"),
    ),
    ExportKind(
        "audit",
        "audits",
        Layout.AUDIT,
        (
            _required("audit_id"),
            _required("force_id"),
            _required("period_start", D),
            _required("period_end", D),
            _required("time_limit_hours", I),
            Column("inspector"),
        ),
        key=("audit_id",),
    ),
    ExportKind(
        "incident_reviews",
        "incident_reviews",
        Layout.AUDIT,
        (
            _required("audit_id"),
            _required("incident_id"),
            _required("reviewed_at", TS),
            Column("expected_offence_code"),
            _required("auditor_ref"),
        ),
        key=("auditor_ref",),
    ),
    ExportKind(
        "no_crime_reviews",
        "no_crime_reviews",
        Layout.AUDIT,
        (
            _required("audit_id"),
            _required("crime_id"),
            _required("reviewed_at", TS),
            _required("verdict"),
            Column("auditor_ref"),
        ),
        key=("crime_id",),
    ),
    ExportKind(
        "disposal_reviews",
        "disposal_reviews",
        Layout.AUDIT,
        (
            _required("audit_id"),
            _required("crime_id"),
            _required("reviewed_at", TS),
            _required("verdict"),
            Column("auditor_ref"),
        ),
        key=("crime_id",),
    ),
)

KINDS_BY_NAME = {k.name: k for k in EXPORT_KINDS}

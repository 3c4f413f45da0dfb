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
    DOUBLE = "DOUBLE"
    BOOLEAN = "BOOLEAN"


class Layout(str, Enum):
    FORCE_EXPORT = "force_export"  # <force_id>/<YYYY-MM-DD>/<kind>.<ext>
    AUDIT = "audit"  # <force_id>/audits/<audit_id>/<kind>.<ext>
    POLICE_UK = "police_uk"  # police_uk/<YYYY-MM>-<force_id>-street.csv (published data)


# Columns a file's path supplies (they are not in the file itself), per layout.
_PATH_COLUMNS = {
    Layout.FORCE_EXPORT: (("force_id", "VARCHAR"), ("export_date", "DATE")),
    Layout.AUDIT: (("force_id", "VARCHAR"),),
    Layout.POLICE_UK: (("force_id", "VARCHAR"), ("file_month", "VARCHAR"), ("layout", "VARCHAR")),
}


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
    # What makes a row a repeat of another (DESIGN.md "Keys"); empty: no key, no row is ever
    # a repeat. Path columns (a force export's force_id) are in it, though the file has none.
    key: tuple[str, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def file_key(self) -> tuple[str, ...]:
        """The key's columns that a file holds: a repeat of them within one file is quarantined
        (the path columns are the same on every row of a file)."""
        return tuple(k for k in self.key if k in self.column_names)


def path_columns(kind: "ExportKind") -> tuple[tuple[str, str], ...]:
    return tuple(c for c in _PATH_COLUMNS[kind.layout] if c[0] not in kind.column_names)


T, TS, D, I, F, B = (
    ColumnType.TEXT,
    ColumnType.TIMESTAMP,
    ColumnType.DATE,
    ColumnType.INTEGER,
    ColumnType.DOUBLE,
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
        key=("force_id", "incident_id"),
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
        key=("force_id", "crime_id"),
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
        key=("force_id", "crime_id", "decision"),
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
        key=("force_id", "crime_id", "disposal_type"),
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
        # One row per expected crime: an incident may list the same offence code twice (two
        # victims), and one auditor reviews many rows. No row of this sheet is a repeat.
        key=(),
    ),
    ExportKind(
        "audit_design",
        "audit_designs",
        Layout.AUDIT,
        (
            # One row per sampled incident, written by `cdi audit design` (orchestration/audit/):
            # the stratum it was drawn from and that stratum's population and sample size, so
            # the marts weight each review by N_h / n_h without trusting the review sheet.
            _required("audit_id"),
            _required("incident_id"),
            _required("stratum"),
            _required("stratum_population", I),
            _required("stratum_sample_size", I),
            Column("seed", I),
            Column("target_precision", F),
            Column("prior_rate", F),
        ),
        key=("audit_id", "incident_id"),
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
        key=("audit_id", "crime_id"),
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
        key=("audit_id", "crime_id"),
    ),
)

# police.uk street-level crime: one file per force and month. No key: anti-social behaviour
# rows have no Crime ID, and exact duplicates are flagged downstream, not quarantined.
POLICE_UK_STREET = ExportKind(
    "street",
    "police_uk_street",
    Layout.POLICE_UK,
    (
        Column("crime_id"),
        _required("month"),
        Column("reported_by"),
        Column("falls_within"),
        Column("longitude", F),
        Column("latitude", F),
        Column("easting", F),
        Column("northing", F),
        Column("location"),
        Column("lsoa_code"),
        Column("lsoa_name"),
        _required("crime_type"),
        Column("last_outcome_category"),
        Column("context"),
    ),
    key=(),
)
EXPORT_KINDS = (*EXPORT_KINDS, POLICE_UK_STREET)

KINDS_BY_NAME = {k.name: k for k in EXPORT_KINDS}

"""Per-force export contracts: how a force's files map onto the canonical shape.

A contract (`orchestration/force_contracts/<force_id>.yaml`) lists versions, each valid from
an export date; a version declares, per export kind, the file name, the format (CSV with
delimiter/quote/encoding/header, XLSX sheet, JSON lines), the source column of each
canonical column, timestamp/date formats and time zone, code mappings, personal and
required columns. A force (or kind) without a contract uses the canonical shape.

Contracts are checked when the definitions load: every problem names the file and the key.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from orchestration.ingest.kinds import KINDS_BY_NAME, ColumnType, ExportKind, Layout

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "force_contracts"
FORMATS = ("csv", "xlsx", "jsonl")
CANONICAL = "canonical shape"
# strftime directives DuckDB's strptime understands, as the contracts may use them.
_DIRECTIVES = set("aAbBdeHIjmMpSyYfzZ%")
_DATE_PROBE = dt.datetime(2014, 11, 23, 19, 45, 30)


class ContractError(ValueError):
    """A contract that cannot be applied; the message names the file and the key."""


@dataclass(frozen=True)
class ReadSpec:
    """How to read one landing file: the canonical shape, or a contract's mapping."""

    kind: ExportKind
    contract: str = CANONICAL  # contract file (and version) the spec comes from
    file_pattern: str | None = None  # strftime pattern of the file name (None: canonical)
    format: str = "csv"
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    header: bool = True
    sheet: str | int = 0
    source_order: tuple[str, ...] = ()  # column names by position when there is no header
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    formats: dict[str, str] = field(default_factory=dict)  # canonical -> strptime format
    time_zone: str = "Europe/London"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical -> {source: canonical}
    personal: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()

    @classmethod
    def canonical(cls, kind: ExportKind, fmt: str = "csv") -> "ReadSpec":
        return cls(
            kind=kind,
            format=fmt,
            columns={c.name: c.name for c in kind.columns},
            personal=frozenset(c.name for c in kind.columns if c.personal),
            required=frozenset(kind.required_columns),
        )

    def source(self, canonical: str) -> str | None:
        return self.columns.get(canonical)

    @property
    def mapped_sources(self) -> set[str]:
        return set(self.columns.values())

    def file_name(self, export_date: dt.date) -> str:
        return export_date.strftime(self.file_pattern) if self.file_pattern else ""


@dataclass(frozen=True)
class ContractVersion:
    valid_from: dt.date
    specs: dict[str, ReadSpec]  # export kind -> spec


@dataclass(frozen=True)
class ForceContract:
    force_id: str
    path: Path
    versions: tuple[ContractVersion, ...]  # sorted by valid_from

    def version_for(self, export_date: dt.date) -> ContractVersion | None:
        in_force = [v for v in self.versions if v.valid_from <= export_date]
        return in_force[-1] if in_force else None

    def spec_for(self, kind: ExportKind, export_date: dt.date) -> ReadSpec | None:
        version = self.version_for(export_date)
        return version.specs.get(kind.name) if version else None


def _check_format(where: str, value: Any, kind: ColumnType) -> str:
    if not isinstance(value, str) or not value:
        raise ContractError(f"{where}: a {kind.value.lower()} format must be a non-empty string")
    directives = re.findall(r"%(.)", value)
    unknown = sorted({d for d in directives if d not in _DIRECTIVES})
    if unknown:
        raise ContractError(f"{where}: bad date format {value!r}: unknown directive(s) "
                            + ", ".join(f"%{d}" for d in unknown))
    present = set(directives)
    if not {"Y", "y"} & present or not {"m", "b", "B"} & present or not {"d", "e"} & present:
        raise ContractError(f"{where}: bad date format {value!r}: it needs a year, a month and a day")
    if kind is ColumnType.TIMESTAMP and not {"H", "I"} & set(directives):
        raise ContractError(f"{where}: bad date format {value!r}: a timestamp format needs an hour (%H or %I)")
    try:
        probe = _DATE_PROBE.strftime(value)
        dt.datetime.strptime(probe, value)
    except ValueError as exc:
        raise ContractError(f"{where}: bad date format {value!r}: {exc}") from exc
    return value


def _spec(where: str, kind_name: str, body: Any, valid_from: dt.date) -> ReadSpec:
    kind = KINDS_BY_NAME.get(kind_name)
    if kind is None or kind.layout is not Layout.FORCE_EXPORT:
        known = ", ".join(k.name for k in KINDS_BY_NAME.values() if k.layout is Layout.FORCE_EXPORT)
        raise ContractError(f"{where}: unknown export kind {kind_name!r} (force exports are: {known})")
    if not isinstance(body, dict):
        raise ContractError(f"{where}: expected a mapping")
    allowed = {"file", "format", "columns", "formats", "time_zone", "codes", "personal", "required"}
    extra = sorted(set(body) - allowed)
    if extra:
        raise ContractError(f"{where}: unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")
    if not isinstance(body.get("file"), str):
        raise ContractError(f"{where}.file: the file name pattern is required (e.g. 'incidents_%Y%m%d.csv')")
    fmt = body.get("format") or {}
    if not isinstance(fmt, dict) or fmt.get("type") not in FORMATS:
        raise ContractError(f"{where}.format.type: must be one of {', '.join(FORMATS)}")
    encoding = fmt.get("encoding", "utf-8")
    try:
        "".encode(encoding)
    except LookupError as exc:
        raise ContractError(f"{where}.format.encoding: unknown encoding {encoding!r}") from exc
    header = fmt.get("header", True)
    columns = body.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise ContractError(f"{where}.columns: map each canonical column to the force's column name")
    for canonical, source in columns.items():
        if canonical not in kind.column_names:
            raise ContractError(f"{where}.columns.{canonical}: unknown canonical column "
                                f"(the {kind.name} columns are: {', '.join(kind.column_names)})")
        if not isinstance(source, str) or not source:
            raise ContractError(f"{where}.columns.{canonical}: the source column name must be a string")
    required = set(kind.required_columns) | set(body.get("required") or [])
    for name in sorted(required):
        if name not in kind.column_names:
            raise ContractError(f"{where}.required: unknown canonical column {name!r}")
        if name not in columns:
            raise ContractError(f"{where}.columns: missing required mapping for {name!r}")
    formats: dict[str, str] = {}
    for canonical, value in (body.get("formats") or {}).items():
        if canonical not in columns:
            raise ContractError(f"{where}.formats.{canonical}: not a mapped canonical column")
        column_type = kind.column(canonical).type
        if column_type not in (ColumnType.TIMESTAMP, ColumnType.DATE):
            raise ContractError(f"{where}.formats.{canonical}: only timestamp and date columns take a format")
        formats[canonical] = _check_format(f"{where}.formats.{canonical}", value, column_type)
    time_zone = body.get("time_zone", "Europe/London")
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ContractError(f"{where}.time_zone: unknown time zone {time_zone!r}") from exc
    codes: dict[str, dict[str, str]] = {}
    for canonical, mapping in (body.get("codes") or {}).items():
        if canonical not in columns:
            raise ContractError(f"{where}.codes.{canonical}: not a mapped canonical column")
        if not isinstance(mapping, dict):
            raise ContractError(f"{where}.codes.{canonical}: expected a mapping of force code -> canonical code")
        codes[canonical] = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in mapping.items()}
    personal = set(body.get("personal") or [])
    for name in sorted(personal):
        if name not in columns:
            raise ContractError(f"{where}.personal: {name!r} is not a mapped canonical column")
    # Names, dates of birth and addresses stay personal whatever a contract says.
    personal |= {c.name for c in kind.columns if c.personal and c.name in columns}
    order = tuple(fmt.get("columns") or ())
    missing = sorted(set(columns.values()) - set(order))
    if not header and (missing or not order):
        raise ContractError(f"{where}.format.columns: a file without a header needs every source "
                            f"column in file order (missing: {', '.join(missing) or 'all'})")
    return ReadSpec(
        kind=kind,
        contract=f"{where.split(':')[0]} (version from {valid_from.isoformat()})",
        file_pattern=body["file"],
        format=fmt["type"],
        delimiter=fmt.get("delimiter", ","),
        quote=fmt.get("quote", '"'),
        encoding=encoding,
        header=bool(header),
        sheet=fmt.get("sheet", 0),
        source_order=order,
        columns=dict(columns),
        formats=formats,
        time_zone=time_zone,
        codes=codes,
        personal=frozenset(personal),
        required=frozenset(required),
    )


def load_contract(path: Path) -> ForceContract:
    name = path.name
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ContractError(f"{name}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ContractError(f"{name}: expected a mapping with force_id and versions")
    force_id = document.get("force_id")
    if force_id != path.stem:
        raise ContractError(f"{name}: force_id {force_id!r} must equal the file name {path.stem!r}")
    versions = []
    for number, version in enumerate(document.get("versions") or []):
        where = f"{name}: versions[{number}]"
        valid_from = version.get("valid_from") if isinstance(version, dict) else None
        if not isinstance(valid_from, dt.date):
            raise ContractError(f"{where}.valid_from: an export date (YYYY-MM-DD) is required")
        exports = version.get("exports") or {}
        specs = {kind: _spec(f"{where}.exports.{kind}", kind, body, valid_from) for kind, body in exports.items()}
        versions.append(ContractVersion(valid_from, specs))
    if not versions:
        raise ContractError(f"{name}: versions: at least one version is required")
    dates = [v.valid_from for v in versions]
    if len(set(dates)) != len(dates):
        raise ContractError(f"{name}: versions: two versions share a valid_from date")
    return ForceContract(force_id, path, tuple(sorted(versions, key=lambda v: v.valid_from)))


@cache
def _load_all(directory: Path, stamp: tuple) -> dict[str, ForceContract]:
    return {path.stem: load_contract(path) for path in sorted(directory.glob("*.yaml"))}


def load_contracts(directory: Path | None = None) -> dict[str, ForceContract]:
    """Every contract, validated; cached until a contract file changes."""
    directory = directory or CONTRACTS_DIR
    if not directory.is_dir():
        return {}
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(directory.glob("*.yaml")))
    return _load_all(directory, stamp)

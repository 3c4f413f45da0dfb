"""Expectation suites as data: loading, placeholders and the batch each one validates.

A suite is a GX 1.x suite JSON with a `meta` block saying what it guards:
`{"asset_key": ["raw", "crimes"], "table": "raw.crimes", "batch": "current_load" | "all"}`.
Two placeholders keep reference lists in one place: `{"$seed": "forces.force_id"}` is
the column of a dbt seed CSV, `{"$now": true}` the validation time (UTC, naive), and
`{"$datetime": "2000-01-01T00:00:00"}` a timestamp (GX compares them with datetimes, not strings).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR

SEVERITIES = ("critical", "warning")
BATCHES = ("current_load", "all")
# Keyword arguments of GX expectations that name columns of the table.
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_COLUMN_LIST_KWARGS = ("column_list",)


class SuiteError(ValueError):
    """A suite file that would validate something other than what it says."""


@dataclass(frozen=True)
class SuiteFile:
    path: Path
    document: dict[str, Any]

    @property
    def name(self) -> str:
        return self.document["name"]

    @property
    def stage(self) -> str:
        return self.path.parent.name

    @property
    def asset_key(self) -> list[str]:
        return self.document["meta"]["asset_key"]

    @property
    def table(self) -> tuple[str, str]:
        schema, table = self.document["meta"]["table"].split(".")
        return schema, table

    @property
    def batch(self) -> str:
        return self.document["meta"].get("batch", "all")

    @property
    def check_name(self) -> str:
        return f"gx_{self.table[1]}"

    @cached_property
    def columns(self) -> list[str]:
        """Only the columns the expectations read (validation reads nothing else)."""
        names: list[str] = []
        for expectation in self.document["expectations"]:
            kwargs = expectation["kwargs"]
            for key in _COLUMN_KWARGS:
                if key in kwargs:
                    names.append(kwargs[key])
            for key in _COLUMN_LIST_KWARGS:
                names.extend(kwargs.get(key, []))
            names.extend(expectation.get("meta", {}).get("row_condition_columns", []))
        return sorted(set(names))


def _seed_values(reference: str) -> list[str]:
    seed, column = reference.split(".")
    with (DBT_PROJECT_DIR / "seeds" / f"{seed}.csv").open(newline="", encoding="utf-8") as fh:
        return sorted({row[column] for row in csv.DictReader(fh)})


def resolve_placeholders(value: Any, now: dt.datetime) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$seed"}:
            return _seed_values(value["$seed"])
        if set(value) == {"$now"}:
            return now
        if set(value) == {"$datetime"}:
            return dt.datetime.fromisoformat(value["$datetime"])
        return {k: resolve_placeholders(v, now) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_placeholders(v, now) for v in value]
    return value


def _check(path: Path, document: dict[str, Any]) -> None:
    where = path.relative_to(EXPECTATIONS_DIR.parent) if path.is_relative_to(EXPECTATIONS_DIR.parent) else path
    meta = document.get("meta", {})
    for key in ("asset_key", "table"):
        if key not in meta:
            raise SuiteError(f"{where}: meta.{key} is missing")
    if meta.get("batch", "all") not in BATCHES:
        raise SuiteError(f"{where}: meta.batch must be one of {BATCHES}")
    if not document.get("expectations"):
        raise SuiteError(f"{where}: no expectations")
    for number, expectation in enumerate(document["expectations"], start=1):
        # GX logs and DROPS an expectation with an invalid severity: refuse the file instead.
        if expectation.get("severity") not in SEVERITIES:
            raise SuiteError(
                f"{where}: expectation {number} ({expectation.get('type')}) needs severity "
                f"'critical' (blocking) or 'warning', not {expectation.get('severity')!r}"
            )


def load_suites(root: Path = EXPECTATIONS_DIR) -> list[SuiteFile]:
    suites = []
    for path in sorted(root.glob("*/*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        _check(path, document)
        suites.append(SuiteFile(path, document))
    return suites

"""What the benchmark compares between the pipeline and its peers, and the comparison.

Every compared table is keyed (force/audit/group); counts must be equal, rates (Wilson
intervals included) equal to 1e-9. `force_volumes` (latest-version rows per force) proves that
every landing row was loaded, not only the ones the marts happen to touch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

RATE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Compared:
    keys: tuple[str, ...]
    counts: tuple[str, ...]
    rates: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [*self.keys, *self.counts, *self.rates]


COMPARED: dict[str, Compared] = {
    "recording_accuracy": Compared(
        ("force_id", "audit_id", "offence_group"),
        ("incidents_reviewed", "crimes_reported", "crimes_recorded", "crimes_unrecorded",
         "crimes_correctly_classified", "crimes_recorded_on_time"),
        ("recording_rate", "rate_ci_low", "rate_ci_high"),
    ),
    "no_crime_accuracy": Compared(
        ("force_id", "audit_id", "offence_group"),
        ("decisions_reviewed", "decisions_correct", "decisions_incorrect"),
        ("accuracy_rate", "accuracy_ci_low", "accuracy_ci_high"),
    ),
    "disposal_accuracy": Compared(
        ("force_id", "audit_id"),
        ("disposals_reviewed", "appropriate", "inappropriate"),
        ("appropriate_rate", "appropriate_ci_low", "appropriate_ci_high"),
    ),
    "force_volumes": Compared(
        ("force_id",), ("incidents", "crimes", "crime_decisions", "disposals"),
    ),
}

# The latest-version tables `force_volumes` counts, when a warehouse has no such table.
VOLUME_KINDS = ("incidents", "crimes", "crime_decisions", "disposals")

# Where each warehouse keeps them (generate_schema_name: custom schemas keep their own names).
PIPELINE_SCHEMA = {
    "recording_accuracy": "marts.recording_accuracy",
    "no_crime_accuracy": "marts.no_crime_accuracy",
    "disposal_accuracy": "marts.disposal_accuracy",
    **{kind: f"staging.stg_raw__{kind}" for kind in VOLUME_KINDS},
}
BARE_SCHEMA = {name: f"marts.{name}" for name in COMPARED}


def _relation(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _volumes_sql(schema_map: dict[str, str]) -> str:
    counts = " UNION ALL ".join(
        f"SELECT force_id, '{kind}' AS kind FROM {_relation(schema_map[kind])}" for kind in VOLUME_KINDS
    )
    columns = ", ".join(f"CAST(count_if(kind = '{kind}') AS BIGINT) AS {kind}" for kind in VOLUME_KINDS)
    return f"SELECT force_id, {columns} FROM ({counts}) GROUP BY force_id"


def read_marts(database: Path, schema_map: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The compared columns of every COMPARED table of a DuckDB warehouse (read-only).

    `schema_map` names the relation of each table; `force_volumes` may instead be derived from
    the latest-version tables named under VOLUME_KINDS (the pipeline's staging models)."""
    out = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for name, spec in COMPARED.items():
            source = (f"({_volumes_sql(schema_map)})" if name == "force_volumes" and name not in schema_map
                      else _relation(schema_map[name]))
            columns = ", ".join(f'"{c}"' for c in spec.columns)
            out[name] = con.execute(f"SELECT {columns} FROM {source}").df()
    return out


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _rows(frame: pd.DataFrame, spec: Compared) -> dict[tuple, dict]:
    """Rows by key; NULL keys (a group outside the offence seed) compare as None."""
    rows = {}
    for record in frame[spec.columns].to_dict("records"):
        key = tuple(None if _missing(record[k]) else str(record[k]) for k in spec.keys)
        rows.setdefault(key, []).append(record)
    return rows


def _differs(a, b, rate: bool) -> bool:
    if _missing(a) or _missing(b):
        return not (_missing(a) and _missing(b))
    if rate:
        return abs(float(a) - float(b)) > RATE_TOLERANCE
    return int(a) != int(b)


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], label: str) -> list[str]:
    """Every difference between two sets of marts (empty when identical), `label` names them."""
    problems = []
    for name, spec in COMPARED.items():
        if name not in a or name not in b:
            problems.append(f"{label}: {name} missing on {'the left' if name not in a else 'the right'}")
            continue
        left, right = _rows(a[name], spec), _rows(b[name], spec)
        for key in sorted(left.keys() | right.keys(), key=lambda k: tuple("" if v is None else v for v in k)):
            where = f"{label}: {name} {dict(zip(spec.keys, key))}"
            if key not in right or key not in left:
                problems.append(f"{where} only on the {'left' if key in left else 'right'}")
                continue
            if len(left[key]) > 1 or len(right[key]) > 1:
                problems.append(f"{where} repeated ({len(left[key])} left, {len(right[key])} right)")
                continue
            x, y = left[key][0], right[key][0]
            for column in spec.counts + spec.rates:
                if _differs(x[column], y[column], column in spec.rates):
                    problems.append(f"{where} {column}: {x[column]!r} != {y[column]!r}")
    return problems

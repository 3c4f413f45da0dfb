"""Validate a DataFrame against a suite with GX 1.x and summarise it for Dagster and people."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas costs ~1 s to import: only a run that validates pays it
    import pandas as pd

from orchestration.quality.suites import SuiteFile, resolve_placeholders

_SAMPLE_SIZE = 5
# Columns that say where a failing row came from (force-day partition), when the batch has them.
LOCATOR_COLUMNS = ("force_id", "export_date")


def _plain(value: Any) -> Any:
    """numpy scalars (and tuples of them) as plain Python values, for readable messages."""
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    return value.item() if hasattr(value, "item") else value


def _json_kwarg(value: Any) -> Any:
    """A kwarg as the results file keeps it: datetimes to the second (`$now` is the validation
    moment, whose microseconds say nothing to a reader)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, (tuple, list)):
        return [_json_kwarg(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_kwarg(v) for k, v in value.items()}
    return _plain(value)


@dataclass(frozen=True)
class ExpectationOutcome:
    type: str
    kwargs: dict[str, Any]
    severity: str
    success: bool
    unexpected_count: int | None
    unexpected_sample: list[Any]
    observed: Any = None
    where: tuple[str, ...] = ()  # force-days of the sampled failing rows, e.g. "kent 2014-01-07"

    def describe(self) -> str:
        column = self.kwargs.get("column") or self.kwargs.get("column_list") or (
            f"{self.kwargs.get('column_A')} vs {self.kwargs.get('column_B')}" if "column_A" in self.kwargs else ""
        )
        text = f"{self.type}({column})"
        if self.unexpected_count:
            text += f": {self.unexpected_count} unexpected, e.g. {self.unexpected_sample}"
            if self.where:
                text += f" (in {', '.join(self.where)})"
        elif self.observed is not None:
            text += f": observed {self.observed}"
        return text


@dataclass
class SuiteOutcome:
    suite: str
    table: str
    rows_validated: int
    validated_at: dt.datetime
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures and not self.warnings

    def summary(self) -> str:
        failed = self.blocking_failures + self.warnings
        if not failed:
            return f"{self.table}: {len(self.outcomes)} expectations passed on {self.rows_validated} rows"
        return f"{self.table}: " + "; ".join(
            ("BLOCKING " if o.severity == "critical" else "warning ") + o.describe() for o in failed
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "table": self.table,
            "rows_validated": self.rows_validated,
            "validated_at": self.validated_at.isoformat(timespec="seconds"),
            "expectations": [
                {**o.__dict__, "kwargs": _json_kwarg(o.kwargs),
                 "unexpected_sample": [str(v) for v in o.unexpected_sample],
                 "observed": None if o.observed is None else str(o.observed), "where": list(o.where)}
                for o in self.outcomes
            ],
        }


def _context():
    # Analytics off before GX is imported: the run must never reach the network.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from great_expectations.data_context.types.base import DataContextConfig, InMemoryStoreBackendDefaults

    # No Data Docs site: GX's pages load CDN assets; docs.py renders offline pages instead.
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _where(index_rows: list[dict] | None) -> tuple[str, ...]:
    """Distinct "force date" of the failing rows GX sampled (in the order it found them)."""
    places = (" ".join(str(_plain(v)).split(" ")[0] for v in row.values()) for row in index_rows or [] if isinstance(row, dict))
    return tuple(dict.fromkeys(places))


def _nanosecond_datetimes(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    """Datetime columns as datetime64[ns]: GX's pandas engine compares only those vectorised;
    DuckDB hands over microseconds, which GX checks one Python object at a time (~4 s per
    million rows per `between`). A column out of the nanosecond range stays as it is."""
    cast = {}
    for column, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_dtype(dtype) and not pd.api.types.is_datetime64_ns_dtype(dtype):
            try:
                cast[column] = frame[column].astype("datetime64[ns]")
            except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
                pass
    return frame.assign(**cast) if cast else frame


def validate(suite_file: SuiteFile, frame: pd.DataFrame) -> SuiteOutcome:
    context = _context()
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    document = resolve_placeholders(suite_file.document, now)
    suite = ExpectationSuite(name=document["name"], expectations=document["expectations"], meta=document.get("meta"))
    if len(suite.expectations) != len(document["expectations"]):
        raise RuntimeError(f"{suite_file.path}: GX dropped expectations while loading the suite")
    batches = context.data_sources.add_pandas(f"cdi_{suite_file.check_name}").add_dataframe_asset(
        "batch").add_batch_definition_whole_dataframe("whole")
    # A validation definition reads the batch once (Batch.validate reads it again, and GX
    # fingerprints every batch it reads by hashing the whole frame).
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=suite_file.check_name, data=batches, suite=context.suites.add(suite)))
    frame = _nanosecond_datetimes(frame)
    result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": _SAMPLE_SIZE}
    locators = [c for c in LOCATOR_COLUMNS if c in frame.columns]
    if locators:
        result_format["unexpected_index_column_names"] = locators
    result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    outcome = SuiteOutcome(suite_file.name, ".".join(suite_file.table), len(frame), now)
    for item in result.results:
        config = item.expectation_config
        details = item.result or {}
        outcome.outcomes.append(
            ExpectationOutcome(
                type=config.type,
                # value_set stays: the quality pages show what each expectation checked.
                kwargs={k: v for k, v in config.kwargs.items() if k != "batch_id"},
                severity=config.severity.value if hasattr(config.severity, "value") else str(config.severity),
                success=bool(item.success),
                unexpected_count=details.get("unexpected_count"),
                unexpected_sample=[_plain(v) for v in (details.get("partial_unexpected_list") or [])[:_SAMPLE_SIZE]],
                observed=details.get("observed_value"),
                where=_where(details.get("partial_unexpected_index_list")),
            )
        )
    return outcome


# Expectations judged row by row: a suite made only of these gives the same outcome on a
# batch validated in chunks (counts add up), so a year's load never sits in one DataFrame.
ROW_BY_ROW = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_pair_values_to_be_equal",
})


# Uniqueness expectations: judged over the whole batch, unless their key includes force_id,
# in which case the batch can be validated a group of forces at a time (no key spans two).
UNIQUENESS = frozenset({"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"})


def row_by_row(suite_file: SuiteFile) -> bool:
    return all(e["type"] in ROW_BY_ROW for e in suite_file.document["expectations"])


def _key_columns(expectation: dict[str, Any]) -> list[str]:
    kwargs = expectation["kwargs"]
    return list(kwargs.get("column_list") or [kwargs.get("column")])


def separable_by_force(suite_file: SuiteFile) -> bool:
    """Every expectation holds per group of forces: row by row, or unique on a key with force_id."""
    return all(
        e["type"] in ROW_BY_ROW or (e["type"] in UNIQUENESS and "force_id" in _key_columns(e))
        for e in suite_file.document["expectations"]
    )


def merge(parts: list[SuiteOutcome]) -> SuiteOutcome:
    """One outcome for a batch validated in disjoint chunks (`row_by_row` or `separable_by_force`)."""
    first = parts[0]
    merged = SuiteOutcome(first.suite, first.table, sum(p.rows_validated for p in parts), first.validated_at)
    for i, outcome in enumerate(first.outcomes):
        same = [p.outcomes[i] for p in parts]
        counts = [o.unexpected_count for o in same if o.unexpected_count is not None]
        failing = [o for o in same if not o.success]
        merged.outcomes.append(ExpectationOutcome(
            type=outcome.type,
            kwargs=outcome.kwargs,
            severity=outcome.severity,
            success=not failing,
            unexpected_count=sum(counts) if counts else None,
            unexpected_sample=[v for o in failing for v in o.unexpected_sample][:_SAMPLE_SIZE],
            observed=(failing[0] if failing else outcome).observed,
            where=tuple(dict.fromkeys(w for o in failing for w in o.where)),
        ))
    return merged

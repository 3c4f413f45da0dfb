"""What an expectation checked, readable, from its kwargs: the columns it reads and its
value set, range, pattern and thresholds.

Phrases are chosen by kwarg name, not by expectation type, so a new expectation in a suite is
described by the kwargs it shares with the others; a kwarg without a phrase is shown as
`name: value`, so nothing it checked is ever hidden.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

# Kwargs that name the columns: shown with the expectation, not as something it checked.
COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")
# How GX evaluates, not what it checks.
_HOW = frozenset({"condition_parser", "result_format", "catch_exceptions", "include_config", "meta"})
_RANGE = ("min_value", "max_value", "strict_min", "strict_max")


def _code(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return f"<code>{html.escape(text)}</code>"


def columns(kwargs: dict[str, Any]) -> str:
    """The columns an expectation reads, e.g. `channel` or `A: recording_rate, B: rate_ci_low`."""
    if "column_list" in kwargs:
        return ", ".join(_code(c) for c in kwargs["column_list"])
    if "column_A" in kwargs:
        return f"A: {_code(kwargs['column_A'])}, B: {_code(kwargs.get('column_B'))}"
    return _code(kwargs["column"]) if "column" in kwargs else ""


def _value_set(values: list[Any]) -> str:
    # In full, however long (the forces seed is 44 ids): a reader checks the list itself.
    items = " ".join(_code(v) for v in values)
    return f"one of {len(values)} value{'s' if len(values) != 1 else ''}: <span class=set>{items}</span>"


def _row_condition(condition: Any) -> str:
    # GX 1.x turns a suite's condition string into {"type": "pass_through", "pass_through_filter": ...}
    text = condition.get("pass_through_filter", condition) if isinstance(condition, dict) else condition
    return f"only rows where {_code(text)}"


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


_PHRASES: dict[str, Callable[[Any], str]] = {
    "value_set": _value_set,
    "regex": lambda pattern: f"matches {_code(pattern)}",
    "mostly": lambda share: f"true of at least {_percent(share)} of rows",
    "or_equal": lambda allowed: "equal values pass" if allowed else "equal values fail",
    "row_condition": _row_condition,
    "ignore_row_if": lambda rule: f"skips a row if {_code(rule)}",
}


def _range(kwargs: dict[str, Any]) -> str | None:
    """min_value/max_value (and strict_min/strict_max) as one phrase: between, at least, at most."""
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is None and high is None:
        return None
    low_word = "above" if kwargs.get("strict_min") else "at least"
    high_word = "below" if kwargs.get("strict_max") else "at most"
    if low is not None and high is not None:
        inclusive = "" if kwargs.get("strict_min") or kwargs.get("strict_max") else " (inclusive)"
        return f"between {_code(low)} and {_code(high)}{inclusive}"
    return f"{low_word} {_code(low)}" if low is not None else f"{high_word} {_code(high)}"


def phrases(kwargs: dict[str, Any]) -> list[str]:
    """One HTML phrase per thing the expectation checked, in the suite's order of kwargs."""
    said: list[str] = []
    for name, value in kwargs.items():
        if name in COLUMN_KWARGS or name in _HOW:
            continue
        if name in _RANGE:
            if name == next(k for k in _RANGE if k in kwargs) and (text := _range(kwargs)):
                said.append(text)
            continue
        phrase = _PHRASES.get(name)
        said.append(phrase(value) if phrase else f"{html.escape(name)}: {_code(value)}")
    return said


def checked(kwargs: dict[str, Any]) -> str:
    """The phrases as a compact list for a table cell (empty: the type says it all, e.g. not null)."""
    said = phrases(kwargs)
    return "<ul class=checked>" + "".join(f"<li>{p}</li>" for p in said) + "</ul>" if said else ""

"""The last nights of each suite (`published/quality/history/<stage>.<table>.jsonl`), for the trend.

One JSON line per night, oldest first, at most `NIGHTS` of them: the file is rewritten whole
(atomically) after each validation, so it never grows with the warehouse's age. A night is
the last export date the run covers (`partitions.last_export_date`: the nightly partition,
the end of a backfill's range), or the UTC date of the validation for a run without
partitions. Validating the same night again (a re-run, a corrected file) replaces that
night's line: the trend shows each night's latest result, once.

A line holds counts and the status only, never a sampled value, so the history cannot keep
a personal value that the latest results file would show once and then drop.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

NIGHTS = 30
# A result's status, worst first; also the CSS classes of the pages.
BLOCKING, WARNING, OK = "blocking", "warning", "ok"
LABELS = {BLOCKING: "FAILED (blocking)", WARNING: "warnings", OK: "passed"}


def status(result: dict[str, Any]) -> str:
    """blocking (a critical expectation failed), warning (only warnings failed) or ok."""
    failed = [e for e in result["expectations"] if not e["success"]]
    if any(e["severity"] == "critical" for e in failed):
        return BLOCKING
    return WARNING if failed else OK


def night_key(last_export: dt.date | None, validated_at: str) -> str:
    """The night a result belongs to (see the module docstring), as YYYY-MM-DD."""
    return last_export.isoformat() if last_export else validated_at[:10]


def entry(result: dict[str, Any], night: str) -> dict[str, Any]:
    return {
        "night": night,
        "validated_at": result["validated_at"],
        "rows_validated": result["rows_validated"],
        "expectations": len(result["expectations"]),
        "failed": sum(not e["success"] for e in result["expectations"]),
        "status": status(result),
    }


def read(path: Path) -> list[dict[str, Any]]:
    """A suite's nights, oldest first (none when it was never validated)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def record(path: Path, new: dict[str, Any]) -> list[dict[str, Any]]:
    """Add (or replace) the night of `new` and keep the last NIGHTS nights; returns them."""
    nights = {e["night"]: e for e in read(path)}
    nights[new["night"]] = new
    kept = [nights[night] for night in sorted(nights)][-NIGHTS:]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(json.dumps(e) + "\n" for e in kept), encoding="utf-8")
    os.replace(tmp, path)
    return kept

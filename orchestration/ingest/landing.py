"""Finding landing files and what their path says (force, export date or audit)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest.kinds import KINDS_BY_NAME, ExportKind, Layout

# Extensions read by the canonical CSV reader (gzip is detected by DuckDB from the name).
CSV_SUFFIXES = (".csv", ".csv.gz")

_FORCE_ID = re.compile(r"^[a-z][a-z-]*[a-z]$")
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str  # POSIX path under the landing folder: the file's identity
    kind: ExportKind
    force_id: str
    export_date: dt.date | None  # force exports
    audit_id: str | None  # audit sheets

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def _kind_of(name: str) -> ExportKind | None:
    for suffix in CSV_SUFFIXES:
        if name.endswith(suffix):
            return KINDS_BY_NAME.get(name[: -len(suffix)])
    return None


def discover(landing_dir: Path, kind: ExportKind | None = None) -> Iterator[LandingFile]:
    """Yield landing files in a stable order (force, date or audit, kind).

    Anything that does not follow the layout is ignored here on purpose: foreign
    files (README, police.uk downloads) have their own readers.
    """
    if not landing_dir.is_dir():
        return
    for force_dir in sorted(p for p in landing_dir.iterdir() if p.is_dir()):
        if not _FORCE_ID.match(force_dir.name):
            continue
        for path in sorted(force_dir.rglob("*")):
            if not path.is_file():
                continue
            found = _kind_of(path.name)
            if found is None or (kind is not None and found != kind):
                continue
            parts = path.relative_to(force_dir).parts
            relative = path.relative_to(landing_dir).as_posix()
            if found.layout is Layout.FORCE_EXPORT and len(parts) == 2 and _DATE_DIR.match(parts[0]):
                try:
                    export_date = dt.date.fromisoformat(parts[0])
                except ValueError:
                    continue
                yield LandingFile(path, relative, found, force_dir.name, export_date, None)
            elif found.layout is Layout.AUDIT and len(parts) == 3 and parts[0] == "audits":
                yield LandingFile(path, relative, found, force_dir.name, None, parts[1])

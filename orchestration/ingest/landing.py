"""Finding landing files, what their path says (force, export date or audit), and how to
read each one (the force's contract in force on the export date, or the canonical shape)."""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest.contracts import ForceContract, ReadSpec
from orchestration.ingest import police_uk
from orchestration.ingest.kinds import EXPORT_KINDS, POLICE_UK_STREET, ExportKind, Layout

# Canonical file names: <kind><suffix>; the suffix says the format (gzip is DuckDB's business).
CANONICAL_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".xlsx": "xlsx", ".json": "jsonl", ".jsonl": "jsonl"}

# Folder names of the layout; partitions.py lists force-days with the same patterns.
FORCE_DIR = re.compile(r"^[a-z][a-z-]*[a-z]$")
DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str  # POSIX path under the landing folder: the file's identity
    kind: ExportKind
    force_id: str
    export_date: dt.date | None  # force exports
    audit_id: str | None  # audit sheets
    spec: ReadSpec
    extra: tuple[tuple[str, str], ...] = ()  # other values the path gives (police.uk month, layout)

    def path_values(self) -> dict[str, object]:
        return {"force_id": self.force_id, "export_date": self.export_date, **dict(self.extra)}

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


def _canonical(name: str, kind: ExportKind) -> ReadSpec | None:
    for suffix, fmt in CANONICAL_SUFFIXES.items():
        if name == kind.name + suffix:
            return ReadSpec.canonical(kind, fmt)
    return None


def _export_files(folder: Path, export_date: dt.date, contract: ForceContract | None) -> Iterator[tuple[Path, ReadSpec]]:
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    for kind in EXPORT_KINDS:
        if kind.layout is not Layout.FORCE_EXPORT:
            continue
        spec = contract.spec_for(kind, export_date) if contract else None
        for name in names:
            # A canonical name is the canonical shape even from a force with a contract
            # (a force moving to the canonical export, or a generated national sample).
            found = (
                spec if spec and fnmatch.fnmatchcase(name, spec.file_name(export_date))
                else _canonical(name, kind)
            )
            if found:
                yield folder / name, found


def _police_uk_files(landing_dir: Path) -> Iterator[LandingFile]:
    folder = landing_dir / police_uk.FOLDER
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        match = police_uk.FILE_NAME.match(path.name)
        if not match:
            continue
        layout = police_uk.layout_of(path)
        yield LandingFile(path, path.relative_to(landing_dir).as_posix(), POLICE_UK_STREET,
                          match["force_id"], None, None, police_uk.LAYOUTS[layout],
                          (("file_month", match["month"]), ("layout", layout)))


def discover(
    landing_dir: Path,
    kind: ExportKind | None = None,
    contracts: Mapping[str, ForceContract] | None = None,
    force_days: Collection[tuple[str, dt.date]] | None = None,
) -> Iterator[LandingFile]:
    """Yield landing files in a stable order (force, date or audit, kind).

    `force_days` ((force_id, export_date) pairs) limits force exports to those partitions.
    Anything that does not follow the layout is ignored here on purpose: foreign
    files (README, police.uk downloads) have their own readers.
    """
    if not landing_dir.is_dir():
        return
    contracts = contracts or {}
    # An audit kind has no business in the export-date folders (a year of them per force).
    exports = kind is None or kind.layout is Layout.FORCE_EXPORT
    if kind in (None, POLICE_UK_STREET):
        yield from _police_uk_files(landing_dir)
    for force_dir in sorted(p for p in landing_dir.iterdir() if p.is_dir()):
        if not FORCE_DIR.match(force_dir.name):
            continue
        force_id = force_dir.name
        for folder in sorted(p for p in force_dir.iterdir() if p.is_dir()):
            if DATE_DIR.match(folder.name):
                if not exports:
                    continue
                try:
                    export_date = dt.date.fromisoformat(folder.name)
                except ValueError:
                    continue
                if force_days is not None and (force_id, export_date) not in force_days:
                    continue
                for path, spec in _export_files(folder, export_date, contracts.get(force_id)):
                    if kind is None or spec.kind == kind:
                        yield LandingFile(path, path.relative_to(landing_dir).as_posix(), spec.kind,
                                          force_id, export_date, None, spec)
            elif folder.name == "audits":
                for audit_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
                    for path in sorted(p for p in audit_dir.iterdir() if p.is_file()):
                        for audit_kind in EXPORT_KINDS:
                            if audit_kind.layout is not Layout.AUDIT or (kind and audit_kind != kind):
                                continue
                            spec = _canonical(path.name, audit_kind)
                            if spec:
                                yield LandingFile(path, path.relative_to(landing_dir).as_posix(), audit_kind,
                                                  force_id, None, audit_dir.name, spec)

"""Finding landing files, what their path says (force, export date or audit), and how to
read each one (the force's contract in force on the export date, or the canonical shape).

This is the one module that walks the landing folder, and nothing in it is passed over in
silence: every entry is either a `LandingFile` (the loader reads it) or an `Unloaded` entry
saying why not, which the ingest step logs in ops.load_log as `rejected` or `ignored`.
Symlinks under it are never followed, files or folders: their target may be anywhere
(/etc/passwd). Entries are listed with os.scandir and judged by their own lstat, so nothing
outside the landing folder is opened, listed or even stat'ed (the landing folder itself may be
a symlink: its path is configuration, not data).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import os
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.ingest.contracts import ForceContract, ReadSpec
from orchestration.ingest import police_uk
from orchestration.ingest.kinds import EXPORT_KINDS, POLICE_UK_STREET, ExportKind, Layout

# Canonical file names: <kind><suffix>; the suffix says the format (gzip is DuckDB's business).
CANONICAL_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".xlsx": "xlsx", ".json": "jsonl", ".jsonl": "jsonl"}

# Folder names of the layout.
FORCE_DIR = re.compile(r"^[a-z][a-z-]*[a-z]$")
DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AUDITS_DIR = "audits"

# The export dates a folder may carry, which are exactly the dates the partitions have
# (partitions.py builds them from these): from the oldest contract version to tomorrow in
# Europe/London. A day's export is due once the day is over, but a force may send it early or
# its clock may run ahead by a day; anything else is a typo, and planning a partition for it
# would crash the run (before 2013) or stall it (2099: ~100,000 partitions).
TIMEZONE = "Europe/London"
FIRST_EXPORT_DATE = dt.date(2013, 1, 1)
DAYS_AHEAD = 1

REJECTED, IGNORED = "rejected", "ignored"
UNKNOWN_KIND = "unknown"  # ops.load_log.kind of an entry whose place and name tell no kind
# Entries of no kind are logged by the ingest step of this kind (the first nightly export).
KIND_OF_STRAYS = next(kind for kind in EXPORT_KINDS if kind.layout is Layout.FORCE_EXPORT)

# Why an entry is not loaded. The text is part of the entry's identity in ops.load_log
# (`Unloaded.fingerprint`): nothing in it may change by itself, like today's date.
SYMLINK = "symlink, not followed"
NOT_A_FILE = "not a regular file"
NOT_A_FORCE = "not a force folder (a police.uk force id: lower-case letters and hyphens)"
NOT_A_DATE = "not a date folder (YYYY-MM-DD)"
OUT_OF_RANGE = f"export date outside the partition range ({FIRST_EXPORT_DATE} .. tomorrow, {TIMEZONE})"
OUTSIDE_LAYOUT = "outside the landing layout (<force>/<YYYY-MM-DD>/, <force>/audits/<audit>/, police_uk/)"
UNKNOWN = "unknown kind"
UNEXPECTED_NAME = "unexpected file name"


def export_date_range(now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The export dates a landing folder may carry at `now` (default: the wall clock)."""
    today = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(TIMEZONE)).date()
    return FIRST_EXPORT_DATE, today + dt.timedelta(days=DAYS_AHEAD)


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


@dataclass(frozen=True)
class Unloaded:
    """A landing entry the loader does not read, and why. Nothing of its content is read."""

    relative_path: str  # printable POSIX path under the landing folder
    kind: str  # the kind its place and name point to, else UNKNOWN_KIND
    status: str  # REJECTED | IGNORED
    reason: str
    size: int = 0  # bytes of a regular file (its lstat); 0 for a symlink or a FIFO

    @property
    def fingerprint(self) -> str:
        """Its file_sha256 in ops.load_log: a hash of its name, size and reason, not of its
        content (which is not opened). The same entry night after night is logged once; when
        its reason goes (the date comes into range, a contract names the file), the file's
        content hash differs from this and the loader reads it."""
        return hashlib.sha256(
            "\0".join((self.status, self.reason, self.relative_path, str(self.size))).encode()
        ).hexdigest()

    def describe(self) -> str:
        return f"{self.relative_path}: {self.status}: {self.reason}"


def _printable(relative: str) -> str:
    """A path as text that stores and prints safely: bytes that are not UTF-8 and control
    characters (a trailing newline) escaped, so a name cannot forge a line of a log."""
    text = os.fsencode(relative).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _is_dir(entry: os.DirEntry) -> bool:
    return entry.is_dir(follow_symlinks=False)


def _kind_named(name: str, layout: Layout) -> str:
    """The kind a name points to, though not the loader's name for it (`Incidents.csv`,
    `incidents (1).csv`), among the kinds of a folder's layout; else UNKNOWN_KIND."""
    if layout is Layout.POLICE_UK:
        return POLICE_UK_STREET.name
    kinds = sorted((k.name for k in EXPORT_KINDS if k.layout is layout), key=len, reverse=True)
    return next((kind for kind in kinds if name.lower().startswith(kind)), UNKNOWN_KIND)


@dataclass(frozen=True)
class _Folder:
    """A folder of the layout whose files the loader reads, listed only when they are wanted."""

    path: Path
    layout: Layout
    force_id: str = ""
    export_date: dt.date | None = None
    audit_id: str | None = None


@dataclass(frozen=True)
class _OddFolder:
    """A folder outside the layout: every file under it is logged with its reason."""

    path: Path
    status: str
    reason: str
    layout: Layout | None = None  # the layout of the files directly in it, if its place says


class _Walk:
    """One walk of a landing folder. A folder it cannot list (permissions) is one entry in
    `unlistable`, not a crash of the night."""

    def __init__(self, root: Path, dates: tuple[dt.date, dt.date]):
        self.root, self.dates = root, dates
        self.unlistable: list[Unloaded] = []

    def entries(self, folder: Path) -> list[os.DirEntry]:
        try:
            with os.scandir(folder) as found:
                return sorted(found, key=lambda entry: entry.name)
        except OSError as exc:
            relative = _printable(folder.relative_to(self.root).as_posix())
            self.unlistable.append(Unloaded(relative, UNKNOWN_KIND, REJECTED, f"cannot be listed ({exc.strerror})"))
            return []

    def unloaded(self, entry: os.DirEntry, status: str, reason: str, kind: str = UNKNOWN_KIND) -> Unloaded:
        """`entry` is not loaded because of `reason`, unless it is a symlink or a FIFO: that is
        what it is called, wherever it lies."""
        regular = entry.is_file(follow_symlinks=False)
        if entry.is_symlink():
            status, reason = REJECTED, SYMLINK
        elif not regular:
            status, reason = REJECTED, NOT_A_FILE
        size = entry.stat(follow_symlinks=False).st_size if regular else 0
        relative = _printable(Path(entry.path).relative_to(self.root).as_posix())
        return Unloaded(relative, kind, status, reason, size)

    def folders(self) -> Iterator[_Folder | _OddFolder | Unloaded]:
        """The landing folder down to the folders that hold files (not listed here)."""
        for entry in self.entries(self.root):
            if not _is_dir(entry):
                yield self.unloaded(entry, IGNORED, OUTSIDE_LAYOUT)
            elif entry.name == police_uk.FOLDER:
                yield _Folder(Path(entry.path), Layout.POLICE_UK)
            elif not FORCE_DIR.match(entry.name):
                yield _OddFolder(Path(entry.path), REJECTED, NOT_A_FORCE)
            else:
                yield from self._force_folders(Path(entry.path))

    def _force_folders(self, folder: Path) -> Iterator[_Folder | _OddFolder | Unloaded]:
        for entry in self.entries(folder):
            path = Path(entry.path)
            if not _is_dir(entry):
                yield self.unloaded(entry, IGNORED, OUTSIDE_LAYOUT)
            elif entry.name == AUDITS_DIR:
                for audit in self.entries(path):
                    if _is_dir(audit):
                        yield _Folder(Path(audit.path), Layout.AUDIT, folder.name, audit_id=audit.name)
                    else:
                        yield self.unloaded(audit, IGNORED, OUTSIDE_LAYOUT)
            else:
                try:  # 2014-13-45, 2026-02-30, 20260302 and `latest` are no days
                    day = dt.date.fromisoformat(entry.name) if DATE_DIR.match(entry.name) else None
                except ValueError:
                    day = None
                if day is None:
                    yield _OddFolder(path, IGNORED, NOT_A_DATE, Layout.FORCE_EXPORT)
                elif not self.dates[0] <= day <= self.dates[1]:
                    yield _OddFolder(path, REJECTED, OUT_OF_RANGE, Layout.FORCE_EXPORT)
                else:
                    yield _Folder(path, Layout.FORCE_EXPORT, folder.name, export_date=day)

    def everything_in(self, folder: _OddFolder) -> Iterator[Unloaded]:
        for entry in self.entries(folder.path):
            if _is_dir(entry):
                yield from self.everything_in(_OddFolder(Path(entry.path), folder.status, folder.reason))
            else:
                kind = _kind_named(entry.name, folder.layout) if folder.layout else UNKNOWN_KIND
                yield self.unloaded(entry, folder.status, folder.reason, kind)

    def files_in(self, folder: _Folder,
                 spec_of: Callable[[str], ReadSpec | None]) -> Iterator[tuple[Path, ReadSpec] | Unloaded]:
        """The files of a folder of the layout: (path, spec) for each one the loader reads (in
        kind order, then by name), an Unloaded entry for anything else."""
        found: list[tuple[Path, ReadSpec]] = []
        for entry in self.entries(folder.path):
            if _is_dir(entry):
                yield from self.everything_in(_OddFolder(Path(entry.path), IGNORED, OUTSIDE_LAYOUT))
                continue
            spec = spec_of(entry.name)
            if spec and entry.is_file(follow_symlinks=False):
                if os.access(entry.path, os.R_OK):
                    found.append((Path(entry.path), spec))
                else:
                    yield self.unloaded(entry, REJECTED, "cannot be read (permission denied)", spec.kind.name)
            elif spec:  # the right name on a symlink or a FIFO (`unloaded` tells which)
                yield self.unloaded(entry, REJECTED, NOT_A_FILE, spec.kind.name)
            else:
                kind = _kind_named(entry.name, folder.layout)
                reason = UNKNOWN if kind == UNKNOWN_KIND else f"{UNEXPECTED_NAME} for {kind}"
                yield self.unloaded(entry, IGNORED, reason, kind)
        yield from sorted(found, key=lambda item: (EXPORT_KINDS.index(item[1].kind), item[0].name))


def _canonical(name: str, kind: ExportKind) -> ReadSpec | None:
    for suffix, fmt in CANONICAL_SUFFIXES.items():
        if name == kind.name + suffix:
            return ReadSpec.canonical(kind, fmt)
    return None


def _export_spec(export_date: dt.date, contract: ForceContract | None) -> Callable[[str], ReadSpec | None]:
    specs = [(kind, contract.spec_for(kind, export_date) if contract else None)
             for kind in EXPORT_KINDS if kind.layout is Layout.FORCE_EXPORT]

    def spec_of(name: str) -> ReadSpec | None:
        for kind, spec in specs:
            # A canonical name is the canonical shape even from a force with a contract
            # (a force moving to the canonical export, or a generated national sample).
            found = spec if spec and fnmatch.fnmatchcase(name, spec.file_name(export_date)) else _canonical(name, kind)
            if found:
                return found
        return None

    return spec_of


def _audit_spec(name: str) -> ReadSpec | None:
    return next((spec for kind in EXPORT_KINDS if kind.layout is Layout.AUDIT
                 for spec in [_canonical(name, kind)] if spec), None)


def _police_uk_spec(name: str) -> ReadSpec | None:
    # The layout (header) is told when the file is read: this says only "a police.uk file".
    return police_uk.LAYOUTS["current"] if police_uk.FILE_NAME.match(name) else None


@dataclass
class Scan:
    """What the landing folder holds: files to load, and entries that will not be."""

    files: list[LandingFile] = field(default_factory=list)
    unloaded: list[Unloaded] = field(default_factory=list)


def scan(
    landing_dir: Path,
    kind: ExportKind | None = None,
    contracts: Mapping[str, ForceContract] | None = None,
    force_days: Collection[tuple[str, dt.date]] | None = None,
    dates: tuple[dt.date, dt.date] | None = None,
) -> Scan:
    """Every entry of the landing folder, in a stable order (force, date or audit, kind).

    With `kind`, that kind's files and the unloaded entries logged under it (entries of no
    kind go with KIND_OF_STRAYS). `force_days` ((force_id, export_date) pairs) limits the
    export folders listed to those partitions; odd entries elsewhere are always reported.
    `dates` is the range of export dates accepted (default: export_date_range()).
    """
    result = Scan()
    if not landing_dir.is_dir():
        return result
    contracts = contracts or {}
    dates = dates or export_date_range()
    # An audit kind has no business in the export-date folders (a year of them per force).
    exports = kind is None or kind.layout is Layout.FORCE_EXPORT

    def wanted(entry_kind: str) -> bool:
        return kind is None or entry_kind == kind.name or (entry_kind == UNKNOWN_KIND and kind == KIND_OF_STRAYS)

    walk = _Walk(landing_dir, dates)
    for item in walk.folders():
        if isinstance(item, Unloaded):
            entries = [item]
        elif isinstance(item, _OddFolder):
            entries = walk.everything_in(item)
        elif item.layout is Layout.FORCE_EXPORT:
            if not exports or force_days is not None and (item.force_id, item.export_date) not in force_days:
                continue
            entries = walk.files_in(item, _export_spec(item.export_date, contracts.get(item.force_id)))
        else:
            entries = walk.files_in(item, _audit_spec if item.layout is Layout.AUDIT else _police_uk_spec)
        for entry in entries:
            if isinstance(entry, Unloaded):
                if wanted(entry.kind):
                    result.unloaded.append(entry)
                continue
            path, spec = entry
            if not wanted(spec.kind.name):
                continue
            relative = path.relative_to(landing_dir).as_posix()
            if item.layout is Layout.POLICE_UK:
                match = police_uk.FILE_NAME.match(path.name)
                layout = police_uk.layout_of(path)
                result.files.append(LandingFile(path, relative, POLICE_UK_STREET, match["force_id"], None, None,
                                                police_uk.LAYOUTS[layout],
                                                (("file_month", match["month"]), ("layout", layout))))
            else:
                result.files.append(LandingFile(path, relative, spec.kind, item.force_id, item.export_date,
                                                item.audit_id, spec))
    result.unloaded += [entry for entry in walk.unlistable if wanted(entry.kind)]
    return result


def discover(
    landing_dir: Path,
    kind: ExportKind | None = None,
    contracts: Mapping[str, ForceContract] | None = None,
    force_days: Collection[tuple[str, dt.date]] | None = None,
) -> Iterator[LandingFile]:
    """The files the loader reads (see `scan`), in a stable order (force, date or audit, kind)."""
    yield from scan(landing_dir, kind, contracts, force_days).files


def force_day_folders(landing_dir: Path, dates: tuple[dt.date, dt.date] | None = None) -> list[tuple[str, dt.date]]:
    """(force_id, export_date) of each `<force>/<YYYY-MM-DD>/` folder that is a partition: a
    real folder (not a symlink), a force id, a day in `dates` (default: export_date_range()).
    Their files are not listed, nor are odd folders (the ingest steps log those)."""
    if not landing_dir.is_dir():
        return []
    return [(item.force_id, item.export_date) for item in _Walk(landing_dir, dates or export_date_range()).folders()
            if isinstance(item, _Folder) and item.export_date is not None]

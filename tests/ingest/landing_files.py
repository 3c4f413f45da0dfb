"""Landing files for the loader tests: written where the loader looks for a force export."""

from __future__ import annotations

from pathlib import Path


def write_export(landing: Path, name: str, content: bytes, day: str = "2014-01-06") -> Path:
    """`content` as hertfordshire's export file `name` for export date `day`."""
    path = landing / "hertfordshire" / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def csv_lines(*rows: str) -> bytes:
    """Rows as the bytes of a file, LF-terminated."""
    return ("\n".join(rows) + "\n").encode()

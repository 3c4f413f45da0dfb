"""Format readers: put one landing file into the temp table `_landing` as text.

Every reader yields the file's own column names as VARCHAR columns plus `_rn` (the n-th row
DuckDB could parse) and, for JSON lines, `_row_error`. Rows DuckDB cannot parse at all
(ragged, invalid encoding) come back as rejects with their record number.
CSV and JSON lines are read by DuckDB; XLSX (small audit and force sheets) by calamine.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import json
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.ingest.contracts import CANONICAL
from orchestration.ingest.landing import LandingFile

_HEADER_PEEK_BYTES = 1 << 16
_UTF8 = ("utf-8", "utf8", "utf-8-sig")
# A JSON-lines file is read as one text column per line: a separator no JSON text contains.
_LINE_DELIMITER = "\x1f"


class FileRejected(Exception):
    """The file as a whole cannot be loaded; the message says why."""


@dataclass
class Staged:
    """What a reader put into `_landing`."""

    header: list[str]
    parsed_rows: int
    rejects: list[tuple[int, str, str, str]] = field(default_factory=list)  # row, type, message, line

    @property
    def rows_read(self) -> int:
        return self.parsed_rows + len(self.rejects)


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def _peek(path: Path) -> bytes:
    try:
        with _open_bytes(path) as fh:
            return fh.read(_HEADER_PEEK_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileRejected(f"truncated or corrupt gzip: {exc}") from exc


def read_header(file: LandingFile) -> list[str]:
    """The file's column names, checked before DuckDB reads anything."""
    spec = file.spec
    if spec.format == "xlsx":
        return _xlsx_rows(file)[0]
    head = _peek(file.path)
    if spec.format == "jsonl" and not head.strip():
        return list(spec.mapped_sources)  # a feed with no records that day
    if not head.strip():
        raise FileRejected("empty file: no header row" if spec.header else "empty file")
    first_line = head.split(b"\n", 1)[0].rstrip(b"\r")
    utf8 = spec.encoding.lower() in _UTF8
    try:
        text = first_line.decode("utf-8-sig" if utf8 else spec.encoding)
    except UnicodeDecodeError as exc:
        expected = "UTF-8" if utf8 else spec.encoding
        said_by = "canonical exports are UTF-8" if spec.contract == CANONICAL else f"as {spec.contract} says"
        raise FileRejected(
            f"header is not {expected} (byte {exc.start}: {first_line[exc.start:exc.start + 4]!r}); {said_by}"
        ) from exc
    if spec.format == "jsonl":
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FileRejected(f"first line is not a JSON object: {exc}") from exc
        if not isinstance(record, dict):
            raise FileRejected("first line is not a JSON object")
        # JSON feeds leave empty fields out: every mapped key is a column, and a key the
        # contract does not know (checked on the first record) is a changed feed.
        unknown = [key for key in record if key not in spec.mapped_sources]
        return sorted(spec.mapped_sources) + unknown
    if not spec.header:
        return list(spec.source_order)
    return [name.strip() for name in next(csv.reader([text], delimiter=spec.delimiter, quotechar=spec.quote))]


def _as_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xlsx_rows(file: LandingFile) -> tuple[list[str], list[list[str | None]]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(file.path))
        sheet = file.spec.sheet
        data = (workbook.get_sheet_by_index(sheet) if isinstance(sheet, int)
                else workbook.get_sheet_by_name(sheet)).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own types for every kind of bad workbook
        raise FileRejected(f"cannot be read as XLSX (sheet {file.spec.sheet!r}): {exc}") from exc
    rows = [[_as_text(v) for v in row] for row in data if any(v not in (None, "") for v in row)]
    if not rows:
        raise FileRejected("empty sheet: no header row")
    if file.spec.header:
        header, body = [h or "" for h in rows[0]], rows[1:]
    else:
        header, body = list(file.spec.source_order), rows
    return [h.strip() for h in header], body


def _utf8_copy(file: LandingFile, tmp_dir: Path) -> Path:
    """DuckDB reads UTF-8 only (other encodings need an extension we cannot install):
    transcode in blocks, without looking at rows."""
    target = tmp_dir / "transcoded.csv"
    decoder = codecs.getincrementaldecoder(file.spec.encoding)(errors="strict")
    offset = 0
    with _open_bytes(file.path) as src, target.open("w", encoding="utf-8", newline="") as dst:
        try:
            for block in iter(lambda: src.read(1 << 20), b""):
                dst.write(decoder.decode(block))
                offset += len(block)
            dst.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise FileRejected(
                f"not {file.spec.encoding} as {file.spec.contract} says (byte {offset + exc.start})"
            ) from exc
        except (OSError, EOFError, zlib.error) as exc:
            raise FileRejected(f"truncated or corrupt gzip: {exc}") from exc
    return target


def _rejects(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, str]]:
    return con.execute(
        "SELECT line - 1 AS source_row, min(error_type), min(error_message), min(csv_line) "
        "FROM temp._rejects GROUP BY line ORDER BY line"
    ).fetchall()


def _read_csv(con, path: Path | list[str], columns: dict[str, str], delimiter: str, quote: str, header: bool,
              select: str) -> None:
    """`_landing` from one file, or from several (then `_read_path` says which file a row is from:
    DuckDB keeps file order and row order within a file)."""
    many = isinstance(path, list)
    filename = ", filename = '_read_path'" if many else ""
    con.execute("DROP TABLE IF EXISTS temp._rejects; DROP TABLE IF EXISTS temp._rejects_scan")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _landing AS SELECT {select}, row_number() OVER () AS _rn "
        "FROM read_csv(?, header = ?, columns = ?, auto_detect = false, delim = ?, quote = ?, escape = ?, "
        f"store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan'{filename})",
        [path if many else str(path), header, columns, delimiter, quote, quote],
    )


def stage(con: duckdb.DuckDBPyConnection, file: LandingFile, header: list[str]) -> Staged:
    spec = file.spec
    if spec.format == "xlsx":
        _, body = _xlsx_rows(file)
        frame = pd.DataFrame(body, columns=header, dtype="object")
        frame["_rn"] = range(1, len(frame) + 1)
        con.register("_xlsx_frame", frame)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _landing AS SELECT * FROM _xlsx_frame")
        finally:
            con.unregister("_xlsx_frame")
        return Staged(header, len(frame))
    if spec.format == "jsonl":
        # Each line as text; fields are pulled out in SQL so a bad line is one quarantined row.
        fields = ", ".join(
            "json_extract_string(_line, '$.\"" + name.replace('"', '\\"') + "\"') AS "
            + '"' + name.replace('"', '""') + '"'
            for name in header
        )
        _read_csv(con, file.path, {"_line": "VARCHAR"}, _LINE_DELIMITER, "", False,
                  f"{fields}, CASE WHEN NOT json_valid(_line) THEN 'invalid JSON: ' || left(_line, 80) END AS _row_error")
    else:
        path = file.path
        with tempfile.TemporaryDirectory(prefix="cdi-") as tmp:
            if spec.encoding.lower() not in _UTF8:
                path = _utf8_copy(file, Path(tmp))
            _read_csv(con, path, {name: "VARCHAR" for name in header}, spec.delimiter, spec.quote,
                      spec.header, "*")
    parsed = con.execute("SELECT count(*) FROM _landing").fetchall()[0][0]
    return Staged(header, parsed, _rejects(con))


def stage_batch(con: duckdb.DuckDBPyConnection, spec, paths: list[str], header: list[str]) -> Staged:
    """Several UTF-8 CSV files of one shape into `_landing`, in one read."""
    _read_csv(con, paths, {name: "VARCHAR" for name in header}, spec.delimiter, spec.quote, spec.header, "*")
    parsed = con.execute("SELECT count(*) FROM _landing").fetchall()[0][0]
    return Staged(header, parsed, _rejects(con))

"""Format readers: put one landing file into the temp table `_landing`, one row per row of the file.

`_landing` holds the file's own column names as VARCHAR columns, then
- `_rn`: the row's number, its 1-based position among the file's rows (its `_source_row`);
- `_row_error`: why the row cannot be loaded whatever its values (invalid UTF-8, invalid JSON,
  a row that does not split into the header's fields), else NULL;
- `_line`: for a row that does not split into the header's fields, the bytes of its line, to be
  hashed and never stored (its field columns are NULL); `_fields`: how many fields it has, when
  it splits at all.
CSV and JSON lines are read by DuckDB, or by the exact reader below; XLSX by calamine.

What a row is (CSV and JSON lines), so that every physical line is accounted for:
- A physical line ends at LF, CRLF or CR, in any mix; a last line without a break counts. In a
  CSV file with a header, the first physical line is the header.
- A record is one physical line or, in CSV, several when a quoted field holds line breaks: such
  a record is ONE row (two physical lines, one row).
- Every record is a row, and so is every physical line in no record:
  - an empty line is a row, quarantined (`empty line`), except at the end of the file: empty
    lines after the last non-empty one are the file's end (many exporters write one), not rows;
  - a record with another number of fields than the header (ragged) is one row, quarantined;
  - broken quoting (a quote never closed, or text after a closing quote) leaves the end of the
    record unknown: each physical line that record took, up to the end of the file for a quote
    never closed, is a row of its own, quarantined.
- So `rows_read` = physical data lines (up to the last non-empty one) minus the extra lines of
  well-formed multi-line records; without multi-line records, `_source_row` = line number - 1.

How: DuckDB reads the file (fast, batches of files at once). Its result is kept only when it
reports no reject and its records cover every physical line: records plus the line breaks
inside their values equal the data lines counted on the bytes (DuckDB silently skips empty
lines and merges the lines a broken quote swallows into one reject, and a file mixing line
endings makes it fail). Otherwise the exact reader reads the file again: Python's csv module
with strict quoting, fed line by line, so every line it consumes is seen and lands in a row.
A row must not load or not depending on which reader read its file, so the exact reader reads
what DuckDB tolerates the way DuckDB does: spaces before an opening or after a closing quote,
empty fields after the last column. (Left: DuckDB reads `"a" "b"` as `a b`; the exact reader
quarantines it.)
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gzip
import io
import json
import re
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.ingest.contracts import CANONICAL, ReadSpec
from orchestration.ingest.landing import LandingFile
from orchestration.warehouse import qident

_HEADER_PEEK_BYTES = 1 << 16
_UTF8 = ("utf-8", "utf8", "utf-8-sig")
# A JSON-lines file is read as one text column per line: a separator no JSON text contains.
_LINE_DELIMITER = "\x1f"
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# The columns every reader adds after the file's own (see the module docstring).
_EXTRA = (("_rn", "BIGINT"), ("_row_error", "VARCHAR"), ("_fields", "INTEGER"), ("_line", "BLOB"))


class FileRejected(Exception):
    """The file as a whole cannot be loaded; the message says why (never quoting its content)."""


@dataclass
class Staged:
    """What a reader put into `_landing`."""

    header: list[str]
    rows_read: int


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")


def _unreadable(path: Path, exc: Exception) -> FileRejected:
    if isinstance(exc, gzip.BadGzipFile):
        return FileRejected("not a gzip file")  # (its message quotes the file's first bytes)
    if path.name.endswith(".gz"):
        return FileRejected(f"truncated or corrupt gzip: {exc}")
    return FileRejected(f"cannot be read: {type(exc).__name__}")


def _peek(path: Path) -> bytes:
    try:
        with _open_bytes(path) as fh:
            return fh.read(_HEADER_PEEK_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(path, exc) from exc


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
    first_line = _LINE_BREAK.split(head, maxsplit=1)[0]
    utf8 = spec.encoding.lower() in _UTF8
    try:
        text = first_line.decode("utf-8-sig" if utf8 else spec.encoding)
    except UnicodeDecodeError as exc:
        expected = "UTF-8" if utf8 else spec.encoding
        said_by = "canonical exports are UTF-8" if spec.contract == CANONICAL else f"as {spec.contract} says"
        raise FileRejected(f"header is not {expected} (byte {exc.start}); {said_by}") from exc
    if spec.format == "jsonl":
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FileRejected(f"first line is not a JSON object ({exc.msg} at character {exc.pos})") from exc
        if not isinstance(record, dict):
            raise FileRejected("first line is not a JSON object")
        # JSON feeds leave empty fields out: every mapped key is a column, and a key the
        # contract does not know (checked on the first record) is a changed feed.
        unknown = [key for key in record if key not in spec.mapped_sources]
        return sorted(spec.mapped_sources) + unknown
    if not spec.header:
        return list(spec.source_order)
    try:
        return [name.strip() for name in next(csv.reader([text], delimiter=spec.delimiter, quotechar=spec.quote))]
    except csv.Error as exc:
        raise FileRejected("the header cannot be split into fields") from exc


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
            raise _unreadable(file.path, exc) from exc
    return target


def physical_lines(path: Path) -> int:
    """The file's physical lines up to its last non-empty one (module docstring), counted on
    its bytes."""
    count, run, content = 0, b"", False  # run: the line breaks the bytes so far end with
    try:
        with _open_bytes(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                lf, cr = block.count(b"\n"), block.count(b"\r")
                count += lf + cr - (block.count(b"\r\n") if lf and cr else 0)
                count -= run.endswith(b"\r") and block.startswith(b"\n")  # a CRLF cut between blocks
                if block[-1:] not in (b"\r", b"\n"):
                    run, content = b"", True
                else:
                    body = block.rstrip(b"\r\n")
                    run = run + block if not body else block[len(body):]
                    content = content or bool(body)
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(path, exc) from exc
    if not run:
        return count + content  # a last line without a line break
    # The first break of the final run ends the last line; the others make the empty lines
    # at the end.
    breaks = run.count(b"\n") + run.count(b"\r") - run.count(b"\r\n")
    return count - (breaks - content)


def _breaks_in_values(columns: list[str]) -> str:
    """SQL: the line breaks inside a row's values (CR, LF and CRLF count one each)."""
    terms = []
    for name in columns:
        value = f"replace(coalesce({qident(name)}, ''), chr(13) || chr(10), chr(10))"
        terms.append(f"length({value}) - length(replace(replace({value}, chr(13), ''), chr(10), ''))")
    return " + ".join(terms) or "0"


def _text_columns(spec: ReadSpec, header: list[str]) -> list[str]:
    """The columns a line-based reader produces: the header's, or one `_text` per JSON line."""
    return list(header) if spec.format == "csv" else ["_text"]


def _create_landing(con: duckdb.DuckDBPyConnection, spec: ReadSpec, header: list[str], source: str,
                    params: list | None = None) -> None:
    """`_landing` from `source` (the text columns plus `_EXTRA`); JSON lines are split here."""
    if spec.format != "jsonl":
        con.execute(f"CREATE OR REPLACE TEMP TABLE _landing AS SELECT * FROM {source}", params or [])
        return
    # json_extract raises on invalid JSON: fields come from valid lines only, and an invalid
    # line is a row that does not split (its text is hashed, never kept). DuckDB's one-column
    # read gives an empty line as NULL.
    fields = ", ".join(
        "CASE WHEN _valid THEN json_extract_string(_text, '$.\"" + name.replace('"', '\\"') + "\"') END AS "
        + qident(name) for name in header
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _landing AS SELECT {fields}, _rn, "
        "coalesce(_row_error, CASE WHEN _text IS NULL THEN 'empty line' WHEN NOT _valid THEN 'invalid JSON' END) "
        "AS _row_error, coalesce(_fields, CASE WHEN _text IS NULL THEN 0 END) AS _fields, "
        "coalesce(_line, CASE WHEN _text IS NULL THEN encode('') WHEN NOT _valid THEN encode(_text) END) AS _line "
        f"FROM (SELECT *, json_valid(_text) AS _valid FROM {source})",
        params or [],
    )
    con.execute("DELETE FROM _landing WHERE _rn > (SELECT coalesce(max(_rn), 0) FROM _landing "
                "WHERE _row_error IS DISTINCT FROM 'empty line')")  # the file's end (module docstring)


def _read_fast(con: duckdb.DuckDBPyConnection, spec: ReadSpec, header: list[str], paths: list[Path],
               many: bool = False) -> bool:
    """`_landing` as DuckDB reads the files; False when a file needs the exact reader (a reject,
    a read error, or a physical line in no record)."""
    columns = _text_columns(spec, header)
    csv_format = spec.format == "csv"
    delimiter, quote = (spec.delimiter, spec.quote) if csv_format else (_LINE_DELIMITER, "")
    filename = ", filename = '_read_path'" if many else ""
    extra = ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in _EXTRA[1:])
    con.execute("DROP TABLE IF EXISTS temp._rejects; DROP TABLE IF EXISTS temp._rejects_scan")
    # Only SELECT * records rejects; DuckDB keeps file order and row order within a file.
    source = (
        f"(SELECT *, row_number() OVER () AS _rn, {extra} "
        "FROM read_csv(?, header = ?, columns = ?, auto_detect = false, delim = ?, quote = ?, escape = ?, "
        f"store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan'{filename}))"
    )
    params = [[str(p) for p in paths] if many else str(paths[0]), csv_format and spec.header,
              {name: "VARCHAR" for name in columns}, delimiter, quote, quote]
    try:
        _create_landing(con, spec, header, source, params)
    except duckdb.Error:
        return False  # e.g. a file mixing line endings: the exact reader reads it
    if con.execute("SELECT count(*) FROM temp._rejects").fetchall()[0][0]:
        return False
    key = "_read_path" if many else "''"
    records = dict(con.execute(f"SELECT {key}, count(*) FROM _landing GROUP BY 1").fetchall())
    header_lines = 1 if csv_format and spec.header else 0
    for path in paths:
        name = str(path) if many else ""
        lines = max(physical_lines(path) - header_lines, 0)
        covered = records.get(name, 0)
        if covered < lines:  # records spanning several lines, or lines DuckDB left out
            covered += con.execute(f"SELECT coalesce(sum({_breaks_in_values(columns)}), 0) FROM _landing "
                                   f"WHERE {key} = ?", [name]).fetchall()[0][0]
        if covered != lines:
            return False
    return True


def _lenient_split(text: str, delimiter: str, quote: str) -> list[str] | None:
    """The fields of a record Python's csv refuses but DuckDB reads: a quoted field followed by
    spaces before the next delimiter or the end of the line. None when it is broken anyway."""
    d, q = re.escape(delimiter), re.escape(quote)
    field = re.compile(rf" *{q}((?:[^{q}]|{q}{q})*){q} *(?={d}|$)|([^{d}\r\n]*)", re.S)
    text, fields, pos = text.rstrip("\r\n"), [], 0
    while True:
        match = field.match(text, pos)
        quoted, plain = match.groups()
        if quoted is None and plain.lstrip(" ").startswith(quote):
            return None  # a quote opened and not closed properly
        fields.append(quoted.replace(quote * 2, quote) if quoted is not None else plain)
        pos = match.end()
        if pos == len(text):
            return fields
        if text[pos] != delimiter:
            return None
        pos += 1


def _row(number: int, fields: list[str], text: str, width: int, csv_format: bool) -> list:
    """One `_landing` row from a record the exact reader split (`text`: its lines as read)."""
    if not fields or fields == [""] and not csv_format:
        return _unsplit(number, width, "empty line", 0, text)
    while len(fields) > width and fields[-1] == "":
        fields = fields[:-1]  # as DuckDB: empty fields after the last column are dropped
    if csv_format and len(fields) != width:
        return _unsplit(number, width, f"ragged row: {len(fields)} field(s), the header has {width}", len(fields), text)
    error = None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # The row splits, so it is checked like any other (personal fields pseudonymised),
        # with its undecodable bytes replaced.
        error = "invalid UTF-8"
        fields = [f.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for f in fields]
    return [*fields, number, error, None, None]


def _unsplit(number: int, width: int, reason: str, fields: int | None, text: str) -> list:
    """A row that does not split into the header's fields: only its line's bytes, to be hashed."""
    line = text.rstrip("\r\n").encode("utf-8", "surrogateescape")  # the original bytes
    return [*([None] * width), number, reason, fields, line]


def _read_exact(con: duckdb.DuckDBPyConnection, spec: ReadSpec, header: list[str], path: Path) -> None:
    """`_landing` from Python's csv module fed line by line (module docstring)."""
    columns = _text_columns(spec, header)
    csv_format = spec.format == "csv"
    rows: list[list] = []
    taken: list[str] = []  # the physical lines of the record being read
    ended: list[bool] = []

    def lines(text):
        for line in text:
            taken.append(line)
            yield line
        ended.append(True)

    limit = csv.field_size_limit(2**31 - 1)  # a quote never closed makes one field of the rest of the file
    try:
        with _open_bytes(path) as raw:
            source = lines(io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline=""))
            if csv_format and spec.header:
                next(source, None)  # the header, already read and checked
            # Strict, so broken quoting is found; spaces before an opening quote are allowed, as
            # DuckDB allows them (module docstring).
            records = (csv.reader(source, delimiter=spec.delimiter, quotechar=spec.quote, strict=True,
                                  skipinitialspace=True)
                       if csv_format else ([line.rstrip("\r\n")] for line in source))
            while True:
                taken.clear()
                try:
                    fields = next(records)
                except StopIteration:
                    break
                except csv.Error:
                    fields = None if ended else _lenient_split("".join(taken), spec.delimiter, spec.quote)
                    if fields is not None:
                        rows.append(_row(len(rows) + 1, fields, "".join(taken), len(columns), csv_format))
                        continue
                    first, last = len(rows) + 1, len(rows) + len(taken)
                    span = f"rows {first}-{last}" if last > first else f"row {first}"
                    reason = (f"unclosed quote: a quote opened in row {first} is never closed, so {span} "
                              "(to the end of the file) cannot be split into fields"
                              if ended else f"broken quoting: {span} cannot be split into fields")
                    for line in taken:
                        rows.append(_unsplit(len(rows) + 1, len(columns), reason, None, line))
                    continue
                rows.append(_row(len(rows) + 1, fields, "".join(taken), len(columns), csv_format))
        while rows and rows[-1][len(columns) + 1] == "empty line":
            rows.pop()  # the file's end (module docstring)
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(path, exc) from exc
    finally:
        csv.field_size_limit(limit)
    import pandas as pd  # ~1 s to import: only files that need the exact reader pay it

    frame = pd.DataFrame(rows, columns=[*columns, *(n for n, _ in _EXTRA)], dtype="object")
    con.register("_exact_frame", frame)
    try:
        casts = [f"CAST({qident(c)} AS VARCHAR) AS {qident(c)}" for c in columns]
        casts += [f"CAST({n} AS {t}) AS {n}" for n, t in _EXTRA]
        _create_landing(con, spec, header, f"(SELECT {', '.join(casts)} FROM _exact_frame)")
    finally:
        con.unregister("_exact_frame")


def _landing_from_xlsx(con: duckdb.DuckDBPyConnection, file: LandingFile, header: list[str]) -> None:
    import pandas as pd

    _, body = _xlsx_rows(file)
    frame = pd.DataFrame(body, columns=header, dtype="object")
    frame["_rn"] = range(1, len(frame) + 1)
    con.register("_xlsx_frame", frame)
    try:
        extra = ", ".join(f"CAST(NULL AS {t}) AS {n}" for n, t in _EXTRA[1:])
        con.execute(f"CREATE OR REPLACE TEMP TABLE _landing AS SELECT *, {extra} FROM _xlsx_frame")
    finally:
        con.unregister("_xlsx_frame")


def stage(con: duckdb.DuckDBPyConnection, file: LandingFile, header: list[str]) -> Staged:
    """`_landing` from one file. Call it outside a transaction: a DuckDB read error aborts the
    transaction it happens in, and here it only hands the file to the exact reader."""
    spec = file.spec
    if spec.format == "xlsx":
        _landing_from_xlsx(con, file, header)
    else:
        with tempfile.TemporaryDirectory(prefix="cdi-") as tmp:
            path = file.path if spec.encoding.lower() in _UTF8 else _utf8_copy(file, Path(tmp))
            if not _read_fast(con, spec, header, [path]):
                _read_exact(con, spec, header, path)
    return Staged(header, con.execute("SELECT count(*) FROM _landing").fetchall()[0][0])


def stage_batch(con: duckdb.DuckDBPyConnection, spec: ReadSpec, paths: list[str], header: list[str]) -> bool:
    """Several UTF-8 CSV files of one shape into `_landing`, in one read (with `_read_path`);
    False when one of them needs the exact reader (then `_landing` is not to be used)."""
    return _read_fast(con, spec, header, [Path(p) for p in paths], many=True)

"""Load one landing file into its raw table, in one transaction, with nothing lost.

Every data row of a file ends up either in `raw.<table>` or in `ops.quarantine` with a
reason, and `ops.load_log` records rows_read = rows_loaded + rows_quarantined. A file that
cannot be read at all is logged as `rejected` with a message naming the problem; the
previous version of that file (if any) then stays in place.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import zlib
from dataclasses import dataclass

import duckdb

from orchestration.ingest.kinds import ColumnType, ExportKind, Layout
from orchestration.ingest.landing import LandingFile
from orchestration.ingest.pseudonymise import hmac_pads, hmac_sql
from orchestration.ingest.schema import qident, raw_table

# Landing timestamps without an offset are UK local time (DESIGN.md).
LANDING_TIME_ZONE = "Europe/London"

_HEADER_PEEK_BYTES = 1 << 16


class FileRejected(Exception):
    """The file as a whole cannot be loaded; the message says why."""


@dataclass(frozen=True)
class FileLoad:
    file: LandingFile
    status: str  # loaded | skipped | rejected | unchanged (unchanged files are not logged)
    load_id: int | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str | None = None

    def describe(self) -> str:
        where = self.file.relative_path
        if self.status == "loaded":
            text = f"{where}: {self.rows_loaded} rows loaded"
            if self.rows_quarantined:
                text += f", {self.rows_quarantined} quarantined"
            return text + (f" ({self.message})" if self.message else "")
        return f"{where}: {self.status}" + (f": {self.message}" if self.message else "")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _read_header(file: LandingFile) -> list[str]:
    """The header row, checked before DuckDB reads the file."""
    try:
        if file.path.name.endswith(".gz"):
            with gzip.open(file.path, "rb") as fh:
                head = fh.read(_HEADER_PEEK_BYTES)
        else:
            with file.path.open("rb") as fh:
                head = fh.read(_HEADER_PEEK_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileRejected(f"truncated or corrupt gzip: {exc}") from exc
    if not head.strip():
        raise FileRejected("empty file: no header row")
    first_line = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"header is not UTF-8 (byte {exc.start}: {first_line[exc.start:exc.start + 4]!r}); "
            "canonical exports are UTF-8 CSV"
        ) from exc
    return [name.strip() for name in next(csv.reader([text]))]


def _check_header(kind: ExportKind, header: list[str]) -> None:
    missing = [c for c in kind.required_columns if c not in header]
    unknown = [c for c in header if c not in kind.column_names]
    repeated = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unexpected column(s) {', '.join(unknown)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if problems:
        raise FileRejected(
            "; ".join(problems) + f" (expected header: {','.join(kind.column_names)})"
        )


def _typed_sql(kind: ExportKind, header: list[str]) -> dict[str, str]:
    """Typed SQL expression per canonical column, over the all-VARCHAR staging table."""
    exprs = {}
    for column in kind.columns:
        if column.name not in header:
            exprs[column.name] = f"CAST(NULL AS {column.type.value})"
            continue
        value = f"nullif(trim({qident(column.name)}), '')"
        if column.personal:
            exprs[column.name] = hmac_sql(qident(column.name))
        elif column.type is ColumnType.TIMESTAMP:
            # TIMESTAMPTZ parsing honours an explicit offset and reads the rest as UK local.
            exprs[column.name] = f"(try_cast({value} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
        elif column.type is ColumnType.DATE:
            exprs[column.name] = f"try_cast({value} AS DATE)"
        elif column.type is ColumnType.INTEGER:
            exprs[column.name] = f"try_cast({value} AS INTEGER)"
        elif column.type is ColumnType.BOOLEAN:
            exprs[column.name] = (
                f"CASE lower({value}) WHEN 'true' THEN true WHEN 'false' THEN false END"
            )
        else:
            exprs[column.name] = value
    return exprs


def _reason_sql(kind: ExportKind, header: list[str], typed: dict[str, str]) -> str:
    """First problem of a row, or NULL. Order: missing value, bad type, wrong force, duplicate."""
    cases = []
    for column in kind.columns:
        if column.name not in header:
            continue
        raw = f"nullif(trim({qident(column.name)}), '')"
        if column.required:
            cases.append(f"WHEN {raw} IS NULL THEN 'missing required value in {column.name}'")
        if column.type is not ColumnType.TEXT and not column.personal:
            label = column.type.value.lower()
            cases.append(
                f"WHEN {raw} IS NOT NULL AND {typed[column.name]} IS NULL "
                f"THEN 'unparseable {label} in {column.name}: ' || {raw}"
            )
    if kind.layout is Layout.AUDIT and "force_id" in header:
        cases.append(
            "WHEN trim(force_id) <> $force_id THEN 'force_id ' || trim(force_id) "
            "|| ' does not match the landing folder ' || $force_id"
        )
    key = ", ".join(f"trim({qident(k)})" for k in kind.key)
    key_text = " || '/' || ".join(f"coalesce(trim({qident(k)}), '')" for k in kind.key)
    cases.append(
        f"WHEN row_number() OVER (PARTITION BY {key} ORDER BY _source_row) > 1 "
        f"THEN 'duplicate key {'/'.join(kind.key)}=' || {key_text} || ' (first at row ' "
        f"|| min(_source_row) OVER (PARTITION BY {key}) || ')'"
    )
    return "CASE " + " ".join(cases) + " END"


def _redact_line(line: str, header: list[str], kind: ExportKind) -> str:
    """A rejected line with its personal fields blanked (positions from the header)."""
    personal = {i for i, name in enumerate(header) if name in kind.column_names and kind.column(name).personal}
    if not personal:
        return line
    fields = next(csv.reader([line]), [])
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(
        ["<redacted>" if i in personal and f else f for i, f in enumerate(fields)]
    )
    return out.getvalue()


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> int | None:
    """Execute with the named parameters the statement uses (DuckDB rejects unused ones);
    returns the row count an INSERT reports."""
    result = con.execute(sql, {name: value for name, value in params.items() if f"${name}" in sql})
    row = result.fetchone() if sql.lstrip().upper().startswith("INSERT") else None
    return row[0] if row else None


class FileLoader:
    """Loads landing files of any kind through one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, pseudonym_key: str, run_id: str | None):
        self.con = con
        self.run_id = run_id
        self.ipad, self.opad = hmac_pads(pseudonym_key)
        con.execute(f"SET TimeZone = '{LANDING_TIME_ZONE}'")

    def load(self, file: LandingFile) -> FileLoad:
        sha256 = file.sha256()
        previous = self.con.execute(
            "SELECT file_sha256 FROM ops.load_log WHERE file_path = ? ORDER BY load_id DESC LIMIT 1",
            [file.relative_path],
        ).fetchone()
        if previous and previous[0] == sha256:
            return FileLoad(file, "unchanged")
        started = _utcnow()
        load_id = self.con.execute("SELECT nextval('ops.load_id_seq')").fetchone()[0]
        self.con.execute("BEGIN")
        try:
            twin = self.con.execute(
                "SELECT file_path FROM ops.load_log WHERE file_sha256 = ? AND kind = ? "
                "AND status = 'loaded' AND rows_read > 0 ORDER BY load_id LIMIT 1",
                [sha256, file.kind.name],
            ).fetchone()
            if twin:
                outcome = FileLoad(file, "skipped", load_id, message=f"identical to {twin[0]}, already loaded")
            else:
                outcome = self._load_rows(file, load_id, replaces_previous=previous is not None)
            self._log(outcome, sha256, started)
            self.con.execute("COMMIT")
            return outcome
        except FileRejected as exc:
            self.con.execute("ROLLBACK")
            message = str(exc)
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            message = "cannot be read: " + str(exc).splitlines()[0]
        if previous:
            message += "; the previously loaded version is kept"
        outcome = FileLoad(file, "rejected", load_id, message=message)
        self.con.execute("BEGIN")
        self._log(outcome, sha256, started)
        self.con.execute("COMMIT")
        return outcome

    def _log(self, outcome: FileLoad, sha256: str, started: dt.datetime) -> None:
        self.con.execute(
            "INSERT INTO ops.load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                outcome.load_id,
                outcome.file.relative_path,
                sha256,
                outcome.file.path.stat().st_size,
                outcome.rows_read,
                outcome.rows_loaded,
                outcome.rows_quarantined,
                outcome.status,
                outcome.message,
                started,
                _utcnow(),
                outcome.file.kind.name,
                self.run_id,
            ],
        )

    def _load_rows(self, file: LandingFile, load_id: int, replaces_previous: bool) -> FileLoad:
        kind = file.kind
        header = _read_header(file)
        _check_header(kind, header)
        con = self.con
        con.execute("DROP TABLE IF EXISTS temp._rejects; DROP TABLE IF EXISTS temp._rejects_scan")
        # All VARCHAR with the header's own column names: types are checked below so a bad
        # value is quarantined with its reason instead of failing the whole read.
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _landing AS "
            "SELECT *, row_number() OVER () AS _rn FROM read_csv(?, header = true, columns = ?, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            "store_rejects = true, rejects_table = '_rejects', rejects_scan = '_rejects_scan')",
            [str(file.path), {name: "VARCHAR" for name in header}],
        )
        rejects = con.execute(
            "SELECT line - 1 AS source_row, min(error_type), min(error_message), min(csv_line) "
            "FROM temp._rejects GROUP BY line ORDER BY line"
        ).fetchall()
        parsed = con.execute("SELECT count(*) FROM _landing").fetchone()[0]
        rows_read = parsed + len(rejects)
        if rejects:
            # DuckDB skips rejected rows, so map the parsed rows back to record numbers.
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _rowmap AS SELECT r AS _source_row, "
                "row_number() OVER (ORDER BY r) AS _rn FROM range(1, ? + 1) t(r) "
                "WHERE r NOT IN (SELECT line - 1 FROM temp._rejects)",
                [rows_read],
            )
            source = "_landing JOIN _rowmap USING (_rn)"
        else:
            source = "(SELECT *, _rn AS _source_row FROM _landing)"

        typed = _typed_sql(kind, header)
        params = {
            "force_id": file.force_id,
            "export_date": file.export_date,
            "ipad": self.ipad,
            "opad": self.opad,
            "load_id": load_id,
            "file": file.relative_path,
            "loaded_at": _utcnow(),
        }
        # Pseudonyms are computed in the final projections only (the HMAC is the costliest
        # expression of the load), so each personal value is hashed once.
        checked_columns = ", ".join(
            f"{typed[c.name]} AS {qident('_t_' + c.name)}" for c in kind.columns if not c.personal
        )
        _execute(
            con,
            f"CREATE OR REPLACE TEMP TABLE _checked AS SELECT *, {checked_columns}, "
            f"{_reason_sql(kind, header, typed)} AS _reason FROM {source}",
            params,
        )

        def value(column) -> str:
            return typed[column.name] if column.personal else qident("_t_" + column.name)

        table = raw_table(kind)
        if replaces_previous:
            con.execute(f"DELETE FROM {table} WHERE _source_file = ?", [file.relative_path])
        stored = [qident(c.stored_name) for c in kind.columns]
        extra_cols, extra_vals = [], []
        if kind.layout is Layout.FORCE_EXPORT:
            extra_cols, extra_vals = ["force_id", "export_date"], ["$force_id", "$export_date"]
        elif "force_id" not in kind.column_names:
            extra_cols, extra_vals = ["force_id"], ["$force_id"]
        lineage = ["_load_id", "_source_file", "_source_row", "_loaded_at"]
        loaded = _execute(
            con,
            f"INSERT INTO {table} ({', '.join(stored + extra_cols + lineage)}) "
            f"SELECT {', '.join([value(c) for c in kind.columns] + extra_vals)}, "
            "$load_id, $file, _source_row, $loaded_at FROM _checked WHERE _reason IS NULL",
            params,
        )
        # The quarantined record keeps every value, personal ones as their pseudonyms.
        record = ", ".join(
            f"'{c.name}', " + (typed[c.name] if c.personal else qident(c.name))
            for c in kind.columns
            if c.name in header
        )
        quarantined = _execute(
            con,
            "INSERT INTO ops.quarantine SELECT $load_id, $file, _source_row, "
            f"CAST(json_object({record}) AS VARCHAR), _reason FROM _checked WHERE _reason IS NOT NULL",
            params,
        )
        if rejects:
            con.executemany(
                "INSERT INTO ops.quarantine VALUES (?, ?, ?, ?, ?)",
                [
                    [load_id, file.relative_path, row, _redact_line(line or "", header, kind),
                     f"unreadable row ({error_type.lower()}): {message}"]
                    for row, error_type, message, line in rejects
                ],
            )
        quarantined += len(rejects)
        if loaded + quarantined != rows_read:  # a bug, never a data problem: fail loudly
            raise AssertionError(f"{file.relative_path}: {rows_read} read != {loaded} + {quarantined}")
        message = "replaces the previously loaded version" if replaces_previous else None
        return FileLoad(file, "loaded", load_id, rows_read, loaded, quarantined, message)

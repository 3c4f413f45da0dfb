"""Load one landing file into its raw table, in one transaction, with nothing lost.

Every data row of a file ends up either in `raw.<table>` or in `ops.quarantine` with a
reason, and `ops.load_log` records rows_read = rows_loaded + rows_quarantined. A file that
cannot be read at all is logged as `rejected` with a message naming the problem; the
previous version of that file (if any) then stays in place.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

import duckdb

from orchestration.ingest.contracts import CANONICAL, ReadSpec
from orchestration.ingest.kinds import ColumnType, Layout, path_columns
from orchestration.ingest.landing import LandingFile
from orchestration.ingest.pseudonymise import hmac_pads, hmac_sql
from orchestration.ingest.readers import FileRejected, read_header, stage
from orchestration.ingest.schema import LINEAGE_COLUMNS, qident, raw_table

# Landing timestamps without an offset are UK local time (DESIGN.md).
LANDING_TIME_ZONE = "Europe/London"

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


def _check_header(spec: ReadSpec, header: list[str]) -> None:
    """Every mapped column present, nothing unexpected: else the whole file is rejected."""
    sources = spec.mapped_sources
    missing_required = [f"{spec.columns[c]}" for c in spec.kind.column_names
                        if c in spec.required and spec.columns.get(c) not in header]
    canonical = spec.contract == CANONICAL
    # The canonical shape lets optional columns be absent; a contract promised them.
    missing_mapped = [] if canonical else [
        f"{source} ({name})" for name, source in spec.columns.items()
        if source not in header and name not in spec.required
    ]
    unknown = [c for c in header if c not in sources]
    repeated = sorted({c for c in header if header.count(c) > 1})
    problems = []
    if missing_required:
        problems.append(f"missing required column(s) {', '.join(missing_required)}")
    if missing_mapped:
        problems.append(f"missing mapped column(s) {', '.join(missing_mapped)}")
    if unknown:
        problems.append(f"unexpected column(s) {', '.join(unknown)}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if problems:
        expected = ",".join(spec.columns[c] for c in spec.kind.column_names if c in spec.columns)
        where = "" if canonical else f"{spec.contract}: "
        raise FileRejected(where + "; ".join(problems) + f" (expected header: {expected})")


class _Sql:
    """The SQL of one file's load: typed values, reasons and parameters, from its spec."""

    def __init__(self, spec: ReadSpec, header: list[str]):
        self.spec = spec
        self.present = {c.name: spec.source(c.name) for c in spec.kind.columns
                        if spec.source(c.name) in header}
        self.params: dict[str, object] = {}
        self._raw: dict[str, str] = {}

    def _bind(self, value: object) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def raw(self, name: str) -> str:
        """The trimmed text of a canonical column, after the contract's code mapping (kept, so
        every statement of the load binds the same parameters)."""
        if name not in self._raw:
            value = f"nullif(trim({qident(self.present[name])}), '')"
            mapping = self.spec.codes.get(name)
            if mapping:
                whens = " ".join(f"WHEN {self._bind(k)} THEN {self._bind(v)}" for k, v in mapping.items())
                value = f"(CASE {value} {whens} ELSE {value} END)"
            self._raw[name] = value
        return self._raw[name]

    def typed(self, column) -> str:
        if column.name not in self.present:
            return f"CAST(NULL AS {column.type.value})"
        value = self.raw(column.name)
        fmt = self.spec.formats.get(column.name)
        if column.name in self.spec.personal:
            return hmac_sql(value)
        if column.type is ColumnType.TIMESTAMP:
            if fmt:
                local = f"try_strptime({value}, {self._bind(fmt)})"
                return f"(timezone({self._bind(self.spec.time_zone)}, {local}) AT TIME ZONE 'UTC')"
            if self.spec.time_zone != LANDING_TIME_ZONE:
                return f"(timezone({self._bind(self.spec.time_zone)}, try_cast({value} AS TIMESTAMP)) AT TIME ZONE 'UTC')"
            # TIMESTAMPTZ parsing honours an explicit offset and reads the rest as UK local.
            return f"(try_cast({value} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
        if column.type is ColumnType.DATE:
            return f"CAST(try_strptime({value}, {self._bind(fmt)}) AS DATE)" if fmt else f"try_cast({value} AS DATE)"
        if column.type in (ColumnType.INTEGER, ColumnType.DOUBLE):
            return f"try_cast({value} AS {column.type.value})"
        if column.type is ColumnType.BOOLEAN:
            return f"CASE lower({value}) WHEN 'true' THEN true WHEN 'false' THEN false END"
        return value

    def reason(self, row_error: bool) -> str:
        """First problem of a row, or NULL. Order: unreadable, missing value, bad type, wrong
        force, duplicate key."""
        kind = self.spec.kind
        cases = ["WHEN _row_error IS NOT NULL THEN _row_error"] if row_error else []
        for column in kind.columns:
            if column.name not in self.present:
                continue
            raw = self.raw(column.name)
            if column.name in self.spec.required:
                cases.append(f"WHEN {raw} IS NULL THEN 'missing required value in {column.name}'")
            if column.type is not ColumnType.TEXT and column.name not in self.spec.personal:
                source = self.present[column.name]
                label = column.type.value.lower()
                fmt = self.spec.formats.get(column.name)
                details = ([f"column {source!r}"] if source != column.name else []) + ([f"format {fmt}"] if fmt else [])
                where = column.name + (f" ({', '.join(details)})" if details else "")
                cases.append(
                    f"WHEN {raw} IS NOT NULL AND {self.typed(column)} IS NULL "
                    f"THEN {self._bind(f'unparseable {label} in {where}: ')} || {raw}"
                )
        if kind.layout is Layout.AUDIT and "force_id" in self.present:
            force = self.raw("force_id")
            cases.append(f"WHEN {force} <> $force_id THEN 'force_id ' || {force} "
                         "|| ' does not match the landing folder ' || $force_id")
        if not kind.key:
            return "CASE " + " ".join(cases) + " END" if cases else "CAST(NULL AS VARCHAR)"
        keys = [self.raw(k) for k in kind.key]
        key_text = " || '/' || ".join(f"coalesce({k}, '')" for k in keys)
        partition = ", ".join(keys)
        cases.append(
            f"WHEN row_number() OVER (PARTITION BY {partition} ORDER BY _source_row) > 1 "
            f"THEN 'duplicate key {'/'.join(kind.key)}=' || {key_text} || ' (first at row ' "
            f"|| min(_source_row) OVER (PARTITION BY {partition}) || ')'"
        )
        return "CASE " + " ".join(cases) + " END"


def _redact_line(line: str, header: list[str], spec: ReadSpec) -> str:
    """A rejected line with its personal fields blanked (positions from the header)."""
    personal_sources = {spec.columns[c] for c in spec.personal}
    personal = {i for i, name in enumerate(header) if name in personal_sources}
    if not personal or spec.format != "csv":
        return line if not personal else "<line withheld: it may hold personal data>"
    fields = next(csv.reader([line], delimiter=spec.delimiter, quotechar=spec.quote), [])
    out = io.StringIO()
    csv.writer(out, delimiter=spec.delimiter, quotechar=spec.quote, lineterminator="").writerow(
        ["<redacted>" if i in personal and f else f for i, f in enumerate(fields)]
    )
    return out.getvalue()


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> int | None:
    """Execute with the named parameters the statement uses (DuckDB rejects unused ones);
    returns the row count an INSERT reports."""
    used = set(re.findall(r"\$(\w+)", sql))
    result = con.execute(sql, {name: value for name, value in params.items() if name in used})
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
        kind, spec, con = file.kind, file.spec, self.con
        header = read_header(file)
        _check_header(spec, header)
        staged = stage(con, file, header)
        if staged.rejects:
            # DuckDB skips rejected rows, so map the parsed rows back to record numbers.
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _rowmap AS SELECT r AS _source_row, "
                "row_number() OVER (ORDER BY r) AS _rn FROM range(1, ? + 1) t(r) "
                "WHERE r NOT IN (SELECT line - 1 FROM temp._rejects)",
                [staged.rows_read],
            )
            source = "_landing JOIN _rowmap USING (_rn)"
        else:
            source = "(SELECT *, _rn AS _source_row FROM _landing)"

        sql = _Sql(spec, header)
        checked = ", ".join(
            f"{sql.typed(c)} AS {qident('_t_' + c.name)}" for c in kind.columns if c.name not in spec.personal
        )
        reason = sql.reason(row_error=spec.format == "jsonl")
        # Pseudonyms are computed in the final projections only (the HMAC is the costliest
        # expression of the load), so each personal value is hashed once.
        values = [sql.typed(c) if c.name in spec.personal else qident("_t_" + c.name) for c in kind.columns]
        # The quarantined record keeps every value under its canonical name, personal ones
        # as their pseudonyms.
        record = ", ".join(
            f"'{c.name}', " + (sql.typed(c) if c.name in spec.personal else qident(sql.present[c.name]))
            for c in kind.columns
            if c.name in sql.present
        )
        extra_cols = [name for name, _ in path_columns(kind)]
        path_values = file.path_values()
        params = {
            **sql.params,
            **{f"path_{name}": path_values[name] for name in extra_cols},
            "force_id": file.force_id,
            "ipad": self.ipad,
            "opad": self.opad,
            "load_id": load_id,
            "file": file.relative_path,
            "loaded_at": _utcnow(),
        }
        _execute(con, f"CREATE OR REPLACE TEMP TABLE _checked AS SELECT *, {checked}, {reason} AS _reason "
                      f"FROM {source}", params)

        table = raw_table(kind)
        if replaces_previous:
            con.execute(f"DELETE FROM {table} WHERE _source_file = ?", [file.relative_path])
        columns = [qident(c.stored_name) for c in kind.columns] + extra_cols + [name for name, _ in LINEAGE_COLUMNS]
        loaded = _execute(
            con,
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values + [f'$path_{name}' for name in extra_cols])}, "
            "$load_id, $file, _source_row, $loaded_at FROM _checked WHERE _reason IS NULL",
            params,
        )
        quarantined = _execute(
            con,
            "INSERT INTO ops.quarantine SELECT $load_id, $file, _source_row, "
            f"CAST(json_object({record}) AS VARCHAR), _reason FROM _checked WHERE _reason IS NOT NULL",
            params,
        )
        if staged.rejects:
            con.executemany(
                "INSERT INTO ops.quarantine VALUES (?, ?, ?, ?, ?)",
                [
                    [load_id, file.relative_path, row, _redact_line(line or "", header, spec),
                     f"unreadable row ({error_type.lower()}): {message}"]
                    for row, error_type, message, line in staged.rejects
                ],
            )
        quarantined += len(staged.rejects)
        if loaded + quarantined != staged.rows_read:  # a bug, never a data problem: fail loudly
            raise AssertionError(f"{file.relative_path}: {staged.rows_read} read != {loaded} + {quarantined}")
        message = "replaces the previously loaded version" if replaces_previous else None
        return FileLoad(file, "loaded", load_id, staged.rows_read, loaded, quarantined, message)

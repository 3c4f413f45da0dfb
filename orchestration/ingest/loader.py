"""Load one landing file into its raw table, in one transaction, with nothing lost.

Every row of a file (readers.py says what a row is: every physical line is in one) ends up
either in `raw.<table>` or in `ops.quarantine` with a reason, and `ops.load_log` records
rows_read = rows_loaded + rows_quarantined. A file that cannot be read at all is logged as
`rejected` with a message naming the problem; the previous version of that file (if any) then
stays in place.

No clear personal value leaves the landing file: personal columns are pseudonymised in raw
and in quarantined records alike; a quarantined row that does not split into the header's
fields keeps only its field count and the keyed hash of its line; free text has the row's own
personal values masked (pseudonymise.py says what is and is not caught); and messages never
quote file content (an unknown header cell may be a name: a header that is really a data row).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb

from orchestration.ingest.contracts import CANONICAL, ReadSpec
from orchestration.ingest.kinds import ColumnType, Layout, path_columns
from orchestration.ingest.landing import LandingFile
from orchestration.ingest.pseudonymise import FREE_TEXT, hmac_pads, hmac_sql, holds_sql, line_hmac_sql, mask_sql
from orchestration.ingest.readers import FileRejected, Staged, read_header, stage, stage_batch
from orchestration.ingest.schema import LINEAGE_COLUMNS, raw_table
from orchestration.warehouse import qident

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
    """Every mapped column present, nothing unexpected: else the whole file is rejected.

    The message names only columns the code knows (canonical names, the contract's names):
    an unknown cell is counted and located, never quoted, since a "header" may be a data row."""
    sources = spec.mapped_sources
    known = sources | set(spec.kind.column_names)
    missing_required = [f"{spec.columns[c]}" for c in spec.kind.column_names
                        if c in spec.required and spec.columns.get(c) not in header]
    canonical = spec.contract == CANONICAL
    # The canonical shape lets optional columns be absent; a contract promised them.
    missing_mapped = [] if canonical else [
        f"{source} ({name})" for name, source in spec.columns.items()
        if source not in header and name not in spec.required
    ]
    unexpected = [c for c in header if c in known and c not in sources]
    unknown = [str(i) for i, c in enumerate(header, 1) if c not in known]
    repeated = sorted({c for c in header if c in known and header.count(c) > 1})
    problems = []
    if missing_required:
        problems.append(f"missing required column(s) {', '.join(missing_required)}")
    if missing_mapped:
        problems.append(f"missing mapped column(s) {', '.join(missing_mapped)}")
    if unexpected:
        problems.append(f"unexpected column(s) {', '.join(unexpected)}")
    if unknown and len(unknown) == len(header):
        problems.append(f"the header has {len(header)} field(s), none of them a known column")
    elif unknown:
        problems.append(f"unexpected column(s) at field(s) {', '.join(unknown)} of {len(header)} "
                        "(unknown names are not shown)")
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

    def text(self, name: str) -> str:
        """The trimmed text of a canonical column as delivered, NULL when blank (the same
        whichever reader split the row)."""
        return f"nullif(trim({qident(self.present[name])}), '')"

    def raw(self, name: str) -> str:
        """The trimmed text of a canonical column, after the contract's code mapping (kept, so
        every statement of the load binds the same parameters)."""
        if name not in self._raw:
            value = self.text(name)
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

    def reason(self) -> str:
        """First problem of a row, or NULL. Order: unreadable, missing value, bad type, wrong
        force, duplicate key."""
        kind = self.spec.kind
        cases = ["WHEN _row_error IS NOT NULL THEN _row_error"]
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
            cases.append(f"WHEN {force} <> _folder_force_id THEN 'force_id ' || {force} "
                         "|| ' does not match the landing folder ' || _folder_force_id")
        if not kind.file_key:
            return "CASE " + " ".join(cases) + " END" if cases else "CAST(NULL AS VARCHAR)"
        keys = [self.raw(k) for k in kind.file_key]
        key_text = " || '/' || ".join(f"coalesce({k}, '')" for k in keys)
        # Duplicates are judged within a file (rows of two files are two versions), among rows
        # that could be read: an unreadable row does not make a later one a repeat.
        partition = ", ".join(["_file_no", "_row_error IS NULL", *keys])
        cases.append(
            f"WHEN row_number() OVER (PARTITION BY {partition} ORDER BY _source_row) > 1 "
            f"THEN 'duplicate key {'/'.join(kind.file_key)}=' || {key_text} || ' (first at row ' "
            f"|| min(_source_row) OVER (PARTITION BY {partition}) || ')'"
        )
        return "CASE " + " ".join(cases) + " END"


def _free_text_masking(sql: _Sql, trimmed: dict[str, str]) -> tuple[list[str], list[str]]:
    """The row's own personal values in its free text become their pseudonyms (pseudonymise.py
    says which). Returns the `_checked` columns finding the rows that hold one (one pass, the
    text lower-cased once) and the UPDATEs then rewriting those rows only, value by value: the
    other rows never pay for a regular expression. `trimmed`: personal column -> `_checked`
    column of its trimmed value."""
    kind = sql.spec.kind
    finds, masks = [], []
    for text, names in FREE_TEXT.get(kind.name, {}).items():
        names = [name for name in names if name in trimmed]
        if text not in sql.present or text in sql.spec.personal or not names:
            continue
        target, holds = qident("_t_" + text), qident("_holds_own_" + text)
        found = " OR ".join(holds_sql(sql.typed(kind.column(text)), sql.raw(name)) for name in names)
        finds.append(f"({found}) AS {holds}")
        masks += [f"UPDATE _checked SET {target} = {mask_sql(target, name, trimmed[name])} "
                  f"WHERE {holds} AND {holds_sql(target, trimmed[name])}" for name in names]
    return finds, masks


def _error_text(exc: duckdb.Error) -> str:
    """DuckDB's message without what it quotes (a value, a line of the file)."""
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return re.sub(r"'[^']*'|\"[^\"]*\"", "'...'", first)


def _execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> int | None:
    """Execute with the named parameters the statement uses (DuckDB rejects unused ones);
    returns the row count an INSERT reports."""
    used = set(re.findall(r"\$(\w+)", sql))
    result = con.execute(sql, {name: value for name, value in params.items() if name in used})
    rows = result.fetchall() if sql.lstrip().upper().startswith("INSERT") else None
    return rows[0][0] if rows else None


@dataclass(frozen=True)
class _Pending:
    """A file to load: what it replaces and when its load started."""

    file: LandingFile
    sha256: str
    replaces_previous: bool
    load_id: int
    started: dt.datetime


# Files of one shape are read together by one read_csv: per-file statements cost ~20 ms,
# which a year of nights (tens of thousands of small files) cannot afford. A batch stops at
# this many bytes so its checked rows stay a modest temp table.
BATCH_MAX_BYTES = 256 << 20
BATCH_MAX_FILES = 4000


def _no_rows(file: LandingFile) -> bool:
    """A header-only (or empty) CSV export: nights without decisions or disposals."""
    if file.path.stat().st_size > 4096 or file.path.name.endswith(".gz"):
        return False
    lines = file.path.read_bytes().splitlines()
    return not any(line.strip() for line in lines[1:])


def _batchable(file: LandingFile) -> bool:
    """UTF-8 CSV force exports: what DuckDB reads directly, with nothing checked per file
    beyond the header (audit sheets are few and check their force against the folder)."""
    spec = file.spec
    return (spec.format == "csv" and spec.encoding.lower() in ("utf-8", "utf8")
            and file.kind.layout is Layout.FORCE_EXPORT)


class FileLoader:
    """Loads landing files of any kind through one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, pseudonym_key: str, run_id: str | None):
        self.con = con
        self.run_id = run_id
        self.ipad, self.opad = hmac_pads(pseudonym_key)
        con.execute(f"SET TimeZone = '{LANDING_TIME_ZONE}'")

    def load(self, file: LandingFile) -> FileLoad:
        return self.load_all([file])[0]

    def load_all(self, files: list[LandingFile], progress=None) -> list[FileLoad]:
        """Load `files` (outcomes in the same order). UTF-8 CSV exports of one shape are read
        in batches; anything else, and any batch DuckDB cannot read cleanly, file by file,
        so a bad file is rejected on its own with a message naming it."""
        latest = self._latest_sha256([f.relative_path for f in files])
        outcomes: dict[int, FileLoad] = {}
        todo: list[tuple[int, LandingFile, str]] = []
        for i, file in enumerate(files):
            sha256 = file.sha256()
            if latest.get(file.relative_path) == sha256:
                outcomes[i] = FileLoad(file, "unchanged")
                if progress:
                    progress(outcomes[i])
            else:
                todo.append((i, file, sha256))
        twins = self._loaded_twins({sha for _, _, sha in todo})
        groups: dict[tuple, list[tuple[int, LandingFile, str]]] = {}
        single: list[tuple[int, LandingFile, str]] = []
        seen: set[str] = set()
        for item in todo:
            i, file, sha256 = item
            header = None
            # A repeat of a file with rows must come after the first one's commit, to be
            # skipped as its twin (file by file); files with no rows have no twins.
            repeat = sha256 in twins or sha256 in seen
            if _batchable(file) and (not repeat or _no_rows(file)):
                try:
                    header = read_header(file)
                    _check_header(file.spec, header)
                except FileRejected:
                    header = None
            seen.add(sha256)
            if header is None:
                single.append(item)
            else:
                groups.setdefault((repr(file.spec), tuple(header)), []).append(item)
        for (_, header), items in groups.items():
            chunks = list(_chunks(items))
            while chunks:
                chunk = chunks.pop(0)
                loaded = self._load_batch([(f, sha, latest.get(f.relative_path) is not None) for _, f, sha in chunk],
                                          list(header))
                if loaded is None:
                    # A row DuckDB cannot parse somewhere: halve until the file is alone, so
                    # the good files stay batched and the bad one gets its own message.
                    if len(chunk) == 1:
                        single.extend(chunk)
                    else:
                        chunks[:0] = [chunk[: len(chunk) // 2], chunk[len(chunk) // 2:]]
                    continue
                for (i, _, _), outcome in zip(chunk, loaded):
                    outcomes[i] = outcome
                    if progress:
                        progress(outcome)
        for i, file, sha256 in sorted(single, key=lambda item: item[0]):
            outcomes[i] = self._load_one(file, sha256, latest.get(file.relative_path) is not None)
            if progress:
                progress(outcomes[i])
        return [outcomes[i] for i in range(len(files))]

    def _latest_sha256(self, paths: list[str]) -> dict[str, str]:
        rows = self.con.execute(
            "SELECT file_path, arg_max(file_sha256, load_id) FROM ops.load_log "
            "WHERE file_path IN (SELECT unnest(?)) GROUP BY file_path",
            [paths],
        ).fetchall()
        return dict(rows)

    def _loaded_twins(self, shas: set[str]) -> set[str]:
        rows = self.con.execute(
            "SELECT DISTINCT file_sha256 FROM ops.load_log WHERE file_sha256 IN (SELECT unnest(?)) "
            "AND status = 'loaded' AND rows_read > 0",
            [sorted(shas)],
        ).fetchall()
        return {row[0] for row in rows}

    def _next_load_ids(self, n: int) -> list[int]:
        rows = self.con.execute("SELECT nextval('ops.load_id_seq') FROM range(?)", [n]).fetchall()
        return sorted(row[0] for row in rows)

    def _load_one(self, file: LandingFile, sha256: str, replaces_previous: bool) -> FileLoad:
        started = _utcnow()
        (load_id,) = self._next_load_ids(1)
        pending = _Pending(file, sha256, replaces_previous, load_id, started)
        twin = self.con.execute(
            "SELECT file_path FROM ops.load_log WHERE file_sha256 = ? AND kind = ? "
            "AND status = 'loaded' AND rows_read > 0 ORDER BY load_id LIMIT 1",
            [sha256, file.kind.name],
        ).fetchall()  # (fetchall: DuckDB 2.0 refuses a DataFrame scan while a result is open)
        try:
            # Staged before the transaction: a DuckDB read error would abort it, and the
            # reader answers such an error by reading the file exactly instead.
            staged = None if twin else self._stage(file)
        except FileRejected as exc:
            return self._reject(pending, str(exc))
        except duckdb.Error as exc:
            return self._reject(pending, "cannot be read: " + _error_text(exc))
        self.con.execute("BEGIN")
        try:
            if twin:
                outcome = FileLoad(file, "skipped", load_id, message=f"identical to {twin[0][0]}, already loaded")
            else:
                outcome = self._load_rows(pending, staged)
            self._log([(outcome, pending)])
            self.con.execute("COMMIT")
            return outcome
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            return self._reject(pending, "cannot be read: " + _error_text(exc))

    def _stage(self, file: LandingFile) -> Staged:
        header = read_header(file)
        _check_header(file.spec, header)
        return stage(self.con, file, header)

    def _reject(self, pending: _Pending, message: str) -> FileLoad:
        if pending.replaces_previous:
            message += "; the previously loaded version is kept"
        outcome = FileLoad(pending.file, "rejected", pending.load_id, message=message)
        self.con.execute("BEGIN")
        self._log([(outcome, pending)])
        self.con.execute("COMMIT")
        return outcome

    def _log(self, outcomes: list[tuple[FileLoad, _Pending]]) -> None:
        finished = _utcnow()
        _insert_many(
            self.con, "ops.load_log",
            [
                [
                    outcome.load_id,
                    outcome.file.relative_path,
                    pending.sha256,
                    outcome.file.path.stat().st_size,
                    outcome.rows_read,
                    outcome.rows_loaded,
                    outcome.rows_quarantined,
                    outcome.status,
                    outcome.message,
                    pending.started,
                    finished,
                    outcome.file.kind.name,
                    self.run_id,
                    None,  # lake_file: set when the lake file is written (lake.py)
                ]
                for outcome, pending in outcomes
            ],
        )

    def _files_table(self, pendings: list[_Pending], read_paths: list[str] | None = None) -> None:
        """`_files`: one row per file of the load, with what its path says, joined to its rows
        by `_file_no`."""
        kind = pendings[0].file.kind
        extra = path_columns(kind)
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE _files (_file_no INTEGER, _read_path VARCHAR, _load_id BIGINT, "
            "_file_path VARCHAR, _folder_force_id VARCHAR, _replaces BOOLEAN"
            + "".join(f", {qident('_path_' + name)} {type_}" for name, type_ in extra) + ")"
        )
        _insert_many(
            self.con, "_files",
            [
                [n, read_paths[n] if read_paths else None, p.load_id, p.file.relative_path, p.file.force_id,
                 p.replaces_previous, *(p.file.path_values()[name] for name, _ in extra)]
                for n, p in enumerate(pendings)
            ],
        )

    def _load_batch(self, files: list[tuple[LandingFile, str, bool]], header: list[str]) -> list[FileLoad] | None:
        """Load files of one shape in one read and one transaction; None (nothing written)
        when a file needs more than DuckDB's read (readers.py), so the caller splits the batch."""
        started = _utcnow()
        ids = self._next_load_ids(len(files))
        pendings = [_Pending(f, sha, replaces, load_id, started)
                    for (f, sha, replaces), load_id in zip(files, ids)]
        read_paths = [str(p.file.path) for p in pendings]
        self.con.execute("BEGIN")
        try:
            if not stage_batch(self.con, pendings[0].file.spec, read_paths, header):
                self.con.execute("ROLLBACK")
                return None
            self._files_table(pendings, read_paths)
            counts = self._insert_rows(pendings, header, "(SELECT l.* EXCLUDE (_read_path), f._file_no, "
                                       "row_number() OVER (PARTITION BY f._file_no ORDER BY l._rn) AS _source_row "
                                       "FROM _landing l JOIN _files f USING (_read_path))")
            outcomes = []
            for n, p in enumerate(pendings):
                read, loaded = counts.get(n, (0, 0))
                message = "replaces the previously loaded version" if p.replaces_previous else None
                outcomes.append(FileLoad(p.file, "loaded", p.load_id, read, loaded, read - loaded, message))
            self._log(list(zip(outcomes, pendings)))
            self.con.execute("COMMIT")
            return outcomes
        except duckdb.Error:
            self.con.execute("ROLLBACK")
            return None

    def _load_rows(self, pending: _Pending, staged: Staged) -> FileLoad:
        self._files_table([pending])
        source = "(SELECT *, 0 AS _file_no, _rn AS _source_row FROM _landing)"
        read, loaded = self._insert_rows([pending], staged.header, source).get(0, (0, 0))
        if read != staged.rows_read:  # a bug, never a data problem: fail loudly
            raise AssertionError(f"{pending.file.relative_path}: {staged.rows_read} staged != {read} checked")
        message = "replaces the previously loaded version" if pending.replaces_previous else None
        return FileLoad(pending.file, "loaded", pending.load_id, read, loaded, read - loaded, message)

    def _insert_rows(self, pendings: list[_Pending], header: list[str], source: str) -> dict[int, tuple[int, int]]:
        """Check the staged rows of `source` (with `_file_no`, `_source_row`), replace earlier
        versions of the files, insert good rows into raw and the rest into quarantine;
        returns rows read and loaded per file number."""
        con = self.con
        file = pendings[0].file
        kind, spec = file.kind, file.spec
        sql = _Sql(spec, header)
        personal = [c.name for c in kind.columns if c.name in spec.personal and c.name in sql.present]
        # Personal values are trimmed once, here, for the pseudonyms and the free-text search.
        trimmed = {name: qident("_v_" + name) for name in personal}
        checked = [f"{sql.typed(c)} AS {qident('_t_' + c.name)}" for c in kind.columns if c.name not in spec.personal]
        checked += [f"{sql.raw(name)} AS {trimmed[name]}" for name in personal]
        finds, masks = _free_text_masking(sql, trimmed)
        checked += finds
        reason = sql.reason()
        # Pseudonyms are computed in the final projections only (the HMAC is the costliest
        # expression of the load), so each personal value is hashed once.
        pseudonyms = {name: hmac_sql(trimmed[name]) for name in personal}
        values = [pseudonyms.get(c.name, "CAST(NULL AS VARCHAR)") if c.name in spec.personal
                  else qident("_t_" + c.name) for c in kind.columns]
        # The quarantined record keeps every value under its canonical name, personal ones as
        # their pseudonyms, free text masked; a row that does not split into the header's
        # fields keeps only its field count and the keyed hash of its line.
        record = ", ".join(
            f"'{c.name}', " + (pseudonyms[c.name] if c.name in spec.personal
                               else qident("_t_" + c.name) if c.name in FREE_TEXT.get(kind.name, {})
                               else sql.text(c.name))
            for c in kind.columns
            if c.name in sql.present
        )
        record = (f"CASE WHEN _line IS NOT NULL THEN json_object('fields', _fields, 'line_hmac', "
                  f"{line_hmac_sql('_line')}) ELSE json_object({record}) END")
        extra_cols = [name for name, _ in path_columns(kind)]
        params = {**sql.params, "ipad": self.ipad, "opad": self.opad, "loaded_at": _utcnow()}
        _execute(con, f"CREATE OR REPLACE TEMP TABLE _checked AS SELECT s.*, f.* EXCLUDE (_file_no), "
                      f"{', '.join(checked)}, {reason} AS _reason FROM {source} s JOIN _files f USING (_file_no)",
                 params)
        for mask in masks:
            _execute(con, mask, params)

        table = raw_table(kind)
        con.execute(f"DELETE FROM {table} WHERE _source_file IN (SELECT _file_path FROM _files WHERE _replaces)")
        columns = [qident(c.stored_name) for c in kind.columns] + extra_cols + [name for name, _ in LINEAGE_COLUMNS]
        _execute(
            con,
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values + [qident('_path_' + name) for name in extra_cols])}, "
            "_load_id, _file_path, _source_row, $loaded_at FROM _checked WHERE _reason IS NULL",
            params,
        )
        _execute(
            con,
            "INSERT INTO ops.quarantine SELECT _load_id, _file_path, _source_row, "
            f"CAST({record} AS VARCHAR), _reason FROM _checked WHERE _reason IS NOT NULL",
            params,
        )
        rows = con.execute(
            "SELECT _file_no, count(*), count(*) FILTER (WHERE _reason IS NULL) FROM _checked GROUP BY _file_no"
        ).fetchall()
        return {n: (read, loaded) for n, read, loaded in rows}


def _insert_many(con: duckdb.DuckDBPyConnection, table: str, rows: list[list]) -> None:
    """Insert rows through a DataFrame: executemany costs ~0.2 ms a row, a batch has thousands."""
    import pandas as pd

    frame = pd.DataFrame(rows, dtype="object")
    con.register("_insert_frame", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _insert_frame")
    finally:
        con.unregister("_insert_frame")


def _chunks(items: list[tuple[int, LandingFile, str]]):
    chunk: list[tuple[int, LandingFile, str]] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += item[1].path.stat().st_size
        if size >= BATCH_MAX_BYTES or len(chunk) >= BATCH_MAX_FILES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk

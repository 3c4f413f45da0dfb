"""Keys of the landing files (DESIGN.md "Keys"), as properties of the real loader.

Every example writes one landing file under a temporary landing folder, finds it with
`discover` and loads it with `FileLoader` into a fresh, empty in-memory DuckDB database
(`ensure_schema`), then compares raw, ops.quarantine and ops.load_log with what the rows say. The data are
drawn by Hypothesis and shaped unlike the sample generator: few auditors for many rows,
identifiers with commas, quotes, slashes, accents and surrounding spaces (the loader trims
values, so " A " and "A" are one key), columns in any order.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from orchestration.ingest.kinds import EXPORT_KINDS, KINDS_BY_NAME, ColumnType, ExportKind, Layout
from orchestration.ingest.landing import discover
from orchestration.ingest.loader import FileLoad, FileLoader
from orchestration.ingest.schema import ensure_schema

KEY = "test-key"
FORCE = "surrey"  # a real police.uk force id without a contract: files are read in the canonical shape
AUDIT_FOLDER = "2014-surrey-crime-data-integrity"
EXPORT_DAY = "2014-03-03"

OFFENCE_CODES = ["8N", "105A", "19C", "34B", "46", "58A"]
DECISIONS = ["NO_CRIME", "CANCELLED", "TRANSFERRED"]
DISPOSAL_TYPES = ["CAUTION", "CONDITIONAL_CAUTION", "PENALTY_NOTICE", "COMMUNITY_RESOLUTION", "CANNABIS_WARNING"]
VERDICTS = {"no_crime_reviews": ["correct", "incorrect"], "disposal_reviews": ["appropriate", "inappropriate"]}


def _examples(n: int) -> settings:
    """A fresh warehouse per example (fixture `duck` is shared, its databases are not); no
    example database (nothing written under the repository). A load costs ~35 ms: the
    counts keep the whole file under 20 s."""
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True, scope="module")
def _hypothesis_home(tmp_path_factory):
    """Hypothesis caches (constants, unicode data) in a temporary folder, not ./.hypothesis."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


# --- writing and loading one landing file ----------------------------------------------------

def _norm(value: str) -> str | None:
    """What the loader makes of a landing value: trimmed of spaces, empty is NULL."""
    value = value.strip(" ")
    return value or None


def _write(landing: Path, kind: ExportKind, rows: list[dict[str, str]], columns: list[str] | None = None,
           fmt: str = "csv") -> Path:
    """A canonical landing file (`csv` or `xlsx`, every cell a string) with `columns` in that
    order."""
    columns = columns or kind.column_names
    folder = landing / FORCE / ("audits/" + AUDIT_FOLDER if kind.layout is Layout.AUDIT else EXPORT_DAY)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{kind.name}.{fmt}"
    lines = [columns, *([row[c] for c in columns] for row in rows)]
    if fmt == "xlsx":
        workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                                   "strings_to_urls": False})
        sheet = workbook.add_worksheet()
        for r, line in enumerate(lines):
            for c, value in enumerate(line):
                if value != "":
                    sheet.write_string(r, c, value)
        workbook.close()
    else:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(lines)
        path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def duck():
    """One DuckDB connection for a test module; each example gets a fresh in-memory database
    on it (`_warehouse`): opening a connection costs half a load, and one FileLoader
    connection loading file after file is what the nightly run does anyway."""
    con = duckdb.connect()
    yield con
    con.close()


_databases = itertools.count()


@contextmanager
def _warehouse(duck: duckdb.DuckDBPyConnection, tmp_path: Path, kind: ExportKind):
    """A fresh, empty in-memory warehouse (ensure_schema) and a landing folder with no file in
    it, for one example. (The landing folder is the test's, emptied after each example:
    removing folders costs more than the load.)"""
    name = f"example_{next(_databases)}"
    duck.execute(f"ATTACH ':memory:' AS {name}")
    duck.execute(f"USE {name}")
    landing = tmp_path / "landing"
    try:
        ensure_schema(duck, (kind,))
        yield landing, duck
    finally:
        for path in [p for p in landing.rglob("*") if p.is_file()]:
            path.unlink()
        try:  # a failed example may have left its load's transaction open
            duck.execute("ROLLBACK")
        except duckdb.TransactionException:
            pass
        duck.execute("USE memory")
        duck.execute(f"DETACH {name}")


def _load(con: duckdb.DuckDBPyConnection, landing: Path, kind: ExportKind) -> FileLoad:
    files = list(discover(landing))
    assert [(f.kind.name, f.force_id) for f in files] == [(kind.name, FORCE)]
    load = FileLoader(con, KEY, run_id="test").load(files[0])
    assert load.status == "loaded", load.describe()
    return load


def _accounted(con: duckdb.DuckDBPyConnection, kind: ExportKind, load: FileLoad, n_rows: int):
    """Nothing lost: each row once in raw or quarantine, and ops.load_log says the same.
    Returns the raw rows and the quarantine reasons, by source row."""
    assert load.rows_read == n_rows
    assert load.rows_read == load.rows_loaded + load.rows_quarantined
    log = con.execute(
        "SELECT file_path, kind, status, rows_read, rows_loaded, rows_quarantined FROM ops.load_log"
    ).fetchall()
    assert log == [(load.file.relative_path, kind.name, "loaded", load.rows_read, load.rows_loaded,
                    load.rows_quarantined)]
    cursor = con.execute(f'SELECT * FROM raw."{kind.table}" WHERE _load_id = ?', [load.load_id])
    names = [d[0] for d in cursor.description]
    raw = {row["_source_row"]: row for row in (dict(zip(names, r)) for r in cursor.fetchall())}
    quarantine = dict(con.execute(
        "SELECT source_row, reason FROM ops.quarantine WHERE load_id = ?", [load.load_id]).fetchall())
    assert len(raw) == load.rows_loaded and len(quarantine) == load.rows_quarantined
    assert con.execute(f'SELECT count(*) FROM raw."{kind.table}"').fetchone()[0] == load.rows_loaded
    assert con.execute("SELECT count(*) FROM ops.quarantine").fetchone()[0] == load.rows_quarantined
    assert not raw.keys() & quarantine.keys()
    assert raw.keys() | quarantine.keys() == set(range(1, n_rows + 1))
    assert all(row["force_id"] == FORCE for row in raw.values())
    return raw, quarantine


def _expected_reasons(kind: ExportKind, rows: list[dict[str, str]]) -> dict[int, str]:
    """The reason each row should be quarantined for, by source row (rows not here load):
    the first required column (in the kind's order) with no value, else a repeat of the
    file key of an earlier row (any earlier row with that key, quarantined or not: the key
    alone says what a repeat is)."""
    first_at: dict[tuple, int] = {}
    reasons = {}
    for n, row in enumerate(rows, start=1):
        values = {name: _norm(row[name]) for name in kind.column_names}
        missing = [c.name for c in kind.columns if c.required and values[c.name] is None]
        key = tuple(values[k] for k in kind.file_key)
        if missing:
            reasons[n] = f"missing required value in {missing[0]}"
        elif kind.file_key and key in first_at:
            reasons[n] = f"duplicate key {'/'.join(kind.file_key)}={'/'.join(key)} (first at row {first_at[key]})"
        if kind.file_key and None not in key:
            first_at.setdefault(key, n)
    return reasons


# --- strategies ----------------------------------------------------------------------------

# Identifiers, references and codes: short, so that they repeat; with CSV-hostile characters
# and spaces the loader trims. Never blank (a blank one is a missing value).
ids = st.text(st.sampled_from("AIZaz019-_/.,'\" éß"), min_size=1, max_size=5).filter(lambda s: s.strip(" "))
timestamps = st.builds("2014-03-{:02d} {:02d}:{:02d}:00".format,
                       st.integers(3, 28), st.integers(8, 18), st.integers(0, 59))
dates = st.builds("2014-03-{:02d}".format, st.integers(1, 31))
# Audit sheets come as CSV or XLSX (force exports may too); an XLSX costs 15 ms more to write.
formats = st.sampled_from(["csv", "csv", "csv", "xlsx"])


def _pool(min_size: int = 1, max_size: int = 3):
    return st.lists(ids, min_size=min_size, max_size=max_size)


@st.composite
def incident_review_sheets(draw):
    """An incident_reviews sheet of one audit: few auditors, incidents listed many times, the
    same (incident, offence code) listed again, and whole rows repeated identically."""
    kind = KINDS_BY_NAME["incident_reviews"]
    audit_id = draw(ids)
    incidents, auditors = draw(_pool(1, 4)), draw(_pool(1, 2))
    row = st.fixed_dictionaries({
        "audit_id": st.sampled_from([audit_id, f" {audit_id} "]),
        "incident_id": st.sampled_from(incidents),
        "reviewed_at": timestamps,
        "expected_offence_code": st.sampled_from([*OFFENCE_CODES, ""]),
        "auditor_ref": st.sampled_from(auditors),
    })
    rows = draw(st.lists(row, min_size=1, max_size=25))
    for _ in range(draw(st.integers(0, 4))):  # identical copies of rows, anywhere in the sheet
        copy = rows[draw(st.integers(0, len(rows) - 1))]
        rows.insert(draw(st.integers(0, len(rows))), dict(copy))
    return rows, draw(st.permutations(kind.column_names)), draw(formats)


@st.composite
def crime_review_sheets(draw):
    """A no_crime_reviews or disposal_reviews sheet with at least one crime reviewed twice in
    one audit (the audit_id column may hold two audits)."""
    kind = KINDS_BY_NAME[draw(st.sampled_from(sorted(VERDICTS)))]
    audits, crimes, auditors = draw(_pool(1, 2)), draw(_pool(1, 5)), draw(_pool(1, 2))
    row = st.fixed_dictionaries({
        "audit_id": st.sampled_from(audits),
        "crime_id": st.sampled_from(crimes),
        "reviewed_at": timestamps,
        "verdict": st.sampled_from(VERDICTS[kind.name]),
        "auditor_ref": st.sampled_from([*auditors, ""]),  # optional
    })
    rows = draw(st.lists(row, min_size=1, max_size=25))
    first = draw(st.integers(0, len(rows) - 1))
    repeat = {**draw(row), "audit_id": rows[first]["audit_id"], "crime_id": rows[first]["crime_id"]}
    rows.insert(draw(st.integers(first + 1, len(rows))), repeat)
    return kind, rows, draw(st.permutations(kind.column_names)), draw(formats)


@st.composite
def crime_decision_files(draw):
    """A crime_decisions export where one crime has two different decisions and one
    (crime, decision) is listed twice, among other rows."""
    kind = KINDS_BY_NAME["crime_decisions"]
    crimes = draw(_pool(1, 4))

    def decision_row(crime_id=None, decision=None):
        return st.fixed_dictionaries({
            "crime_id": st.just(crime_id) if crime_id else st.sampled_from(crimes),
            "decided_at": timestamps,
            "decision": st.just(decision) if decision else st.sampled_from(DECISIONS),
            "reason_code": st.one_of(ids, st.just("")),
            "authorised_by": st.one_of(ids, st.just("")),
            "victim_informed": st.sampled_from(["true", "false", ""]),
        })

    rows = draw(st.lists(decision_row(), max_size=15))
    crime = draw(ids)
    one, other = draw(st.lists(st.sampled_from(DECISIONS), min_size=2, max_size=2, unique=True))
    at = -1
    for planted in (decision_row(crime, one), decision_row(crime, other), decision_row(crime, one)):
        at = draw(st.integers(at + 1, len(rows)))  # in this order, among the other rows
        rows.insert(at, draw(planted))
    return rows, crime, (one, other), draw(st.permutations(kind.column_names))


def _value(kind: ExportKind, column, pools: dict[str, list[str]]):
    """A valid value for a column of any kind (key columns from small pools, so they repeat)."""
    name = column.name
    codes = {"decision": DECISIONS, "disposal_type": DISPOSAL_TYPES, "verdict": VERDICTS.get(kind.name),
             "channel": ["999", "101", "online", "in_person", "third_party"], "offence_code": OFFENCE_CODES,
             "expected_offence_code": OFFENCE_CODES}
    if name == "force_id":
        return st.just(FORCE)
    if name in pools:
        return st.sampled_from(pools[name])
    if codes.get(name):
        value = st.sampled_from(codes[name])
    elif column.type is ColumnType.TIMESTAMP:
        value = timestamps
    elif column.type is ColumnType.DATE:
        value = dates
    elif column.type is ColumnType.INTEGER:
        value = st.sampled_from(["24", "72"])
    elif column.type is ColumnType.DOUBLE:  # audit_design's precision and prior rate
        value = st.sampled_from(["0.03", "0.718"])
    elif column.type is ColumnType.BOOLEAN:
        value = st.sampled_from(["true", "false"])
    else:
        value = ids
    return value if column.required else st.one_of(value, st.just(""))


@st.composite
def mixed_files(draw):
    """Any kind: valid rows mixed with rows where required values are empty or blank."""
    kind = KINDS_BY_NAME[draw(st.sampled_from([k.name for k in EXPORT_KINDS if k.layout is not Layout.POLICE_UK]))]
    pools = {name: draw(_pool(1, 4)) for name in kind.file_key if name not in ("decision", "disposal_type")}
    row = st.fixed_dictionaries({c.name: _value(kind, c, pools) for c in kind.columns})
    rows = []
    for _ in range(draw(st.integers(0, 15))):
        values = draw(row)
        for name in draw(st.sets(st.sampled_from(kind.required_columns), max_size=2)):
            values[name] = draw(st.sampled_from(["", "  "]))
        rows.append(values)
    return kind, rows, draw(formats)


# --- the keys themselves -----------------------------------------------------------------

def test_keys_are_the_design_keys():
    keys = {k.name: (k.key, k.file_key) for k in EXPORT_KINDS}
    assert keys["incidents"] == (("force_id", "incident_id"), ("incident_id",))
    assert keys["crimes"] == (("force_id", "crime_id"), ("crime_id",))
    assert keys["crime_decisions"] == (("force_id", "crime_id", "decision"), ("crime_id", "decision"))
    assert keys["disposals"] == (("force_id", "crime_id", "disposal_type"), ("crime_id", "disposal_type"))
    assert keys["audit"] == (("audit_id",), ("audit_id",))
    assert keys["no_crime_reviews"] == keys["disposal_reviews"] == (("audit_id", "crime_id"),) * 2
    assert keys["incident_reviews"] == ((), ())


# --- incident_reviews: no key, every row loads --------------------------------------------

def test_hand_counted_incident_reviews_sheet_of_one_auditor(duck, tmp_path):
    kind = KINDS_BY_NAME["incident_reviews"]
    listed = [("I1", "8N"), ("I1", "8N"), ("I2", "105A"), ("I3", ""), ("I4", "8N"), ("I4", "19C")]
    rows = [{"audit_id": "A-2014-SY", "incident_id": incident, "reviewed_at": "2014-03-03 10:00:00",
             "expected_offence_code": code, "auditor_ref": "AUD-1"} for incident, code in listed]
    with _warehouse(duck, tmp_path, kind) as (landing, con):
        _write(landing, kind, rows)
        load = _load(con, landing, kind)
        assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (6, 6, 0)
        raw, quarantine = _accounted(con, kind, load, 6)
        assert quarantine == {}
        assert sorted((r["incident_id"], r["expected_offence_code"], r["auditor_ref"]) for r in raw.values()) == [
            ("I1", "8N", "AUD-1"), ("I1", "8N", "AUD-1"), ("I2", "105A", "AUD-1"), ("I3", None, "AUD-1"),
            ("I4", "19C", "AUD-1"), ("I4", "8N", "AUD-1")]


@_examples(100)
@given(sheet=incident_review_sheets())
def test_every_incident_review_row_loads(duck, tmp_path, sheet):
    rows, columns, fmt = sheet
    kind = KINDS_BY_NAME["incident_reviews"]
    with _warehouse(duck, tmp_path, kind) as (landing, con):
        _write(landing, kind, rows, columns, fmt)
        load = _load(con, landing, kind)
        assert (load.rows_loaded, load.rows_quarantined) == (len(rows), 0)
        raw, quarantine = _accounted(con, kind, load, len(rows))
        assert quarantine == {}
        got = Counter((r["incident_id"], r["expected_offence_code"], r["auditor_ref"]) for r in raw.values())
        written = Counter((_norm(r["incident_id"]), _norm(r["expected_offence_code"]), _norm(r["auditor_ref"]))
                          for r in rows)
        assert got == written
        # and each row where it was in the file
        assert {n: raw[n]["incident_id"] for n in raw} == {n: _norm(r["incident_id"]) for n, r in enumerate(rows, 1)}


# --- no_crime_reviews / disposal_reviews: one row per (audit_id, crime_id) ---------------

@_examples(100)
@given(sheet=crime_review_sheets())
def test_a_crime_reviewed_twice_in_one_audit_is_quarantined_once_repeated(duck, tmp_path, sheet):
    kind, rows, columns, fmt = sheet
    keys = [(_norm(r["audit_id"]), _norm(r["crime_id"])) for r in rows]
    first_at: dict[tuple, int] = {}
    for n, key in enumerate(keys, start=1):
        first_at.setdefault(key, n)
    repeats = {n for n, key in enumerate(keys, start=1) if first_at[key] != n}
    assert repeats  # the strategy plants one
    with _warehouse(duck, tmp_path, kind) as (landing, con):
        _write(landing, kind, rows, columns, fmt)
        load = _load(con, landing, kind)
        assert load.rows_loaded == len(first_at)
        raw, quarantine = _accounted(con, kind, load, len(rows))
        # exactly the later repeats, whoever the auditors were
        assert set(quarantine) == repeats
        for n, reason in quarantine.items():
            audit_id, crime_id = keys[n - 1]
            assert reason.startswith(f"duplicate key audit_id/crime_id={audit_id}/{crime_id}"), reason
            assert reason.endswith(f"(first at row {first_at[keys[n - 1]]})"), reason
        # the first review of each crime is the one kept, with its own verdict and auditor
        for key, n in first_at.items():
            assert (raw[n]["audit_id"], raw[n]["crime_id"]) == key
            assert raw[n]["verdict"] == rows[n - 1]["verdict"]
            assert raw[n]["auditor_ref"] == _norm(rows[n - 1]["auditor_ref"])


# --- crime_decisions: one row per (crime_id, decision) -----------------------------------

@_examples(60)
@given(export=crime_decision_files())
def test_a_crime_may_have_several_decisions_but_each_once(duck, tmp_path, export):
    rows, crime, decisions, columns = export
    kind = KINDS_BY_NAME["crime_decisions"]
    expected = _expected_reasons(kind, rows)
    with _warehouse(duck, tmp_path, kind) as (landing, con):
        _write(landing, kind, rows, columns)
        load = _load(con, landing, kind)
        raw, quarantine = _accounted(con, kind, load, len(rows))
        assert quarantine == expected
        assert all(reason.startswith("duplicate key crime_id/decision=") for reason in quarantine.values())
        loaded = Counter((r["crime_id"], r["decision"]) for r in raw.values())
        assert set(loaded.values()) == {1}
        assert set(loaded) == {(_norm(r["crime_id"]), r["decision"]) for r in rows}
        # the planted crime: both decisions loaded, the repeated one once
        assert {d for c, d in loaded if c == _norm(crime)} >= set(decisions)


# --- any kind: nothing lost ---------------------------------------------------------------

@_examples(80)
@given(export=mixed_files())
def test_nothing_is_lost_with_missing_required_values(duck, tmp_path, export):
    kind, rows, fmt = export
    with _warehouse(duck, tmp_path, kind) as (landing, con):
        _write(landing, kind, rows, fmt=fmt)
        load = _load(con, landing, kind)
        raw, quarantine = _accounted(con, kind, load, len(rows))
        assert quarantine == _expected_reasons(kind, rows)
        for n, row in raw.items():
            for name in kind.file_key:
                assert row[name] == _norm(rows[n - 1][name])

"""No clear personal value leaves a landing file through the loader: not in raw, not in
`ops.quarantine`, not in `ops.load_log`, not in what the loader reports (the run log).

Small nasty files are loaded with the real `FileLoader` into an in-memory DuckDB.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import re
from pathlib import Path

from orchestration.ingest.landing import discover
from orchestration.ingest.loader import FileLoader
from tests.ingest.landing_files import csv_lines, write_export

HEADER = "incident_id,received_at,channel,opening_code,closing_code,caller_name,caller_dob,caller_address,summary"
KEY = "test-key"
NAME, DOB, ADDRESS = "Philippa Quarrington", "1971-04-29", "12 Wisteria Close, Letchworth"


def _pseudonym(value: str) -> str:
    return hmac.new(KEY.encode(), value.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def _row(n: int, name: str = NAME, summary: str = "fight", address: str = ADDRESS) -> str:
    return f'HT-I-{n},2014-01-06T10:00:00,999,ASSAULT,NFA,{name},{DOB},"{address}",{summary}'


def _write(landing: Path, day: str, content: bytes, name: str = "incidents.csv") -> Path:
    """An incidents export of `day` (these tests vary the day more than the file name)."""
    return write_export(landing, name, content, day)


def _load(con, landing: Path):
    loader = FileLoader(con, KEY, run_id="test")
    return {load.file.relative_path.split("/")[1]: load for load in loader.load_all(list(discover(landing)))}


def test_a_row_that_does_not_split_keeps_its_number_field_count_and_line_hash_only(tmp_path, con):
    landing = tmp_path / "landing"
    ragged = f"HT-I-2,2014-01-06T10:00:00,999,{NAME},{DOB}"  # the name where the header says opening_code
    broken = _row(3).replace(f'"{ADDRESS}"', f'"{ADDRESS}"x')  # text after a closing quote
    _write(landing, "2014-01-06", csv_lines(HEADER, _row(1), ragged, broken))
    (load,) = _load(con, landing).values()
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (3, 1, 2)
    got = con.execute("SELECT source_row, raw_record, reason FROM ops.quarantine ORDER BY 1").fetchall()
    line_hash = lambda line: hmac.new(KEY.encode(), line.encode(), hashlib.sha256).hexdigest()[:32]  # noqa: E731
    assert [(row, json.loads(record), reason) for row, record, reason in got] == [
        (2, {"fields": 5, "line_hmac": line_hash(ragged)}, "ragged row: 5 field(s), the header has 9"),
        (3, {"fields": None, "line_hmac": line_hash(broken)}, "broken quoting: row 3 cannot be split into fields"),
    ]


def test_a_row_that_splits_keeps_its_fields_pseudonymised(tmp_path, con):
    landing = tmp_path / "landing"
    _write(landing, "2014-01-06", csv_lines(HEADER, _row(1).replace("2014-01-06T10:00:00", "yesterday")))
    _load(con, landing)
    record = json.loads(con.execute("SELECT raw_record FROM ops.quarantine").fetchone()[0])
    assert record["caller_name"] == _pseudonym(NAME) and record["caller_address"] == _pseudonym(ADDRESS)
    assert record["received_at"] == "yesterday"


def test_a_rejected_header_never_quotes_the_file(tmp_path, con):
    """A header that is really a data row (it holds a name), and an unknown column name."""
    landing = tmp_path / "landing"
    _write(landing, "2014-01-06", csv_lines(_row(1), _row(2)))
    _write(landing, "2014-01-07", csv_lines(HEADER + f",{NAME}", _row(1) + ",x"))
    loads = _load(con, landing)
    assert loads["2014-01-06"].message == (
        "missing required column(s) incident_id, received_at; the header has 9 field(s), none of them a known "
        f"column (expected header: {HEADER})")
    assert loads["2014-01-07"].message == (
        f"unexpected column(s) at field(s) 10 of 10 (unknown names are not shown) (expected header: {HEADER})")
    messages = " ".join(m for (m,) in con.execute("SELECT message FROM ops.load_log").fetchall())
    assert "Philippa" not in messages and "Wisteria" not in messages


def test_free_text_holds_the_rows_own_values_as_their_pseudonyms(tmp_path, con):
    landing = tmp_path / "landing"
    summaries = [
        f'"{NAME.upper()} said the man at {ADDRESS.lower()} hit her; {NAME} again. Her son Tom Brown saw it"',
        '"Al went to the shop"',  # a name shorter than 3 characters is not masked
        f'"{NAME} twice: {NAME.lower()}"',
    ]
    rows = [_row(1, f"  {NAME} ", summaries[0]), _row(2, "Al", summaries[1]),
            _row(3, NAME, summaries[2]).replace("2014-01-06T10:00:00", "never")]  # quarantined: masked there too
    _write(landing, "2014-01-06", csv_lines(HEADER, *rows))
    _load(con, landing)
    name, address = f"[caller_name:{_pseudonym(NAME)}]", f"[caller_address:{_pseudonym(ADDRESS)}]"
    got = dict(con.execute("SELECT incident_id, summary FROM raw.incidents").fetchall())
    assert got == {"HT-I-1": f"{name} said the man at {address} hit her; {name} again. Her son Tom Brown saw it",
                   "HT-I-2": "Al went to the shop"}
    (stored,) = con.execute("SELECT caller_name_hash FROM raw.incidents WHERE incident_id = 'HT-I-1'").fetchone()
    assert stored == _pseudonym(NAME)
    record = json.loads(con.execute("SELECT raw_record FROM ops.quarantine").fetchone()[0])
    assert record["summary"] == f"{name} twice: {name}"


def _nasty_files(landing: Path) -> None:
    """Every way a personal value could slip past the field-by-field pseudonyms."""
    _write(landing, "2014-01-01", csv_lines(HEADER, _row(1), f"HT-I-2,2014-01-06T10:00:00,{NAME},{ADDRESS}",
                                         _row(3) + f",{NAME}"))  # ragged rows
    _write(landing, "2014-01-02", csv_lines(HEADER, _row(1), _row(2).replace(f'"{ADDRESS}"', f'"{ADDRESS}'),
                                         f"HT-I-3,2014-01-06T10:00:00,999,A,B,Kit Marlowe,{DOB},Hitchin,x"))  # never closed
    _write(landing, "2014-01-03", csv_lines(_row(1), _row(2)))  # the header is a data row
    quarantined = _row(2, summary=f'"{NAME}"').replace("2014-01-06T10:00:00", "")
    _write(landing, "2014-01-04", csv_lines(HEADER, _row(1, summary=f'"{NAME} called"'), quarantined))  # free text
    _write(landing, "2014-01-05", csv_lines(HEADER, _row(1)).replace(b"Quarrington", b"Qu\xe4rrington"))  # cp1252
    _write(landing, "2014-01-06", "\r".join([HEADER, _row(1), "", _row(3)]).encode())  # CR, an empty line
    _write(landing, "2014-01-07", csv_lines(  # JSON lines: an invalid line, a line that is not UTF-8
        json.dumps({"incident_id": "HT-I-1", "received_at": "2014-01-06T10:00:00", "caller_name": NAME,
                    "summary": f"{NAME} called"}),
        f'{{"incident_id": "HT-I-2", "caller_name": "{NAME}", "caller_address": "{ADDRESS}"',
    ) + json.dumps({"incident_id": "HT-I-3", "caller_name": NAME}).encode().replace(b"Quarr", b"Qu\xe4rr") + b"\n",
        "incidents.jsonl")
    _write(landing, "2014-01-08", gzip.compress(csv_lines(HEADER, _row(1), _row(2).replace(f'"{ADDRESS}"', f'"{ADDRESS}')))
           [:-12], "incidents.csv.gz")  # truncated gzip
    _write(landing, "2014-01-09",  # mixed line endings (LF, then CR: an empty line)
           csv_lines(HEADER, _row(1)).replace(b"\n", b"\r\n", 1) + b"\r" + _row(2).encode())


def test_no_clear_personal_value_anywhere_after_nasty_files(tmp_path, con):
    landing = tmp_path / "landing"
    _nasty_files(landing)
    loads = _load(con, landing)
    assert len(loads) == 9
    clear = [NAME, "Philippa", "Quarrington", "Qu\ufffdrrington", "Kit Marlowe", DOB, ADDRESS, "Wisteria", "Letchworth"]
    pattern = re.compile("|".join(re.escape(v) for v in clear), re.IGNORECASE)
    columns = con.execute(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE table_schema IN ('raw', 'ops') AND data_type = 'VARCHAR'").fetchall()
    assert len(columns) > 20
    found = []
    for schema, table, column in columns:
        sql = f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
        for (value,) in con.execute(sql).fetchall():
            if pattern.search(value):
                found.append((f"{schema}.{table}.{column}", value))
    reported = [load.describe() for load in loads.values()]  # what the run log and Dagster metadata show
    found += [("FileLoad.describe", text) for text in reported if pattern.search(text)]
    assert found == []
    # Nothing vanished meanwhile: every loaded file reconciles, and the quarantine holds rows.
    assert con.execute("SELECT count(*) FROM ops.load_log WHERE status = 'loaded' "
                       "AND rows_read <> rows_loaded + rows_quarantined").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM ops.quarantine").fetchone()[0] >= 8

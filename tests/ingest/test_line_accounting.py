"""Every physical line of a landing file is accounted for (readers.py, "What a row is").

Each example writes small files under a temporary landing folder and loads them with the real
`FileLoader` into an in-memory DuckDB: `rows_read` counts the file's rows whatever its line
endings or quoting, and every row number 1..rows_read is either in raw or in quarantine.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from orchestration.ingest.landing import discover
from orchestration.ingest.loader import FileLoader

HEADER = "incident_id,received_at,channel,opening_code,closing_code,caller_name,caller_dob,caller_address,summary"
KEY = "test-key"


def _row(n: int, summary: str = "fight") -> str:
    return f'HT-I-{n},2014-01-06T10:00:00,999,ASSAULT,NFA,Jane Doe,1980-02-03,"1 Elm Road, Hitchin",{summary}'


def _write(landing: Path, lines: list[str], newline: str = "\n", day: str = "2014-01-06",
           name: str = "incidents.csv") -> Path:
    path = landing / "hertfordshire" / day / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (newline.join(lines) + newline).encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def _load(con, landing: Path, batched: bool = False):
    loader = FileLoader(con, KEY, run_id="test")
    files = list(discover(landing))
    loads = loader.load_all(files) if batched else [loader.load(f) for f in files]
    return {load.file.relative_path.split("/")[1]: load for load in loads}


def _rows(con, load) -> tuple[list[tuple], dict[int, str]]:
    """(incident_id, _source_row) loaded, and reason per quarantined row number, checking on
    the way that rows 1..rows_read are each in exactly one of them."""
    loaded = con.execute("SELECT incident_id, _source_row FROM raw.incidents WHERE _load_id = ? ORDER BY 2",
                         [load.load_id]).fetchall()
    quarantined = dict(con.execute("SELECT source_row, reason FROM ops.quarantine WHERE load_id = ?",
                                   [load.load_id]).fetchall())
    numbers = sorted([row for _, row in loaded] + list(quarantined))
    assert numbers == list(range(1, load.rows_read + 1))
    assert (load.rows_loaded, load.rows_quarantined) == (len(loaded), len(quarantined))
    return loaded, quarantined


@pytest.mark.parametrize("batched", [False, True], ids=["one_by_one", "batched"])
def test_every_line_is_a_row_whatever_the_line_endings(tmp_path, con, batched):
    """LF, CRLF, CR only and a mix of them: six rows each, one of them a quoted summary of two
    physical lines (one row)."""
    lines = [HEADER, _row(1), _row(2, '"two\nlines"'), *(_row(n) for n in range(3, 7))]
    landing = tmp_path / "landing"
    _write(landing, lines, "\n", "2014-01-01")
    _write(landing, lines, "\r\n", "2014-01-02")
    _write(landing, lines, "\r", "2014-01-03")
    mixed = landing / "hertfordshire" / "2014-01-04" / "incidents.csv"
    mixed.parent.mkdir(parents=True)
    mixed.write_bytes("\r\n".join(lines[:3]).encode() + b"\n" + "\r".join(lines[3:]).encode() + b"\r\n")
    _write(landing, lines, "\r", "2014-01-05", "incidents.csv.gz")
    _write(landing, [*lines, "", ""], "\r\n", "2014-01-06")  # empty lines at the end: the file's end

    loads = _load(con, landing, batched)
    assert len(loads) == 6
    for day, load in loads.items():
        assert (load.status, load.rows_read, load.rows_loaded) == ("loaded", 6, 6), day
        loaded, _ = _rows(con, load)
        assert loaded == [(f"HT-I-{n}", n) for n in range(1, 7)], day
    summaries = con.execute("SELECT DISTINCT summary FROM raw.incidents WHERE incident_id = 'HT-I-2'").fetchall()
    assert len(summaries) == 1 and summaries[0][0].splitlines() == ["two", "lines"]


@pytest.mark.parametrize("batched", [False, True], ids=["one_by_one", "batched"])
def test_a_quote_never_closed_quarantines_every_line_it_swallows(tmp_path, con, batched):
    landing = tmp_path / "landing"
    opened = 'HT-I-3,2014-01-06T10:00:00,999,ASSAULT,NFA,Bob Smith,1980-02-03,"17 Oak Lane, Ware'
    rest = [f"HT-I-{n},2014-01-06T10:00:00,999,ASSAULT,NFA,Ann Lee,1975-01-01,Ware,fight" for n in (4, 5, 6)]
    _write(landing, [HEADER, _row(1), _row(2), opened, *rest])
    (load,) = _load(con, landing, batched).values()
    assert (load.status, load.rows_read, load.rows_loaded, load.rows_quarantined) == ("loaded", 6, 2, 4)
    loaded, quarantined = _rows(con, load)
    assert loaded == [("HT-I-1", 1), ("HT-I-2", 2)]
    assert set(quarantined) == {3, 4, 5, 6}
    assert quarantined[6] == ("unclosed quote: a quote opened in row 3 is never closed, so rows 3-6 "
                              "(to the end of the file) cannot be split into fields")


def test_broken_quoting_quarantines_its_lines_and_the_file_reads_on(tmp_path, con):
    """A quote closed on a later line and followed by text: DuckDB reads lines 3-4 as one bad
    record; here they are two quarantined rows, and the rows after them load."""
    landing = tmp_path / "landing"
    broken = 'HT-I-3,2014-01-06T10:00:00,999,ASSAULT,NFA,Bob Smith,1980-02-03,"17 Oak Lane'
    _write(landing, [HEADER, _row(1), _row(2), broken, _row(4), _row(5)])
    (load,) = _load(con, landing).values()
    assert (load.rows_read, load.rows_loaded, load.rows_quarantined) == (5, 3, 2)
    loaded, quarantined = _rows(con, load)
    assert loaded == [("HT-I-1", 1), ("HT-I-2", 2), ("HT-I-5", 5)]
    assert quarantined == {3: "broken quoting: rows 3-4 cannot be split into fields",
                           4: "broken quoting: rows 3-4 cannot be split into fields"}


def test_empty_and_ragged_lines_are_rows_in_quarantine(tmp_path, con):
    """An empty line between rows is a row (a row may have been deleted there); empty lines
    after the last row are the file's end."""
    landing = tmp_path / "landing"
    _write(landing, [HEADER, _row(1), "", _row(3), "   ", "HT-I-5,2014-01-06T10:00:00,999", _row(6), "", ""])
    (load,) = _load(con, landing).values()
    assert (load.rows_read, load.rows_loaded) == (6, 3)
    loaded, quarantined = _rows(con, load)
    assert [row for _, row in loaded] == [1, 3, 6]
    assert quarantined == {2: "empty line", 4: "ragged row: 1 field(s), the header has 9",
                           5: "ragged row: 3 field(s), the header has 9"}


def test_json_lines_account_for_empty_and_invalid_lines(tmp_path, con):
    """The same rows read by DuckDB (CR endings) and by the exact reader (an invalid UTF-8
    line, which DuckDB rejects, sends the second file there)."""
    landing = tmp_path / "landing"
    good = '{"incident_id": "HT-I-%d", "received_at": "2014-01-06T10:00:00", "caller_name": "Jane Doe"}'
    lines = [good % 1, "", '{"incident_id": "HT-I-3", "caller_name": "Bob Smith"', good % 4]
    _write(landing, [*lines, "", ""], "\r", "2014-01-06", "incidents.jsonl")
    second = _write(landing, [*lines, good % 5, ""], "\n", "2014-01-07", "incidents.jsonl")
    second.write_bytes(second.read_bytes().replace(b"HT-I-5", b"HT-I-\xe9"))
    loads = _load(con, landing)
    assert [(l.status, l.rows_read, l.rows_loaded) for l in loads.values()] == [("loaded", 4, 2), ("loaded", 5, 2)]
    assert _rows(con, loads["2014-01-06"])[1] == {2: "empty line", 3: "invalid JSON"}
    assert _rows(con, loads["2014-01-07"])[1] == {2: "empty line", 3: "invalid JSON", 5: "invalid UTF-8"}


def test_a_row_loads_the_same_whichever_reader_reads_it(tmp_path, con):
    """DuckDB reads a clean file; a last line of spaces (a ragged row DuckDB rejects) sends the
    same rows to the exact reader. Both must agree on what DuckDB tolerates (spaces around quotes, empty fields after
    the last column, a quoted line break), in raw and in quarantined records alike."""
    landing = tmp_path / "landing"
    rows = ['HT-I-1,2014-01-06T10:00:00,999, A,B,Jane Doe, "1980-02-03",x,"y" ',
            'HT-I-2,2014-01-06T10:00:00,999,A,B,Jane Doe,"1980-02-03" ,x,,,',
            'HT-I-3,2014-01-06T10:00:00,999,A,B,Jane Doe,1980-02-03, "2 Oak\nLane",y',
            'HT-I-4,2014-01-06T10:00:00, "999" ,"A ",,"Ja""ne" ,1980-02-03,x,""',
            'HT-I-5,yesterday, 101,A,B,Jane Doe,"1980-02-03" ,x, fight ']
    _write(landing, [HEADER, *rows], day="2014-01-06")
    _write(landing, [HEADER, *rows, "   "], day="2014-01-07")
    loads = _load(con, landing)
    assert [(l.rows_read, l.rows_loaded) for l in loads.values()] == [(5, 4), (6, 4)]
    by_day = {}
    for day, load in loads.items():
        by_day[day] = (
            con.execute("SELECT * EXCLUDE (_load_id, _loaded_at, _source_file, export_date) FROM raw.incidents "
                        "WHERE _load_id = ? ORDER BY _source_row", [load.load_id]).fetchall(),
            con.execute("SELECT source_row, raw_record, reason FROM ops.quarantine "
                        "WHERE load_id = ? AND source_row < 6", [load.load_id]).fetchall(),
        )
    assert by_day["2014-01-06"] == by_day["2014-01-07"]
    assert [row[0] for row in by_day["2014-01-06"][0]] == ["HT-I-1", "HT-I-2", "HT-I-3", "HT-I-4"]

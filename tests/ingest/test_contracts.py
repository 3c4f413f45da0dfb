"""Force export contracts: validated at load, applied per export date, and enforced on files."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest import contracts as contracts_module
from orchestration.ingest.contracts import ContractError, ReadSpec, load_contract, load_contracts
from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.ingest.landing import discover
from orchestration.ingest.loader import FileLoader
from orchestration.ingest.schema import ensure_schema

GOOD = textwrap.dedent("""\
    force_id: testshire
    versions:
      - valid_from: 2014-01-01
        exports:
          incidents:
            file: "INC_%Y%m%d.txt"
            format: {type: csv, delimiter: "|", encoding: cp1252}
            columns: {incident_id: Ref, received_at: When, closing_code: Result, caller_name: Who}
            formats: {received_at: "%d/%m/%Y %H:%M"}
            codes: {closing_code: {CR: CRIME_RECORDED}}
      - valid_from: 2014-02-01
        exports:
          incidents:
            file: "incidents-%Y-%m-%d.csv"
            format: {type: csv}
            columns: {incident_id: id, received_at: at}
    """)


def _contract(tmp_path: Path, text: str, name: str = "testshire.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_shipped_contracts_are_valid():
    shipped = load_contracts()
    assert {"kent", "essex", "greater-manchester", "metropolitan"} <= set(shipped)
    essex = shipped["essex"]
    incidents = next(k for k in EXPORT_KINDS if k.name == "incidents")
    assert essex.spec_for(incidents, dt.date(2014, 1, 8)).file_pattern == "incidents_%Y%m%d.csv"
    assert essex.spec_for(incidents, dt.date(2014, 1, 9)).file_pattern == "ESX_STORM_%Y%m%d.csv"
    assert essex.spec_for(incidents, dt.date(2012, 1, 1)) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("incident_id: Ref,", "incident_ref: Ref,"), r"testshire.yaml: versions\[0\].exports.incidents.columns.incident_ref: unknown canonical column"),
        (("incident_id: Ref, received_at: When,", "incident_id: Ref,"), r"versions\[0\].exports.incidents.columns: missing required mapping for 'received_at'"),
        (('"%d/%m/%Y %H:%M"', '"%d/%q/%Y %H:%M"'), r"formats.received_at: bad date format '%d/%q/%Y %H:%M': unknown directive\(s\) %q"),
        (('"%d/%m/%Y %H:%M"', '"%d/%m/%Y"'), r"formats.received_at: bad date format .*needs an hour"),
        (("encoding: cp1252", "encoding: klingon"), r"format.encoding: unknown encoding 'klingon'"),
        (("incidents:\n        file: \"INC", "incidnets:\n        file: \"INC"), r"exports.incidnets: unknown export kind"),
        (("codes: {closing_code:", "codes: {opening_code:"), r"codes.opening_code: not a mapped canonical column"),
    ],
)
def test_a_broken_contract_names_its_file_and_key(tmp_path, change, message):
    path = _contract(tmp_path, GOOD.replace(*change, 1))
    with pytest.raises(ContractError, match=message):
        load_contract(path)


def test_definitions_refuse_to_load_with_a_broken_contract(tmp_path, monkeypatch):
    from orchestration.definitions import build_definitions
    from orchestration.settings import Settings

    _contract(tmp_path, GOOD.replace("time_zone", "x").replace('format: {type: csv}', 'format: {type: parquet}'))
    monkeypatch.setattr(contracts_module, "CONTRACTS_DIR", tmp_path)
    with pytest.raises(ContractError, match=r"versions\[1\].exports.incidents.format.type"):
        build_definitions(Settings.from_env())


def _load(tmp_path: Path, day: str, name: str, content: bytes):
    contracts = {"testshire": load_contract(_contract(tmp_path, GOOD))}
    landing = tmp_path / "landing"
    folder = landing / "testshire" / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    ensure_schema(con, EXPORT_KINDS)
    loads = [FileLoader(con, "k", "test").load(f) for f in discover(landing, contracts=contracts)]
    return con, loads


def test_a_contract_file_is_read_with_its_delimiter_encoding_dates_and_codes(tmp_path):
    content = "Ref|When|Result|Who\nT-1|06/07/2014 14:30|CR|Zoë Brontë\nT-2|31/02/2014 10:00|NFA|\n".encode("cp1252")
    con, loads = _load(tmp_path, "2014-01-06", "INC_20140106.txt", content)
    (load,) = loads
    assert (load.status, load.rows_loaded, load.rows_quarantined) == ("loaded", 1, 1)
    row = con.execute("SELECT incident_id, received_at, closing_code, caller_name_hash FROM raw.incidents").fetchone()
    assert row[:3] == ("T-1", dt.datetime(2014, 7, 6, 13, 30), "CRIME_RECORDED")  # BST -> UTC
    assert len(row[3]) == 32 and "Zo" not in row[3]
    reason = con.execute("SELECT reason FROM ops.quarantine").fetchone()[0]
    assert reason == "unparseable timestamp in received_at (column 'When', format %d/%m/%Y %H:%M): 31/02/2014 10:00"


def test_files_are_read_with_the_version_in_force_on_their_export_date(tmp_path):
    _, loads = _load(tmp_path, "2014-02-03", "incidents-2014-02-03.csv", b"id,at\nT-9,2014-02-03T08:00:00\n")
    assert [(l.status, l.rows_loaded) for l in loads] == [("loaded", 1)]
    assert "version from 2014-02-01" in loads[0].file.spec.contract
    # The old file name is not the contract's any more on that date: it is not picked up.
    (tmp_path / "b").mkdir()
    _, later = _load(tmp_path / "b", "2014-02-03", "INC_20140203.txt", b"Ref|When\n")
    assert later == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Ref|Result|Who\nT-1|CR|x\n", "testshire.yaml (version from 2014-01-01): missing required column(s) When"),
        (b"Ref|When|Who\nT-1|06/01/2014 10:00|x\n", "missing mapped column(s) Result (closing_code)"),
        (b"Ref|When|Result|Who|Shoe size\nT-1|06/01/2014 10:00|CR|x|9\n", "unexpected column(s) at field(s) 5 of 5"),
    ],
)
def test_a_file_that_does_not_match_its_contract_is_rejected_naming_contract_file_and_column(tmp_path, content, message):
    _, (load,) = _load(tmp_path, "2014-01-06", "INC_20140106.txt", content)
    assert load.status == "rejected"
    assert message in load.message


def test_a_file_without_a_header_is_read_by_position(tmp_path):
    text = textwrap.dedent("""\
        force_id: testshire
        versions:
          - valid_from: 2014-01-01
            exports:
              disposals:
                file: "DISP_%Y%m%d.dat"
                format: {type: csv, header: false, columns: [ref, kind, when]}
                columns: {crime_id: ref, disposal_type: kind, issued_at: when}
        """)
    contracts = {"testshire": load_contract(_contract(tmp_path, text))}
    folder = tmp_path / "landing" / "testshire" / "2014-01-06"
    folder.mkdir(parents=True)
    (folder / "DISP_20140106.dat").write_text("C-1,CAUTION,2014-01-06T10:00:00\nC-2,PENALTY_NOTICE,2014-01-06T11:00:00\n")
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        ensure_schema(con, EXPORT_KINDS)
        (load,) = [FileLoader(con, "k", "t").load(f) for f in discover(tmp_path / "landing", contracts=contracts)]
        rows = con.execute("SELECT crime_id, disposal_type, _source_row FROM raw.disposals ORDER BY 3").fetchall()
    assert (load.status, load.rows_loaded) == ("loaded", 2)
    assert rows == [("C-1", "CAUTION", 1), ("C-2", "PENALTY_NOTICE", 2)]


def test_a_headerless_contract_must_list_its_columns(tmp_path):
    text = GOOD.replace('format: {type: csv, delimiter: "|", encoding: cp1252}',
                        'format: {type: csv, delimiter: "|", encoding: cp1252, header: false, columns: [Ref, When]}')
    with pytest.raises(ContractError, match=r"format.columns: a file without a header needs every source column in file order \(missing: Result, Who\)"):
        load_contract(_contract(tmp_path, text))


def test_canonical_files_of_a_force_with_a_contract_are_read_as_canonical(tmp_path):
    """A canonical `incidents.csv` in Kent's folder is not Kent's contract file, but it is not
    ignored either: canonical names always mean the canonical shape."""
    folder = tmp_path / "landing" / "kent" / "2014-01-06"
    folder.mkdir(parents=True)
    (folder / "incidents.csv").write_text("incident_id,received_at\nKT-I-1,2014-01-06T10:00:00\n")
    (found,) = discover(tmp_path / "landing", contracts=load_contracts())
    assert found.spec.contract == ReadSpec.canonical(found.kind).contract
    assert (found.kind.name, found.force_id, found.spec.delimiter) == ("incidents", "kent", ",")

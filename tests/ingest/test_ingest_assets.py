"""Ingestion inside the real nightly run: counts, reconciliation, pseudonyms.

Running the same night again changes nothing: tests/publish/test_publish.py checks it after
three killed runs and a plain one on a copy of the night (one set of runs for both)."""

from __future__ import annotations

import duckdb

RAW_TABLES = ("incidents", "crimes", "crime_decisions", "disposals", "audits",
              "incident_reviews", "no_crime_reviews", "disposal_reviews")
KIND_OF_TABLE = {"audits": "audit"}


def test_raw_tables_hold_every_generated_row(nightly, sample):
    _, summary = sample
    for table in RAW_TABLES:
        count = nightly.query(f'SELECT count(*) FROM raw."{table}"', published=False)[0][0]
        assert count == summary.rows_per_kind[KIND_OF_TABLE.get(table, table)], table
    reviews = nightly.query(
        "SELECT count(DISTINCT incident_id), count(expected_offence_code) FROM raw.incident_reviews "
        "WHERE force_id = 'hertfordshire'", published=False)
    assert reviews == [(224, 181)]


def test_load_log_reconciles_for_every_file(nightly, sample):
    _, summary = sample
    rows = nightly.query(
        "SELECT status, count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined), "
        "count(*) FILTER (WHERE rows_read <> rows_loaded + rows_quarantined) FROM ops.load_log "
        "WHERE kind <> 'street' GROUP BY status",
        published=False)
    assert rows == [("loaded", summary.files_written, sum(summary.rows_per_kind.values()),
                     sum(summary.rows_per_kind.values()), 0, 0)]


def test_no_clear_text_personal_data_anywhere_in_the_warehouse(nightly, sample):
    _, summary = sample
    names = sorted(summary.clear_text_values)
    assert len(names) > 1000
    tables = nightly.query(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        "WHERE data_type = 'VARCHAR'", published=False)
    with duckdb.connect(str(nightly.settings.warehouse), read_only=True) as con:
        con.execute("CREATE TEMP TABLE clear_values AS SELECT unnest(?) AS v", [names])
        for schema, table, column in tables:
            hits = con.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" t JOIN clear_values c ON t."{column}" = c.v'
            ).fetchone()[0]
            assert hits == 0, f"{schema}.{table}.{column} holds clear-text personal data"
        summaries = con.execute("SELECT string_agg(summary, ' ') FROM raw.incidents").fetchone()[0]
    surnames = {n.split()[-1] for n in names if " " in n and not n[0].isdigit()}
    assert not [s for s in list(surnames)[:200] if f" {s} " in summaries]


def test_landing_files_are_never_modified(nightly, tmp_path):
    import shutil

    from orchestration.sample import generate

    fresh = tmp_path / "fresh"
    generate(fresh)
    shutil.copytree(nightly.settings.landing_dir / "police_uk", fresh / "police_uk")
    landing = nightly.settings.landing_dir
    after_run = sorted(p.relative_to(landing) for p in landing.rglob("*") if p.is_file())
    assert after_run == sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    for relative in after_run:
        assert (landing / relative).read_bytes() == (fresh / relative).read_bytes(), relative

"""Ingestion inside the real nightly run: counts, reconciliation, pseudonyms, idempotency."""

from __future__ import annotations

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
        "count(*) FILTER (WHERE rows_read <> rows_loaded + rows_quarantined) FROM ops.load_log GROUP BY status",
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
    import duckdb

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


def test_running_the_same_night_twice_changes_nothing(copy_of_night, pipeline):
    landing, workdir = copy_of_night

    def snapshot(night):
        out = {}
        for table in RAW_TABLES:
            out[table] = night.query(f'SELECT * EXCLUDE (_loaded_at) FROM raw."{table}" ORDER BY ALL', published=False)
        for mart in ("recording_accuracy", "no_crime_accuracy", "disposal_accuracy"):
            out[mart] = night.query(f"SELECT * FROM marts.{mart} ORDER BY ALL", published=False)
        out["load_log"] = night.query("SELECT count(*) FROM ops.load_log", published=False)
        return out

    import duckdb
    from orchestration.settings import Settings

    before = {}
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as con:
        for table in RAW_TABLES:
            before[table] = con.execute(f'SELECT * EXCLUDE (_loaded_at) FROM raw."{table}" ORDER BY ALL').fetchall()
    again = pipeline(landing, workdir)
    assert again.outcome.success, again.outcome.report()
    after = snapshot(again)
    for table in RAW_TABLES:
        assert after[table] == before[table], table
    assert again.outcome.materialized  # it ran, and found nothing new to load

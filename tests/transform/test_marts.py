"""The marts of a real run on the bundled sample reproduce DESIGN.md's reference figures."""

from __future__ import annotations

import pytest


def test_hertfordshire_recording_accuracy(nightly):
    row = nightly.query(
        "SELECT incidents_reviewed, crimes_reported, crimes_recorded, crimes_unrecorded, "
        "crimes_correctly_classified, crimes_recorded_on_time, round(recording_rate, 4), "
        "round(rate_ci_low, 4), round(rate_ci_high, 4) FROM marts.recording_accuracy "
        "WHERE force_id = 'hertfordshire' AND offence_group = 'all'")
    assert row == [(224, 181, 130, 51, 126, 126, 0.7182, 0.6487, 0.7787)]


def test_hertfordshire_no_crime_accuracy(nightly):
    row = nightly.query(
        "SELECT decisions_reviewed, decisions_correct, decisions_incorrect, round(accuracy_rate, 4) "
        "FROM marts.no_crime_accuracy WHERE force_id = 'hertfordshire' AND offence_group = 'all'")
    assert row == [(75, 71, 4, 0.9467)]


def test_thirteen_forces_one_in_five_unrecorded(nightly):
    forces, reported, recorded = nightly.query(
        "SELECT count(DISTINCT force_id), sum(crimes_reported), sum(crimes_recorded) "
        "FROM marts.recording_accuracy WHERE offence_group = 'all'")[0]
    assert forces == 13
    assert 0.79 <= recorded / reported <= 0.81


def test_fourteen_unrecorded_rapes(nightly):
    unrecorded_rapes = nightly.query(
        "SELECT count(*) FROM intermediate.int_expected_crimes_matched WHERE is_rape AND NOT is_recorded")
    assert unrecorded_rapes == [(14,)]


def test_violence_and_sexual_offences_are_under_recorded_most(nightly):
    rates = dict(nightly.query(
        "SELECT offence_group, sum(crimes_recorded) / sum(crimes_reported) FROM marts.recording_accuracy "
        "GROUP BY offence_group"))
    worst_two = sorted((g for g in rates if g != "all"), key=rates.get)[:2]
    assert set(worst_two) == {"violence_against_the_person", "sexual_offences"}


def test_group_rows_add_up_to_the_all_row(nightly):
    mismatches = nightly.query(
        "SELECT force_id FROM marts.recording_accuracy GROUP BY force_id, audit_id "
        "HAVING sum(crimes_reported) FILTER (WHERE offence_group <> 'all') "
        "<> sum(crimes_reported) FILTER (WHERE offence_group = 'all')")
    assert mismatches == []


@pytest.mark.parametrize("mart", ["dim_force", "dim_offence", "dim_date", "disposal_accuracy"])
def test_dimensions_and_disposals_are_populated(nightly, mart):
    assert nightly.query(f"SELECT count(*) FROM marts.{mart}")[0][0] > 0


def test_disposal_accuracy_hertfordshire(nightly):
    assert nightly.query(
        "SELECT disposals_reviewed, appropriate, inappropriate FROM marts.disposal_accuracy "
        "WHERE force_id = 'hertfordshire'") == [(30, 26, 4)]


def test_every_sample_audit_is_published_from_complete_sheets(nightly):
    assert nightly.query("SELECT status, figures_shown, count(*) FROM marts.audit_status GROUP BY ALL") == [
        ("published", "tonight", 13)]


def test_screen_accuracy_equals_a_recomputation_in_pandas(nightly):
    """The screen's rules applied again in pandas to the published staging tables and the
    incident_codes seed: flagged = codes say a crime (closed as one, or a crime-type opening not
    closed as a duplicate) and no crime linked within the audit's time limit."""
    import duckdb
    import pandas as pd

    from orchestration.settings import DBT_PROJECT_DIR

    codes = pd.read_csv(DBT_PROJECT_DIR / "seeds" / "incident_codes.csv")
    crime_openings = set(codes[(codes.code_type == "opening") & codes.indicates_crime].code)
    crime_closings = set(codes[(codes.code_type == "closing") & codes.indicates_crime].code)
    duplicates = set(codes[(codes.code_type == "closing") & codes.is_duplicate].code)
    with duckdb.connect(str(nightly.published), read_only=True) as con:
        audited = con.execute(
            "SELECT DISTINCT r.audit_id, r.force_id, r.incident_id, a.time_limit_hours, i.received_at, "
            "i.opening_code, i.closing_code FROM staging.stg_raw__incident_reviews r "
            "JOIN staging.stg_raw__audits a USING (audit_id) "
            "LEFT JOIN staging.stg_raw__incidents i ON i.force_id = r.force_id AND i.incident_id = r.incident_id").df()
        first = con.execute("SELECT force_id, incident_id, min(recorded_at) AS first_recorded FROM "
                            "staging.stg_raw__crimes WHERE incident_id IS NOT NULL GROUP BY ALL").df()
        unrecorded = con.execute("SELECT DISTINCT audit_id, incident_id, true AS unrecorded FROM "
                                 "intermediate.int_expected_crimes_matched WHERE NOT is_recorded").df()
        published = con.execute("SELECT audit_id, incidents_audited, incidents_unrecorded, incidents_flagged, "
                                "flagged_unrecorded FROM marts.screen_accuracy ORDER BY audit_id").fetchall()
    frame = audited.merge(first, on=["force_id", "incident_id"], how="left").merge(
        unrecorded, on=["audit_id", "incident_id"], how="left")
    frame["unrecorded"] = frame["unrecorded"].fillna(False).astype(bool)
    candidate = (frame.closing_code.isin(crime_closings)
                 | (frame.opening_code.isin(crime_openings) & ~frame.closing_code.isin(duplicates)))
    hours = (frame.first_recorded - frame.received_at).dt.total_seconds() / 3600
    frame["flagged"] = candidate & ~(hours <= frame.time_limit_hours)
    expected = [(audit, len(g), int(g.unrecorded.sum()), int(g.flagged.sum()), int((g.flagged & g.unrecorded).sum()))
                for audit, g in frame.groupby("audit_id")]
    assert published == expected
    flagged = sum(row[3] for row in published)
    hits = sum(row[4] for row in published)
    missed = sum(row[2] for row in published)
    assert flagged and 0.5 < hits / flagged < 0.8 and 0.75 < hits / missed < 0.95  # 65.6% and 84.3% today


def test_the_screen_lists_sexual_offences_first_and_only_incidents_past_the_limit(nightly):
    rows = nightly.query("SELECT min(age_hours), count(*), count(*) FILTER (WHERE priority = 1), "
                         "count(DISTINCT force_id) FROM marts.unrecorded_incident_screen")
    youngest, listed, sexual, forces = rows[0]
    assert youngest >= 24 and listed > 0 and sexual > 0 and forces == 13


def test_marts_carry_their_descriptions_into_the_published_warehouse(nightly):
    """The YAML descriptions (dbt's manifest) are COMMENT ON every mart and its columns
    (`persist_docs`), and the published copy keeps them: DuckDB's catalog and the BI tools
    reading it show what the data dictionary shows."""
    import json

    from orchestration.settings import DBT_PROJECT_DIR

    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    marts = [node for node in manifest["nodes"].values() if node["resource_type"] == "model" and "marts" in node["fqn"]]
    tables = {name: comment for name, comment in nightly.query(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'marts' "
        "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'marts'")}
    columns = {(table, column): comment for table, column, comment in nightly.query(
        "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'marts'")}
    assert len(marts) > 10
    described = 0
    for node in marts:
        assert tables[node["alias"]] == node["description"], node["alias"]
        for name, column in node["columns"].items():
            if column["description"]:
                assert columns[(node["alias"], name)] == column["description"], (node["alias"], name)
                described += 1
    assert described > 100


def test_load_history_adds_up_to_the_landing_files_and_what_the_generator_wrote(nightly, sample):
    landing, summary = sample
    history = nightly.query("SELECT force_id, coalesce(CAST(export_date AS VARCHAR), audit_id), kind, files, "
                            "rows_loaded, rows_quarantined, status FROM marts.load_history")
    # 13 forces x 7 export days x 4 kinds, 13 audits x 4 sheets, and one row for the police.uk files
    assert len(history) == 13 * 7 * 4 + 13 * 4 + 1
    assert {row[6] for row in history} == {"loaded"}
    # files per force-day folder and per audit folder, counted on disk
    on_disk: dict[tuple, int] = {}
    for path in (path for path in landing.rglob("*") if path.is_file()):
        parts = path.relative_to(landing).parts
        key = ("police_uk", None) if parts[0] == "police_uk" else (parts[0], parts[-2])
        on_disk[key] = on_disk.get(key, 0) + 1
    in_history: dict[tuple, int] = {}
    for force, night, _, files, *_ in history:
        in_history[(force, night)] = in_history.get((force, night), 0) + files
    assert in_history == on_disk
    # rows per kind: what the sample generator says it wrote (none of them quarantined)
    rows: dict[str, int] = {}
    for _, _, kind, _, loaded, quarantined, _ in history:
        rows[kind] = rows.get(kind, 0) + loaded + quarantined
    assert {kind: count for kind, count in rows.items() if kind != "street"} == summary.rows_per_kind
    assert sum(row[5] for row in history) == 0
    # and the load log, file by file, sums to the same
    assert nightly.query("SELECT count(*), sum(rows_loaded) FROM ops.load_log") == [
        (sum(row[3] for row in history), sum(row[4] for row in history))]

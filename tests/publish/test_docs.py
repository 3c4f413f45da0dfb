"""The data dictionary: dbt docs published each night, complete, and offline."""

from __future__ import annotations

import json
import re

import pytest

from orchestration.publish.docs import UnsafeDocsError, build_docs, make_offline

REMOTE = re.compile(r"^(?:https?:|wss?:)", re.IGNORECASE)


def _manifest(nightly) -> dict:
    return json.loads((nightly.settings.published_dir / "docs" / "manifest.json").read_text(encoding="utf-8"))


def test_every_mart_and_column_is_described_in_the_published_dictionary(nightly):
    docs = nightly.settings.published_dir / "docs"
    assert "published/docs" in nightly.outcome.materialized
    assert {p.name for p in docs.iterdir()} == {"index.html", "manifest.json", "catalog.json", ".fingerprint"}
    manifest = _manifest(nightly)
    catalog = json.loads((docs / "catalog.json").read_text(encoding="utf-8"))
    marts = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["schema"] == "marts"}
    assert {"recording_accuracy", "no_crime_accuracy", "dim_force", "worst_forces_latest_audit",
            "recording_rate_change", "under_recorded_offence_groups"} <= set(marts)
    for name, node in marts.items():
        assert node["description"].strip(), name
        built = catalog["nodes"][node["unique_id"]]["columns"]  # what the warehouse really has
        assert {c.lower() for c in built} == set(node["columns"]), name
        undescribed = [c for c, column in node["columns"].items() if not column["description"].strip()]
        assert undescribed == [], name
    # lineage: the views depend on the models they read (the latest audits come from one model)
    assert "model.crime_data_integrity.int_latest_audits" in marts["worst_forces_latest_audit"]["depends_on"]["nodes"]
    latest = manifest["nodes"]["model.crime_data_integrity.int_latest_audits"]
    assert "model.crime_data_integrity.recording_accuracy" in latest["depends_on"]["nodes"]
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False
    # the landing page is the project's overview (tests/transform/test_source_docs.py), in the page itself too
    overview = manifest["docs"]["doc.crime_data_integrity.__overview__"]["block_contents"]
    assert "How to read a rate" in overview and "How to read a rate" in (docs / "index.html").read_text(encoding="utf-8")


def test_dictionary_page_loads_nothing_from_elsewhere(nightly, chromium, tmp_path):
    index = nightly.settings.published_dir / "docs" / "index.html"
    page = index.read_text(encoding="utf-8")
    assert page.index("Content-Security-Policy") < page.index("<script")
    assert "cloudfront.net" not in page  # the tracker loader is disarmed
    chromium.open(index, "#!/model/model.crime_data_integrity.recording_accuracy")
    text = chromium.wait_for(
        "const t = document.body.innerText; return t.includes('crimes_unrecorded') ? t : null")
    assert "Crimes the force should have recorded" in text  # the model's description
    chromium.screenshot(tmp_path / "docs.png")
    # dbt's page logs its own template quirks (icons it asks for before Angular fills them
    # in); what matters here is that nothing left the machine.
    assert [url for url in chromium.page().requests if REMOTE.match(url)] == []


def test_make_offline_disarms_remote_loads_and_refuses_what_it_cannot():
    page = ('<html><head><link rel="shortcut icon" href="${require(\'./assets/favicons/favicon.ico\')}"/></head>'
            '<body><script>i.src="//cdn.example.org/sp.js";a.href="http://[::1]"</script></body></html>')
    safe = make_offline(page)
    assert safe.startswith('<html><head><meta http-equiv="Content-Security-Policy"')
    assert 'i.src="about:blank"' in safe and 'href="data:,"' in safe
    assert 'a.href="http://[::1]"' in safe  # an anchor's href is not a load
    with pytest.raises(UnsafeDocsError, match="loads from elsewhere"):
        make_offline('<html><head></head><body><script src="https://cdn.example.org/x.js"></script></body></html>')
    with pytest.raises(UnsafeDocsError, match="<head>"):
        make_offline("<html><body></body></html>")


def test_dictionary_is_kept_when_nothing_changed_and_rebuilt_when_columns_change(nightly, published_copy, tmp_path):
    import shutil

    import duckdb

    working = tmp_path / "warehouse.duckdb"
    shutil.copyfile(nightly.settings.warehouse, working)
    same = build_docs(working, published_copy)
    assert not same.regenerated  # the night's dictionary already describes this project and schema
    for path in (working, published_copy / "warehouse.duckdb"):
        with duckdb.connect(str(path)) as con:
            con.execute("ALTER TABLE marts.dim_force ADD COLUMN police_area_code VARCHAR")
    changed = build_docs(working, published_copy)
    assert changed.regenerated
    catalog = json.loads((published_copy / "docs" / "catalog.json").read_text(encoding="utf-8"))
    assert "police_area_code" in {c.lower() for c in catalog["nodes"]["model.crime_data_integrity.dim_force"]["columns"]}


def test_a_new_published_folder_takes_the_cached_dictionary_without_a_dbt_process(nightly, published_copy, monkeypatch):
    """Same dbt project and columns as a dictionary generated before (here: the night's):
    the cached dbt output is published, no `dbt docs generate` runs."""
    import shutil

    def no_dbt(*args, **kwargs):
        raise AssertionError("dbt docs generate started")

    # A cache of this test's own: the shared one keeps the newest few fingerprints, and the
    # other worker's nights (other catalogs) may have pushed the night's out meanwhile.
    monkeypatch.setattr("orchestration.publish.docs.CACHE_DIR", published_copy.parent / "docs-cache")
    shutil.rmtree(published_copy / "docs")
    build_docs(nightly.settings.warehouse, published_copy)  # generated once, and cached
    shutil.rmtree(published_copy / "docs")
    monkeypatch.setattr("orchestration.publish.docs.generate_docs", no_dbt)
    result = build_docs(nightly.settings.warehouse, published_copy)
    assert result.regenerated and result.models > 30
    # The same dictionary as the night's. Not byte for byte: the cache is shared by every
    # warehouse of this checkout (both test workers here), and another one's `dbt docs
    # generate` of the same project and columns differs in its run metadata (invocation id,
    # times), which is all that may differ.
    night = nightly.settings.published_dir / "docs"
    assert _dictionary(published_copy / "docs") == _dictionary(night)
    assert (published_copy / "docs" / "index.html").read_text().startswith((night / "index.html").read_text()[:2000])


def _dictionary(docs) -> dict:
    """What the dictionary tells a reader: each model's description, columns and their types."""
    manifest = json.loads((docs / "manifest.json").read_text())
    catalog = json.loads((docs / "catalog.json").read_text())
    return {uid: (node["description"], {name: column["description"] for name, column in node["columns"].items()},
                  {name: column["type"] for name, column in catalog["nodes"].get(uid, {}).get("columns", {}).items()})
            for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}

"""Publish compacts a warehouse that is mostly free space, and nothing of it is lost."""

from __future__ import annotations

import duckdb

from orchestration.ingest.batch import prepare_warehouse
from orchestration.publish import snapshot
from tests.publish.conftest import publish_night


def _warehouse_with_free_space(path):
    with duckdb.connect(str(path)) as con:
        prepare_warehouse(con)
        con.execute("CREATE SCHEMA marts")
        con.execute("SELECT nextval('ops.load_id_seq') FROM range(41)")
        con.execute("CREATE TABLE ops.incidents AS SELECT range AS n, md5(range::VARCHAR) AS caller_name_hash "
                    "FROM range(400000)")
        con.execute("CREATE TABLE marts.totals AS SELECT count(*) AS incidents FROM ops.incidents")
        con.execute("CREATE VIEW marts.recent AS SELECT * FROM ops.incidents WHERE n >= 399990")
        con.execute("CHECKPOINT")
        # A rewrite of most of a table, as the pseudonym migration does: the old blocks stay free.
        con.execute("CREATE TABLE ops.kept AS SELECT * FROM ops.incidents WHERE n < 40000")
        con.execute("DROP TABLE ops.incidents")
        con.execute("ALTER TABLE ops.kept RENAME TO incidents")
        con.execute("CHECKPOINT")
        return snapshot.free_space(con)


def test_a_mostly_free_warehouse_is_compacted_before_it_is_copied(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    free, total = _warehouse_with_free_space(warehouse)
    assert free > total / 2
    monkeypatch.setattr(snapshot, "COMPACT_FREE_BYTES", 1)

    result = publish_night(warehouse, tmp_path / "published")

    assert result.compacted_from == total and "compact" in result.seconds
    assert warehouse.stat().st_size < total / 2
    for path in (warehouse, result.warehouse):
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute("SELECT count(*), max(n) FROM ops.incidents").fetchone() == (40000, 39999)
            assert con.execute("SELECT incidents FROM marts.totals").fetchone() == (400000,)
            assert con.execute("SELECT count(*) FROM marts.recent").fetchone() == (0,)
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("SELECT nextval('ops.load_id_seq')").fetchone() == (42,)  # goes on where it was

    again = publish_night(warehouse, tmp_path / "published")
    assert again.compacted_from is None and "compact" not in again.seconds


def test_a_few_free_blocks_are_left_for_the_next_night():
    assert not snapshot.worth_compacting(free=100 * 2**20, total=400 * 2**20)  # under 256 MB
    assert not snapshot.worth_compacting(free=1 * 2**30, total=6 * 2**30)  # under a quarter
    assert snapshot.worth_compacting(free=5 * 2**30, total=8 * 2**30)

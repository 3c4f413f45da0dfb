"""Fixtures of the ingestion tests."""

import duckdb
import pytest

from orchestration.ingest.kinds import EXPORT_KINDS
from orchestration.ingest.schema import ensure_schema


@pytest.fixture
def con():
    """An in-memory warehouse with the raw and ops tables (a test may define its own)."""
    connection = duckdb.connect()
    ensure_schema(connection, EXPORT_KINDS)
    yield connection
    connection.close()

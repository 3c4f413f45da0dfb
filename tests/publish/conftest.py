"""Fixtures of the publish tests (Chromium and PostgreSQL are in tests/fixtures_*.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration.publish import snapshot
from orchestration.transform.dbt_cli import published_views


def publish_night(warehouse: Path, published: Path) -> snapshot.PublishResult:
    """A publish as the nightly job's asset runs it (the lake beside the warehouse, the default)."""
    return snapshot.publish(warehouse, published, warehouse.parent / "lake", published_views())


@pytest.fixture
def published_copy(nightly, tmp_path) -> Path:
    """A private copy of the night's published folder, to change and rebuild pages in."""
    target = tmp_path / "published"
    shutil.copytree(nightly.settings.published_dir, target, symlinks=True)  # links stay links
    return target

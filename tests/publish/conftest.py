"""Fixtures of the publish tests (Chromium and PostgreSQL are in tests/fixtures_*.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def published_copy(nightly, tmp_path) -> Path:
    """A private copy of the night's published folder, to change and rebuild pages in."""
    target = tmp_path / "published"
    shutil.copytree(nightly.settings.published_dir, target, symlinks=True)  # links stay links
    return target

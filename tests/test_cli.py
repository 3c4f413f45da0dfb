"""The `cdi` command itself (each subcommand's behaviour is tested with what it drives)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from orchestration.cli import main

CDI = Path(sys.executable).with_name("cdi")


def test_version_names_cdi_and_the_engines_it_drives(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"cdi {version('crime-data-integrity')} (")
    for engine in ("dagster", "dbt-core", "duckdb", "great-expectations"):
        assert f"{engine} {version(engine)}" in line
    assert re.search(r"; Python 3\.\d+\.\d+\)$", line)


def test_version_is_quick_from_the_installed_command():
    """It reads package metadata only: no Dagster, dbt or GX import (those take seconds)."""
    done = subprocess.run([str(CDI), "--version"], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cdi ")
    probe = subprocess.run([sys.executable, "-c", "import sys; from orchestration.cli import version_line; "
                            "version_line(); print(sorted(m for m in ('dagster', 'dbt', 'great_expectations') "
                            "if m in sys.modules))"], capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "[]", probe.stdout + probe.stderr

"""The `cdi` command itself (each subcommand's behaviour is tested with what it drives)."""

from __future__ import annotations

import importlib.util
import os
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


def test_the_spark_engine_without_pyspark_says_how_to_get_it(tmp_path):
    """`make test` runs in .venv, which has no pyspark (the Spark venv is make spark-env's)."""
    if importlib.util.find_spec("pyspark") is not None:
        pytest.skip("this environment has pyspark (the Spark venv)")
    done = subprocess.run([str(CDI), "run", "--engine", "spark", "--landing", str(tmp_path)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CDI_WAREHOUSE": str(tmp_path / "w.duckdb")})
    assert done.returncode != 0
    assert "the Spark engine needs pyspark, dbt.adapters.spark" in done.stderr + done.stdout
    assert "make spark-env" in done.stderr + done.stdout
    assert not (tmp_path / "w.duckdb").exists()  # refused before anything ran

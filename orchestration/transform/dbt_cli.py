"""How dbt is started, the one place: which executable, parsing the project, the docs catalog.

The nightly build itself runs through dagster-dbt (`transform/dbt.py`, whose resource takes
`dbt_executable()` from here). This module never imports dagster-dbt, so `cdi prepare` can
write the manifest that `transform/dbt.py` needs before it can be imported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, ENV_WAREHOUSE, Settings


def dbt_executable() -> str:
    """dbt from this interpreter's environment, even when the venv is not activated."""
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def _project_flags() -> list[str]:
    return ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]


def parse_project() -> None:
    """Write dbt's manifest (target/manifest.json) so the Dagster definitions can load."""
    from dbt.cli.main import dbtRunner

    Settings.from_env().export_to_env()  # profiles.yml reads CDI_WAREHOUSE, even to parse
    result = dbtRunner().invoke(["parse", "--quiet", *_project_flags()])
    if not result.success:
        raise SystemExit(f"dbt parse failed: {result.exception or 'see the messages above'}")


def manifest_is_stale() -> bool:
    """True when a dbt project file is newer than the manifest (or there is none)."""
    manifest = DBT_PROJECT_DIR / "target" / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [p for folder in ("models", "macros", "seeds", "tests") for p in (DBT_PROJECT_DIR / folder).rglob("*")]
    sources += [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


def generate_docs(warehouse: Path, work_dir: Path) -> Path:
    """`dbt docs generate --static` against the warehouse, into a private target folder.

    The catalog is read from the working warehouse, so the caller holds the warehouse pool.
    dbt's partial-parse state from `cdi prepare` is copied in so it does not parse again.
    """
    target = work_dir / "target"
    target.mkdir(parents=True, exist_ok=True)
    prepared = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if prepared.exists():
        shutil.copy2(prepared, target / prepared.name)
    env = {**os.environ, ENV_WAREHOUSE: str(warehouse)}
    command = [dbt_executable(), "docs", "generate", "--static", "--quiet", *_project_flags(),
               "--target-path", str(target), "--log-path", str(work_dir / "logs")]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed: {(done.stdout + done.stderr).strip()[-2000:]}")
    return target

"""How dbt is started, the one place: which executable, parsing the project, the docs catalog.

The nightly build itself runs through dagster-dbt (`transform/dbt.py`, whose resource takes
`dbt_executable()` from here). This module never imports dagster-dbt, so `cdi prepare` can
write the manifest that `transform/dbt.py` needs before it can be imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from orchestration.settings import DBT_PROJECT_DIR, ENV_WAREHOUSE, Settings, duckdb_memory_limit
from orchestration.warehouse import PUBLISHED_FILE


def dbt_executable() -> str:
    """dbt from this interpreter's environment, even when the venv is not activated."""
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


# dbt's target folder: the manifest, the parse states, the nightly builds' folders.
TARGET_DIR = DBT_PROJECT_DIR / "target"


def _project_flags() -> list[str]:
    return ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]


def parse_project() -> None:
    """Write dbt's manifest (target/manifest.json) so the Dagster definitions can load.

    dbt parses into a folder of its own, and the manifest and parse state then replace the
    old ones by rename: a process loading the definitions meanwhile (a run, `dagster dev`
    reloading, the other test worker) reads the old manifest or the new one, never half of one.
    """
    from dbt.cli.main import dbtRunner

    Settings.from_env().export_to_env()  # profiles.yml reads CDI_WAREHOUSE, even to parse
    scratch = TARGET_DIR / f".parse-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        if (TARGET_DIR / PARSE_STATE).exists():
            shutil.copyfile(TARGET_DIR / PARSE_STATE, scratch / PARSE_STATE)
        result = dbtRunner().invoke(["parse", "--quiet", *_project_flags(), "--target-path", str(scratch)])
        if not result.success:
            raise SystemExit(f"dbt parse failed: {result.exception or 'see the messages above'}")
        views = _compile_published_views(scratch)
        for name in ("manifest.json", PARSE_STATE):
            os.replace(scratch / name, TARGET_DIR / name)
        os.replace(views, TARGET_DIR / PUBLISHED_VIEWS)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# The full-refresh SQL of the models the published copy holds as views (publish/night_file.py).
PUBLISHED_VIEWS = "published_views.json"
PUBLISHED_AS_VIEW = ("published_as", "view")  # a model's meta


def _compile_published_views(scratch: Path) -> Path:
    """Compile the models whose meta says `published_as: view` as a first build would (no
    `is_incremental()` branch), against an empty DuckDB file named like the published one, so
    their SQL names its catalog; `{"<schema>.<model>": sql}` in scratch/PUBLISHED_VIEWS.

    Those are the models as large as the history (a row per raw row): the published copy
    computes them from the lake's files instead of carrying their rows every night."""
    from dbt.cli.main import dbtRunner

    manifest = json.loads((scratch / "manifest.json").read_text(encoding="utf-8"))
    key, value = PUBLISHED_AS_VIEW
    names = sorted(node["name"] for node in manifest["nodes"].values()
                   if node["resource_type"] == "model" and node["config"].get("meta", {}).get(key) == value)
    compiled_dir = scratch / "compiled-views"
    # The catalog in the compiled SQL is the file's stem: the published night's file's, since
    # that is where these views live (whatever the working warehouse is called).
    empty = scratch / "empty" / PUBLISHED_FILE
    empty.parent.mkdir()
    warehouse = os.environ[ENV_WAREHOUSE]
    os.environ[ENV_WAREHOUSE] = str(empty)
    try:
        result = dbtRunner().invoke(["--log-level", "none", "compile", *_project_flags(), "--target-path", str(compiled_dir),
                                     "--select", *names])
    finally:
        os.environ[ENV_WAREHOUSE] = warehouse
    if not result.success:
        raise SystemExit(f"dbt compile of the published views failed: {result.exception or 'see the messages above'}")
    nodes = json.loads((compiled_dir / "manifest.json").read_text(encoding="utf-8"))["nodes"].values()
    views = {f"{node['schema']}.{node['name']}": node["compiled_code"].strip()
             for node in nodes if node["resource_type"] == "model" and node["name"] in names}
    path = scratch / PUBLISHED_VIEWS
    path.write_text(json.dumps(views, indent=1, sort_keys=True), encoding="utf-8")
    return path


def published_views() -> dict[str, str]:
    """`{"<schema>.<model>": full-refresh SQL}` as `cdi prepare` compiled it."""
    path = TARGET_DIR / PUBLISHED_VIEWS
    if not path.exists():
        raise RuntimeError(f"{path} is missing: run `cdi prepare` (make does) to compile the dbt project")
    return json.loads(path.read_text(encoding="utf-8"))


def manifest_is_stale() -> bool:
    """True when there is no manifest, a dbt project file is newer than it, or another dbt-core
    wrote it (the lock changed)."""
    manifest = TARGET_DIR / "manifest.json"
    if not manifest.exists() or not (TARGET_DIR / PUBLISHED_VIEWS).exists():
        return True
    built = manifest.stat().st_mtime
    sources = [p for folder in ("models", "macros", "seeds", "tests") for p in (DBT_PROJECT_DIR / folder).rglob("*")]
    sources += [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    if any(p.is_file() and p.stat().st_mtime > built for p in sources):
        return True
    try:
        written_by = json.loads(manifest.read_text(encoding="utf-8"))["metadata"]["dbt_version"]
    except (ValueError, KeyError):
        return True
    return written_by != version("dbt-core")


PARSE_STATE = "partial_parse.msgpack"
# One parse state per rendered profile (warehouse path, memory limit): dbt parses the whole
# project again (~3.5 s) when the profile differs from the one its state was made with, so a
# checkout serving two warehouses (a test run, a second environment) would parse every time.
_PARSE_STATES = "parse-states"
KEPT_PARSE_STATES = 8


def _profile_key(warehouse: str) -> str:
    rendered = f"{warehouse}\0{duckdb_memory_limit()}"
    return hashlib.sha256(rendered.encode()).hexdigest()[:16]


def seed_parse_state(target: Path, warehouse: str) -> None:
    """Start a dbt command's target folder from the parse state the warehouse's profile last
    left (a build keeps it), else from the one `cdi prepare` made."""
    for state in (TARGET_DIR / _PARSE_STATES / f"{_profile_key(warehouse)}.msgpack", TARGET_DIR / PARSE_STATE):
        try:
            shutil.copyfile(state, target / PARSE_STATE)
            return
        except FileNotFoundError:
            continue


def keep_parse_state(target: Path, warehouse: str) -> None:
    """Make this command's parse state the one the next command of this profile starts from."""
    state = target / PARSE_STATE
    if not state.exists():
        return
    kept = TARGET_DIR / _PARSE_STATES / f"{_profile_key(warehouse)}.msgpack"
    kept.parent.mkdir(parents=True, exist_ok=True)
    pending = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
    shutil.copyfile(state, pending)
    os.replace(pending, kept)
    states = sorted((TARGET_DIR / _PARSE_STATES).glob("*.msgpack"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in states[KEPT_PARSE_STATES:]:
        stale.unlink(missing_ok=True)


def generate_docs(warehouse: Path, work_dir: Path) -> Path:
    """`dbt docs generate --static` against the warehouse, into a private target folder.

    The catalog is read from the working warehouse, so the caller holds the warehouse pool.
    It starts from the parse state the night's build left for this warehouse's profile, so it
    does not parse the project again.
    """
    target = work_dir / "target"
    target.mkdir(parents=True, exist_ok=True)
    seed_parse_state(target, str(warehouse))
    env = {**os.environ, ENV_WAREHOUSE: str(warehouse)}
    command = [dbt_executable(), "docs", "generate", "--static", "--quiet", *_project_flags(),
               "--target-path", str(target), "--log-path", str(work_dir / "logs")]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"dbt docs generate failed: {(done.stdout + done.stderr).strip()[-2000:]}")
    return target

"""The data dictionary, `published/docs/`: dbt's documentation site, safe to open offline.

`dbt docs generate --static` writes one HTML file with the manifest (every model, column,
description, test and the lineage) and the catalog (the warehouse's real column types)
inside it, so it opens from disk without a web server. Before publishing it:

- a Content-Security-Policy is put first in <head>: the browser then refuses any remote
  load whatever the page's script tries;
- the Snowplow tracker loader in dbt's page (a script from a public CDN, started only when
  the manifest says `send_anonymous_usage_stats: true`; ours says false) gets an inert
  source, and the favicon, an unresolved webpack placeholder, becomes an empty data: URL;
- the page is checked for any remaining remote src/href, and refused if one is found.

Generating costs a dbt process (~5-10 s), and the dictionary only changes when the dbt
project, dbt itself or the warehouse's tables and columns change: a fingerprint of those is
kept beside the page, and a night with the same fingerprint keeps the published dictionary.
The dbt output of each fingerprint is also kept in `dbt_project/target/docs-cache/` (the
last few): a new warehouse or published folder whose project and columns match one seen
before (a second environment, a rebuilt warehouse, every test run) starts no dbt process.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.transform.dbt_cli import TARGET_DIR, generate_docs
from orchestration.warehouse import PUBLISHED_FILE

DOCS_DIR = "docs"
PUBLISHED_FILES = ("index.html", "manifest.json", "catalog.json")
FINGERPRINT_FILE = ".fingerprint"
_PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "tests")
CACHE_DIR = TARGET_DIR / "docs-cache"
_CACHED_FILES = ("static_index.html", "manifest.json", "catalog.json")
KEPT_CACHE_ENTRIES = 4

# dbt docs (AngularJS) compiles its templates with Function(), hence 'unsafe-eval'.
_CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")
_CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
_SCRIPT_FROM_ELSEWHERE = re.compile(r'(\.src\s*=\s*)"(?:https?:)?//[^"]*"')
_FAVICON_PLACEHOLDER = re.compile(r"""href="\$\{require\([^)]*favicon[^)]*\)\}\"""")
# What makes a browser fetch: an element that loads its src/href (links to follow are not
# loads), or a script setting an element's src. Templates sit in JS strings, hence the \\?.
_REMOTE_LOAD = re.compile(
    r"""<(?:script|link|img|iframe|frame|source|track|embed|object|audio|video|use|image)\b[^>]*?"""
    r"""\b(?:src|href|data)\s*=\s*\\?["']?(?:https?:)?//"""
    r"""|\.src\s*=\s*["'](?:https?:)?//""",
    re.IGNORECASE,
)


class UnsafeDocsError(RuntimeError):
    """The generated page would still load something from elsewhere: not published."""


@dataclass(frozen=True)
class DocsResult:
    index: Path
    bytes: int
    models: int
    documented_columns: int
    regenerated: bool = True


def fingerprint(published_warehouse: Path) -> str:
    """Everything the dictionary is made of: dbt's version, the project's files, this module
    (how the page is made offline) and every table and column of the published warehouse."""
    digest = hashlib.sha256(f"dbt-core {version('dbt-core')} dbt-duckdb {version('dbt-duckdb')} "
                            f"database {published_warehouse.stem}\n".encode())
    files = [Path(__file__)]
    for part in (DBT_PROJECT_DIR / name for name in _PROJECT_PARTS):
        files += [part] if part.is_file() else sorted(p for p in part.rglob("*") if p.is_file())
    for path in files:
        digest.update(f"{path.relative_to(PROJECT_ROOT)}\0".encode() + path.read_bytes() + b"\0")
    with duckdb.connect(str(published_warehouse), read_only=True) as con:
        columns = con.execute(
            "SELECT t.table_schema, t.table_name, t.table_type, c.column_name, c.data_type "
            "FROM information_schema.tables AS t JOIN information_schema.columns AS c "
            "ON c.table_schema = t.table_schema AND c.table_name = t.table_name "
            "ORDER BY 1, 2, c.ordinal_position"
        ).fetchall()
    digest.update(repr(columns).encode())
    return digest.hexdigest()


def make_offline(page: str) -> str:
    """dbt's static page with remote loading disabled (see the module docstring)."""
    if page.count("<head>") != 1:
        raise UnsafeDocsError("dbt's docs page has no single <head>: cannot add the Content-Security-Policy")
    page = page.replace("<head>", "<head>" + _CSP_META, 1)
    page = _SCRIPT_FROM_ELSEWHERE.sub(r'\1"about:blank"', page)
    page = _FAVICON_PLACEHOLDER.sub('href="data:,"', page)
    remote = _REMOTE_LOAD.search(page)
    if remote:
        context = page[max(0, remote.start() - 80): remote.end() + 80]
        raise UnsafeDocsError(f"dbt's docs page still loads from elsewhere: ...{context}...")
    return page


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _result(docs: Path, regenerated: bool) -> DocsResult:
    manifest = json.loads((docs / "manifest.json").read_text(encoding="utf-8"))
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    columns = sum(1 for m in models for c in m["columns"].values() if c.get("description"))
    index = docs / "index.html"
    return DocsResult(index, index.stat().st_size, len(models), columns, regenerated)


def publish(target: Path, published_dir: Path, stamp: str) -> DocsResult:
    """Copy the offline page (as index.html), the manifest and the catalog into published/docs;
    the fingerprint is written last, so an interrupted publish is redone next night."""
    docs = published_dir / DOCS_DIR
    docs.mkdir(parents=True, exist_ok=True)
    (docs / FINGERPRINT_FILE).unlink(missing_ok=True)
    page = make_offline((target / "static_index.html").read_text(encoding="utf-8"))
    for name in ("manifest.json", "catalog.json"):
        _write_atomically(docs / name, (target / name).read_bytes())
    _write_atomically(docs / "index.html", page.encode("utf-8"))
    _write_atomically(docs / FINGERPRINT_FILE, stamp.encode())
    return _result(docs, regenerated=True)


def build_docs(warehouse: Path, published_dir: Path) -> DocsResult:
    """Publish the dictionary of the night in `published_dir`, unless it is already current."""
    docs = published_dir / DOCS_DIR
    stamp = fingerprint(published_dir / PUBLISHED_FILE)
    current = docs / FINGERPRINT_FILE
    if current.exists() and current.read_text() == stamp and all((docs / n).exists() for n in PUBLISHED_FILES):
        return _result(docs, regenerated=False)
    cached = CACHE_DIR / stamp
    if all((cached / name).exists() for name in _CACHED_FILES):
        return publish(cached, published_dir, stamp)
    with tempfile.TemporaryDirectory(prefix="cdi-docs-") as work:
        target = generate_docs(warehouse, Path(work))
        _remember(target, cached)
        return publish(target, published_dir, stamp)


def _remember(target: Path, cached: Path) -> None:
    """Keep dbt's output for this fingerprint (written whole, then renamed) and the newest few."""
    pending = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
    shutil.rmtree(pending, ignore_errors=True)
    pending.mkdir(parents=True)
    for name in _CACHED_FILES:
        shutil.copyfile(target / name, pending / name)
    try:
        os.rename(pending, cached)
    except OSError:  # another process cached the same fingerprint first
        shutil.rmtree(pending, ignore_errors=True)
    entries = sorted((p for p in CACHE_DIR.iterdir() if not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[KEPT_CACHE_ENTRIES:]:
        shutil.rmtree(stale, ignore_errors=True)

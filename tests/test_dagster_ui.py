"""The Dagster UI as the README starts it: `make dev`, from the user's shell as it is before
anything of ours (no activated environment, no `CDI_*` variable). Opened in headless Chromium, the
lineage page shows ingestion and dbt assets, and the asset pages list their checks.

Two things differ from a user's `make dev`, both Makefile variables the README documents: a
throwaway `DAGSTER_HOME` (so the test never touches `data/dagster_home`) and a free port
(`DEV_PORT`). The server's log is printed when a test fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # runs the real pipeline (or dbt, or a server): not in `make test-fast`

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCATION = "crime_data_integrity"  # `make dev` runs `dg dev`: [tool.dg.project] code_location_name
START_TIMEOUT = 120  # seconds; `make dev` serves the location after ~25 s on 2 cores (it parses dbt)
PAGE_TIMEOUT = 30

INGEST_ASSET = "raw/incidents"
DBT_ASSET = "marts/recording_accuracy"

LOCATION_STATUS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""


@dataclass
class DagsterUI:
    url: str
    log: Path

    def log_tail(self, chars: int = 8000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(f"{self.url}/graphql", data=json.dumps({"query": query}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)["data"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_serving(ui: DagsterUI, server: subprocess.Popen) -> None:
    """/server_info answers, then the code location is LOADED (or fail with its error)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if server.poll() is not None:
            pytest.fail(f"make dev exited with {server.returncode}:\n{ui.log_tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"make dev did not serve {LOCATION} within {START_TIMEOUT} s:\n{ui.log_tail()}")
        try:
            urllib.request.urlopen(f"{ui.url}/server_info", timeout=2).close()
            entries = ui.graphql(LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError):
            time.sleep(0.3)
            continue
        entry = next((e for e in entries if e["name"] == LOCATION), None)
        error = entry and entry["locationOrLoadError"]
        if error and error["__typename"] == "PythonError":
            pytest.fail(f"{LOCATION} failed to load in the webserver: {error['message']}\n{ui.log_tail()}")
        if entry and entry["loadStatus"] == "LOADED":
            return
        time.sleep(0.3)


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM (honoured thanks to `env --default-signal`), then SIGKILL the server's own
    process group (it started a code server) if anything is still there."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # the group is ours: start_new_session below
    except ProcessLookupError:
        pass
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory):
    root = tmp_path_factory.mktemp("dagster-ui")
    home = root / "dagster_home"
    # The "Join the Dagster community" dialog opens on localhost until this file exists
    # (dagster._core.nux); it would cover the page in the screenshots. `make dev` copies
    # dagster.yaml into the home itself.
    (home / ".nux").mkdir(parents=True)
    (home / ".nux" / "nux.yaml").write_text("seen: 1\n")
    # The user's shell, as it is before anything of ours: no environment activated, no CDI_*
    # setting (the registry settings stay, for a `make` that has to install first).
    venv = str(REPO_ROOT / ".venv")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("CDI_", "DAGSTER_")) and name not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["PATH"] = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                                  if p and not p.startswith(venv))
    env["DAGSTER_HOME"] = str(home)
    port = _free_port()
    ui = DagsterUI(url=f"http://127.0.0.1:{port}", log=root / "make-dev.log")
    with ui.log.open("wb") as log:
        server = subprocess.Popen(
            ["env", "--default-signal=INT,TERM", "make", "--no-print-directory", "dev", f"DEV_PORT={port}"],
            cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_serving(ui, server)
            yield ui
        finally:
            _stop(server)


@pytest.fixture
def ui(dagster_ui):
    """The running UI; its log is printed after each test (pytest shows it when one fails)."""
    yield dagster_ui
    print(f"--- make dev log ({dagster_ui.log}) ---\n{dagster_ui.log_tail()}")


def _open(chromium, ui: DagsterUI, path: str) -> None:
    # The UI fills the window whatever its size: reset what an earlier full-page shot left.
    chromium.driver.set_window_size(1280, 1000)
    chromium.open(ui.url + path)


def _texts_in_graph(chromium, expected: set[str]) -> set[str]:
    """Wait until the SVG graph has a node or group box labelled with each expected text."""
    script = ("const texts = new Set(Array.from(document.querySelectorAll('svg foreignObject'),"
              " e => e.textContent.trim()));"
              f"const expected = {json.dumps(sorted(expected))};"
              "return expected.every(t => texts.has(t)) ? Array.from(texts) : null;")
    return set(chromium.wait_for(script, timeout=PAGE_TIMEOUT))


def _wait_for_text(chromium, *needles: str) -> str:
    script = (f"const needles = {json.dumps(needles)}; const text = document.body.innerText;"
              "return needles.every(n => text.includes(n)) ? text : null;")
    return chromium.wait_for(script, timeout=PAGE_TIMEOUT)


def _assert_png(path: Path) -> None:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 20_000, "a blank page is a few kB"


def _assert_stayed_local(chromium) -> None:
    page = chromium.page()
    assert page.requests, "the performance log recorded no request at all"
    assert page.remote_requests() == []
    assert [entry for entry in page.console if entry["level"] == "SEVERE"] == []


def test_asset_graph_shows_ingest_and_dbt_assets(ui, chromium, tmp_path):
    # The upstream lineage of a mart, at full depth (the UI clamps the depth to the graph's):
    # ingestion (raw), staging, intermediate and the mart, each group a box.
    _open(chromium, ui, f"/assets/{DBT_ASSET}?view=lineage&lineageScope=upstream&lineageDepth=99")
    ingest_group, ingest_name = INGEST_ASSET.split("/")
    dbt_group, dbt_name = DBT_ASSET.split("/")
    texts = _texts_in_graph(chromium, {ingest_name, dbt_name, ingest_group, dbt_group})
    assert {"staging", "intermediate", "stg_raw__incidents"} <= texts
    shot = chromium.screenshot(tmp_path / "asset-graph.png")
    _assert_png(shot)
    _assert_stayed_local(chromium)


def test_asset_pages_list_the_checks(ui, chromium, tmp_path):
    # Ingestion: the landing-file check and the raw GX suite.
    _open(chromium, ui, f"/assets/{INGEST_ASSET}?view=checks")
    _wait_for_text(chromium, "landing_files_clean", "gx_incidents")
    _assert_png(chromium.screenshot(tmp_path / "ingest-checks.png"))
    _assert_stayed_local(chromium)
    # dbt: its data tests are one check per model beside the mart's GX suite.
    _open(chromium, ui, f"/assets/{DBT_ASSET}?view=checks")
    _wait_for_text(chromium, "gx_recording_accuracy", "dbt_tests")
    _assert_png(chromium.screenshot(tmp_path / "dbt-checks.png"))
    _assert_stayed_local(chromium)

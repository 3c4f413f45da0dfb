"""A real headless Chromium (Debian's, installed by scripts/setup_system.sh) for the pages."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Without the networking flags Chromium phones home at start (refused on a closed network);
# a fresh profile keeps runs independent.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000"]


@dataclass
class Page:
    """What a page did once loaded: its console and every URL it asked the network for."""

    console: list[dict]
    requests: list[str]


class Browser:
    def __init__(self, driver):
        self.driver = driver

    def open(self, path: Path, fragment: str = "") -> None:
        self.driver.get_log("browser")  # drop what earlier pages logged
        self.driver.get_log("performance")
        self.driver.get(path.resolve().as_uri() + fragment)

    def wait_for(self, script: str, timeout: float = 30):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(lambda d: d.execute_script(script))

    def page(self) -> Page:
        requests = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                requests.append(message["params"]["request"]["url"])
        return Page(console=self.driver.get_log("browser"), requests=requests)

    def screenshot(self, target: Path) -> Path:
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1280, min(int(height) + 40, 8000))
        self.driver.save_screenshot(str(target))
        return target


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Chromium is missing: run scripts/setup_system.sh (make test does) to install "
                    "Debian's chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path: Selenium Manager (which would download a browser) never runs.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield Browser(driver)
    finally:
        driver.quit()


@pytest.fixture
def published_copy(nightly, tmp_path) -> Path:
    """A private copy of the night's published folder, to change and rebuild pages in."""
    target = tmp_path / "published"
    shutil.copytree(nightly.settings.published_dir, target)
    return target


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster on a free localhost port (trust auth, loopback only)."""

    port: int
    superuser: str = "postgres"

    def dsn(self, user: str | None = None, dbname: str = "warehouse") -> str:
        return f"host=127.0.0.1 port={self.port} user={user or self.superuser} dbname={dbname} connect_timeout=10"

    def admin(self, statement: str, dbname: str = "warehouse") -> None:
        import psycopg

        with psycopg.connect(self.dsn(dbname=dbname), autocommit=True) as con:
            con.execute(statement)


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        pytest.fail("PostgreSQL is missing: run scripts/setup_system.sh (make test does) to install Debian's postgresql")
    return found[-1].parent


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    """initdb + pg_ctl from Debian's packages, as the `postgres` OS user when run as root
    (PostgreSQL refuses to run as root), in a folder under /tmp it can reach."""
    import os
    import pwd
    import subprocess
    import tempfile

    bin_dir = _postgres_bin()
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else None
    home = Path(tempfile.mkdtemp(prefix="cdi-postgres-"))
    data, sockets, log = home / "data", home / "sockets", home / "server.log"
    sockets.mkdir()
    if as_root:
        owner = pwd.getpwnam("postgres")
        for path in (home, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def run(*command: str) -> None:
        done = subprocess.run(command, user=user, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            pytest.fail(f"{command[0]} failed: {done.stdout}{done.stderr}{tail}")

    port = _free_port()
    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-instructions")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start",
        "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off")
    server = PostgresServer(port)
    try:
        # the publisher is an ordinary owner (not a superuser), as in production
        server.admin("CREATE ROLE cdi_publisher LOGIN CREATEROLE", dbname="postgres")
        server.admin("CREATE DATABASE warehouse OWNER cdi_publisher", dbname="postgres")
        yield server
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(home, ignore_errors=True)

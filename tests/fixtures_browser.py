"""A real headless Chromium (Debian's, installed by scripts/setup_system.sh) for the pages.

Registered for every test by `tests/conftest.py`: the report, the data dictionary and the
Dagster UI tests all drive the same browser session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Without the networking flags Chromium phones home at start (refused on a closed network);
# a fresh profile keeps runs independent.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class Page:
    """What a page did once loaded: its console and every URL it asked the network for."""

    console: list[dict]
    requests: list[str]

    def remote_requests(self) -> list[str]:
        """Requests that left this machine: any URL with a host that is not loopback
        (file:, data: and blob: URLs have none)."""
        return [url for url in self.requests
                if urlsplit(url).hostname and urlsplit(url).hostname not in LOCAL_HOSTS]


class Browser:
    def __init__(self, driver):
        self.driver = driver

    def open(self, target: Path | str, fragment: str = "") -> None:
        """Open a file (a Path) or a URL (a str), forgetting what earlier pages logged."""
        self.driver.get_log("browser")
        self.driver.get_log("performance")
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        self.driver.get(url + fragment)

    def wait_for(self, script: str, timeout: float = 30):
        """Run `script` until it returns something truthy, and return that."""
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
        """The whole page: the window grows to the document's height (up to 8000 px). The
        window is taller than the viewport by the browser's own bars, so a page that fits
        the viewport (a single-page app such as the Dagster UI) keeps its size."""
        height, bars = self.driver.execute_script(
            "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]")
        self.driver.set_window_size(1280, min(int(height) + int(bars), 8000))
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

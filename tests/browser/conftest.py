"""The dashboard's browser tests: Playwright driving Debian's Chromium (install.sh, run
by `make test`) against the session's local cloud (tests/conftest.py `cloud`), one
browser for the whole session, a fresh context (cookies) per test.

UPDATE_SCREENSHOTS=1 writes the screenshots the tests take into docs/dashboard/ (the
pictures of docs/dashboard.md); otherwise they go to a temporary folder."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
WAIT = 20.0


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run tests/browser/install.sh (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS"):
        out = ROOT / "docs" / "dashboard"
        out.mkdir(parents=True, exist_ok=True)
        return out
    return tmp_path_factory.mktemp("screenshots")


class Dash:
    """A browser context on the dashboard, recording every URL it asked for."""

    def __init__(self, browser: Any, url: str, shots: Path) -> None:
        self.url = url
        self.shots = shots
        self.context = browser.new_context(viewport={"width": 1180, "height": 760}, base_url=url)
        self.page = self.context.new_page()
        self.urls: list[str] = []
        self.pages: list[str] = []
        self.page.on("request", lambda r: self.urls.append(r.url))
        self.page.on("response", self._record)

    def _record(self, response: Any) -> None:
        if response.url.startswith(self.url) and "text/html" in (response.headers.get("content-type") or ""):
            try:
                self.pages.append(response.text())
            except Exception:  # a redirect's body is not kept
                pass

    def goto(self, path: str) -> Any:
        return self.page.goto(self.url + path)

    def sign_in(self, key: str) -> Any:
        self.goto("/login")
        self.page.get_by_label("Secret key").fill(key)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()
        return self.page

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"))

    def csrf(self) -> str:
        return self.page.locator("input[name=csrf_token]").first.get_attribute("value")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def dash(browser, cloud, shots) -> Iterator[Dash]:
    d = Dash(browser, cloud.dashboard_url, shots)
    yield d
    d.close()


@pytest.fixture
def account(cloud) -> dict:
    """A fresh account (its test and live keys), so tests never see each other's data."""
    return cloud.new_account()


def wait_for(fn: Callable[[], Any], timeout: float = WAIT, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)

"""Browser fixtures shared by the browser tests: the demo built once per module, served under
a sub-path on 127.0.0.1, and Debian's Chromium driven by Playwright (never a downloaded one)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Page, Request, Route, sync_playwright

from lo_static.serve import serve_folder
from tests.conftest import REPO, TODAY, run

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail("Chromium is not installed: run scripts/test, which installs it")
    return path


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo built into <tmp>/www/local-offer/, as if published under a project sub-path."""
    www = tmp_path_factory.mktemp("browser") / "www"
    result = run("build", "--content", str(REPO / "content"), "--out",
                 str(www / "local-offer"), "--today", TODAY)
    assert result.exit_code == 0, result.output
    return www


@pytest.fixture(scope="module")
def server(site_root: Path) -> Iterator[str]:
    with serve_folder(site_root) as base:
        yield f"{base}/local-offer/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


PUBLISHED = "https://localoffer.ashdownvale.example/"
"""The demo's base_url: the 404 page links there absolutely (it is served at any depth)."""


def open_page(
    browser: Browser, width: int = 1280, site: Path | None = None
) -> tuple[Page, list[str]]:
    """A fresh page; the list collects every request that failed or came back 4xx/5xx.

    With `site`, requests to the published address are answered from that built folder, as
    the real host would answer them."""
    # The tests inject axe-core and zoom styles inline, which the pages' Content-Security-Policy
    # rightly refuses; tests/test_csp.py loads every page under the policy.
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    if site is not None:

        def from_disk(route: Route) -> None:
            rel = route.request.url[len(PUBLISHED):].split("?")[0].split("#")[0]
            target = site / rel
            if target.is_dir():
                target = target / "index.html"
            if target.is_file():
                route.fulfill(path=str(target))
            else:
                route.fulfill(status=404, body="not found")

        page.route(PUBLISHED + "**", from_disk)
    failures: list[str] = []
    # A fetch a page's script still had running when the test went on to the next page (the
    # search page loads its filters after the load event) is aborted by the browser: not a
    # failure of the site. Documents are numbered as the main frame commits each; an abort of
    # a request begun on an earlier document is not listed, and one the browser reports before
    # the commit that caused it is listed at once and struck off at that commit.
    document = [0]
    started_on: dict[Request, int] = {}
    aborts: list[tuple[int, str]] = []

    def committed(frame: Frame) -> None:
        if frame.parent_frame is None:
            document[0] += 1
            for on, entry in aborts:
                if on < document[0]:
                    failures.remove(entry)
            aborts.clear()

    def failed(request: Request) -> None:
        entry = f"failed {request.url} ({request.failure})"
        on = started_on.pop(request, document[0])
        if request.failure == "net::ERR_ABORTED" and not request.is_navigation_request():
            if on < document[0]:
                return
            aborts.append((on, entry))
        failures.append(entry)

    page.on("request", lambda request: started_on.__setitem__(request, document[0]))
    page.on("requestfinished", lambda request: started_on.pop(request, None))
    page.on("framenavigated", committed)
    page.on("requestfailed", failed)
    page.on(
        "response",
        lambda response: failures.append(f"{response.status} {response.url}")
        if response.status >= 400 else None,
    )
    return page, failures

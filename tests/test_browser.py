"""The built demo site in a real browser (Debian's Chromium through Playwright), as a family
would use it: under a sub-path on a web server, and opened from disk."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

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
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_root))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/local-offer/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


def open_page(browser: Browser, width: int = 1280) -> tuple[Page, list[str]]:
    """A fresh page; the list collects every request that failed or came back 4xx/5xx."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    failures: list[str] = []
    page.on("requestfailed", lambda request: failures.append(f"failed {request.url}"))
    page.on(
        "response",
        lambda response: failures.append(f"{response.status} {response.url}")
        if response.status >= 400 else None,
    )
    return page, failures


def test_family_journey_under_a_sub_path(browser: Browser, server: str) -> None:
    page, failures = open_page(browser)
    page.goto(server)
    assert page.locator("h1").inner_text() == "Ashdown Vale Local Offer"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    assert page.locator("h1").inner_text() == "Services"
    page.get_by_role("link", name="Speech and language therapy").first.click()
    assert page.url == server + "services/speech-and-language-therapy/index.html"
    assert page.get_by_text("Who it is for").is_visible()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Home").click()
    assert page.url == server + "index.html"
    page.get_by_role("link", name="16 to 25 years").click()
    assert "Ages 16 to 25 years" in page.locator("h1").inner_text()
    assert failures == []
    page.close()


def test_stylesheet_applies_and_links_work_from_disk(browser: Browser, site_root: Path) -> None:
    page, failures = open_page(browser)
    service = site_root / "local-offer/services/speech-and-language-therapy/index.html"
    page.goto(service.as_uri())
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('.app-header')).backgroundColor"
    )
    assert colour == "rgb(29, 79, 145)"
    page.get_by_role("link", name="A to Z of every page and service").click()
    assert page.url == (site_root / "local-offer/a-to-z/index.html").as_uri()
    assert failures == []
    page.close()


@pytest.mark.parametrize(
    "path",
    [
        "index.html",
        "services/index.html",
        "services/pinewood-specialist-college/index.html",
        "education/how-send-support-is-funded/index.html",
        "how-this-local-offer-meets-the-law/index.html",
        "a-to-z/index.html",
        "feedback/index.html",
        "preparing-for-adulthood/preparing-for-adulthood/easy-read/index.html",
    ],
)
def test_no_horizontal_scrolling_at_320_px(browser: Browser, server: str, path: str) -> None:
    """WCAG 1.4.10 reflow: every kind of page fits a 320 CSS pixel wide screen."""
    page, failures = open_page(browser, width=320)
    page.goto(server + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{path} is {width}px wide at 320px"
    assert failures == []
    page.close()


def test_skip_link_is_first_and_moves_focus_to_main(browser: Browser, server: str) -> None:
    page, _ = open_page(browser)
    page.goto(server + "services/index.html")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    assert page.locator(".app-skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    page.close()

"""The Content-Security-Policy every page carries: in the HTML, and in a real browser on every demo
page, where nothing may be loaded from another origin and nothing may break the policy, while
search (Pagefind's worker and WebAssembly), the service worker, saving for offline use and the
review-date script go on working under it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from tests.browser_helpers import PUBLISHED, browser, server, site_root

__all__ = ["browser", "server", "site_root"]  # fixtures used by the tests below

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
REFERRER_META = '<meta name="referrer" content="no-referrer">'

# Runs before any of the page's own scripts (and is not subject to the policy itself).
WATCH_POLICY = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + (event.sourceFile || location.href) + ":" + event.lineNumber);
});
"""


def built_pages(site_root: Path) -> list[str]:
    root = site_root / "local-offer"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Watched:
    """A browser context under the real policy that refuses and records every request to
    another origin, every policy violation and every console error or warning."""

    context: BrowserContext
    allowed: str
    elsewhere: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def page(self) -> Page:
        page = self.context.new_page()
        page.on(
            "console",
            lambda message: self.console.append(f"{message.type}: {message.text} ({page.url})")
            if message.type in ("error", "warning")
            else None,
        )
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        return page


@pytest.fixture
def watched(browser: Browser, server: str) -> Iterator[Watched]:
    context = browser.new_context()  # no bypass_csp: the policy applies
    context.add_init_script(WATCH_POLICY)
    state = Watched(context, origin(server))

    def guard(route: Route) -> None:
        url = route.request.url
        if origin(url) == state.allowed or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            state.elsewhere.append(url)
            route.abort()

    context.route("**/*", guard)
    yield state
    context.close()


def violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__violations"))


def test_every_page_carries_the_policy_first_and_nothing_inline(site_root: Path) -> None:
    """The policy comes before anything that loads; no page has inline script, inline style or
    event-handler attributes, so the policy never needs 'unsafe-inline'."""
    root = site_root / "local-offer"
    pages = built_pages(site_root)
    assert len(pages) > 100
    for rel in pages:
        html = (root / rel).read_text(encoding="utf-8")
        head = html.split("</head>", 1)[0]
        assert head.count(CSP_META) == 1, rel
        assert head.count(REFERRER_META) == 1, rel
        first_load = min(i for i in (head.find("<link"), head.find("<script")) if i >= 0)
        assert head.index(CSP_META) < first_load, rel
        for script in re.findall(r"<script\b[^>]*>", html):
            assert " src=" in script or 'type="application/ld+json"' in script, (rel, script)
        assert not re.search(r"<style\b", html), rel
        assert not re.search(r"\sstyle=", html), rel
        assert not re.search(r"<[^>]+\son[a-z]+=", html), rel


def test_every_demo_page_loads_only_its_own_files_and_breaks_no_rule(
    watched: Watched, server: str, site_root: Path
) -> None:
    page = watched.page()
    broken: dict[str, list[str]] = {}
    for rel in built_pages(site_root):
        if rel == "404.html":
            continue  # served at any address by the real host: see the next test
        page.goto(server + rel)
        found = violations(page)
        if found:
            broken[rel] = found
    page.close()
    assert broken == {}
    assert watched.elsewhere == []
    assert watched.console == []


def test_not_found_page_under_the_policy_at_its_published_address(
    browser: Browser, site_root: Path
) -> None:
    """The 404 page links absolutely to the published address (the host serves it at any
    depth): served from there, it loads only its own site's files."""
    site = site_root / "local-offer"
    context = browser.new_context()
    context.add_init_script(WATCH_POLICY)
    elsewhere: list[str] = []

    def host(route: Route) -> None:
        url = route.request.url
        if origin(url) != origin(PUBLISHED):
            elsewhere.append(url)
            route.abort()
            return
        target = site / url[len(PUBLISHED):].split("?")[0].split("#")[0]
        if target.is_dir():
            target = target / "index.html"
        if target.is_file():
            route.fulfill(path=str(target))
        else:
            route.fulfill(status=404, path=str(site / "404.html"))

    context.route("**/*", host)
    page = context.new_page()
    response = page.goto(PUBLISHED + "no/such/page/")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    header = "getComputedStyle(document.querySelector('.app-header')).backgroundColor"
    assert page.evaluate(header) == "rgb(29, 79, 145)"  # its stylesheet loaded
    assert violations(page) == []
    assert elsewhere == []
    context.close()


def test_search_works_under_the_policy(watched: Watched, server: str) -> None:
    """Pagefind loads as a module, compiles WebAssembly ('wasm-unsafe-eval') and searches in
    its web worker (worker-src 'self') rather than falling back to the main thread."""
    page = watched.page()
    page.goto(server + "search/index.html")
    box = page.get_by_label("Search for help, services or information")
    box.fill("speech therapy")
    box.press("Enter")
    # Functions, not expressions: Playwright would eval() an expression, which the policy
    # refuses ('unsafe-eval' is not allowed).
    page.wait_for_function(
        "() => document.getElementById('search-status').textContent.includes('result')"
    )
    page.wait_for_function("() => document.querySelectorAll('#search-results a').length > 0")
    hrefs = page.locator("#search-results a").evaluate_all("as => as.map(a => a.href)")
    assert any("services/speech-and-language-therapy/" in h for h in hrefs), hrefs
    assert page.locator("#search-filters input[type=checkbox]").count() > 5
    assert violations(page) == []
    page.close()
    assert watched.elsewhere == []
    assert watched.console == []  # no "falling back to main thread" warning either


def test_service_worker_and_saving_for_offline_work_under_the_policy(
    watched: Watched, server: str
) -> None:
    page = watched.page()
    page.goto(server + "index.html")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    panel = page.locator("#save-offline")
    panel.get_by_text("It downloads about").wait_for()
    panel.get_by_role("button", name="Save this site for offline use").click()
    page.wait_for_function(
        "() => document.querySelector('#save-offline [role=status]')"
        ".textContent.startsWith('Saved.')",
        timeout=60_000,
    )
    assert "could not" not in panel.locator("[role=status]").inner_text()
    assert violations(page) == []
    page.close()
    assert watched.elsewhere == []
    assert watched.console == []


def test_review_date_script_works_under_the_policy(watched: Watched, server: str) -> None:
    watched.context.add_init_script(
        "Date.prototype.toISOString = () => '2099-01-01T00:00:00.000Z';"
    )
    page = watched.page()
    page.goto(server + "services/speech-and-language-therapy/index.html")
    assert page.locator("#review-warning").is_visible()
    assert violations(page) == []
    page.close()
    assert watched.console == []


def test_the_policy_blocks_inline_script_for_real(watched: Watched, server: str) -> None:
    """The policy is in force, not just written down: script put into a page by other means
    than our files does not run, and the browser reports it."""
    page = watched.page()
    page.goto(server + "index.html")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.append(script);
          const img = document.createElement("img");
          img.setAttribute("onerror", "window.__ran = true");
          img.src = "no-such-image.png";
          document.body.append(img);
        }"""
    )
    page.wait_for_function("() => window.__violations.length >= 2")
    assert page.evaluate("window.__ran") is None
    assert all("script-src" in v for v in violations(page)), violations(page)
    page.close()


def test_a_page_opened_from_disk_still_works_under_the_policy(
    browser: Browser, site_root: Path
) -> None:
    """README: open dist/index.html in a browser. 'self' covers file: addresses there."""
    context = browser.new_context()
    context.add_init_script(WATCH_POLICY)
    context.add_init_script("Date.prototype.toISOString = () => '2099-01-01T00:00:00.000Z';")
    page = context.new_page()
    page.goto((site_root / "local-offer" / "services/speech-and-language-therapy/index.html")
              .as_uri())
    header = "getComputedStyle(document.querySelector('.app-header')).backgroundColor"
    assert page.evaluate(header) == "rgb(29, 79, 145)"  # the stylesheet loaded
    assert page.locator("#review-warning").is_visible()  # and the review-date script ran
    assert violations(page) == []
    context.close()

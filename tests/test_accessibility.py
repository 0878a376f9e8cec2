"""WCAG 2.2 AA on every demo page in a real browser: axe-core with the WCAG 2.2 tags, pa11y-ci,
and the points automated rules cannot see (focus, target size, zoom, text spacing, help in the
same place). Also the page-weight budget and screenshots for reviewers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from lo_static.ci_summary import PAGE_BUDGET, page_weights, service_pages
from tests.browser_helpers import browser, open_page, server, site_root
from tests.conftest import REPO, TODAY, run

__all__ = ["browser", "server", "site_root"]  # fixtures used by the tests below

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
ARTIFACTS = REPO / "tests" / "artifacts"
TEMPLATES = {
    "home": "index.html",
    "service": "services/speech-and-language-therapy/index.html",
    "page": "education/requesting-an-ehc-needs-assessment/index.html",
    "easy-read": "education/requesting-an-ehc-needs-assessment/easy-read/index.html",
    "services": "services/index.html",
    "group": "ages/16-25/index.html",
    "a-to-z": "a-to-z/index.html",
    "law": "how-this-local-offer-meets-the-law/index.html",
    "feedback": "feedback/index.html",
    "news": "news/index.html",
    "not-found": "404.html",
    "search": "search/index.html?q=therapy",
    "glossary": "glossary/index.html",
    "offline": "offline/index.html",
}


def all_pages(site_root: Path) -> list[str]:
    root = site_root / "local-offer"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))


def test_axe_wcag_22_finds_no_violations_on_any_page(
    browser: Browser, server: str, site_root: Path
) -> None:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run scripts/test (it runs npm ci)")
    script = AXE.read_text()
    page, failures = open_page(browser, site=site_root / "local-offer")
    violations: dict[str, list[str]] = {}
    pages = all_pages(site_root)
    for path in pages:
        page.goto(server + path)
        page.add_script_tag(content=script)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        found = [
            f"{v['id']}: {v['help']} at {node['target']}"
            for v in result["violations"]
            for node in v["nodes"]
        ]
        if found:
            violations[path] = found
    page.close()
    assert len(pages) > 100
    assert violations == {}
    assert failures == []


def test_leaving_a_page_before_its_script_has_loaded_is_not_a_failed_request(
    browser: Browser, server: str, site_root: Path
) -> None:
    """The axe test above goes from page to page as soon as each is checked; the search page
    is then often still fetching its index, which the browser aborts. Those aborts are not
    failures of the site, but a request that fails where the page stays still is one."""
    page, failures = open_page(browser, site=site_root / "local-offer")
    for _ in range(10):
        page.goto(server + "search/")
        page.goto(server + "index.html")
    assert failures == []
    page.evaluate("fetch('http://127.0.0.1:1/').catch(() => null)")
    page.evaluate("""() => { const stop = new AbortController();
        fetch('search/', {signal: stop.signal}).catch(() => null); stop.abort(); }""")
    page.wait_for_timeout(300)
    page.close()
    assert sorted(entry.split(" (")[1] for entry in failures) == [
        "net::ERR_ABORTED)", "net::ERR_UNSAFE_PORT)"
    ]


def test_pa11y_finds_no_errors_on_any_page(site_root: Path) -> None:
    """`lo-static check --a11y` over the whole built demo: pa11y-ci with axe and htmlcs."""
    result = run("check", "--content", str(REPO / "content"), "--today", TODAY,
                 "--a11y", str(site_root / "local-offer"), "--format", "json")
    document = json.loads(result.stdout)
    assert [p for p in document["problems"] if p["code"] == "a11y"] == []
    assert result.exit_code == 0


def load(page: Page, server: str, name: str) -> None:
    """Open a template's example page; on the search page, wait for the results too."""
    page.goto(server + TEMPLATES[name])
    if name == "search":
        page.wait_for_selector("#search-results a")
        page.wait_for_function("document.getElementById('search-status').textContent")


def focusables(page: Page) -> int:
    return int(page.evaluate(
        "document.querySelectorAll('a[href], button, input, select, textarea, summary, "
        "[tabindex]:not([tabindex=\"-1\"])').length"
    ))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_keyboard_focus_is_visible_and_never_hidden(
    browser: Browser, server: str, site_root: Path, name: str
) -> None:
    """Tab through the whole page: the skip link comes first, and every element that takes
    focus shows a visible indicator (2.4.7) and is not hidden behind anything (2.4.11)."""
    page, _ = open_page(browser, width=1280, site=site_root / "local-offer")
    load(page, server, name)
    count = focusables(page)
    assert count > 5
    for step in range(count):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              const box = el.getClientRects()[0] || el.getBoundingClientRect();
              const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
              const y = Math.min(
                Math.max(box.top + Math.min(box.height, 20) / 2, 0), innerHeight - 1);
              const top = document.elementFromPoint(x, y);
              return {
                text: el.textContent.trim().slice(0, 40),
                indicator: style.outlineStyle !== 'none' && style.outlineWidth !== '0px'
                  || style.boxShadow !== 'none',
                inView: box.bottom > 0 && box.top < innerHeight && box.width > 0,
                onTop: top === el || el.contains(top) || (top && top.contains(el)),
              };
            }"""
        )
        if step == 0:
            assert state["text"] == "Skip to main content"
        assert state["indicator"], (name, state)
        assert state["inView"] and state["onTop"], (name, state)
    page.close()


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_targets_are_at_least_24_px(
    browser: Browser, server: str, site_root: Path, name: str
) -> None:
    """2.5.8: links outside running text (navigation, lists of links, footers) are at least
    24 by 24 CSS pixels; links inside sentences are exempt."""
    page, _ = open_page(browser, width=320, site=site_root / "local-offer")
    load(page, server, name)
    small = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button')]
          .filter(el => !el.closest('p, .app-prose li, dd, td, .app-list__summary'))
          .filter(el => getComputedStyle(el).display !== 'none' && el.offsetParent !== null)
          .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
          .filter(([, box]) => box.height < 24 || box.width < 24)
          .map(([text, box]) => `${text} ${Math.round(box.width)}x${Math.round(box.height)}`)"""
    )
    assert small == [], (name, small)
    page.close()


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_zoom_and_text_spacing_never_scroll_sideways(
    browser: Browser, server: str, site_root: Path, name: str
) -> None:
    """1.4.4 and 1.4.10: 200% zoom of a 1280 px window (640 CSS px) and 200% text size;
    1.4.12: the text-spacing overrides. No horizontal scrolling in any case."""
    page, _ = open_page(browser, width=640, site=site_root / "local-offer")
    load(page, server, name)
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    page.set_viewport_size({"width": 1280, "height": 900})
    page.add_style_tag(content="html { font-size: 200% !important; }")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.set_viewport_size({"width": 320, "height": 900})
    page.add_style_tag(
        content="html { font-size: 100% !important; } * { line-height: 1.5 !important; "
        "letter-spacing: .12em !important; word-spacing: .16em !important; } "
        "p { margin-bottom: 2em !important; }"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.close()


def test_help_is_in_the_same_place_on_every_page(
    browser: Browser, server: str, site_root: Path
) -> None:
    """3.2.6 consistent help: the same help links, in the same order, on every page."""
    page, _ = open_page(browser)
    seen: dict[tuple[str, ...], list[str]] = {}
    for path in all_pages(site_root)[::7]:
        page.goto(server + path)
        links = tuple(page.locator(".app-footer a").all_inner_texts())
        seen.setdefault(links, []).append(path)
    page.close()
    assert len(seen) == 1, seen
    (links,) = seen
    assert "Contact us" in links and "A to Z of every page and service" in links


def test_page_works_without_javascript(browser: Browser, server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + TEMPLATES["service"])
    assert page.get_by_text("Who it is for").is_visible()
    assert not page.locator("#review-warning").is_visible()
    page.get_by_role("link", name="Skip to main content").focus()
    context.close()


def test_out_of_date_warning_appears_once_review_date_passes(
    browser: Browser, server: str
) -> None:
    context = browser.new_context()
    context.add_init_script("Date.prototype.toISOString = () => '2099-01-01T00:00:00.000Z';")
    page = context.new_page()
    page.goto(server + TEMPLATES["service"])
    warning = page.locator("#review-warning")
    assert warning.is_visible()
    assert "may be out of date" in warning.inner_text()
    context.close()


def test_page_weight_budget(site_root: Path) -> None:
    """HTML + CSS + JS needed to show a page (no search used) ≤ 30 KB for every service page;
    the largest page of any kind is reported in tests/artifacts/page-weight.json."""
    root = site_root / "local-offer"
    # Each page with the stylesheet and scripts it loads (the same measure the CI summary uses).
    weights = page_weights(root)
    services = service_pages(weights)
    largest = max(weights, key=weights.__getitem__)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-weight.json").write_text(json.dumps({
        "budget_bytes": PAGE_BUDGET,
        "largest_page": largest,
        "largest_bytes": weights[largest],
        "largest_service": max(services, key=services.__getitem__),
        "largest_service_bytes": max(services.values()),
    }, indent=2) + "\n")
    over = {k: v for k, v in services.items() if v > PAGE_BUDGET}
    assert over == {}


@pytest.mark.parametrize("name", ["home", "service", "easy-read"])
@pytest.mark.parametrize("width", [320, 1280])
def test_screenshots_for_reviewers(browser: Browser, server: str, name: str, width: int) -> None:
    """Full-page screenshots in tests/artifacts/screenshots/ for a person to look at."""
    page, failures = open_page(browser, width=width)
    page.goto(server + TEMPLATES[name])
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}-{width}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    assert failures == []
    page.close()

"""The built demo site in a real browser (Debian's Chromium through Playwright), as a family
would use it: under a sub-path on a web server, and opened from disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser_helpers import browser, open_page, server, site_root

__all__ = ["browser", "server", "site_root"]  # fixtures used by the tests below


def offline_offer_shown(page: Page) -> None:
    """Wait until the home page has read offline.json and shows its offer to save the site."""
    page.locator("#save-offline").wait_for(state="visible", timeout=10_000)


def test_family_journey_under_a_sub_path(browser: Browser, server: str) -> None:
    page, failures = open_page(browser)
    page.goto(server)
    assert page.locator("h1").inner_text() == "Ashdown Vale Local Offer"
    # The home page fetches the offline manifest to offer saving the site; leaving before it
    # arrives would abort that request (a failure a family never sees, but one we record).
    offline_offer_shown(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    assert page.locator("h1").inner_text() == "Services"
    page.get_by_role("link", name="Speech and language therapy").first.click()
    assert page.url == server + "services/speech-and-language-therapy/index.html"
    assert page.get_by_text("Who it is for").is_visible()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Home").click()
    assert page.url == server + "index.html"
    offline_offer_shown(page)
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

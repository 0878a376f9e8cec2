"""Printing from the browser on A4 (Debian's Chromium through Playwright): only the content, in
black on white, every link followed by the address it goes to, nothing wider than the paper, and
a service's summary never split across two sheets. First pages of the printed PDFs are left in
tests/artifacts/print/ for a person to look at."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from pypdf import PdfReader

from lo_static import content
from lo_static.markdown import make_markdown, render_body
from tests.browser_helpers import PUBLISHED, browser, open_page, server, site_root
from tests.conftest import REPO, SiteDir, run

__all__ = ["browser", "server", "site_root"]  # fixtures used by the tests below

ARTIFACTS = REPO / "tests" / "artifacts" / "print"
PAGES = {
    "home": "index.html",
    "service": "services/speech-and-language-therapy/index.html",
    "long-page": "education/special-schools-and-independent-specialist-providers/index.html",
    "easy-read": "education/requesting-an-ehc-needs-assessment/easy-read/index.html",
    "services": "services/index.html",
}
SEARCH = "search/index.html?q=therapy"
PRINT_WIDTH = 680
"""A4 is 210 mm wide; less two 15 mm margins that leaves 180 mm, 680 CSS pixels."""
PAGE_HEIGHT = 297 / 25.4 * 96 - 2 * 15 / 25.4 * 96
"""The printable height of an A4 sheet in CSS pixels (267 mm)."""
A4_POINTS = (595.28, 841.89)
GUIDE = "about/guide.md"

SCREEN_ONLY = [
    ".app-skip-link", ".app-nav", ".app-breadcrumbs", ".app-contents", ".app-back-to-top",
    ".app-version-link", ".app-search-form", "#search-filters", ".app-letters",
    ".app-save-offline", ".app-footer__heading", ".app-footer__links",
]
"""Navigation, search and other controls that mean nothing on paper."""
ON_EVERY_PAGE = [".app-skip-link", ".app-nav", ".app-footer__links"]


def pretty(path: str) -> str:
    """`services/x/index.html` → `services/x/`, as in the canonical address."""
    return path.split("?")[0].removesuffix("index.html")


def open_for_print(browser: Browser, server: str, path: str) -> Page:
    """A page laid out as Chromium prints it: print media, as wide as an A4 sheet's text."""
    page, _ = open_page(browser, width=PRINT_WIDTH)
    page.emulate_media(media="print")
    page.goto(server + path)
    if path == SEARCH:
        page.wait_for_selector("#search-results a", state="attached")
        page.wait_for_function("document.getElementById('search-status').textContent")
    return page


def after(page: Page, selector: str) -> str:
    """What the stylesheet writes after the first element matching `selector`."""
    return str(page.eval_on_selector(selector, "el => getComputedStyle(el, '::after').content"))


def pdf_texts(data: bytes) -> list[str]:
    """The text of each page of a PDF, ligatures undone and white space collapsed."""
    reader = PdfReader(io.BytesIO(data))
    return [
        " ".join(unicodedata.normalize("NFKC", sheet.extract_text()).split())
        for sheet in reader.pages
    ]


def pdf_sizes(data: bytes) -> list[tuple[float, float]]:
    return [
        (float(sheet.mediabox.width), float(sheet.mediabox.height))
        for sheet in PdfReader(io.BytesIO(data)).pages
    ]


def page_png(data: bytes, name: str, tmp_path: Path, number: int = 1) -> Path:
    """Render one page of a PDF (the first unless told) to tests/artifacts/print/<name>.png."""
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(data)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", str(number), "-l", str(number), "-singlefile",
         str(pdf), str(ARTIFACTS / name)],
        check=True,
    )
    return ARTIFACTS / f"{name}.png"


# --- What is printed ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*sorted(PAGES), "search"])
def test_only_the_content_is_printed_in_black_on_white(
    browser: Browser, server: str, name: str
) -> None:
    """Navigation, search, contents lists and footer links show on screen but not on paper;
    everything printed is black text on a white or transparent background."""
    path = PAGES.get(name, SEARCH)
    page = open_for_print(browser, server, path)
    state: dict[str, Any] = page.evaluate(
        """selectors => ({
          present: selectors.filter(s => document.querySelector(s)),
          shown: selectors.filter(s => [...document.querySelectorAll(s)]
            .some(el => getComputedStyle(el).display !== 'none')),
          colours: [...new Set([...document.body.querySelectorAll('*')]
            .filter(el => el.getClientRects().length)
            .map(el => getComputedStyle(el))
            .map(s => `${s.color} on ${s.backgroundColor}`))],
          body: getComputedStyle(document.body).fontSize,
        })""",
        SCREEN_ONLY,
    )
    assert set(ON_EVERY_PAGE) <= set(state["present"]), state["present"]
    assert state["shown"] == []
    assert set(state["colours"]) <= {"rgb(0, 0, 0) on rgba(0, 0, 0, 0)",
                                     "rgb(0, 0, 0) on rgb(255, 255, 255)"}, state["colours"]
    assert state["body"] == "16px"  # 12pt
    assert page.locator("main h1").is_visible()
    online = page.locator("main .app-print-only")
    assert online.is_visible()
    assert online.inner_text() == f"This page online: {PUBLISHED}{pretty(path)}"
    page.emulate_media(media="screen")
    assert page.locator(".app-nav").is_visible()
    assert page.locator(".app-footer__links").is_visible()
    assert online.is_hidden()
    page.close()


def test_print_only_text_is_hidden_on_screen_and_from_screen_readers(
    browser: Browser, server: str
) -> None:
    page, _ = open_page(browser)
    page.goto(server + PAGES["service"])
    assert page.locator(".app-print-only").count() == 1
    assert page.get_by_text("This page online").is_hidden()
    assert "This page online" not in page.locator("main").aria_snapshot()
    link = ".app-prose a[data-print-url]"
    assert after(page, link) == "none"
    page.close()


def test_out_of_date_warning_is_printed_when_it_is_shown(browser: Browser, server: str) -> None:
    """The review-date warning is content: hidden until the date passes, printed after."""
    page = open_for_print(browser, server, PAGES["service"])
    assert page.locator("#review-warning").is_hidden()
    page.close()
    context = browser.new_context(viewport={"width": PRINT_WIDTH, "height": 900})
    context.add_init_script("Date.prototype.toISOString = () => '2099-01-01T00:00:00.000Z';")
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto(server + PAGES["service"])
    assert page.locator("#review-warning").is_visible()
    context.close()


def test_links_print_the_address_they_go_to(browser: Browser, server: str) -> None:
    """Web links print their address after their text, links between pages the page's full
    published address; links whose text already is the address print nothing more."""
    page = open_for_print(browser, server, PAGES["long-page"])
    internal = '.app-prose a[href="../../services/sensory-support-service/index.html"]'
    assert after(page, internal) == f'" ({PUBLISHED}services/sensory-support-service/)"'
    external = '.app-prose a[href="https://get-information-schools.service.gov.uk/"]'
    assert after(page, external) == '" (https://get-information-schools.service.gov.uk/)"'
    outside = page.evaluate(
        "[...document.querySelectorAll('[data-print-url]')].filter(a => !a.closest('.app-prose'))"
        ".length"
    )
    assert outside == 0  # navigation, listings and tags are not weighed down
    page.goto(server + "preparing-for-adulthood/housing-and-independent-living/index.html")
    assert after(page, '.app-prose a[href="https://www.ashdownvale.example/housing"]') == "none"
    page.goto(server + PAGES["service"])
    for scheme in ("https:", "mailto:", "tel:"):
        assert after(page, f".app-summary a[href^='{scheme}']") == "none"
    related = '.app-prose a[href="../../health/therapies/index.html"]'
    assert after(page, related) == f'" ({PUBLISHED}health/therapies/)"'
    page.goto(server + PAGES["services"])
    assert page.locator("[data-print-url]").count() == 0
    assert after(page, ".app-list__link") == "none"
    page.close()


# --- Nothing is cut off ------------------------------------------------------------------------

OVERFLOW = """() => {
  const main = document.querySelector('main').getBoundingClientRect();
  const wide = [];
  for (const el of document.querySelectorAll('main *')) {
    const box = [...el.getClientRects()].find(
      b => b.width && (b.right > main.right + 1 || b.left < main.left - 1));
    if (box) wide.push(`${el.tagName}.${el.className} ${Math.round(box.left)} to ` +
                       `${Math.round(box.right)}`);
  }
  return {
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    right: main.right,
    wide: wide.slice(0, 10),
  };
}"""


def assert_fits(page: Page) -> None:
    state = page.evaluate(OVERFLOW)
    assert state["client"] == PRINT_WIDTH
    assert state["scroll"] <= state["client"], state
    assert state["right"] <= PRINT_WIDTH + 1, state
    assert state["wide"] == [], state


@pytest.mark.parametrize("name", [*sorted(PAGES), "search"])
def test_nothing_is_wider_than_the_paper(browser: Browser, server: str, name: str) -> None:
    page = open_for_print(browser, server, PAGES.get(name, SEARCH))
    assert_fits(page)
    page.close()


STRESS = """
| Service | Web address | Notes |
| --- | --- | --- |
| Ashdown Vale Supercalifragilisticexpialidocious Service | https://www.ashdownvale.example/services/a-very/long/web/address/that/has/no/spaces/in/it/at/all/0123456789 | sendiass-information-advice-and-support-team@ashdownvale.example |

Read [the council's very long guidance](https://www.ashdownvale.example/education/special-educational-needs/guidance/2026/the-complete-guide-to-requesting-an-assessment?section=all&format=print).

    a code block with one long line: 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789
"""  # noqa: E501
"""What editors can write that is wider than a sheet of paper: a table with long addresses and
words, a long link and a code block."""
WIDE_PICTURE = (
    '<p><img alt="A wide picture" width="2000" height="200" src="data:image/svg+xml,'
    "%3Csvg xmlns='http://www.w3.org/2000/svg' width='2000' height='200'/%3E\"></p>"
)


def test_long_tables_links_code_and_pictures_fit_within_the_paper(
    browser: Browser, server: str
) -> None:
    stress = content.Page(rel="about/stress.md", display="about/stress.md", kind="page")
    stress.body = STRESS
    html = render_body(make_markdown(), stress, lambda rel: None, print_url_for=lambda rel: None)
    assert 'class="app-table-wrap"' in html and "<pre>" in html
    html += WIDE_PICTURE
    page = open_for_print(browser, server, PAGES["long-page"])
    page.evaluate(
        "html => document.querySelector('.app-prose').insertAdjacentHTML('beforeend', html)", html
    )
    assert_fits(page)
    page.close()


# --- On paper ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_print_on_a4_without_navigation(
    browser: Browser, server: str, name: str, tmp_path: Path
) -> None:
    """The paper size comes from the stylesheet: Chromium is asked for US Letter and must print
    A4 all the same. The first page is saved as a PNG for a reviewer."""
    page = open_for_print(browser, server, PAGES[name])
    data = page.pdf(format="Letter", prefer_css_page_size=True)
    page.close()
    for width, height in pdf_sizes(data):
        assert abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1, (width, height)
    texts = pdf_texts(data)
    whole = " ".join(texts)
    for chrome in ("Skip to main content", "Help and information", "Accessibility statement"):
        assert chrome not in whole
    assert texts[0].startswith("Ashdown Vale Council Ashdown Vale Local Offer")
    online = "".join(texts[-1].split())
    assert f"Thispageonline:{PUBLISHED}{pretty(PAGES[name])}" in online
    png = page_png(data, name, tmp_path)
    assert png.stat().st_size > 5_000


PUSH_SUMMARY_TO_PAGE_BREAK = """pageHeight => {
  const summary = document.querySelector('.app-summary').getBoundingClientRect();
  const top = summary.top + scrollY;
  const middle = top + summary.height / 2;
  const spacer = document.createElement('div');
  spacer.style.height = `${Math.ceil(middle / pageHeight) * pageHeight - middle}px`;
  document.getElementById('service-summary').before(spacer);
  return summary.height;
}"""


@pytest.mark.parametrize("pushed", [False, True], ids=["as-published", "across-a-page-break"])
def test_service_summary_is_never_split_across_pages(
    browser: Browser, server: str, pushed: bool, tmp_path: Path
) -> None:
    """"Service at a glance", from "Who it is for" to "Where", is on one sheet: as published,
    and when text above moves it so that a page break would fall through its middle."""
    page = open_for_print(browser, server, PAGES["service"])
    rows = page.eval_on_selector_all(
        ".app-summary:not(.app-summary--tags) .app-summary__row",
        "rows => rows.map(row => [row.querySelector('dt').innerText,"
        " row.querySelector('dd').innerText.split(/\\s+/).slice(0, 3).join(' ')])",
    )
    assert rows[0][0] == "Who it is for" and rows[-1][0] == "Where"
    if pushed:
        height = page.evaluate(PUSH_SUMMARY_TO_PAGE_BREAK, PAGE_HEIGHT)
        assert height < PAGE_HEIGHT
    data = page.pdf(format="A4", prefer_css_page_size=True)
    page.close()
    for width, height in pdf_sizes(data):
        assert abs(width - A4_POINTS[0]) <= 1 and abs(height - A4_POINTS[1]) <= 1
    texts = pdf_texts(data)
    first, last = (f"{dt} {dd}" for dt, dd in (rows[0], rows[-1]))
    sheets = [i for i, text in enumerate(texts) if "Service at a glance" in text]
    assert len(sheets) == 1
    sheet = texts[sheets[0]]
    assert first in sheet and last in sheet, (first, last, texts)
    for _, dd in rows:
        assert dd in sheet
    assert sheets[0] == (1 if pushed else 0)
    if pushed:
        page_png(data, "service-summary-moved-to-page-2", tmp_path, number=2)


# --- The HTML the stylesheet relies on -----------------------------------------------------------


def test_only_body_links_carry_their_printed_address(site: SiteDir) -> None:
    site.edit(
        GUIDE,
        "Start here.",
        "Start here. Email [the team](mailto:help@testshire.example) or "
        "[help@testshire.example](mailto:help@testshire.example); phone "
        "[01632 960 100](tel:01632960100) or [the helpline](tel:01632960100). Read "
        "[www.gov.uk/help](https://www.gov.uk/help/) or [GOV.UK guidance](https://www.gov.uk/x).",
    )
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    guide = (site.path.parent / "dist/about/guide/index.html").read_text()
    links = re.findall(r"<a [^>]*>[^<]*", guide)
    printed = [link for link in links if "data-print-url" in link]
    assert printed == [
        '<a href="mailto:help@testshire.example" data-print-url="help@testshire.example">'
        "the team",
        '<a href="tel:01632960100" data-print-url="01632960100">the helpline',
        '<a href="../../services/youth-club/index.html" '
        'data-print-url="https://localoffer.testshire.example/services/youth-club/">the youth club',
    ]
    assert '<a href="https://www.gov.uk/help/" class="app-url-text">www.gov.uk/help' in links
    assert '<a href="https://www.gov.uk/x">GOV.UK guidance' in links
    assert '<a href="#asking-us">later on this page' in links
    assert (
        '<p class="app-print-only">This page online: '
        "https://localoffer.testshire.example/about/guide/</p>" in guide
    )
    not_found = (site.path.parent / "dist/404.html").read_text()
    assert "app-print-only" not in not_found


def test_without_a_base_url_no_addresses_are_invented(site: SiteDir) -> None:
    site.edit("site.yaml", "base_url: https://localoffer.testshire.example/\n", "")
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    guide = (site.path.parent / "dist/about/guide/index.html").read_text()
    assert "data-print-url" not in guide
    assert "app-print-only" not in guide

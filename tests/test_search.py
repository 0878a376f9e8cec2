"""Search: the Pagefind stage of the build, and the search page in a real browser, judged by
whether a family's questions find the right page in the top three results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from lo_static import search as search_module
from tests.browser_helpers import browser, open_page, server, site_root
from tests.conftest import REPO, SiteDir, run
from tests.test_build import tree_digest

__all__ = ["browser", "server", "site_root"]  # fixtures used by the tests below

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"

# (what a parent types, a page that must be in the top three)
QUERIES = [
    ("speech therapy for my 4 year old", "services/speech-and-language-therapy/"),
    ("EHCP", "education/requesting-an-ehc-needs-assessment/"),
    ("ehcp", "education/requesting-an-ehc-needs-assessment/"),
    ("complain", "advice-and-support/disagreements-mediation-and-complaints/"),
    ("transport to college", "transport/post-16-transport-policy-statement/"),
    ("short breaks", "social-care/short-breaks-services-statement/"),
    ("autism", "services/autism-and-communication-outreach/"),
    ("SENCO", "education/send-support-in-schools/"),
    ("SENDIASS", "advice-and-support/sendiass-information-advice-and-support/"),
    ("appeal", "advice-and-support/appealing-to-the-send-tribunal/"),
    ("wheelchair", "services/wheelchair-service/"),
    ("direct payments", "social-care/personal-budgets-and-direct-payments/"),
    ("holiday clubs", "services/short-breaks-holiday-clubs/"),
    ("apprenticeship", "education/apprenticeships-supported-internships-and-traineeships/"),
    ("university", "education/higher-education-and-disabled-students-allowance/"),
    ("childcare", "childcare/childcare-and-funded-early-education/"),
    ("mental health", "health/mental-health-and-wellbeing/"),
    ("swimming", "services/accessible-swimming-sessions/"),
    ("without internet", "about/without-internet/"),
    # misspellings
    ("speach therapy", "services/speech-and-language-therapy/"),
    ("autsim", "services/autism-and-communication-outreach/"),
    ("tribunel", "advice-and-support/appealing-to-the-send-tribunal/"),
    ("wheelchiar", "services/wheelchair-service/"),
]


def search(page: Page, server: str, query: str) -> tuple[str, list[str]]:
    """Type a query as a person would; return the announced status and result addresses."""
    page.goto(server + "search/index.html")
    box = page.get_by_label("Search for help, services or information")
    box.fill(query)
    box.press("Enter")
    page.wait_for_function(
        "q => document.getElementById('search-status').textContent.includes('result')", arg=query
    )
    page.wait_for_function("document.querySelectorAll('#search-results a').length > 0 || "
                           "document.getElementById('search-status').textContent.startsWith('0')")
    hrefs = page.locator("#search-results a").evaluate_all("as => as.map(a => a.href)")
    return page.locator("#search-status").inner_text(), hrefs


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_family_queries_find_the_right_page(
    browser: Browser, server: str, query: str, expected: str
) -> None:
    page, failures = open_page(browser)
    status, hrefs = search(page, server, query)
    top = [h.removeprefix(server).removesuffix("index.html") for h in hrefs[:3]]
    assert expected in top, (query, status, top)
    assert failures == []
    page.close()


def test_spelling_correction_is_announced(browser: Browser, server: str) -> None:
    page, _ = open_page(browser)
    status, _ = search(page, server, "autsim")
    assert status.startswith("15 results for ‘autism’") or "for ‘autism’" in status
    assert "we corrected the spelling of ‘autsim’" in status
    page.close()


def test_results_show_summary_review_date_and_easy_read(browser: Browser, server: str) -> None:
    page, _ = open_page(browser)
    search(page, server, "SENDIASS")
    first = page.locator("#search-results li").filter(has_text="SENDIASS: easy read").first
    assert first.locator(".app-tag").inner_text() == "Easy read"
    assert first.locator(".app-list__meta").inner_text().startswith("Last reviewed ")
    assert first.locator(".app-list__summary").inner_text()
    page.close()


def test_filters_are_checkboxes_with_counts(browser: Browser, server: str) -> None:
    page, _ = open_page(browser)
    status, _ = search(page, server, "therapy")
    total = int(status.split()[0])
    box = page.get_by_role("checkbox", name="16 to 25 years")
    label = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
    count = int(label.rsplit("(", 1)[1].rstrip(")"))
    box.check()
    page.wait_for_function(
        "n => document.getElementById('search-status').textContent.startsWith(n + ' result')",
        arg=count,
    )
    assert 0 < count < total
    for legend in ("Age", "Need", "Topic", "Service level", "Where", "Easy read"):
        assert page.locator("legend", has_text=legend).count() == 1, legend
    page.close()


def test_search_by_keyboard_alone(browser: Browser, server: str) -> None:
    page, _ = open_page(browser)
    page.goto(server + "search/index.html")
    page.wait_for_selector("#search:not([hidden])")
    page.keyboard.press("Tab")  # skip link
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "search-input":
            break
    assert page.evaluate("document.activeElement.id") == "search-input"
    page.keyboard.type("short breaks")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results a")
    page.keyboard.press("Tab")  # the Search button
    page.keyboard.press("Tab")  # the first filter
    assert page.evaluate("document.activeElement.type") == "checkbox"
    page.keyboard.press("Space")
    page.wait_for_function("document.querySelectorAll('#search-filters input:checked').length")
    page.wait_for_timeout(500)  # the search runs again; focus must stay on the checkbox
    assert page.evaluate("document.activeElement.type") == "checkbox"
    assert page.evaluate("document.activeElement.checked")
    page.close()


def test_search_page_with_results_passes_axe(browser: Browser, server: str) -> None:
    page, _ = open_page(browser, width=320)
    search(page, server, "therapy")
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
    )
    assert [v["id"] for v in result["violations"]] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.close()


def test_without_javascript_the_search_page_lists_every_page(
    browser: Browser, server: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "search/index.html")
    assert not page.locator("#search-input").is_visible()
    assert page.locator("#search-no-js").is_visible()
    assert page.locator("h3 + ul.app-plain-list a").count() > 60
    context.close()


def test_index_holds_every_published_page(site_root: Path) -> None:
    root = site_root / "local-offer"
    entry = json.loads((root / "pagefind/pagefind-entry.json").read_text())
    pages = sum(language["page_count"] for language in entry["languages"].values())
    bodies = sum("data-pagefind-body" in p.read_text() for p in root.rglob("*.html"))
    assert pages == bodies > 90
    assert not (root / "pagefind/pagefind-ui.js").exists()  # our own interface only


def test_build_fails_when_the_index_cannot_be_built(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("build", "--today", "2026-11-23").exit_code == 0
    dist = site.path.parent / "dist"
    before = tree_digest(dist)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(site.path.parent / "no-such-pagefind"))
    site.edit("about/guide.md", "Start here.", "Start here now.")
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 2
    assert "search index not built" in result.output
    assert tree_digest(dist) == before


@pytest.mark.parametrize(
    ("incomplete_runs", "damage"), [(1, "entry lost"), (2, "entry lost"), (1, "cut short")]
)
def test_an_incomplete_index_is_made_once_more_before_the_build_fails(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch, incomplete_runs: int, damage: str
) -> None:
    """Pagefind's service now and then ends without leaving its whole index (its entry file
    missing, or a file cut short): the build runs it again, and fails (leaving the previous
    site) only if the second index is incomplete too."""
    real = search_module._index
    runs: list[int] = []

    async def flaky(site_dir: Path, output: Path) -> None:
        await real(site_dir, output)
        runs.append(1)
        if len(runs) <= incomplete_runs:
            if damage == "entry lost":
                (output / "pagefind-entry.json").unlink()
            else:
                fragment = sorted((output / "fragment").iterdir())[3]
                fragment.write_bytes(fragment.read_bytes()[:-9])

    monkeypatch.setattr(search_module, "_index", flaky)
    result = run("build", "--today", "2026-11-23")
    dist = site.path.parent / "dist"
    if incomplete_runs == 1:
        assert result.exit_code == 0, result.output
        assert json.loads((dist / "pagefind/pagefind-entry.json").read_text())["languages"]
    else:
        assert result.exit_code == 2
        assert "tried 2 times" in result.output
        assert not dist.exists()
    assert len(runs) == 2


def test_pagefind_finishes_writing_and_exits_before_it_is_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pagefind package ends its service with SIGTERM as soon as the last answer is in,
    which can cut a file short that is still being written (pagefind.js once, and search could
    not start): the service is let finish and exit by itself before that."""
    from pagefind.service import PagefindService

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        "<html lang=en><body><main data-pagefind-body><h1>Short breaks</h1></main></body></html>"
    )
    exits: list[int | None] = []
    close = PagefindService.close

    async def watched(service: PagefindService) -> None:
        exits.append(service._backend.returncode)
        await close(service)

    monkeypatch.setattr(PagefindService, "close", watched)
    index = search_module.index_site(site, 1, tmp_path / "pagefind")
    assert index.pages == 1
    assert exits == [0]  # it had exited, by itself, when the package came to end it


def test_spelling_word_list_adds_up_every_page(site: SiteDir) -> None:
    """search/words.json: each word once, lowercased, most used on the whole site first."""
    site.edit("about/guide.md", "Start here.", "Start here. Wombat" + " wombat" * 4 + " Quokka" * 3)
    site.edit("services/youth-club.md", "Games,", "Quokkas and quokka, quokka QUOKKA. Games,")
    assert run("build", "--today", "2026-11-23").exit_code == 0
    words = json.loads((site.path.parent / "dist/search/words.json").read_text())
    assert len(words) == len(set(words)) and all(word == word.lower() for word in words)
    # quokka: three times on one page and three on another; wombat: five times on one.
    assert words.index("quokka") < words.index("wombat") < words.index("quokkas")
    assert words.index("wombat") < words.index("start")
    assert "gp" in words  # glossary terms are words too


def test_word_counts_pack_and_unpack_exactly() -> None:
    counts = {"autism": 3, "short-breaks": 70_000, "parent’s": 1}
    packed = search_module.WordCounts.of(counts)
    assert dict(packed.items()) == counts
    assert list(search_module.WordCounts.of({}).items()) == []

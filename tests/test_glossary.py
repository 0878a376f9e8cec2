"""The glossary: first use of each term marked up and linked, unexplained acronyms warned."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from lo_static.content import Page
from lo_static.glossary import Glossary, Term, search_keywords
from lo_static.search import count_words
from tests.conftest import SiteDir, assert_only_error, assert_only_warning, run

GUIDE = "about/guide.md"


def build_guide(site: SiteDir) -> str:
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    return (site.path.parent / "dist/about/guide/index.html").read_text()


def test_first_use_on_a_page_is_marked_and_linked(site: SiteDir) -> None:
    html = build_guide(site)
    marked = (
        '<a class="app-glossary-link" href="../../glossary/index.html#term-gp">'
        '<abbr title="general practitioner">GP</abbr></a>'
    )
    assert html.count(marked) == 1
    assert "or ask a GP nurse" in html  # the second use stays plain


def test_terms_in_headings_and_links_stay_plain(site: SiteDir) -> None:
    site.edit(GUIDE, "## Getting help", "## Getting help from a GP")
    site.edit(GUIDE, "[the youth club]", "[the GP club]")
    html = build_guide(site)
    assert '<h2 id="getting-help-from-a-gp">Getting help from a GP</h2>' in html
    assert ">the GP club</a>" in html
    assert html.count("<abbr") == 1  # only in the table, the first use outside both


def test_glossary_page_lists_every_term(site: SiteDir) -> None:
    build_guide(site)
    html = (site.path.parent / "dist/glossary/index.html").read_text()
    assert '<div class="app-glossary__entry" id="term-gp">' in html
    assert "general practitioner" in html and "Your family doctor." in html
    footer = (site.path.parent / "dist/index.html").read_text()
    assert 'href="glossary/index.html">Glossary: words and abbreviations explained</a>' in footer


def test_unexplained_acronym_in_body(site: SiteDir) -> None:
    site.edit(GUIDE, "Start here.", "Start here with the LGSCO.")
    document = assert_only_warning("unexplained-acronym", f"content/{GUIDE}", 12)
    assert "'LGSCO' is not in the glossary" in document["problems"][0]["message"]


def test_unexplained_acronym_in_front_matter_text(site: SiteDir) -> None:
    site.edit(
        "services/youth-club.md", 'cost: "£2 a session"', 'cost: "£2, or free with a DLA award"'
    )
    assert_only_warning("unexplained-acronym", "content/services/youth-club.md", 13)


def test_plurals_and_dotted_names_are_recognised(site: SiteDir) -> None:
    site.edit(GUIDE, "Start here.", "Start here: GPs can help.")
    assert run("check", "--today", "2026-11-23").output == "no problems found\n"
    site.edit(GUIDE, "Start here: GPs can help.", "See GOV.UK.")
    document = assert_only_warning("unexplained-acronym", f"content/{GUIDE}", 12)
    assert "'GOV.UK'" in document["problems"][0]["message"]


def test_malformed_glossary_entry(site: SiteDir) -> None:
    site.write("glossary.yaml", site.text("glossary.yaml") + "- term: NHS\n  expansion: x\n")
    assert_only_error("glossary", "content/glossary.yaml", 7, message="needs 'term'")


def test_duplicate_glossary_term(site: SiteDir) -> None:
    site.write(
        "glossary.yaml",
        site.text("glossary.yaml") + "- term: GP\n  expansion: g\n  explanation: e\n",
    )
    assert_only_error("glossary", "content/glossary.yaml", 7, message="listed twice")


def test_empty_link_text_is_an_error(site: SiteDir) -> None:
    site.edit(GUIDE, "[the youth club]", "[ ]")
    assert_only_error("empty-link", f"content/{GUIDE}", 16, message="has no text")


def test_vague_link_text_is_a_warning(site: SiteDir) -> None:
    site.edit(GUIDE, "[later on this page]", "[click here]")
    assert_only_warning("vague-link-text", f"content/{GUIDE}", 16)


def test_image_link_uses_its_alt_text(site: SiteDir) -> None:
    site.edit(GUIDE, "[the youth club]", "[![The youth club](../images/family.png)]")
    assert run("check", "--today", "2026-11-23").exit_code == 0


# --- Search keywords ------------------------------------------------------------------------


def _page(body: str, title: str = "A page", summary: str = "") -> Page:
    page = Page("x.md", "x.md", "page", meta={"title": title, "summary": summary})
    page.body = body
    return page


def _keywords_one_by_one(page: Page, glossary: Glossary) -> str:
    """What search_keywords means, written the slow way: one search per term."""
    text = " ".join([page.title, str(page.meta.get("summary", "")), page.body])
    return "; ".join(
        f"{t.term} {t.expansion}"
        for t in glossary.terms
        if re.search(rf"\b{re.escape(t.term)}\b", text) or t.expansion.lower() in text.lower()
    )


PREFIXED = Glossary([
    Term("GOV", "government", "x"),
    Term("GOV.UK", "the government's website", "x"),
    Term("SEN", "special educational needs", "x"),
    Term("SEND", "special educational needs and disabilities", "x"),
    Term("EHC", "education, health and care", "x"),
    Term("EHC plan", "education, health and care plan", "x"),
    Term("UK", "United Kingdom", "x"),
])


def test_search_keywords_finds_terms_as_words_and_expansions_in_any_case() -> None:
    def keywords(body: str) -> list[str]:
        found = search_keywords(_page(body), PREFIXED).split("; ")
        return [t.term for t in PREFIXED.terms if f"{t.term} {t.expansion}" in found]

    # Both start there, and a third starts within them.
    assert keywords("Read it on GOV.UK today.") == ["GOV", "GOV.UK", "UK"]
    assert keywords("Read it on GOV.UKS today.") == ["GOV"]  # GOV.UK is not a word there
    assert keywords("The SENDIASS team.") == []
    assert keywords("Ask about SEND, then SEN.") == ["SEN", "SEND"]
    assert keywords("Ask about SEND.") == ["SEND"]
    assert keywords("SPECIAL EDUCATIONAL NEEDS support") == ["SEN"]
    # An expansion found inside a longer one, and a term at the same place as a longer one.
    assert keywords("special educational needs and disabilities") == ["SEN", "SEND"]
    assert keywords("Your EHC plan.") == ["EHC", "EHC plan"]
    assert keywords("Nothing here.") == []
    assert search_keywords(_page("SEND"), Glossary([])) == ""


_PIECES = st.sampled_from(
    ["GOV", "GOV.UK", "SEN", "SEND", "EHC", "EHC plan", "plan", "Special educational needs",
     " and disabilities", "education, health", " and care", " ", ".", "s", "x", "_", "é", "\n"]
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(_PIECES, max_size=12).map("".join), st.lists(st.booleans(), min_size=7,
       max_size=7))
def test_search_keywords_is_one_search_per_term_done_at_once(text: str, kept: list[bool]) -> None:
    glossary = Glossary([term for term, keep in zip(PREFIXED.terms, kept, strict=True) if keep])
    page = _page(text, title="GOV" if kept[0] else "Title")
    assert search_keywords(page, glossary) == _keywords_one_by_one(page, glossary)


# Expansions whose inner words stand next to every kind of neighbour a word can have.
ANCHORED = Glossary([
    Term("EHC", "education, health and care", "x"),
    Term("EHCP", "Education, Health and Care plan", "x"),
    Term("SENDIASS", "SEND information, advice and support service", "x"),
    Term("CAMHS", "child and adolescent mental health services", "x"),
    Term("PfA", "preparing for adult's-life", "x"),
    Term("KS", "key stage", "x"),  # no inner word: always searched for
    Term("LO", "a local offer (café-style)", "x"),
    Term("IKS", "information kept safely", "x"),
])

_ANCHORED_PIECES = st.sampled_from(
    ["education", "Education", "EDUCATION", ",", " ", "health", "HEALTH", "healthcare", " and ",
     "care", "care plan", "plan", "-", "'", "’", "information", "advice", "support service",
     "child", "adolescent", "mental", "services", "adult's-life", "adult", "'s-life",
     "preparing for", "key stage", "local", "offer", "(café-style)", "café", "\u0130", "\u212a",
     "\u212aept", "kept", "safely", "é", "\n", "x", "EHC",
     # Whole expansions, some with other neighbours, so many texts have one.
     "Education, Health and Care plan", "education, health and care-plan", "x-education, health",
     "preparing for adult's-life", "information \u212aept safely", "information kept safely",
     "child and adolescent mental health services", "a local offer (café-style)"]
)


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(st.lists(_ANCHORED_PIECES, max_size=16).map("".join))
def test_expansions_found_through_counted_words_as_by_searching_the_text(text: str) -> None:
    """With the page's counted words, an expansion is searched for only where its inner word
    was counted: it must find exactly what searching the whole text finds."""
    page = _page(text)
    words = count_words(page.searchable_text())
    assert search_keywords(page, ANCHORED, words=words) == _keywords_one_by_one(page, ANCHORED)


def test_an_expansion_is_looked_for_only_where_its_inner_word_was_counted() -> None:
    """The counted words decide: an expansion whose longest inner word was not counted is not
    searched for (the words must be the text's own, as analysis gives them)."""
    page = _page("Ask about education, health and care today.")
    assert "EHC education" in search_keywords(page, ANCHORED, words={"education", "health"})
    assert search_keywords(page, ANCHORED, words={"education"}) == ""
    # Without an inner word (`key stage`), or with a character that lowercases into a word's
    # (the Kelvin sign), the text is searched whatever was counted.
    assert search_keywords(_page("At key stage 2."), ANCHORED, words=set()) == "KS key stage"
    kelvin = _page("Information \u212aept safely.")
    assert search_keywords(kelvin, ANCHORED, words=set()) == "IKS information kept safely"

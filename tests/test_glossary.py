"""The glossary: first use of each term marked up and linked, unexplained acronyms warned."""

from __future__ import annotations

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

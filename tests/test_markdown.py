"""Links in Markdown: checked on tokens with real line numbers, rewritten to output URLs."""

from __future__ import annotations

import pickle
import re

import pytest

from lo_static.markdown import Link, resolve, scheme_of, slugify
from tests.conftest import SiteDir, assert_only_error, run

GUIDE = "about/guide.md"


@pytest.mark.parametrize(
    ("old", "new", "code", "message"),
    [
        (
            "../services/youth-club.md",
            "../services/youth-clubs.md",
            "broken-link",
            "did you mean '../services/youth-club.md'?",
        ),
        ("(#asking-us)", "(#asking)", "broken-anchor", "did you mean '#asking-us'?"),
        ("(#asking-us)", "(javascript:alert(1))", "unsafe-link", "'javascript:'"),
        ("(#asking-us)", "(JaVaScRiPt:alert(1))", "unsafe-link", "'javascript:'"),
        ("(#asking-us)", "(java%0ascript:alert(1))", "unsafe-link", "'javascript:'"),
        ("(#asking-us)", "(data:text/html;base64,PHNjcmlwdD4=)", "unsafe-link", "'data:'"),
        ("(#asking-us)", "(vbscript:msgbox(1))", "unsafe-link", "'vbscript:'"),
        ("(#asking-us)", "(file:///etc/passwd)", "unsafe-link", "'file:'"),
        ("../services/youth-club.md", "../../../etc/passwd", "link-outside-content", ""),
        ("../services/youth-club.md", "/services/youth-club.md", "broken-link", "relative path"),
        ("../services/youth-club.md", "../services/youth-club", "broken-link", "link to the .md"),
    ],
)
def test_link_rules(site: SiteDir, old: str, new: str, code: str, message: str) -> None:
    site.edit(GUIDE, old, new)
    assert_only_error(code, f"content/{GUIDE}", 16, message=message)


def test_anchor_on_another_page(site: SiteDir) -> None:
    site.edit("index.md", "#what-happens-next", "#what-happens")
    assert_only_error("broken-anchor", "content/index.md", 12, message="has no heading")


def test_missing_image(site: SiteDir) -> None:
    site.edit(GUIDE, "../images/family.png", "../images/famly.png")
    assert_only_error("broken-link", f"content/{GUIDE}", 25, message="image")


def test_link_to_a_draft_page(site: SiteDir) -> None:
    site.write("about/draft.md", site.text(GUIDE).replace("owner:", "draft: true\nowner:"))
    site.edit(GUIDE, "(#asking-us)", "(draft.md)")
    assert_only_error("broken-link", f"content/{GUIDE}", 16, message="draft")


def test_safe_links_pass(site: SiteDir) -> None:
    site.edit(
        GUIDE,
        "Ask your school.",
        "Ask [us](mailto:a@b.example), [phone](tel:01632960000), "
        "[GOV.UK](https://www.gov.uk/x) or [here](//example.org/).",
    )
    result = run("check", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output


def test_a_build_forgets_the_links_it_resolved_before_rendering(site: SiteDir) -> None:
    # At 5,000 services the memos hold about 20 MB that rendering never uses.
    assert run("check", "--today", "2026-11-23").exit_code == 0
    assert resolve.cache_info().currsize > 0  # checking the links fills them
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert resolve.cache_info().currsize == 0
    assert scheme_of.cache_info().currsize == 0


def test_scheme_detection_ignores_tricks() -> None:
    assert scheme_of(" javascript:x") == "javascript"
    assert scheme_of("jav\tascript:x") == "javascript"
    assert scheme_of("java&#x09;script:x") is None  # entities are decoded by the parser first
    assert scheme_of("../a.md") is None
    assert scheme_of("https://x.example") == "https"


def test_slugs_match_headings() -> None:
    assert slugify("What happens next?") == "what-happens-next"
    assert slugify("Ages 0–5: help") == "ages-05-help"


def test_links_are_rewritten_to_relative_output_urls(site: SiteDir) -> None:
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    guide = (site.path.parent / "dist/about/guide/index.html").read_text()
    assert 'href="../../services/youth-club/index.html"' in guide
    assert 'href="#asking-us"' in guide
    assert 'src="../../images/family.png"' in guide
    home = (site.path.parent / "dist/index.html").read_text()
    assert 'href="services/speech-therapy/index.html#what-happens-next"' in home
    assert (site.path.parent / "dist/images/family.png").exists()


def test_raw_html_is_escaped_never_rendered(site: SiteDir) -> None:
    site.edit(
        GUIDE, "Start here.", 'Start <img src=x onerror="alert(1)"> here.\n\n<div>block</div>'
    )
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    guide = (site.path.parent / "dist/about/guide/index.html").read_text()
    assert "<script>" not in guide
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in guide
    assert "<img src=x" not in guide and "&lt;img src=x" in guide
    assert "<div>block</div>" not in guide


def test_template_syntax_in_content_is_text(site: SiteDir) -> None:
    site.edit(GUIDE, "Start here.", "Start {{ 7 * 7 }} {% if true %}here{% endif %}.")
    site.edit(GUIDE, "title: A guide for families", 'title: "A {{ 6 * 7 }} guide"')
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    guide = (site.path.parent / "dist/about/guide/index.html").read_text()
    # Look for the evaluated values in the page's text, not in asset names (which are hashes).
    text = re.sub(r"<[^>]*>", " ", guide)
    assert "{{ 7 * 7 }}" in guide and not re.search(r"\b49\b", text)
    assert "A {{ 6 * 7 }} guide" in guide and not re.search(r"\b42\b", text)


def test_a_page_renders_the_same_however_often_it_is_rendered(site: SiteDir) -> None:
    """A page's tokens are rendered for its web page, the news feed and leaflets, each with its
    own addresses: one rendering must not leak its links, pictures or classes into the next."""
    from lo_static.content import Page
    from lo_static.markdown import make_markdown, parse_page, render_body

    site.write("images/dot.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>')
    page = Page(rel="about/x.md", display="content/about/x.md", kind="page")
    page.body = (
        "![A dot](../images/dot.svg) Words beside a picture.\n\n"
        "[Guide](guide.md) and [gone](nowhere.md)."
    )
    md = make_markdown()
    parse_page(md, page)

    def web(rel: str) -> str | None:
        return None if rel == "about/nowhere.md" else f"../{rel}"

    def paper(rel: str) -> str | None:
        return f"https://example.org/{rel}"

    first = render_body(md, page, web)
    assert render_body(md, page, paper) != first
    assert 'src="https://example.org/images/dot.svg"' in render_body(md, page, paper)
    assert render_body(md, page, web) == first
    assert 'src="../images/dot.svg"' in first and 'href="../about/guide.md"' in first
    assert first.count("app-picture-block") == 1


def test_links_come_back_whole_from_the_cache_and_the_workers() -> None:
    """Every page's links are pickled into the build cache and back from analysis workers."""
    links = [Link("../about/index.md#contact", 12, False, "Contact us"), Link("a.png", 3, True)]
    assert pickle.loads(pickle.dumps(links, protocol=5)) == links

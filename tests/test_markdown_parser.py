"""The Markdown parser (pulldown-cmark, through pyromark) on hostile and tricky bodies.

pyromark turns a Rust panic into `pyo3_runtime.PanicException`, which is not an `Exception`:
nothing in the build would catch it. An earlier parser (markdown-it-pyrs) panicked on
"a [b `c", and its link validator turned `javascript:` links into text, out of sight of the
checks. These tests keep both from coming back, pin the HTML written for raw HTML (shown as
text, and read as markdown-it reads a document without HTML), and the file lines the checks
report.
"""

from __future__ import annotations

import json
import shutil
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lo_static import markdown
from lo_static.cli import main
from lo_static.content import Page
from lo_static.markdown import (
    SAFE_SCHEMES,
    Document,
    iter_links,
    make_markdown,
    parse_page,
    render_body,
    scheme_of,
)
from lo_static.plain_language import text_blocks
from tests.conftest import MINIMAL, TODAY

MD = make_markdown()


def page_of(body: str, body_line: int = 1) -> Page:
    page = Page(rel="about/x.md", display="content/about/x.md", kind="page")
    page.body = body
    page.body_line = body_line
    return page


def render(body: str) -> str:
    page = page_of(body)
    parse_page(MD, page)
    return render_body(MD, page, lambda rel: "../" + rel)


def parses_and_renders(body: str) -> None:
    """Parsing and rendering return, and the parser reads the body (a Rust panic would come
    back as an `unreadable-markdown` problem: name the body if one comes)."""
    try:
        page = page_of(body)
        problems = parse_page(MD, page)
        assert not problems, f"the parser failed on {body[:80]!r}: {problems[0].message}"
        assert isinstance(page.tokens, Document)
        assert isinstance(render_body(MD, page, lambda rel: None), str)
        list(iter_links(page))
        list(text_blocks(page))
    except Exception:
        raise
    except BaseException as error:  # pyo3_runtime.PanicException, had parse let one through
        pytest.fail(f"the parser panicked on {body[:80]!r}: {type(error).__name__}: {error}")


class FakePanic(BaseException):
    """Stands in for pyo3_runtime.PanicException, which derives from BaseException."""


def test_a_parser_failure_is_a_problem_at_the_body_never_a_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def panic(text: str) -> None:
        raise FakePanic("index out of bounds")

    monkeypatch.setattr(markdown, "_events", panic)
    page = page_of("Some text.", body_line=9)
    [problem] = parse_page(MD, page)
    assert (problem.code, problem.path, problem.line) == ("unreadable-markdown", page.display, 9)
    assert "FakePanic: index out of bounds" in problem.message
    assert render_body(MD, page, lambda rel: None) == ""
    # Through the command line: the page's file and line, exit status 1, no traceback.
    site = tmp_path / "site"
    shutil.copytree(MINIMAL, site)
    result = CliRunner().invoke(
        main, ["check", "--content", str(site), "--today", TODAY, "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    codes = {p["code"] for p in json.loads(result.stdout)["problems"]}
    assert "unreadable-markdown" in codes
    assert "Traceback" not in result.output
    # Interrupting a build is never turned into a problem.
    monkeypatch.setattr(markdown, "_events", lambda text: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        parse_page(MD, page_of("x"))


DEEP = 10_000
HOSTILE = [
    "a [b `c",
    "a [b `c` d](e) [f `g",
    "[`",
    "![`",
    "[![`",
    "`[`](`)`",
    "> " * DEEP + "x",
    "- " * DEEP + "x",
    "1. " * 1000 + "x",
    "[" * DEEP + "x" + "](y)" * DEEP,
    "![" * DEEP + "x",
    "*" * DEEP + "x" + "*" * DEEP,
    "_a " * DEEP,
    "<" * DEEP + ">" * DEEP,
    "".join("  " * depth + "- a\n" for depth in range(2000)),
    "x" * 1_000_000,
    "[a](b) *c* `d` " * 20_000,
    "| a | b |\n| - | - |\n" + "| x | y |\n" * 20_000,
    "a\x00b [x](\x00javascript:y) &#0; `\x00`",
    "\r\n\r\r\n",
    "&#xD800; &#x110000; &#99999999; &#x0;",
    "[x]: <\n[x]",
    "<div>\n" * 5_000,
    "<!--" * 5_000,
]


@pytest.mark.parametrize("body", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_bodies_parse_and_render(body: str) -> None:
    parses_and_renders(body)


MARKDOWN = [
    *"[]()!`*_<>|\\&#:-=~\"'/ \n\t", *string.ascii_letters[:4],
    "](", "![", "[a]: ", "```", "    ", "> ", "- ", "1. ", "| - |", "&amp;", "&#0;", "\x00",
    "<a@b.c>", "<https://a.example/>", "<div>", "</div>", "<b>", "<!--", "-->", "javascript:",
    "é", "\U0001f600", "\u2028", "\xa0", "SEND",
]


@settings(max_examples=1500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(MARKDOWN), max_size=80).map("".join))
def test_any_markdown_parses_and_renders(body: str) -> None:
    parses_and_renders(body)


@pytest.mark.parametrize(
    ("body", "html"),
    [
        # An HTML block is text: the `<div>` lines stay in the paragraph, and *x* is emphasis
        # (pulldown-cmark alone would pass the block through without reading its Markdown).
        ("<div>\n*x*\n</div>", "<p>&lt;div&gt;\n<em>x</em>\n&lt;/div&gt;</p>\n"),
        (
            'Inline <b onclick="x()">bold</b> and <!-- a comment -->.',
            "<p>Inline &lt;b onclick=&quot;x()&quot;&gt;bold&lt;/b&gt; and "
            "&lt;!-- a comment --&gt;.</p>\n",
        ),
        # A <script> block would run past the blank line; as text it is two paragraphs.
        (
            "<script>\n\nalert(1)\n</script>",
            "<p>&lt;script&gt;</p>\n<p>alert(1)\n&lt;/script&gt;</p>\n",
        ),
        # A tag that turns out to be inside code keeps no trace of being read as text.
        (
            "Text\n<div>\n`code\n<span>` here",
            "<p>Text\n&lt;div&gt;\n<code>code &lt;span&gt;</code> here</p>\n",
        ),
        (
            '<a href="javascript:alert(1)">x</a>',
            "<p>&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;</p>\n",
        ),
    ],
)
def test_raw_html_is_text(body: str, html: str) -> None:
    assert render(body) == html


def test_markdown_it_html_details() -> None:
    """What the golden files do not show: the renderer writes markdown-it's HTML, quirks and
    all (line breaks kept as markdown-it keeps them, a table under a line of text without a
    leading `|`, a table right after a tight list item's text)."""
    assert render("Line  \nbreak\\\nand\ttab\t\nend") == (
        "<p>Line<br />\nbreak<br />\nand\ttab\t\nend</p>\n"
    )
    assert render("Intro\na | b\n--- | ---\n1 | 2").startswith(
        '<p>Intro</p>\n<div class="app-table-wrap">\n<table>\n<thead>\n<tr>\n<th>a</th>\n'
    )
    assert render("- one\n- two\n  | a |\n  | - |\n  | b |").startswith(
        '<ul>\n<li>one</li>\n<li>two<div class="app-table-wrap">\n\n<table>\n'
    )
    assert render("![A dot](dot.svg) Words.") == (
        '<p class="app-picture-block"><img src="../about/dot.svg" alt="A dot" /> Words.</p>\n'
    )
    assert render("## Same\n\n## Same\n\n# Top") == (
        '<h2 id="same">Same</h2>\n<h2 id="same-1">Same</h2>\n<h1>Top</h1>\n'
    )


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](java&#9;script:alert(1))",
        "[x](javascript&colon;alert(1))",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: vbscript:msgbox(1)",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "[x](file:///etc/passwd)",
        "| [x](javascript:alert(1)) |\n| - |",
    ],
)
def test_unsafe_links_reach_the_checks_and_are_never_written(link: str) -> None:
    """The parser keeps every link, whatever its scheme, so the checks see it (and refuse it);
    the renderer writes no unsafe address."""
    page = page_of(link)
    parse_page(MD, page)
    (found,) = list(iter_links(page))
    assert scheme_of(found.target.strip()) not in SAFE_SCHEMES | {None}
    html = render_body(MD, page, lambda rel: "../" + rel)
    assert "href=" not in html and ("<img" not in html or 'src=""' in html)


def test_lines_count_from_the_file() -> None:
    """Lines are counted in the text (not in UTF-8 bytes), after CRLF line endings."""
    body = (
        "Café été 😀\r\n\r\n"  # 0
        "- [one](one.md)\r\n"  # 2
        "-\r\n  [two](two.md)\r\n\r\n"  # 3, 4
        "| é | ü |\r\n| - | - |\r\n| [three](three.md) | x |\r\n\r\n"  # 6, 7, 8
        "## [Four](four.md) é\r\n\r\n"  # 10
        "Five\r\nis [here](five.md)\r\n"  # 12, 13
    )
    page = page_of(body, body_line=10)
    parse_page(MD, page)
    assert [(link.target, link.line) for link in iter_links(page)] == [
        ("one.md", 12), ("two.md", 14), ("three.md", 18), ("four.md", 20), ("five.md", 22),
    ]

"""Markdown: the parser, the link checks that walk its tokens, and the render rules.

Editors are not trusted with HTML: raw HTML is escaped, never rendered. Links are checked on the
token stream (with real line numbers: `Token.map` counts from the body, so the body's offset in
the file is added), and rewritten at render time from `.md` paths to relative output URLs, so the
site works from a sub-path, a zip or `file://`.
"""

from __future__ import annotations

import contextlib
import difflib
import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.anchors import anchors_plugin

from .content import Page
from .diagnostics import Diagnostic
from .glossary import Glossary, use_glossary
from .rules import problem

SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def slugify(text: str) -> str:
    """Heading text → anchor id, GitHub style: `## Who can use it?` → `who-can-use-it`."""
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower(), flags=re.UNICODE)
    return re.sub(r"\s+", "-", slug).strip("-") or "section"


def make_markdown(glossary: Glossary | None = None) -> MarkdownIt:
    """CommonMark plus tables and heading anchors; raw HTML is shown as text. With a glossary,
    the first use of each term on a page is marked up and linked to the glossary page."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(anchors_plugin, min_level=2, max_level=6, slug_func=slugify)
    # Keep every link in the token stream so the checks can see (and refuse) unsafe ones;
    # the link render rule below never writes an unsafe href.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("image", _render_image)
    md.add_render_rule("paragraph_open", _render_paragraph_open)
    md.add_render_rule("table_open", _render_table_open)
    md.add_render_rule("table_close", _render_table_close)
    if glossary is not None:
        use_glossary(md, glossary)
    return md


def parse_page(md: MarkdownIt, page: Page) -> None:
    """Tokenise the body and record its heading anchors."""
    page.tokens = md.parse(page.body, {})
    page.anchors = {
        str(token.attrs["id"])
        for token in page.tokens
        if token.type == "heading_open" and "id" in token.attrs
    }


def headings(page: Page, level: int = 2) -> list[tuple[str, str]]:
    """(anchor, text) of each heading of `level` in the body, for "On this page"."""
    found = []
    for index, token in enumerate(page.tokens):
        if token.type == "heading_open" and token.tag == f"h{level}" and "id" in token.attrs:
            found.append((str(token.attrs["id"]), page.tokens[index + 1].content))
    return found


VAGUE_LINK_TEXT = {
    "click here", "here", "read more", "more", "this link", "link", "this page", "find out more",
    "more information", "more info", "click", "this", "go", "details",
}


@dataclass(frozen=True)
class Link:
    """A link or image target found in a body, with its file line and (for links) text."""

    target: str
    line: int
    image: bool
    text: str = ""


def iter_links(page: Page) -> Iterator[Link]:
    """Every link and image in the page body, in order."""
    block_line = page.body_line
    for token in page.tokens:
        if token.map:
            block_line = page.body_line + token.map[0]
        children = token.children or []
        for index, child in enumerate(children):
            if child.type == "link_open":
                text = _link_text(children, index + 1)
                yield Link(str(child.attrs.get("href", "")), block_line, image=False, text=text)
            elif child.type == "image":
                yield Link(str(child.attrs.get("src", "")), block_line, image=True)


def _link_text(children: Sequence[Token], start: int) -> str:
    """What a screen reader says for a link: its text and the alt text of its images."""
    parts = []
    for child in children[start:]:
        if child.type == "link_close":
            break
        if child.type in ("text", "code_inline") or child.type == "image":
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
    return " ".join("".join(parts).split())


def scheme_of(target: str) -> str | None:
    """The URL scheme, lowercased, ignoring the spaces and controls browsers ignore."""
    match = _SCHEME.match(_INVISIBLE.sub("", unquote(target)))
    return match[1].lower() if match else None


def resolve(page_rel: str, target: str) -> tuple[str, str]:
    """A relative link from `page_rel` → (content path, fragment). Path may start with '..'."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    if not path:
        return page_rel, parts.fragment
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), path))
    return joined, parts.fragment


def check_links(page: Page, pages: dict[str, Page], assets: set[str]) -> list[Diagnostic]:
    """Broken, unsafe and escaping links in one page."""
    found: list[Diagnostic] = []
    # The links the analysis found, or the parse tree's when the page was only parsed.
    links = list(iter_links(page)) if page.tokens else page.links
    for link in links:
        found.extend(_check_link(page, link, pages, assets))
        if not link.image:
            found.extend(_check_link_text(page, link))
    return found


def _check_link_text(page: Page, link: Link) -> list[Diagnostic]:
    """WCAG 2.4.4: a link's text says where it goes, even read out of context."""
    if not link.text:
        return [
            problem(
                "empty-link",
                page.display,
                link.line,
                f"the link to '{link.target}' has no text; write what it links to between "
                "the brackets, like [how to ask for an assessment](...)",
            )
        ]
    if link.text.lower().strip(" .:!") in VAGUE_LINK_TEXT:
        return [
            problem(
                "vague-link-text",
                page.display,
                link.line,
                f"'{link.text}' does not say where the link goes; people using screen readers "
                "often hear links on their own, so name the page, like [short breaks](...)",
            )
        ]
    return []


def _check_link(
    page: Page, link: Link, pages: dict[str, Page], assets: set[str]
) -> list[Diagnostic]:
    what = "image" if link.image else "link"
    target = link.target.strip()

    def report(code: str, message: str) -> list[Diagnostic]:
        return [problem(code, page.display, link.line, message)]

    scheme = scheme_of(target)
    if scheme is not None:
        if scheme in SAFE_SCHEMES:
            return []
        return report(
            "unsafe-link",
            f"{what} '{target[:60]}' uses '{scheme}:', which is not allowed; link to "
            "https://, mailto: or tel: addresses, or to another .md file",
        )
    if target.startswith("//"):
        return []
    if target.startswith("/"):
        return report(
            "broken-link",
            f"{what} '{target}' starts with '/'; write a relative path to the file, "
            "like ../services/speech-therapy.md, so the site works in any folder",
        )
    rel, fragment = resolve(page.rel, target)
    if rel == ".." or rel.startswith("../") or rel.startswith("/"):
        return report(
            "link-outside-content",
            f"{what} '{target}' points outside the content folder; link only to files inside it",
        )
    if rel.endswith(".md"):
        if rel not in pages:
            close = difflib.get_close_matches(rel, list(pages), n=1, cutoff=0.7)
            advice = (
                f"did you mean '{_relative(page.rel, close[0])}'?"
                if close
                else ("check the file name and folder")
            )
            return report("broken-link", f"{what} '{target}' goes to no file: {advice}")
        if page.published and not pages[rel].published:
            return report(
                "broken-link",
                f"{what} '{target}' goes to a draft page, which is not published; "
                "remove the link or publish that page",
            )
        if fragment and pages[rel].readable and fragment not in pages[rel].anchors:
            close = difflib.get_close_matches(fragment, sorted(pages[rel].anchors), n=1)
            advice = f"did you mean '#{close[0]}'?" if close else "link to a heading that exists"
            return report(
                "broken-anchor",
                f"{what} '{target}': '{rel}' has no heading '#{fragment}': {advice}",
            )
        return []
    if rel not in assets:
        if rel in {p.rsplit(".", 1)[0] for p in pages} or rel + ".md" in pages:
            return report("broken-link", f"{what} '{target}': link to the .md file, '{target}.md'")
        return report("broken-link", f"{what} '{target}' goes to no file in the content folder")
    return []


def _relative(from_rel: str, to_rel: str) -> str:
    return posixpath.relpath(to_rel, posixpath.dirname(from_rel) or ".")


# --- Rendering ----------------------------------------------------------------------------------

LinkResolver = Callable[[str], str | None]
"""Given a content path (`services/x.md` or an asset), the relative URL from the current page."""


def render_body(
    md: MarkdownIt,
    page: Page,
    url_for: LinkResolver,
    glossary_url: str = "",
    print_url_for: LinkResolver | None = None,
) -> str:
    """HTML for the page body, with links rewritten through `url_for`.

    With `print_url_for` (a content path → its absolute web address, or None), links are marked
    for the print stylesheet, which writes each address after the link text on paper."""
    env: dict[str, Any] = {
        "page": page,
        "url_for": url_for,
        "glossary_url": glossary_url,
        "print_url_for": print_url_for,
    }
    # A page whose analysis is over has no parse tree left: parse it again just for this.
    tokens = page.tokens or md.parse(page.body, {})
    return md.renderer.render(tokens, md.options, env)


def _rewrite(target: str, env: EnvType) -> str | None:
    """Output href for a Markdown link target; None when the target must not be written."""
    target = target.strip()
    scheme = scheme_of(target)
    if scheme is not None:
        return target if scheme in SAFE_SCHEMES else None
    if target.startswith(("#", "//")):
        return target
    page: Page = env["page"]
    rel, fragment = resolve(page.rel, target)
    url = env["url_for"](rel)
    if url is None:
        return None
    return url + (f"#{fragment}" if fragment else "")


@contextlib.contextmanager
def _attributes_for_this_render(token: Token) -> Iterator[None]:
    """Let a render rule change a token's attributes for one rendering only. A page is parsed
    once and rendered several times (its web page, the news feed, a leaflet), each with links
    of its own; a change left on the token would leak into the next rendering."""
    saved = dict(token.attrs)
    try:
        yield
    finally:
        token.attrs = saved


def _render_link_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    with _attributes_for_this_render(token):
        target = str(token.attrs.get("href", ""))
        href = _rewrite(target, env)
        if href is None:
            token.attrs.pop("href", None)
        else:
            token.attrs["href"] = href
            if env.get("print_url_for") is not None:
                _mark_for_print(token, target.strip(), _link_text(tokens, idx + 1), env)
        return self.renderToken(tokens, idx, options, env)


PRINT_URL = "data-print-url"
"""The address the print stylesheet writes after a link's text, when its href will not do."""
URL_TEXT_CLASS = "app-url-text"
"""A web link whose text already is its address: nothing is added to it on paper."""


def _mark_for_print(token: Token, target: str, text: str, env: EnvType) -> None:
    """Say what to print after a link: web links print their href unless their text already
    is the address; mail and phone links print the address only when the text does not give
    it; links to other pages print their absolute address (only known with a `base_url`)."""
    scheme = scheme_of(target)
    if scheme in ("http", "https") or target.startswith("//"):
        if _bare(text) == _bare(target):
            token.attrJoin("class", URL_TEXT_CLASS)
        return
    if scheme in ("mailto", "tel"):
        address = unquote(target.split(":", 1)[1]).split("?")[0].strip()
        if scheme == "tel":
            same = _digits(text) == _digits(address)
        else:
            same = text.strip().lower() == address.lower()
        if address and not same:
            token.attrs[PRINT_URL] = address
        return
    if scheme is not None or target.startswith("#"):
        return
    page: Page = env["page"]
    rel, fragment = resolve(page.rel, target)
    url = env["print_url_for"](rel)
    if url:
        token.attrs[PRINT_URL] = url + (f"#{fragment}" if fragment else "")


def _bare(url: str) -> str:
    """A web address as compared by eye: no scheme, no trailing slash, any case."""
    return re.sub(r"^(https?:)?//", "", url.strip().lower()).rstrip("/")


def _digits(number: str) -> str:
    return re.sub(r"[^0-9+]", "", number)


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    with _attributes_for_this_render(token):
        src = _rewrite(str(token.attrs.get("src", "")), env)
        token.attrs["src"] = src or ""
        return self.image(tokens, idx, options, env)


def _render_paragraph_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """A paragraph that starts with a picture becomes a picture block (easy-read layout)."""
    inline = tokens[idx + 1] if idx + 1 < len(tokens) else None
    children = inline.children if inline is not None and inline.children else []
    with _attributes_for_this_render(tokens[idx]):
        if children and children[0].type == "image" and len(children) > 1:
            tokens[idx].attrJoin("class", "app-picture-block")
        return self.renderToken(tokens, idx, options, env)


def _render_table_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return '<div class="app-table-wrap">\n' + self.renderToken(tokens, idx, options, env)


def _render_table_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return self.renderToken(tokens, idx, options, env) + "</div>\n"

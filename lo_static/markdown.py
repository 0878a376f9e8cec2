"""Markdown: the parser, the link checks on what it found, and the HTML it renders.

Bodies are parsed by pulldown-cmark (through pyromark): CommonMark and tables. Editors are not
trusted with HTML: raw HTML is read as the text it is and escaped, never rendered. One pass over
the parser's events (`compile_events`) makes a `Document`: everything the checks need, with real
line numbers (counted from the body, so the body's offset in the file is added), and the HTML,
with holes for what depends on where it is shown: links are rewritten at render time from `.md`
paths to relative output URLs, so the site works from a sub-path, a zip or `file://`.

The HTML is written the way markdown-it-py (the parser before) wrote it, byte for byte: the same
line breaks after block tags, `<br />`, `<img ... />`, `<th style="text-align:left">`, link
addresses normalised by markdown-it's rules (`normalize_link`), and `&<>"` escaped everywhere.
"""

from __future__ import annotations

import codecs
import difflib
import functools
import gc
import posixpath
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import mdurl
import pyromark

from .content import Page
from .diagnostics import Diagnostic
from .errors import LoStaticError
from .glossary import GLOSSARY_CLOSE, Glossary, glossary_link_open, mark_terms, use_glossary
from .rules import problem

SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


@functools.lru_cache(maxsize=4096)  # pages share their headings ("Who can use it?")
def slugify(text: str) -> str:
    """Heading text → anchor id, GitHub style: `## Who can use it?` → `who-can-use-it`."""
    slug = re.sub(r"[^\w\- ]", "", text.strip().lower(), flags=re.UNICODE)
    return re.sub(r"\s+", "-", slug).strip("-") or "section"


class Markdown:
    """The body parser: CommonMark and tables, raw HTML read as text, anchors on headings h2 to
    h6 and, with a glossary (`use_glossary`), the first use of each term on a page marked."""

    def __init__(self) -> None:
        self.glossary: Glossary | None = None

    def parse(self, text: str) -> Document:
        """Parse a body. No text is known to make the parser fail (tests/test_markdown_parser.py
        fuzzes it); should one ever do so, `UnreadableMarkdown` says so, as pyromark turns a Rust
        panic into an exception that is not an `Exception` and that nothing else would catch."""
        try:
            return self._parse(text)
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except BaseException as error:  # a Rust panic is a BaseException, not an Exception
            raise UnreadableMarkdown(f"{type(error).__name__}: {error}") from error

    def _parse(self, text: str) -> Document:
        glossary = self.glossary
        if glossary is not None and not glossary.may_be_used_in(text):
            glossary = None  # nothing to mark: no need to look in every piece of text
        # The events and the Document hold no reference cycles, so reference counting frees
        # them; the cycle collector's passes over a large site's objects, set off by the many
        # small objects made here, would cost a third of the parse.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return compile_events(*_events(text), glossary)
        finally:
            if collecting:
                gc.enable()


def make_markdown(glossary: Glossary | None = None) -> Markdown:
    """CommonMark plus tables and heading anchors; raw HTML is shown as text. With a glossary,
    the first use of each term on a page is marked up and linked to the glossary page."""
    md = Markdown()
    if glossary is not None:
        use_glossary(md, glossary)
    return md


class UnreadableMarkdown(LoStaticError):
    """The Markdown parser failed on a body (a fault in the parser or in lo-static)."""


def parse_page(md: Markdown, page: Page, body: str | None = None) -> list[Diagnostic]:
    """Parse the body (`body`, when the caller has unpacked it already) and record its heading
    anchors. Should the parser fail, the page gets an empty body and the problem is returned,
    to be reported at the body's first line."""
    try:
        page.tokens = md.parse(page.body if body is None else body)
    except UnreadableMarkdown as error:
        page.tokens = Document([], [], [], [], "")
        page.anchors = set()
        message = (
            f"the text under the front matter could not be read as Markdown ({error}); this is a"
            " fault in lo-static, not in your writing: tell the site's maintainers, and until it"
            " is fixed, undo your latest change to this text or rewrite the part you changed"
        )
        return [problem("unreadable-markdown", page.display, page.body_line, message)]
    page.anchors = {anchor for _level, anchor, _text in page.tokens.headings}
    return []


def headings(page: Page, level: int = 2) -> list[tuple[str, str]]:
    """(anchor, text) of each heading of `level` in the body, for "On this page". The text is
    the heading's Markdown, as written."""
    return [(anchor, text) for lvl, anchor, text in page.tokens.headings if lvl == level]


VAGUE_LINK_TEXT = {
    "click here", "here", "read more", "more", "this link", "link", "this page", "find out more",
    "more information", "more info", "click", "this", "go", "details",
}


@dataclass(frozen=True, slots=True)
class Link:
    """A link or image target found in a body, with its file line and (for links) text."""

    target: str
    line: int
    image: bool
    text: str = ""

    def __reduce__(self) -> tuple[type[Link], tuple[str, int, bool, str]]:
        # Links are unpickled wherever they are checked (every page's in a cold build, 100,000
        # at 5,000 services; see packed.Pickled): rebuilt by the constructor, that takes half
        # the time the frozen slots dataclass's own `__setstate__` takes.
        return Link, (self.target, self.line, self.image, self.text)


def iter_links(page: Page) -> Iterator[Link]:
    """Every link and image in the body, in order. The line is that of the block (paragraph,
    list item, table row or heading) the link is in."""
    body_line = page.body_line
    for target, line, image, text in page.tokens.links:
        yield Link(target, body_line + line, image, text)


@functools.lru_cache(maxsize=1 << 16)
def scheme_of(target: str) -> str | None:
    """The URL scheme, lowercased, ignoring the spaces and controls browsers ignore."""
    match = _SCHEME.match(_INVISIBLE.sub("", unquote(target)))
    return match[1].lower() if match else None


@functools.lru_cache(maxsize=1 << 16)  # a link is resolved to check it, write it and print it
def resolve(page_rel: str, target: str) -> tuple[str, str]:
    """A relative link from `page_rel` → (content path, fragment). Path may start with '..'."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    if not path:
        return page_rel, parts.fragment
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), path))
    return joined, parts.fragment


def forget_links() -> None:
    """Empty the memos of `resolve` and `scheme_of` once the links are checked: at 5,000
    services they hold 65,536 resolved links (about 20 MB) that rendering never asks for, and
    forked workers would copy the memory as they touch it."""
    resolve.cache_clear()
    scheme_of.cache_clear()


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
    md: Markdown,
    page: Page,
    url_for: LinkResolver,
    glossary_url: str = "",
    print_url_for: LinkResolver | None = None,
) -> str:
    """HTML for the page body, with links rewritten through `url_for`.

    With `print_url_for` (a content path → its absolute web address, or None), links are marked
    for the print stylesheet, which writes each address after the link text on paper.

    A page is rendered several times (its web page, the news feed, a leaflet), each with links of
    its own: rendering only reads the parsed `Document`, never changes it."""
    env: dict[str, Any] = {
        "page": page,
        "url_for": url_for,
        "glossary_url": glossary_url,
        "print_url_for": print_url_for,
    }
    # A page whose analysis is over has no parse result left: parse it again just for this.
    document = page.tokens or md.parse(page.body)
    out: list[str] = []
    for part in document.parts:
        if part.__class__ is str:
            out.append(part)
        elif part[0] == "a":
            out.append(_link_open(part, env))
        elif part[0] == "img":
            out.append(_image(part, env))
        else:
            out.append(glossary_link_open(part[1], glossary_url))
    return "".join(out)


def _rewrite(target: str, env: dict[str, Any]) -> str | None:
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


def _link_open(hole: tuple[str, str, str, str], env: dict[str, Any]) -> str:
    """`<a>` with its href rewritten (none at all when the target must not be written)."""
    _kind, target, title, text = hole
    href = _rewrite(target, env)
    attributes = "" if href is None else f' href="{escape_html(href)}"'
    if title:
        attributes += f' title="{escape_html(title)}"'
    if href is not None and env["print_url_for"] is not None:
        attributes += _print_attributes(target.strip(), text, env)
    return f"<a{attributes}>"


PRINT_URL = "data-print-url"
"""The address the print stylesheet writes after a link's text, when its href will not do."""
URL_TEXT_CLASS = "app-url-text"
"""A web link whose text already is its address: nothing is added to it on paper."""


def _print_attributes(target: str, text: str, env: dict[str, Any]) -> str:
    """Say what to print after a link: web links print their href unless their text already
    is the address; mail and phone links print the address only when the text does not give
    it; links to other pages print their absolute address (only known with a `base_url`)."""
    scheme = scheme_of(target)
    if scheme in ("http", "https") or target.startswith("//"):
        if _bare(text) == _bare(target):
            return f' class="{URL_TEXT_CLASS}"'
        return ""
    if scheme in ("mailto", "tel"):
        address = unquote(target.split(":", 1)[1]).split("?")[0].strip()
        if scheme == "tel":
            same = _digits(text) == _digits(address)
        else:
            same = text.strip().lower() == address.lower()
        if address and not same:
            return f' {PRINT_URL}="{escape_html(address)}"'
        return ""
    if scheme is not None or target.startswith("#"):
        return ""
    page: Page = env["page"]
    rel, fragment = resolve(page.rel, target)
    url = env["print_url_for"](rel)
    if url:
        return f' {PRINT_URL}="{escape_html(url + (f"#{fragment}" if fragment else ""))}"'
    return ""


def _bare(url: str) -> str:
    """A web address as compared by eye: no scheme, no trailing slash, any case."""
    return re.sub(r"^(https?:)?//", "", url.strip().lower()).rstrip("/")


def _digits(number: str) -> str:
    return re.sub(r"[^0-9+]", "", number)


def _image(hole: tuple[str, str, str, str], env: dict[str, Any]) -> str:
    _kind, target, alt, title = hole
    src = _rewrite(target, env) or ""
    title_attribute = f' title="{escape_html(title)}"' if title else ""
    return f'<img src="{escape_html(src)}" alt="{escape_html(alt)}"{title_attribute} />'


def escape_html(text: str) -> str:
    """`&`, `<`, `>` and `"` as entities (what markdown-it escapes; `'` stays as it is)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


# --- Parsing ------------------------------------------------------------------------------------

_PARSER = pyromark.Markdown(options=pyromark.Options.ENABLE_TABLES)
_LINE_ENDINGS = re.compile(r"\r\n?")
_HTML_BLOCK_START = re.compile(
    # The HTML blocks (CommonMark 4.6) that can interrupt a paragraph: kinds 1 to 6.
    r"<(?:(?:script|pre|style|textarea)(?:[ \t\n>]|$)|!--|\?|![A-Za-z]|!\[CDATA\["
    r"|/?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd"
    r"|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset"
    r"|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol"
    r"|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr"
    r"|track|ul)(?:[ \t\n>]|/>|$))",
    re.IGNORECASE,
)
_RAW_HTML = re.compile(r"<(?:[!?]|/[A-Za-z]|[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$))")
"""Where raw HTML (a tag, comment, declaration or processing instruction) may start."""
RAW_HTML_PASSES = 8
"""How many times a body with raw HTML is parsed again with that HTML escaped (once, nearly
always); what is left after that is still shown as text."""


@dataclass
class Source:
    """The body as the parser read it: UTF-8 bytes (event ranges count bytes), and where bytes
    were put in (`inserted`, offsets in `data`): a backslash before raw HTML, so that it is
    read as text, or a `|` before a table (see `_events`)."""

    data: bytes
    inserted: list[int]

    def text(self, start: int, end: int) -> str:
        """The source between two byte offsets, as the editor wrote it."""
        piece = self.data[start:end]
        if self.inserted:
            cut = [i - start for i in self.inserted if start <= i < end]
            for i in reversed(cut):
                piece = piece[:i] + piece[i + 1 :]
        return piece.decode("utf-8", "replace")

    def code(self, text: str, span: Span) -> str:
        """The text of code (which has no backslash escapes) without the backslashes put before
        `<`: raw HTML that turns out to be in code once the HTML is text."""
        low = bisect_left(self.inserted, span["start"])
        high = bisect_left(self.inserted, span["end"])
        if low == high:
            return text
        written = self.data[span["start"] : span["end"]]
        ours = {  # which of the `\<` in the code are ours, counted from its start
            written.count(b"\\<", 0, i - span["start"])
            for i in self.inserted[low:high]
            if self.data[i : i + 2] == b"\\<"
        }
        pieces = text.split("\\<")
        return pieces[0] + "".join(
            ("<" if n in ours else "\\<") + piece for n, piece in enumerate(pieces[1:])
        )


Event = Any
"""One pyromark event: a dict such as `{"Text": "x"}` or a string such as `"SoftBreak"`."""
Span = dict[str, int]


def _events(text: str) -> tuple[Iterable[tuple[Event, Span]], Source]:
    """Parse `text` into events with their byte ranges.

    Line endings and NUL are normalised first, as CommonMark (and markdown-it) does. Raw HTML
    is not trusted, so it is read as text: each tag or HTML block the parser found gets a
    backslash before its `<` (a backslash-escaped `<` is plain text) and the body is parsed
    again, which gives the blocks and inlines that a parser without raw HTML finds there (the
    `<div>` of `<div>\\n*x*\\n</div>` is text, and `*x*` is emphasis, as with markdown-it).
    Likewise a `|` goes before a table that markdown-it starts under a line of text and
    pulldown-cmark does not (`_interrupting_tables`). Most bodies need neither: a look at the
    text tells, and their events are read as they come."""
    if "\r" in text:
        text = _LINE_ENDINGS.sub("\n", text)
    if "\0" in text:
        text = text.replace("\0", "\ufffd")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (never in a file read as UTF-8)
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        data = text.encode("utf-8")
    inserted: list[int] = []
    may_be_html = _RAW_HTML.search(text) is not None
    if not may_be_html and not ("|" in text and _table_headers(data)):
        return _PARSER.events_with_range(text, merge_text=True), Source(data, inserted)
    events = list(_PARSER.events_with_range(text, merge_text=True))
    if may_be_html:
        for _ in range(RAW_HTML_PASSES):
            spots = _raw_html_starts(events, data)
            if not spots:
                break
            data, inserted = _insert(b"\\", data, spots, inserted)
            events = list(_PARSER.events_with_range(data.decode("utf-8"), merge_text=True))
    spots = _interrupting_tables(events, data)
    if spots:
        data, inserted = _insert(b"|", data, spots, inserted)
        events = list(_PARSER.events_with_range(data.decode("utf-8"), merge_text=True))
    return events, Source(data, inserted)


def _raw_html_starts(events: list[tuple[Event, Span]], data: bytes) -> list[int]:
    """Byte offsets of the `<` of each raw HTML tag, and of each line of an HTML block that
    could start a block of its own once the block is text."""
    spots = []
    first_line = False
    for event, span in events:
        if event.__class__ is str:
            continue
        if "InlineHtml" in event:
            spots.append(span["start"])
        elif "Html" in event:
            spot = span["start"]
            while data[spot : spot + 1] in (b" ", b"\t"):
                spot += 1
            start = data[spot : spot + 40].decode("utf-8", "replace")
            if start.startswith("<") and (first_line or _HTML_BLOCK_START.match(start)):
                spots.append(spot)
            first_line = False
        elif event.get("Start") == "HtmlBlock":
            first_line = True
    return sorted(set(spot for spot in spots if data[spot : spot + 1] == b"<"))


def _insert(
    byte: bytes, data: bytes, spots: list[int], inserted: list[int]
) -> tuple[bytes, list[int]]:
    """`byte` put before each of the (sorted) `spots`; `inserted` (earlier ones) moved to match."""
    pieces = []
    last = 0
    for spot in spots:
        pieces += [data[last:spot], byte]
        last = spot
    pieces.append(data[last:])
    moved = [i + bisect_left(spots, i) for i in inserted]
    added = [spot + n for n, spot in enumerate(spots)]
    return b"".join(pieces), sorted(moved + added)


_DELIMITER_ROW = re.compile(rb"^[ \t]*[-:|][-:| \t]*$", re.MULTILINE)
_TABLE_DELIMITER_CELL = re.compile(r":?-+:?")


def _table_headers(data: bytes) -> list[int]:
    """Where a table without a leading `|` starts right under a line of text (no blank line
    between), as markdown-it reads it: the first `|`-less byte of its first line."""
    spots = []
    for match in _DELIMITER_ROW.finditer(data):
        header_end = match.start() - 1
        header_start = data.rfind(b"\n", 0, max(header_end, 0)) + 1
        if header_start == 0:
            continue  # the delimiter row or the header is the body's first line
        before = data[data.rfind(b"\n", 0, header_start - 1) + 1 : header_start - 1]
        if not before.strip():
            continue  # after a blank line: no paragraph to end
        header = data[header_start:header_end].decode("utf-8", "replace")
        content = header.lstrip(" \t")
        if content.startswith("|") or not _markdown_it_table(header, match.group().decode()):
            continue
        spots.append(header_start + len(header) - len(content))
    return spots


def _interrupting_tables(events: list[tuple[Event, Span]], data: bytes) -> list[int]:
    """The `_table_headers` inside a paragraph, outside lists and quotes: markdown-it ends the
    paragraph there and starts a table, pulldown-cmark reads on. A `|` put before the table's
    first line makes pulldown-cmark read it as markdown-it did."""
    spots = _table_headers(data) if b"|" in data else []
    if not spots:
        return []
    paragraphs = []
    depth = 0
    for event, span in events:
        if event.__class__ is str:
            continue
        tag = event.get("Start")
        if tag is None:
            tag = event.get("End")
            if tag is not None and tag.__class__ is dict and ("List" in tag or "BlockQuote" in tag):
                depth -= 1
            continue
        if tag == "Paragraph" and not depth:
            paragraphs.append((span["start"], span["end"]))
        elif tag.__class__ is dict and ("List" in tag or "BlockQuote" in tag):
            depth += 1
    return [spot for spot in spots if any(start < spot < end for start, end in paragraphs)]


def _markdown_it_table(header: str, delimiter: str) -> bool:
    """Whether markdown-it's table rule starts a table at these two lines."""
    if _columns(header) >= 4 or _columns(delimiter) >= 4:
        return False
    row = delimiter.lstrip(" \t")
    if len(row) < 2 or row[0] not in "|-:" or row[1] not in "|-: \t":
        return False
    if row[0] == "-" and row[1] in " \t":
        return False  # a list item
    cells = row.split("|")
    aligns = 0
    for n, cell in enumerate(cells):
        cell = cell.strip(_TRIM)
        if not cell:
            if n == 0 or n == len(cells) - 1:
                continue
            return False
        if not _TABLE_DELIMITER_CELL.fullmatch(cell):
            return False
        aligns += 1
    text = header.lstrip(" \t").strip(_TRIM)
    if "|" not in text:
        return False
    columns = re.split(r"(?<!\\)\|", text)
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return 0 < len(columns) == aligns


def _columns(line: str) -> int:
    """The indentation of a line, in columns (a tab goes to the next multiple of 4)."""
    column = 0
    for character in line:
        if character == " ":
            column += 1
        elif character == "\t":
            column += 4 - column % 4
        else:
            break
    return column


# --- Link addresses, normalised as markdown-it normalises them -----------------------------------

_PLAIN_URL = re.compile(
    r"(?:(?:https?:)?//[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*(?::[0-9]+)?(?=[/?#]|$)"
    r"|(?![A-Za-z0-9.+-]*:|//))"  # a web address's plain host name; or no scheme, no host
    r"(?:[A-Za-z0-9;/?:&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2}){0,200}"
)
"""An address that normalising leaves as it is: most of them, checked without parsing."""
_RECODE_HOSTNAME_FOR = ("http:", "https:", "mailto:")
_DOMAIN_SEPARATORS = re.compile(r"[\x2E\u3002\uFF0E\uFF61]")
_NON_ASCII = re.compile(r"[^\0-\x7E]")


@functools.lru_cache(maxsize=1 << 14)  # pages link to the same few hundred places
def normalize_link(url: str) -> str:
    """A link address as markdown-it writes it: percent-encoded (keeping valid `%XX`), with an
    international domain name in punycode. What the checks see and what `_rewrite` writes."""
    if _PLAIN_URL.fullmatch(url):
        return url
    parsed = mdurl.parse(url, slashes_denote_host=True)
    if parsed.hostname and (not parsed.protocol or parsed.protocol in _RECODE_HOSTNAME_FOR):
        with suppress(Exception):
            parsed = parsed._replace(hostname=_map_domain(parsed.hostname, _to_ascii))
    if not parsed.hostname or ":" not in parsed.hostname:
        return mdurl.encode(mdurl.format(parsed))
    return mdurl.format(  # an IPv6 host: encode the parts before format() adds its brackets
        parsed._replace(
            protocol=parsed.protocol and mdurl.encode(parsed.protocol),
            auth=parsed.auth and mdurl.encode(parsed.auth),
            hostname=mdurl.encode(parsed.hostname),
            pathname=parsed.pathname and mdurl.encode(parsed.pathname),
            search=parsed.search and mdurl.encode(parsed.search),
            hash=parsed.hash and mdurl.encode(parsed.hash),
        )
    )


def normalize_link_text(url: str) -> str:
    """The text of an autolink (`<https://...>`) as markdown-it shows it: percent-escapes and
    punycode decoded."""
    if "%" not in url and "xn--" not in url.lower() and _PLAIN_URL.fullmatch(url):
        return url
    parsed = mdurl.parse(url, slashes_denote_host=True)
    if parsed.hostname and (not parsed.protocol or parsed.protocol in _RECODE_HOSTNAME_FOR):
        with suppress(Exception):
            parsed = parsed._replace(hostname=_map_domain(parsed.hostname, _to_unicode))
    return mdurl.decode(mdurl.format(parsed), mdurl.DECODE_DEFAULT_CHARS + "%")


def _map_domain(domain: str, label_to: Callable[[str], str]) -> str:
    # As markdown-it's punycode helper: the part before the first `@` is kept as it is.
    parts = domain.split("@")
    before = ""
    if len(parts) > 1:
        before = parts[0] + "@"
        domain = parts[1]
    return before + ".".join(label_to(label) for label in _DOMAIN_SEPARATORS.split(domain))


def _to_ascii(label: str) -> str:
    return "xn--" + codecs.encode(label, "punycode").decode() if _NON_ASCII.search(label) else label


def _to_unicode(label: str) -> str:
    return str(codecs.decode(label[4:].lower(), "punycode")) if label.startswith("xn--") else label


def _heading_text(source: Source, start: int, end: int) -> str:
    """A heading's Markdown as markdown-it took it: an ATX heading's line without its `#`
    marks, a setext heading's lines without the underline."""
    written = source.text(start, end).rstrip("\n")
    if "\n" in written:  # setext
        return written[: written.rfind("\n")].strip(_TRIM)
    written = written.lstrip(" \t")
    position = len(written) - len(written.lstrip("#"))
    end = len(written.rstrip(" \t"))
    before = len(written[:end].rstrip("#"))
    if before > position and written[before - 1] in " \t":
        end = before
    return written[position:end].strip(_TRIM)


def _line_break(data: bytes, span: Span, hard: bool) -> tuple[str, bool]:
    """A line break as markdown-it reads it: hard after two spaces (or a backslash), and the
    tabs (and a lone space) before it kept in the text: pulldown-cmark drops them, and also
    takes a tab among the spaces for a hard break."""
    end = span["end"] - 1
    if data[end : end + 1] != b"\n" or (hard and data[span["start"] : span["start"] + 1] == b"\\"):
        return "", hard
    start = end
    while start > 0 and data[start - 1 : start] in (b" ", b"\t"):
        start -= 1
    white = data[start:end].decode("ascii")
    spaces = len(white) - len(white.rstrip(" "))
    if spaces >= 2:
        return white[:-spaces], True
    return white[: len(white) - spaces], False


# --- One pass over the events --------------------------------------------------------------------

_TRIM = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What markdown-it trims from a block's text and a code fence's info string (`mdTrim`)."""
_TRIMMED = frozenset(_TRIM)
_CELL_OPEN = {
    (tag, align): f"<{tag}{style}>"
    for tag in ("th", "td")
    for align, style in (
        ("None", ""),
        ("Left", ' style="text-align:left"'),
        ("Center", ' style="text-align:center"'),
        ("Right", ' style="text-align:right"'),
    )
}
TABLE_OPEN = '<div class="app-table-wrap">\n'
TABLE_CLOSE = "</div>\n"
PICTURE_BLOCK = '<p class="app-picture-block">'
"""A paragraph that starts with a picture (easy-read layout)."""

Hole = tuple[Any, ...]
"""Part of the HTML made at render time: `("a", target, title, text)` (a link's opening tag),
`("img", target, alt, title)` or `("g", term)` (the opening tags of a glossary term)."""


class Inline:
    """One run of inline content (markdown-it's `inline` token): a paragraph, a heading, a table
    cell or the text of a tight list item, from its block's first line (0-based, in the body).

    `items`: `("t", text)`, `("c", code)`, `("s",)` a line break, `("h",)` a hard line break,
    `("i", alt as written, src)` an image."""

    __slots__ = ("items", "line")

    def __init__(self, line: int) -> None:
        self.line = line
        self.items: list[tuple[str, ...]] = []


class Document:
    """A parsed body: the HTML (strings, and `Hole`s for links, pictures and glossary terms),
    the inline runs the checks read, every link and image `(target, line, image, text)`, the
    headings `(level, anchor, Markdown text)` with anchors (h2 to h6), and the body as plain text
    for the Open Referral export (headings, paragraphs, `- ` list items, `a | b` table rows;
    links keep their words, images their alt text). Lines count from the body's first (0)."""

    __slots__ = ("blocks", "headings", "links", "parts", "plain")

    def __init__(
        self,
        parts: list[str | Hole],
        blocks: list[Inline],
        links: list[tuple[str, int, bool, str]],
        headings: list[tuple[int, str, str]],
        plain: str,
    ) -> None:
        self.parts = parts
        self.blocks = blocks
        self.links = links
        self.headings = headings
        self.plain = plain


_SOFT = ("s",)
_HARD = ("h",)


def compile_events(
    events: Iterable[tuple[Event, Span]], source: Source, glossary: Glossary | None
) -> Document:
    """Everything a body's events say, in one pass: the HTML as markdown-it wrote it (line
    breaks after block tags, tight list items without `<p>`, and its quirks: a block after the
    text of a tight list item starts on a new line, a code fence does not), links with their
    lines and words, headings with unique anchors, the first use of each glossary term marked
    (not in headings, links or pictures), and the plain text."""
    data = source.data
    out: list[Any] = []
    blocks: list[Inline] = []
    links: list[Any] = []
    heads: list[tuple[int, str, str]] = []
    slugs: set[str] = set()
    # The plain text (see Document): finished blocks, the lines of the list or table being
    # read, and for each open list the number of its next item (0 for bullets).
    plain_blocks: list[str] = []
    group: list[str] = []
    plain_lists: list[list[int]] = []
    marker = ""
    row: list[str] | None = None
    # The glossary: each term is marked once per page.
    pattern = glossary.pattern if glossary is not None else None
    terms = len(glossary.by_term) if glossary is not None else 0
    seen: set[str] = set()

    inline: Inline | None = None
    items: list[tuple[str, ...]] = []
    implicit = False  # `inline` is the text of a tight list item, which has no <p>
    pending = False  # after <li> or <blockquote>: a line break, unless text or the end follows
    para_at = -1  # where the <p> of the current paragraph is in `out`
    in_code = False
    indented = False
    code: list[str] = []
    aligns: tuple[str, ...] = ()
    column = 0
    head_row = False
    tbody = False
    row_line = 0
    heading: list[Any] | None = None  # [level, index in out, title parts, start, end byte]
    open_links: list[list[Any]] = []  # [index in links, index in out, target, title, words]
    collecting: list[list[str]] = []  # the words of the open links, until a link ends
    auto_text: str | None = None  # the text of an autolink, as markdown-it shows it
    image = 0  # depth of pictures (a picture's alt text may hold another)
    picture: list[Any] = []  # [target, title, alt parts, label start, label end]
    html_lines: list[str] | None = None  # an HTML block left after RAW_HTML_PASSES
    first_at = 0  # where the current inline run starts in `out`
    holes: list[int] = []  # where the `Hole`s are in `out`
    counted = 0  # byte offset up to which lines were counted, and the line there
    line = 0

    def line_at(position: int) -> int:
        nonlocal counted, line
        if position >= counted:
            line += data.count(b"\n", counted, position)
        else:
            line -= data.count(b"\n", position, counted)
        counted = position
        return line

    def begin(line: int) -> None:
        nonlocal inline, items, first_at
        inline = Inline(line)
        items = inline.items
        blocks.append(inline)
        first_at = len(out)

    def begin_text(span: Span) -> None:
        """Inline content where no block was opened for it: a tight list item's text."""
        nonlocal implicit, pending
        pending = False
        begin(line_at(span["start"]))
        implicit = True

    def trim() -> None:
        """markdown-it trims more than spaces and tabs from a block's text (a no-break space, a
        line separator, a line of them): so does this, where the block starts or ends with
        text. What is trimmed away is left in `out` as ""."""
        at = len(out) - 1
        while items:
            kind, text = items[-1][0], items[-1][-1]
            if kind == "s" and out[at] == "\n":
                items.pop()
                out[at] = ""
                at -= 1
                continue
            if not (kind == "t" and text and text[-1] in _TRIM and out[at] == escape_html(text)):
                break
            text = text.rstrip(_TRIM)
            out[at] = escape_html(text)
            if text:
                items[-1] = ("t", text)
                break
            items.pop()
            at -= 1
        at = first_at
        while items:
            kind, text = items[0][0], items[0][-1]
            if kind == "s" and out[at] == "\n":
                del items[0]
                out[at] = ""
                at += 1
                continue
            if not (kind == "t" and text and text[0] in _TRIM and out[at] == escape_html(text)):
                break
            text = text.lstrip(_TRIM)
            out[at] = escape_html(text)
            if text:
                items[0] = ("t", text)
                break
            del items[0]
            at += 1

    def end() -> None:
        nonlocal inline, marker, implicit
        if items:
            first, last = items[0], items[-1]
            if (last[0] == "t" and last[1][-1] in _TRIMMED) or (
                first[0] == "t" and first[1][0] in _TRIMMED
            ):
                trim()
        if len(items) == 1 and items[0][0] == "t":
            text = items[0][1].strip()
        else:
            parts = []
            for item in items:
                kind = item[0]
                parts.append(" " if kind == "s" else "\n" if kind == "h" else item[1])
            text = "".join(parts).strip()
        if row is not None:
            row.append(text)
        elif plain_lists:
            indent = "  " * (len(plain_lists) - 1)
            group.append(f"{indent}{marker}{text}" if marker else f"{indent}  {text}")
            marker = ""
        elif text:
            plain_blocks.append(text)
        inline = None
        implicit = False

    def block(prefix: bool = True) -> None:
        """A block starts: end a tight item's text before it (markdown-it writes a line break
        there, except before code), and break the line after a pending <li> or <blockquote>."""
        nonlocal pending
        if implicit:
            end()
            if prefix:
                out.append("\n")
        if pending:
            out.append("\n")
            pending = False

    for event, span in events:
        if event.__class__ is str:
            if event == "Rule":
                block()
                out.append("<hr />\n")
                continue
            kept, hard = _line_break(data, span, event == "HardBreak")
            if image:
                picture[2].append(kept + "\n")
                picture[4] = max(picture[4], span["end"])
                continue
            if inline is None:
                begin_text(span)
            if kept:  # white space markdown-it keeps before the line break
                if heading is not None:
                    heading[2].append(kept)
                for words in collecting:
                    words.append(kept)
                if items and items[-1][0] == "t" and out[-1] == escape_html(items[-1][1]):
                    kept = items.pop()[1] + kept
                    out.pop()
                items.append(("t", kept))
                out.append(escape_html(kept))
            if hard:
                items.append(_HARD)
                out.append("<br />\n")
            else:
                items.append(_SOFT)
                out.append("\n")
                for words in collecting:
                    words.append(" ")
            continue

        text = event.get("Text")
        if text is not None:
            if not text:
                continue
            if in_code:
                if source.inserted:
                    text = source.code(text, span)
                code.append(text)
                out.append(escape_html(text))
                continue
            if image:
                picture[2].append(text if auto_text is None else auto_text)
                auto_text = None
                picture[4] = max(picture[4], span["end"])
                continue
            if inline is None:
                begin_text(span)
            if auto_text is not None:
                text, auto_text = auto_text, None
            if heading is not None:
                heading[2].append(text)
            if open_links:
                for words in collecting:
                    words.append(text)
            elif heading is None and pattern is not None and len(seen) < terms:
                pieces = mark_terms(text, glossary, seen)  # type: ignore[arg-type]
                if pieces is not None:
                    for piece in pieces:
                        if piece.__class__ is str:
                            items.append(("t", piece))  # type: ignore[arg-type]
                            out.append(escape_html(piece))  # type: ignore[arg-type]
                        else:
                            items.append(("t", piece.term))  # type: ignore[union-attr]
                            holes.append(len(out))
                            out += [("g", piece), escape_html(piece.term) + GLOSSARY_CLOSE]  # type: ignore[union-attr]
                    continue
            items.append(("t", text))
            if "&" in text or "<" in text or ">" in text or '"' in text:
                text = escape_html(text)
            out.append(text)
            continue

        tag = event.get("End")
        if tag is not None:
            if tag.__class__ is str:
                if tag == "Paragraph":
                    end()
                    at = para_at + 1
                    while at < len(out) and out[at] == "":
                        at += 1
                    first = out[at] if at < len(out) else None
                    if first.__class__ is tuple and first[0] == "img" and any(out[at + 1 :]):
                        out[para_at] = PICTURE_BLOCK
                    out.append("</p>\n")
                elif tag == "TableCell":
                    end()
                    out.append("</th>\n" if head_row else "</td>\n")
                elif tag == "Item":
                    if implicit:
                        end()
                    pending = False
                    out.append("</li>\n")
                elif tag == "Link":
                    if image:
                        picture[4] = max(picture[4], span["end"])
                        continue
                    # What a screen reader says for the link: its text and the alt text of
                    # its images (markdown-it's words of an outer link end where any link does).
                    assert inline is not None
                    at, where, target, title, parts = open_links.pop()
                    said = " ".join("".join(parts).split())
                    links[at] = (target, inline.line, False, said)
                    out[where] = ("a", target, title, said)
                    out.append("</a>")
                    collecting = []
                elif tag == "Image":
                    image -= 1
                    if image:
                        picture[4] = max(picture[4], span["end"])
                        continue
                    assert inline is not None
                    target, title, alt, start, stop = picture
                    after = stop
                    while data[after : after + 1] in (b" ", b"\t", b"\n"):
                        after += 1
                    if data[after : after + 1] == b"]":
                        stop = after
                    label = source.text(start, stop)
                    holes.append(len(out))
                    out.append(("img", target, "".join(alt), title))
                    items.append(("i", label, target))
                    links.append((target, inline.line, True, ""))
                    for words in collecting:
                        words.append(label)
                elif tag in ("Emphasis", "Strong"):
                    if image:
                        picture[4] = max(picture[4], span["end"])
                        continue
                    out.append("</em>" if tag == "Emphasis" else "</strong>")
                elif tag == "TableRow" or tag == "TableHead":
                    out.append("</tr>\n" if tag == "TableRow" else "</tr>\n</thead>\n")
                    head_row = False
                    group.append(" | ".join(row or ()))
                    row = None
                elif tag == "Table":
                    out.append("</tbody>\n</table>\n" if tbody else "</table>\n")
                    out.append(TABLE_CLOSE)
                    plain_blocks.append("\n".join(group))
                    group = []
                elif tag == "CodeBlock":
                    if indented and code and not code[-1].endswith("\n"):
                        code.append("\n")  # the last line of the body (markdown-it ends it)
                        out.append("\n")
                    out.append("</code></pre>\n")
                    in_code = False
                    (group if plain_lists else plain_blocks).append("".join(code).rstrip("\n"))
                elif tag == "HtmlBlock" and html_lines is not None:
                    # Only when raw HTML is left after RAW_HTML_PASSES: a paragraph of text.
                    lines = "".join(html_lines).rstrip("\n").split("\n")
                    html_lines = None
                    for n, text_line in enumerate(lines):
                        if n:
                            items.append(_SOFT)
                            out.append("\n")
                        if text_line:
                            items.append(("t", text_line))
                            out.append(escape_html(text_line))
                    end()
                    out.append("</p>\n")
            elif "Heading" in tag:
                assert heading is not None
                end()
                level, at, title, first, last = heading
                if level >= 2:
                    slug = anchor = slugify("".join(title))
                    n = 1
                    while anchor in slugs:
                        anchor = f"{slug}-{n}"
                        n += 1
                    slugs.add(anchor)
                    out[at] = f'<h{level} id="{escape_html(anchor)}">'
                    heads.append((level, anchor, _heading_text(source, first, last)))
                else:
                    out[at] = f"<h{level}>"
                out.append(f"</h{level}>\n")
                heading = None
            elif "List" in tag:
                out.append("</ol>\n" if tag["List"] else "</ul>\n")
                plain_lists.pop()
                if not plain_lists:
                    plain_blocks.append("\n".join(group))
                    group = []
            elif "BlockQuote" in tag:
                pending = False
                out.append("</blockquote>\n")
            continue

        tag = event.get("Start")
        if tag is not None:
            if tag.__class__ is str:
                if tag == "Paragraph":
                    if implicit or pending:
                        block()
                    para_at = len(out)
                    out.append("<p>")
                    inline = Inline(line_at(span["start"]))
                    items = inline.items
                    blocks.append(inline)
                    first_at = len(out)
                elif tag == "TableCell":
                    align = aligns[column] if column < len(aligns) else "None"
                    out.append(_CELL_OPEN["th" if head_row else "td", align])
                    column += 1
                    inline = Inline(row_line)
                    items = inline.items
                    blocks.append(inline)
                    first_at = len(out)
                elif tag == "Item":
                    block()
                    out.append("<li>")
                    pending = True
                    number = plain_lists[-1][0]
                    marker = f"{number}. " if number else "- "
                    if number:
                        plain_lists[-1][0] += 1
                elif tag in ("Emphasis", "Strong"):
                    if image:
                        continue
                    if inline is None:
                        begin_text(span)
                    out.append("<em>" if tag == "Emphasis" else "<strong>")
                elif tag == "TableRow" or tag == "TableHead":
                    if tag == "TableHead":
                        out.append("<thead>\n<tr>\n")
                        head_row = True
                    else:
                        out.append("<tr>\n" if tbody else "<tbody>\n<tr>\n")
                        tbody = True
                    row_line = line_at(span["start"])
                    column = 0
                    row = []
                elif tag == "HtmlBlock":
                    block()
                    para_at = len(out)
                    out.append("<p>")
                    begin(line_at(span["start"]))
                    html_lines = []
                continue
            kind, value = next(iter(tag.items()))
            if kind == "Link":
                if inline is None:
                    begin_text(span)
                destination = value["dest_url"]
                if value["link_type"] == "Email":
                    auto_text = normalize_link_text(destination)
                    destination = "mailto:" + destination
                elif value["link_type"] == "Autolink":
                    auto_text = normalize_link_text(destination)
                if image:
                    continue
                said: list[str] = []
                open_links.append(
                    [len(links), len(out), normalize_link(destination), value["title"], said]
                )
                collecting.append(said)
                links.append(None)
                holes.append(len(out))
                out.append(None)
            elif kind == "Image":
                if not image:
                    if inline is None:
                        begin_text(span)
                    start = span["start"] + 2  # after "!["
                    picture = [normalize_link(value["dest_url"]), value["title"], [], start, start]
                image += 1
            elif kind == "Heading":
                block()
                heading = [int(value["level"][1]), len(out), [], span["start"], span["end"]]
                out.append(None)
                begin(line_at(span["start"]))
            elif kind == "List":
                block()
                if value is None:
                    out.append("<ul>\n")
                    plain_lists.append([0])
                else:
                    out.append("<ol>\n" if value == 1 else f'<ol start="{value}">\n')
                    plain_lists.append([value or 1])
            elif kind == "BlockQuote":
                block()
                out.append("<blockquote>")
                pending = True
            elif kind == "CodeBlock":
                block(prefix=False)
                indented = value == "Indented"
                info = "" if indented else value["Fenced"].strip(_TRIM)
                language = re.split(f"[{_TRIM}]+", info, maxsplit=1)[0] if info else ""
                language = f' class="language-{escape_html(language)}"' if info else ""
                out.append(f"<pre><code{language}>")
                in_code = True
                code = []
            elif kind == "Table":
                after_text = implicit
                block(prefix=False)
                out.append(TABLE_OPEN + ("\n<table>\n" if after_text else "<table>\n"))
                aligns = value
                tbody = False
            continue

        # What is left: code spans, and raw HTML still there after RAW_HTML_PASSES (as text).
        text = event.get("Code")
        if text is None:
            text = event.get("InlineHtml")
            if text is None:
                if html_lines is not None and "Html" in event:
                    html_lines.append(event["Html"])
                continue
            markup = False
        else:
            markup = True
            if source.inserted:
                text = source.code(text, span)
        if image:
            picture[2].append(text)
            picture[4] = max(picture[4], span["end"])
            continue
        if inline is None:
            begin_text(span)
        if heading is not None:
            heading[2].append(text)
        for words in collecting:
            words.append(text)
        if markup:
            items.append(("c", text))
            out.append(f"<code>{escape_html(text)}</code>")
        else:
            items.append(("t", text))
            out.append(escape_html(text))

    if inline is not None:
        end()
    parts: list[str | Hole] = []
    last = 0
    for at in holes:
        if at > last:
            parts.append("".join(out[last:at]))
        parts.append(out[at])
        last = at + 1
    if last < len(out):
        parts.append("".join(out[last:]))
    plain = "\n\n".join(b for b in plain_blocks if b.strip()).strip()
    return Document(parts, blocks, links, heads, plain)

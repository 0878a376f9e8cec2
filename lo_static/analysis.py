"""Each page's own work, done once per build: parse the body, run the checks that need only the
page, and render the body to HTML. On a large site this runs in a pool of processes, one per
core, because Markdown parsing is most of a build's time.

A page's parse tree is large (hundreds of objects), so it never leaves the process that made it:
what the rest of the build needs from it (anchors, links, headings, plain text, body HTML) is
taken out here and the tree is dropped. The few renderings that need the tree again (news feed,
leaflets) parse that page again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from markdown_it import MarkdownIt

from .config import SiteConfig
from .content import Page, output_path
from .diagnostics import Diagnostic
from .glossary import Glossary, check_acronyms, search_keywords
from .markdown import LinkResolver, headings, iter_links, parse_page, render_body
from .oruk_export import plain_text_of
from .parallel import default_workers, fork_map
from .plain_language import check_alt_text, check_easy_read_text
from .reviews import check_reviews
from .site import GLOSSARY_URL, relative

POOL_MINIMUM = 300
"""Sites with fewer pages are analysed in this process: starting workers costs more than they
save (the demo has about 100 pages)."""
CHUNK = 64
"""Pages per task: large enough that sending results back is cheap, small enough to share the
work evenly between the cores."""


@dataclass(frozen=True)
class LinkTargets:
    """Where a body's links may go, known from the front matter alone (so bodies can be rendered
    before the site model exists): the published web pages, and leaflet files (linked to as
    their PDF)."""

    pages: frozenset[str]
    leaflets: dict[str, str]
    """Leaflet source file → its PDF's URL."""
    base_url: str

    @classmethod
    def of(cls, pages: Sequence[Page], base_url: str) -> LinkTargets:
        published = [page for page in pages if page.readable and page.published]
        return cls(
            pages=frozenset(page.rel for page in published if page.kind != "leaflet"),
            leaflets={
                page.rel: f"leaflets/{page.rel.rsplit('/', 1)[-1][:-3]}.pdf"
                for page in published
                if page.kind == "leaflet" and not page.is_easy_read
            },
            base_url=base_url,
        )

    def url_for(self, from_url: str) -> LinkResolver:
        """Content path → its URL relative to the output file `from_url` (None for drafts)."""

        def resolve(rel: str) -> str | None:
            if rel in self.leaflets:
                return relative(from_url, self.leaflets[rel])
            if rel.endswith(".md"):
                return relative(from_url, output_path(rel)) if rel in self.pages else None
            return relative(from_url, rel)

        return resolve

    def print_url_for(self, rel: str) -> str | None:
        """The absolute web address of a content path, printed after links on paper; None
        without a `base_url` or for a draft."""
        if not self.base_url:
            return None
        if rel in self.leaflets:
            return self.base_url + self.leaflets[rel]
        if rel.endswith(".md"):
            if rel not in self.pages:
                return None
            return self.base_url + output_path(rel).removesuffix("index.html")
        return self.base_url + rel


@dataclass
class Analysis:
    """What one page's own work found and made."""

    diagnostics: list[Diagnostic]
    anchors: set[str]
    links: list[Any]
    headings: list[tuple[str, str]]
    keywords: str
    plain_body: str
    body_html: str


@dataclass
class Work:
    """Everything the per-page work needs besides the page (inherited by forked workers)."""

    pages: list[Page]
    md: MarkdownIt
    glossary: Glossary
    config: SiteConfig
    today: date
    targets: LinkTargets


def analyse_page(page: Page, work: Work) -> Analysis:
    """Parse, check and render one readable page; the parse tree is dropped afterwards."""
    parse_page(work.md, page)
    found: list[Diagnostic] = []
    found += check_reviews(page, work.config.review, work.today)
    found += check_alt_text(page)
    found += check_acronyms(page, work.glossary)
    if page.is_easy_read:
        found += check_easy_read_text(page)
    glossary_url = relative(page.url, GLOSSARY_URL)
    result = Analysis(
        diagnostics=found,
        anchors=page.anchors,
        links=list(iter_links(page)),
        headings=headings(page),
        keywords=search_keywords(page, work.glossary),
        plain_body=plain_text_of(page.tokens),
        body_html=render_body(
            work.md,
            page,
            work.targets.url_for(page.url),
            glossary_url,
            print_url_for=work.targets.print_url_for,
        ),
    )
    page.tokens = []
    return result


def analyse_pages(work: Work, workers: int | None = None) -> list[Diagnostic]:
    """Analyse every readable page (in parallel on a large site), store what was found on each
    page, and return the problems. `workers=None` picks by the site's size and the machine."""
    readable = [index for index, page in enumerate(work.pages) if page.readable]
    if workers is None:
        workers = default_workers(len(readable), POOL_MINIMUM)
    results = fork_map(
        lambda n: analyse_page(work.pages[readable[n]], work), len(readable), workers, CHUNK
    )
    found: list[Diagnostic] = []
    for index, result in zip(readable, results, strict=True):
        page = work.pages[index]
        page.anchors = result.anchors
        page.links = result.links
        page.headings = result.headings
        page.keywords = result.keywords
        page.plain_body = result.plain_body
        page.body_html = result.body_html
        found += result.diagnostics
    return found

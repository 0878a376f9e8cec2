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

from .cache import BuildCache, key_of
from .config import SiteConfig
from .content import Page, output_path
from .diagnostics import Diagnostic
from .glossary import Glossary, check_acronyms, search_keywords
from .markdown import (
    Link,
    LinkResolver,
    Markdown,
    headings,
    iter_links,
    parse_page,
    render_body,
    resolve,
    scheme_of,
)
from .oruk_export import plain_text_of
from .packed import Packed, Pickled
from .parallel import default_workers, fork_map
from .plain_language import check_alt_text, check_easy_read_text
from .search import WordCounts, count_words
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

    def status(self, rel: str) -> str:
        """What a link to `rel` becomes: a page, a leaflet's PDF, or something else."""
        if rel in self.leaflets:
            return "leaflet " + self.leaflets[rel]
        return "page" if rel in self.pages else "other"

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
    links: Pickled[list[Link]]
    headings: Pickled[list[tuple[str, str]]]
    keywords: str
    plain_body: Packed
    body_html: Packed
    linked: tuple[str, ...] = ()
    """The content paths the body links to (whose status decides how its links are written)."""
    words: WordCounts | None = None
    """How often the page uses each word (for the search page's spelling help)."""


@dataclass
class Work:
    """Everything the per-page work needs besides the page (inherited by forked workers)."""

    pages: list[Page]
    md: Markdown
    glossary: Glossary
    config: SiteConfig
    today: date
    targets: LinkTargets


def analyse_page(page: Page, work: Work) -> Analysis:
    """Parse, check and render one readable page; the parse tree is dropped afterwards."""
    body = page.body  # unpacked once here, not by each step (a tenth of the page's time)
    found: list[Diagnostic] = parse_page(work.md, page, body)
    found += check_alt_text(page)
    found += check_acronyms(page, work.glossary)
    if page.is_easy_read:
        found += check_easy_read_text(page)
    glossary_url = relative(page.url, GLOSSARY_URL)
    links = list(iter_links(page))
    counts = count_words(page.searchable_text(body))
    result = Analysis(
        diagnostics=found,
        anchors=page.anchors,
        links=Pickled.of(links),
        headings=Pickled.of(headings(page)),
        keywords=search_keywords(page, work.glossary, body, counts),
        plain_body=Packed.of(plain_text_of(page.tokens)),
        body_html=Packed.of(render_body(
            work.md,
            page,
            work.targets.url_for(page.url),
            glossary_url,
            print_url_for=work.targets.print_url_for,
        )),
        linked=tuple(sorted(linked_paths(page, links))),
        words=WordCounts.of(counts),
    )
    page.tokens = None
    return result


def linked_paths(page: Page, links: list[Link]) -> set[str]:
    """The content paths that links and images in the body point to."""
    found = set()
    for link in links:
        target = link.target.strip()
        if scheme_of(target) is None and not target.startswith(("#", "//")):
            found.add(resolve(page.rel, target)[0])
    return found


def analyse_pages(
    work: Work, workers: int | None = None, cache: BuildCache | None = None
) -> list[Diagnostic]:
    """Analyse every readable page (in parallel on a large site), store what was found on each
    page, and return the problems. `workers=None` picks by the site's size and the machine.

    A page analysed by an earlier build, from the same bytes, glossary and settings, comes from
    the `cache`, unless a page it links to was published, drafted or removed since."""
    readable = [index for index, page in enumerate(work.pages) if page.readable]
    settings = key_of(
        "analysis",
        work.targets.base_url,
        *(f"{t.term}\0{t.expansion}\0{t.explanation}" for t in work.glossary.terms),
    )
    keys = {index: key_of(settings, work.pages[index].source_key) for index in readable}
    results: dict[int, Analysis] = {}
    if cache is not None:
        known_statuses: dict[str, str] = {}  # pages link to the same few hundred places
        for index in readable:
            stored = cache.get("analysis", keys[index])
            if stored is not None and _still_valid(stored, work.targets, known_statuses):
                results[index] = stored[0]
    todo = [index for index in readable if index not in results]
    if workers is None:
        workers = default_workers(len(todo), POOL_MINIMUM)
    fresh = fork_map(lambda n: analyse_page(work.pages[todo[n]], work), len(todo), workers, CHUNK)
    for index, result in zip(todo, fresh, strict=True):
        results[index] = result
        if cache is not None:
            statuses = tuple(work.targets.status(rel) for rel in result.linked)
            cache.put("analysis", keys[index], (result, statuses))
    found: list[Diagnostic] = []
    for index in readable:
        result = results[index]
        page = work.pages[index]
        page.anchors = result.anchors
        page.packed_links = result.links
        page.linked = result.linked
        page.packed_headings = result.headings
        page.keywords = result.keywords
        page.plain_body = result.plain_body
        page.body_html = result.body_html
        page.words = result.words
        found += result.diagnostics
    return found


def _still_valid(stored: object, targets: LinkTargets, known: dict[str, str]) -> bool:
    """A cached analysis still holds when every page it links to has the status it had.
    `known`: the statuses found so far, by content path."""
    if not (isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[0], Analysis)):
        return False
    analysis, statuses = stored
    now = []
    for rel in analysis.linked:
        status = known.get(rel)
        if status is None:
            status = known[rel] = targets.status(rel)
        now.append(status)
    return tuple(now) == statuses

"""The shape of the published site, derived from validated pages: listings, navigation, URLs.

Nothing here reads or writes files. It decides which pages are published, which generated pages
exist (service directory, topic, age and need pages, A to Z, the statutory page, feedback and
news lists), and how every page's breadcrumbs run.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from .config import SiteConfig
from .content import Page, output_path
from .glossary import Glossary
from .leaflets import Leaflet, leaflets_of
from .schema import AGE_GROUPS, NEED_TYPES, TOPICS
from .statutory import Coverage, feedback_window, recent_feedback

AGE_LABELS = {
    "0-5": "0 to 5 years",
    "5-11": "5 to 11 years",
    "11-16": "11 to 16 years",
    "16-25": "16 to 25 years",
}
NEED_LABELS = {
    "communication-and-interaction": "Communication and interaction",
    "cognition-and-learning": "Cognition and learning",
    "social-emotional-and-mental-health": "Social, emotional and mental health",
    "sensory-and-physical": "Sensory and physical needs",
}
TOPIC_LABELS = {
    "education": "Education",
    "health": "Health",
    "social-care": "Social care",
    "preparing-for-adulthood": "Preparing for adulthood",
    "leisure": "Leisure and things to do",
    "advice-and-support": "Advice and support",
    "transport": "Travel and transport",
    "childcare": "Childcare",
}
LEVEL_LABELS = {
    "universal": "Universal: open to everyone",
    "targeted": "Targeted: for children and young people with some extra needs",
    "specialist": "Specialist: for complex needs, usually by referral",
}
COVERAGE_LABELS = {
    "in-area": "In our area",
    "out-of-area": "Outside our area, used by local families",
    "regional": "Regional",
    "national": "National",
}
THEME_LABELS = {
    "content": "What the Local Offer says",
    "accessibility": "How easy it is to use",
    "development": "How the Local Offer is developed",
}
STATUS_LABELS = {"planned": "Planned", "in-progress": "In progress", "done": "Done"}

SERVICES_URL = "services/index.html"
A_TO_Z_URL = "a-to-z/index.html"
LAW_URL = "how-this-local-offer-meets-the-law/index.html"
FEEDBACK_URL = "feedback/index.html"
NEWS_URL = "news/index.html"
NEWS_FEED_URL = "news/feed.xml"
"""The Atom feed of the news (written only when there is news)."""
NEWS_SUMMARY = "Local SEND news and updates."
GLOSSARY_URL = "glossary/index.html"
SEARCH_URL = "search/index.html"
OFFLINE_URL = "offline/index.html"
LEAFLETS_URL = "leaflets/index.html"
NOT_FOUND_URL = "404.html"
SITEMAP_URL = "sitemap.xml"


def topic_url(topic: str) -> str:
    return f"topics/{topic}/index.html"


def age_url(group: str) -> str:
    return f"ages/{group}/index.html"


def need_url(need: str) -> str:
    return f"needs/{need}/index.html"


def reserved_urls() -> set[str]:
    """Output files the build generates, which no content file may also claim."""
    urls = {SERVICES_URL, A_TO_Z_URL, LAW_URL, FEEDBACK_URL, NEWS_URL, NEWS_FEED_URL,
            NOT_FOUND_URL, GLOSSARY_URL, SEARCH_URL, OFFLINE_URL, LEAFLETS_URL}
    urls |= {topic_url(t) for t in TOPICS} | {age_url(a) for a in AGE_GROUPS}
    urls |= {need_url(n) for n in NEED_TYPES}
    return urls


@dataclass(frozen=True)
class Crumb:
    label: str
    url: str


@dataclass
class Listing:
    """A generated page: a title, an introduction and the items it lists."""

    url: str
    template: str
    title: str
    summary: str
    context: dict[str, Any] = field(default_factory=dict)
    crumbs: list[Crumb] = field(default_factory=list)


def _sort_key(page: Page) -> tuple[int, str, str]:
    return (int(page.meta.get("order", 1000)), page.title.casefold(), page.rel)


@dataclass
class SiteModel:
    """Everything the renderer needs, already sorted and grouped."""

    config: SiteConfig
    today: date
    pages: list[Page]
    coverage: Coverage
    assets: list[str]
    glossary: Glossary = field(default_factory=lambda: Glossary([]))
    by_rel: dict[str, Page] = field(init=False)
    listings: list[Listing] = field(init=False)
    leaflets: list[Leaflet] = field(init=False)
    """Printed leaflets (PDFs); their source files are not web pages."""
    leaflet_sources: dict[str, Leaflet] = field(init=False)
    """Leaflet file → its standard PDF, so content can link to a leaflet by its .md path."""

    def __post_init__(self) -> None:
        published = [p for p in self.pages if p.published]
        self.leaflets = leaflets_of(published)
        self.leaflet_sources = {
            leaflet.source.rel: leaflet for leaflet in self.leaflets if not leaflet.easy_read
        }
        self.pages = [p for p in published if p.kind != "leaflet"]
        self.by_rel = {p.rel: p for p in self.pages}
        for page in self.pages:
            easy = page.rel[:-3] + ".easy-read.md"
            if not page.is_easy_read and easy in self.by_rel:
                page.easy_read_rel = easy
        self.listings = self._listings()

    # -- groups ----------------------------------------------------------------------------

    @cached_property
    def standard(self) -> list[Page]:
        """Published standard pages and services (no easy-read, feedback or news)."""
        return sorted(
            (p for p in self.pages if not p.is_easy_read and p.kind in ("page", "service")),
            key=_sort_key,
        )

    @cached_property
    def services(self) -> list[Page]:
        return [p for p in self.standard if p.kind == "service"]

    @cached_property
    def feedback(self) -> list[Page]:
        items = [p for p in self.pages if p.kind == "feedback" and not p.is_easy_read]
        return sorted(items, key=lambda p: (p.meta.get("date") or date.min, p.rel), reverse=True)

    @cached_property
    def news(self) -> list[Page]:
        items = [p for p in self.pages if p.kind == "news" and not p.is_easy_read]
        return sorted(items, key=lambda p: (p.meta.get("date") or date.min, p.rel), reverse=True)

    def leaflets_covering(self, page: Page) -> list[Leaflet]:
        """The leaflets that carry this page (easy-read leaflets carry easy-read pages)."""
        return [leaflet for leaflet in self.leaflets if any(c is page for c in leaflet.covers)]

    def grouped(self, key: str, values: tuple[str, ...]) -> dict[str, list[Page]]:
        groups: dict[str, list[Page]] = {v: [] for v in values}
        for page in self.standard:
            for value in page.meta.get(key, ()):
                groups[value].append(page)
        return groups

    # -- generated pages ---------------------------------------------------------------------

    def _listings(self) -> list[Listing]:
        home = Crumb("Home", "index.html")
        listings = [
            Listing(
                SERVICES_URL,
                "services.html",
                "Services",
                "Every service in the Local Offer, A to Z, with who it is for.",
                {"services": self.services},
                [home],
            ),
            Listing(
                A_TO_Z_URL,
                "a_to_z.html",
                "A to Z of pages and services",
                "Every page and service in this Local Offer in alphabetical order.",
                {"letters": self.a_to_z},
                [home],
            ),
            Listing(
                SEARCH_URL,
                "search.html",
                "Search",
                "Search every page and service, or browse them all from A to Z.",
                {"letters": self.a_to_z},
                [home],
            ),
            Listing(
                LAW_URL,
                "law.html",
                "How this Local Offer meets the law",
                "Each thing the law says a Local Offer must include, and the pages that do it.",
                {"coverage": self.coverage},
                [home],
            ),
        ]
        feedback = self.feedback
        if feedback:
            listings.append(
                Listing(
                    FEEDBACK_URL,
                    "feedback_list.html",
                    "You said, we did",
                    "What families told us about the Local Offer and what we did about it.",
                    {"years": _by_year(feedback), **self.feedback_summary()},
                    [home],
                )
            )
        if self.glossary.terms:
            listings.append(
                Listing(GLOSSARY_URL, "glossary.html", "Glossary: words and abbreviations",
                        "What the words and abbreviations used in this Local Offer mean.",
                        {"terms": self.glossary.terms}, [home])
            )
        if self.news:
            listings.append(
                Listing(
                    NEWS_URL,
                    "news_list.html",
                    "News",
                    NEWS_SUMMARY,
                    {"items": self.news},
                    [home],
                )
            )
        for topic, pages in self.grouped("topics", TOPICS).items():
            listings.append(
                Listing(
                    topic_url(topic),
                    "group.html",
                    TOPIC_LABELS[topic],
                    f"Pages and services about {TOPIC_LABELS[topic].lower()}.",
                    {"items": pages},
                    [home],
                )
            )
        for group, pages in self.grouped("age_groups", AGE_GROUPS).items():
            listings.append(
                Listing(
                    age_url(group),
                    "group.html",
                    f"Ages {AGE_LABELS[group]}",
                    f"Pages and services for children and young people aged {AGE_LABELS[group]}.",
                    {"items": pages},
                    [home],
                )
            )
        for need, pages in self.grouped("need_types", NEED_TYPES).items():
            listings.append(
                Listing(
                    need_url(need),
                    "group.html",
                    NEED_LABELS[need],
                    f"Pages and services for {NEED_LABELS[need].lower()}.",
                    {"items": pages},
                    [home],
                )
            )
        if self.leaflets:
            listings.append(
                Listing(
                    LEAFLETS_URL,
                    "leaflets.html",
                    "Leaflets to print",
                    "Leaflets about the Local Offer to print, or to pick up free.",
                    {"leaflets": self.leaflets},
                    [home],
                )
            )
        listings.append(
            Listing(
                OFFLINE_URL,
                "offline.html",
                "You are offline",
                "This page has not been saved on this device yet.",
                {},
                [home],
            )
        )
        listings.append(
            Listing(
                NOT_FOUND_URL,
                "not_found.html",
                "Page not found",
                "The page you asked for is not here.",
                {},
                [],
            )
        )
        return listings

    def recent_feedback(self) -> list[Page]:
        """Feedback received in the 12 months before today (CoP 4.24)."""
        return recent_feedback(self.feedback, self.today)

    def feedback_summary(self) -> dict[str, Any]:
        """The last 12 months of comments for the "You said, we did" page (CoP 4.24): the
        entries, the dates they cover, and how many there are per theme and per status."""
        recent = self.recent_feedback()
        statuses = [(STATUS_LABELS[s], _count(recent, "status", s)) for s in STATUS_LABELS]
        unknown = _count(recent, "status", None)
        if unknown:
            statuses.append(("Not given", unknown))
        return {
            "recent": recent,
            "window": feedback_window(self.today),
            "recent_themes": [(THEME_LABELS[t], _count(recent, "theme", t)) for t in THEME_LABELS],
            "recent_statuses": statuses,
        }

    @cached_property
    def a_to_z(self) -> list[tuple[str, list[Page]]]:
        """Published standard pages and services by first letter of their titles (for the A
        to Z and the search page's list, made once for both)."""
        letters: dict[str, list[Page]] = defaultdict(list)
        for page in sorted(self.standard, key=lambda p: p.title.casefold()):
            first = page.title[:1].upper()
            letters[first if first.isalpha() else "#"].append(page)
        return sorted(letters.items())

    # -- breadcrumbs -------------------------------------------------------------------------

    def crumbs(self, page: Page) -> list[Crumb]:
        """Home, then the page's section, then (for easy read) its standard page."""
        trail = [Crumb("Home", "index.html")] if page.rel != "index.md" else []
        top = page.rel.split("/", 1)[0] if "/" in page.rel else ""
        section = {
            "service": Crumb("Services", SERVICES_URL),
            "feedback": Crumb("You said, we did", FEEDBACK_URL),
            "news": Crumb("News", NEWS_URL),
        }.get(page.kind)
        folder_index = f"{top}/index.md"
        if section:
            trail.append(section)
        elif top and folder_index in self.by_rel and folder_index != page.standard_rel:
            trail.append(Crumb(self.by_rel[folder_index].title, output_path(folder_index)))
        elif top in TOPIC_LABELS:
            trail.append(Crumb(TOPIC_LABELS[top], topic_url(top)))
        if page.is_easy_read and page.standard_rel in self.by_rel:
            standard = self.by_rel[page.standard_rel]
            trail.append(Crumb(standard.title, standard.url))
        return trail


def _count(pages: list[Page], key: str, value: str | None) -> int:
    """How many pages have `value` in field `key` (None: the field is not given)."""
    return sum(1 for page in pages if page.meta.get(key) == value)


def _by_year(pages: list[Page]) -> list[tuple[int, list[tuple[str, list[Page]]]]]:
    """Feedback grouped by year (newest first), then by theme in a fixed order."""
    years: dict[int, dict[str, list[Page]]] = defaultdict(lambda: defaultdict(list))
    for page in pages:
        when = page.meta.get("date") or date.min
        years[when.year][page.meta.get("theme", "content")].append(page)
    return [
        (year, [(t, years[year][t]) for t in THEME_LABELS if years[year].get(t)])
        for year in sorted(years, reverse=True)
    ]


def relative(from_url: str, to_url: str) -> str:
    """A link from one output file to another, e.g. `../../services/index.html`.

    The same as `posixpath.relpath(to_url, dirname(from_url))`, which is slow for the hundreds
    of thousands of links a large site has; plain paths (no `.`/`..` parts, no doubled or
    leading slashes) take a quicker route that gives the same answer, with each path's parts
    remembered (a page links to the same few dozen places as every other, and every page is
    linked from many): checking and splitting them took 4% of a cold build's work."""
    start = _folders(from_url)
    target = _parts(to_url)
    if start is None or target is None:
        return posixpath.relpath(to_url, posixpath.dirname(from_url) or ".")
    common = 0
    for mine, theirs in zip(start, target, strict=False):
        if mine != theirs:
            break
        common += 1
    return "/".join(("..",) * (len(start) - common) + target[common:]) or "."


@functools.lru_cache(maxsize=16384)
def _folders(url: str) -> tuple[str, ...] | None:
    """The folders a plain output path lies in (None when it is not plain)."""
    return tuple(url.split("/")[:-1]) if _PLAIN_PATH.match(url) else None


@functools.lru_cache(maxsize=16384)
def _parts(url: str) -> tuple[str, ...] | None:
    """A plain output path's parts, a trailing slash dropped (None when it is not plain)."""
    return tuple(url.rstrip("/").split("/")) if _PLAIN_PATH.match(url) else None


_PLAIN_PATH = re.compile(r"^(?!\.{1,2}(?:/|$))(?!.*/\.{1,2}(?:/|$))[^/]+(?:/[^/]+)*/?$")
"""A relative path without empty, `.` or `..` parts (a trailing slash is allowed)."""

"""Render the site model to HTML and XML with Jinja2, in memory.

Autoescape is on and undefined variables are errors (a template typo must never render as empty
text). Only Markdown output is marked safe, and Markdown never passes raw HTML through. Content
is never treated as a template, so `{{ }}` in content stays text.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape as xml_escape

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    select_autoescape,
)
from jinja2.bccache import Bucket
from markupsafe import Markup

from . import site as site_module
from .analysis import LinkTargets
from .api import PAGES as API_PAGES
from .api import pages_json
from .cache import BuildCache
from .content import Page, output_path
from .glossary import search_keywords
from .leaflets import Leaflet, pdf_label
from .markdown import Markdown, headings, render_body
from .oruk_export import ExportedService, LastList, open_referral_files
from .oruk_export import file_count as open_referral_count
from .packed import Packed
from .parallel import fork_map
from .pdf import PrintedPdf
from .schema import FIELDS, Field
from .search import site_word_counts
from .site import Crumb, Listing, SiteModel, relative
from .structured_data import script_json, service_json_ld
from .theme import css_variables

STYLESHEET = "assets/site.css"
SCRIPT = "assets/review-date.js"
SEARCH_SCRIPT = "assets/search.js"
OFFLINE_SCRIPT = "assets/offline.js"
SAVE_SCRIPT = "assets/save-offline.js"
ICON = "assets/icon.svg"
MANIFEST = "manifest.webmanifest"
VOCABULARY = "search/words.json"
CONTENTS_MINIMUM = 3
"""Pages with at least this many sections get an "On this page" list."""
ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
TAG_DATE = "2014"
"""The date in news feed tag: ids (RFC 4151) when there is no `base_url`: fixed, so ids never
change; 2014 is the year the Children and Families Act created the Local Offer."""
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold: dropped from the feed, so it always parses."""
SHARE_IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
"""Logo files social sites show in link previews (they do not show SVG)."""
PAGE_TEMPLATES = {
    "page": "page.html",
    "service": "service.html",
    "feedback": "feedback.html",
    "news": "news.html",
}


class TemplateCode(FileSystemBytecodeCache):
    """Templates compiled to Python code, kept in the build cache's folder: compiling them took
    a tenth of a second of every build, and of each render worker's share of a cold one. Jinja
    checks each file against its template's source before using it; how it compiles depends on
    the environment's settings and Jinja's version too, so the folder is named by those (see
    `BuildCache.template_code`). Best effort, like the rest of the cache: a file that cannot be
    read or written means compiling again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def make_environment(templates_dir: Path, cache: BuildCache | None = None) -> Environment:
    """The Jinja2 environment: autoescape, StrictUndefined, no surprises. With a `cache`,
    compiled templates are kept in its folder (see `TemplateCode`)."""
    folder = cache.template_code if cache is not None else None
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # An environment serves one build, during which the templates do not change: without
        # this, every page's template and each one it extends or imports would be checked
        # against the file's time on disk again (a tenth of the rendering).
        auto_reload=False,
        bytecode_cache=TemplateCode(str(folder)) if folder is not None else None,
    )
    env.filters["long_date"] = long_date
    for name in (
        "AGE_LABELS",
        "NEED_LABELS",
        "TOPIC_LABELS",
        "LEVEL_LABELS",
        "COVERAGE_LABELS",
        "THEME_LABELS",
        "STATUS_LABELS",
    ):
        env.globals[name] = getattr(site_module, name)
    env.globals.update(
        topic_url=site_module.topic_url,
        age_url=site_module.age_url,
        need_url=site_module.need_url,
        SERVICES_URL=site_module.SERVICES_URL,
        A_TO_Z_URL=site_module.A_TO_Z_URL,
        LAW_URL=site_module.LAW_URL,
        FEEDBACK_URL=site_module.FEEDBACK_URL,
        NEWS_URL=site_module.NEWS_URL,
        NEWS_FEED_URL=site_module.NEWS_FEED_URL,
        GLOSSARY_URL=site_module.GLOSSARY_URL,
        SEARCH_URL=site_module.SEARCH_URL,
        LEAFLETS_URL=site_module.LEAFLETS_URL,
    )
    return env


def _is_page_template(name: str) -> bool:
    return name.endswith(".html") and name != "leaflet.html"


def with_defaults(meta: dict[str, Any], specs: list[Field] | tuple[Field, ...]) -> dict[str, Any]:
    """`meta` with every field its kind allows present (None when not given), for templates."""
    full: dict[str, Any] = {}
    for spec in specs:
        value = meta.get(spec.name)
        if spec.type == "mapping" and value is not None:
            value = with_defaults(value, spec.fields)
        full[spec.name] = value
    return full


def hashed_name(path: str, data: bytes) -> str:
    """`assets/site.css` → `assets/site.0123456789.css` (the first 10 hex of its SHA-256)."""
    stem, extension = path.rsplit(".", 1)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{extension}"


def long_date(value: date | None) -> str:
    """`2026-09-30` → `30 September 2026` (GOV.UK style)."""
    if not isinstance(value, date):
        return ""
    return f"{value.day} {value:%B %Y}"


def og_locale(language: str) -> str:
    """A language tag as an Open Graph locale: `en-GB` → `en_GB`, `cy` → `cy`,
    `zh-Hant-TW` → `zh_TW` (the language, then the region when the tag names one)."""
    language_code, *subtags = language.split("-")
    region = next((s.upper() for s in subtags if len(s) == 2 and s.isalpha()), "")
    return f"{language_code}_{region}" if region else language_code


class SharedParts:
    """Parts of every page that differ between pages only in where their links go, from the
    page's place in the site: the header with the main navigation, and the footer
    (`templates/components/header.html` and `footer.html`). Each is rendered once for every
    different set of links it makes, not once per page: on a 5,000-service site they took a
    fifth of rendering the pages, where most pages are two folders deep and link alike.

    A part sees `link`, `site`, `model`, `page_for` and the environment's site-wide names,
    which are the same for every page of a build, and nothing of the page's own (the
    environment's StrictUndefined makes a part that asks for `title` fail the build, rather
    than show one page's title on every page). So what a part makes follows from what its
    `link` calls return, in order: the first page to use a part records its calls, and a page
    whose calls to the same places return the same links gets the same HTML."""

    LIMIT = 4096
    """Renderings kept per build (a site has a few dozen different sets of links)."""

    def __init__(self, env: Environment, context: dict[str, Any]) -> None:
        self.env = env
        self.context = context
        self._calls: dict[str, list[tuple[str, ...]]] = {}
        """The `link` targets each part has called, in order, once for each path it has taken."""
        self._made: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Markup] = {}

    def render(self, name: str, link: Callable[[str], str]) -> Markup:
        """The part `name` as a page whose links `link` makes shows it."""
        for targets in self._calls.get(name, ()):
            made = self._made.get((name, targets, tuple(link(t) for t in targets)))
            if made is not None:
                return made
        called: list[str] = []
        links: list[str] = []

        def recording(target: str) -> str:
            called.append(target)
            links.append(link(target))
            return links[-1]

        made = Markup(self.env.get_template(name).render(self.context, link=recording))
        if len(self._made) < self.LIMIT:
            targets = tuple(called)
            paths = self._calls.setdefault(name, [])
            if targets not in paths:
                paths.append(targets)
            self._made[(name, targets, tuple(links))] = made
        return made


class Renderer:
    """Turns a `SiteModel` into `{output path: bytes}`."""

    def __init__(
        self,
        model: SiteModel,
        md: Markdown,
        templates_dir: Path,
        printed: dict[str, PrintedPdf] | None = None,
        workers: int = 1,
        skip: set[str] | None = None,
        open_referral: list[ExportedService] | None = None,
        cache: BuildCache | None = None,
        last_list: LastList | None = None,
    ) -> None:
        self.model = model
        self.open_referral = open_referral
        """The services' Open Referral records made at check time (made again if None)."""
        self.last_list = last_list
        """The services.json of the previous site, whose entries a new one copies."""
        self.md = md
        self.workers = workers
        """Processes that render the pages (see parallel.fork_map)."""
        self.skip = skip or set()
        """Pages and listings not to render: the build takes them from the previous site."""
        self.targets = LinkTargets(
            pages=frozenset(model.by_rel),
            leaflets={rel: leaflet.url for rel, leaflet in model.leaflet_sources.items()},
            base_url=model.config.base_url,
        )
        """Where body links go: the same rules the analysis rendered bodies with."""
        self.printed = printed or {}
        """Leaflet PDFs by URL, published with the site and described next to their links."""
        self.cache = cache
        """The build cache, for what rendering can reuse (compiled templates, word counts)."""
        self.env = make_environment(templates_dir, cache)
        config = model.config
        css = css_variables(config).encode() + (templates_dir / STYLESHEET).read_bytes()
        icon = (templates_dir / ICON).read_text().replace("#1d4f91", config.theme.primary_colour)
        sources = {
            STYLESHEET: css,
            SCRIPT: (templates_dir / SCRIPT).read_bytes(),
            SEARCH_SCRIPT: (templates_dir / SEARCH_SCRIPT).read_bytes(),
            OFFLINE_SCRIPT: (templates_dir / OFFLINE_SCRIPT).read_bytes(),
            SAVE_SCRIPT: (templates_dir / SAVE_SCRIPT).read_bytes(),
            ICON: icon.encode(),
        }
        # Asset file names carry a content hash, so browsers may cache them for ever.
        self.asset_urls = {name: hashed_name(name, data) for name, data in sources.items()}
        self.assets = {self.asset_urls[name]: data for name, data in sources.items()}
        self.shared = SharedParts(
            self.env, {"site": config, "model": model, "page_for": self._page_for}
        )

    def render_all(self) -> Iterator[tuple[str, bytes]]:
        """Every output file, in a stable order."""
        yield from self.assets.items()
        if MANIFEST not in self.skip:
            yield MANIFEST, self.manifest().encode("utf-8")
        # The listings (the A to Z of thousands of services among them) and then the pages, on
        # the workers together.
        listings = [item for item in self.model.listings if item.url not in self.skip]
        pages = [page for page in self.model.pages if page.url not in self.skip]
        if len(listings) + len(pages) > 1:
            # Compiled here once, before the workers are forked, rather than in each of them.
            for name in self.env.list_templates(filter_func=_is_page_template):
                self.env.get_template(name)

        def render(n: int) -> bytes:
            if n < len(listings):
                return self.render_listing(listings[n]).encode("utf-8")
            return self.render_page(pages[n - len(listings)]).encode("utf-8")

        rendered = fork_map(render, len(listings) + len(pages), self.workers)
        urls = itertools.chain((item.url for item in listings), (page.url for page in pages))
        yield from zip(urls, rendered, strict=True)
        if site_module.SITEMAP_URL not in self.skip:
            yield site_module.SITEMAP_URL, self.sitemap().encode("utf-8")
        if self.model.news:
            yield site_module.NEWS_FEED_URL, self.feed().encode("utf-8")
        yield VOCABULARY, self.vocabulary().encode("utf-8")
        yield from open_referral_files(
            self.model, self.workers, self.open_referral, self.skip, self.cache, self.last_list
        )
        if API_PAGES not in self.skip:
            yield API_PAGES, pages_json(self.model)
        for url in sorted(self.printed):
            yield url, self.printed[url].data

    def count(self) -> int:
        return (
            len(self.assets)
            + 3
            + len(self.model.pages)
            + len(self.model.listings)
            + len(self.printed)
            + (1 if self.model.news else 0)
            + open_referral_count(self.model)
            + 1
        )

    def leaflet_label(self, leaflet: Leaflet) -> str:
        """`PDF, A5, 2 pages, 48 KB` for a leaflet's link."""
        printed = self.printed.get(leaflet.url)
        if printed is None:
            return f"PDF, {leaflet.paper.name}"
        return pdf_label(leaflet.paper.name, printed.pages, len(printed.data))

    def _common(self, url: str, title: str, summary: str, crumbs: list[Crumb]) -> dict[str, Any]:
        config = self.model.config

        def link(target: str) -> str:
            if url == site_module.NOT_FOUND_URL and config.base_url:
                # The 404 page is served at any depth, so only absolute links work there.
                return config.base_url + target.removesuffix("index.html")
            return relative(url, target)

        canonical = ""
        if config.base_url:
            pretty = url.removesuffix("index.html")
            canonical = config.base_url + pretty
        return {
            "site": config,
            "model": self.model,
            "url": url,
            "link": link,
            "title": title,
            "summary": summary,
            "crumbs": crumbs,
            "stylesheet": link(self.asset_urls[STYLESHEET]),
            "script": link(self.asset_urls[SCRIPT]),
            "search_script": link(self.asset_urls[SEARCH_SCRIPT]),
            "offline_script": link(self.asset_urls[OFFLINE_SCRIPT]),
            "save_script": link(self.asset_urls[SAVE_SCRIPT]),
            "icon": link(self.asset_urls[ICON]),
            "manifest": link(MANIFEST),
            "logo": link(config.theme.logo) if config.theme.logo else "",
            "canonical": canonical,
            # Open Graph and Twitter card: what social sites and chat apps show for a link.
            "og_type": "website",
            "og_locale": og_locale(config.language),
            "og_image": (
                config.base_url + config.theme.logo
                if config.base_url and config.theme.logo.lower().endswith(SHARE_IMAGE_TYPES)
                else ""
            ),
            # Printed at the foot of every page but the 404 page, which is served at any address.
            "online_url": canonical if url != site_module.NOT_FOUND_URL else "",
            "page_for": self._page_for,
            "leaflet_label": self.leaflet_label,
            "shared": lambda name: self.shared.render(name, link),
        }

    def _page_for(self, rel: str) -> Page | None:
        return self.model.by_rel.get(rel)

    def render_page(self, page: Page) -> str:
        context = self._common(
            page.url, page.title, str(page.meta.get("summary", "")), self.model.crumbs(page)
        )
        if page.body_html is None:  # not analysed (a renderer used on its own)
            page.body_html = Packed.of(render_body(
                self.md,
                page,
                self.targets.url_for(page.url),
                relative(page.url, site_module.GLOSSARY_URL),
                print_url_for=self.targets.print_url_for,
            ))
        sections = page.headings if not page.tokens else headings(page)
        context.update(
            page=page,
            meta=with_defaults(page.meta, FIELDS),
            body=Markup(page.body_html.text()),
            easy_read=self.model.by_rel.get(page.easy_read_rel or ""),
            standard=self.model.by_rel.get(page.standard_rel) if page.is_easy_read else None,
            contents=sections if len(sections) >= CONTENTS_MINIMUM else [],
            keywords=(
                page.keywords
                if page.keywords is not None
                else search_keywords(page, self.model.glossary)
            ),
            leaflets=self.model.leaflets_covering(page),
        )
        if page.kind == "news":
            context["og_type"] = "article"
        if page.kind == "service":
            context["structured_data"] = script_json(
                service_json_ld(page, self.model.config, context["canonical"])
            )
        template = "home.html" if page.rel == "index.md" else PAGE_TEMPLATES[page.kind]
        return self.env.get_template(template).render(context)

    def render_listing(self, listing: Listing) -> str:
        context = self._common(listing.url, listing.title, listing.summary, listing.crumbs)
        context.update(listing.context)
        return self.env.get_template(listing.template).render(context)

    def manifest(self) -> str:
        """The web app manifest, so families can add the Local Offer to a phone's home screen."""
        config = self.model.config
        short = config.title if len(config.title) <= 12 else "Local Offer"
        document = {
            "name": config.title,
            "short_name": short,
            "description": f"Support for children and young people with SEND, from "
            f"{config.council}.",
            "lang": config.language,
            "start_url": "index.html",
            "scope": "./",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": config.theme.primary_colour,
            "icons": [
                {"src": self.asset_urls[ICON], "sizes": "any", "type": "image/svg+xml",
                 "purpose": "any"},
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    def vocabulary(self) -> str:
        """The words of the site, most used first, for the search page's spelling help."""
        counts = site_word_counts(self.model.pages, self.cache)
        for term in self.model.glossary.terms:
            counts[term.term.lower()] += 1
        words = sorted(counts, key=lambda w: (-counts[w], w))
        return json.dumps(words, ensure_ascii=False, separators=(",", ":")) + "\n"

    def sitemap(self) -> str:
        """sitemap.xml: absolute URLs when `base_url` is set, else root-relative paths."""
        base = self.model.config.base_url or "/"
        entries = []
        for page in sorted(self.model.pages, key=lambda p: p.url):
            loc = base + page.url.removesuffix("index.html")
            lastmod = page.meta.get("last_reviewed") or page.meta.get("date")
            item = f"  <url><loc>{xml_escape(loc)}</loc>"
            if isinstance(lastmod, date):
                item += f"<lastmod>{lastmod.isoformat()}</lastmod>"
            entries.append(item + "</url>")
        for listing in sorted(self.model.listings, key=lambda item: item.url):
            if listing.url == site_module.NOT_FOUND_URL:
                continue
            loc = base + listing.url.removesuffix("index.html")
            entries.append(f"  <url><loc>{xml_escape(loc)}</loc></url>")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(entries)
            + "\n</urlset>\n"
        )

    def feed(self) -> str:
        """news/feed.xml: the news as an Atom 1.0 feed (RFC 4287), newest first.

        With `base_url`, every link is absolute and ids are the items' web addresses. Without
        it, links are relative to the feed (readers resolve them against the address they
        fetched it from) and ids are tag: URIs made from the site's title. Times are the
        items' `date` at midnight UTC, never the clock, so a rebuild writes the same bytes."""
        config = self.model.config
        base = config.base_url
        here = site_module.NEWS_FEED_URL
        authority = _tag_authority(config.title)

        def address(target: str) -> str:
            if base:
                return base + target.removesuffix("index.html")
            return relative(here, target)

        def identifier(target: str) -> str:
            if base:
                return base + target.removesuffix("index.html")
            return f"tag:{authority},{TAG_DATE}:{target.removesuffix('/index.html')}"

        def add(parent: ElementTree.Element, tag: str, text: str = "", **attrs: str) -> None:
            child = ElementTree.SubElement(parent, tag, attrs)
            if text:
                child.text = _NOT_XML.sub("", text)

        items = self.model.news
        feed = ElementTree.Element("feed", {"xmlns": ATOM_NAMESPACE, "xml:lang": config.language})
        add(feed, "id", identifier(site_module.NEWS_URL))
        add(feed, "title", f"{config.title} news")
        add(feed, "subtitle", site_module.NEWS_SUMMARY)
        add(feed, "updated", _atom_time(items[0].meta["date"]))
        author = ElementTree.SubElement(feed, "author")
        add(author, "name", config.council)
        add(feed, "link", rel="self", type="application/atom+xml", href=address(here))
        add(feed, "link", rel="alternate", type="text/html",
            href=address(site_module.NEWS_URL))
        for item in items:
            entry = ElementTree.SubElement(feed, "entry")
            add(entry, "id", identifier(item.url))
            add(entry, "title", item.title)
            add(entry, "link", rel="alternate", type="text/html", href=address(item.url))
            add(entry, "published", _atom_time(item.meta["date"]))
            add(entry, "updated", _atom_time(item.meta["date"]))
            add(entry, "summary", str(item.meta.get("summary", "")))
            add(entry, "content", self._feed_body(item, address), type="html")
        ElementTree.indent(feed)
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            + ElementTree.tostring(feed, encoding="unicode")
            + "\n"
        )

    def _feed_body(self, page: Page, address: Callable[[str], str]) -> str:
        """A news item's body as HTML for the feed, its links made by `address` (rendered from
        the same tokens as its web page: rendering leaves the tokens as they were)."""
        by_rel = self.model.by_rel

        def url_for(rel: str) -> str | None:
            if rel in self.model.leaflet_sources:
                return address(self.model.leaflet_sources[rel].url)
            if rel.endswith(".md"):
                return address(output_path(rel)) if rel in by_rel else None
            return address(rel)

        glossary = address(site_module.GLOSSARY_URL) if self.model.glossary.terms else ""
        return render_body(self.md, page, url_for, glossary).rstrip()


def _atom_time(value: date) -> str:
    """A date as an RFC 3339 time: midnight UTC, so the feed does not depend on the clock."""
    return f"{value.isoformat()}T00:00:00Z"


def _tag_authority(title: str) -> str:
    """`Ashdown Vale Local Offer` → `ashdown-vale-local-offer`: a tag: URI authority (letters,
    digits and inner hyphens) for feed ids when the site has no `base_url`."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "local-offer"

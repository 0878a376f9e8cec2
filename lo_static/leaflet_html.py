"""Lay each leaflet out as print HTML (templates/leaflet.html and leaflet.css) for `pdf.py`.

Everything printed must work on paper: links become absolute web addresses written out in full,
the QR code (made by segno, an SVG with a text alternative) opens the absolute URL of the
leaflet's target page, and pictures are loaded from the content folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment
from markupsafe import Markup

from .cache import BuildCache, key_of
from .content import Page, output_path
from .leaflets import Leaflet
from .markdown import Markdown, render_body
from .pdf import PrintJob
from .render import make_environment, with_defaults
from .schema import FIELDS
from .site import GLOSSARY_URL, SiteModel

TEMPLATE = "leaflet.html"
STYLESHEET = "leaflet.css"
FONTS = "fonts"
BLEED_MM = 3


def absolute_url(base_url: str, rel: str) -> str:
    """The published web address of a content file: base_url plus its pretty path."""
    return base_url + output_path(rel).removesuffix("index.html")


def written_url(url: str) -> str:
    """A web address as people type it: without `https://`."""
    return url.split("://", 1)[-1]


QR_KIND = "qr"
"""The build cache's kind for QR codes (see `qr_svg`)."""


def qr_svg(url: str, description: str, cache: BuildCache | None = None) -> Markup:
    """An inline SVG QR code for `url`; its `<title>` is the text alternative in the PDF.

    Made once and then taken from the `cache`: choosing a code's best mask took a hundredth
    of a second a leaflet, a fifth of a second of every rebuild at 5,000 services."""
    key = key_of(QR_KIND, url, description)
    if cache is not None and isinstance(kept := cache.get(QR_KIND, key), str):
        return Markup(kept)
    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=4, border=4, title=description, omitsize=True, svgclass="qr-code")
    if cache is not None:
        cache.put(QR_KIND, key, svg)
    return Markup(svg)


class LeafletLayout:
    """Turns each `Leaflet` of a site into a `PrintJob`."""

    def __init__(
        self,
        model: SiteModel,
        md: Markdown,
        templates_dir: Path,
        content_dir: Path,
        print_marks: bool = False,
        cache: BuildCache | None = None,
    ) -> None:
        self.model = model
        self.md = md
        self.cache = cache
        self.env: Environment = make_environment(templates_dir, cache)
        self.templates_dir = templates_dir
        self.content_dir = content_dir.resolve()
        self.print_marks = print_marks
        self.base_url = model.config.base_url

    def jobs(self, leaflets: list[Leaflet] | None = None) -> list[PrintJob]:
        """A print job for each leaflet (every leaflet of the site by default)."""
        chosen = self.model.leaflets if leaflets is None else leaflets
        return [self.job(leaflet) for leaflet in chosen]

    def job(self, leaflet: Leaflet) -> PrintJob:
        fonts = (self.templates_dir / FONTS).resolve()
        roots = (str(self.content_dir), str(fonts))
        context = self.context(leaflet)
        css = self.env.get_template(STYLESHEET).render(
            paper=leaflet.paper,
            easy_read=leaflet.easy_read,
            fonts=fonts.as_uri(),
            colour=self.model.config.theme.primary_colour,
            bleed=BLEED_MM if self.print_marks else 0,
        )
        template = self.env.get_template(TEMPLATE)
        if leaflet.paper.panels:
            # Folded sheets: the back cover has a panel of its own, always the last one.
            return PrintJob(
                url=leaflet.url,
                html=template.render(context, part="front"),
                back_html=template.render(context, part="back"),
                stylesheet=css,
                roots=roots,
                pad_to=leaflet.paper.panels,
            )
        return PrintJob(
            url=leaflet.url, html=template.render(context, part="all"), stylesheet=css, roots=roots
        )

    def context(self, leaflet: Leaflet) -> dict[str, Any]:
        source = leaflet.source
        qr_url = absolute_url(self.base_url, leaflet.qr_target.rel)
        items = [self.item(page, leaflet) for page in leaflet.covers]
        body = "" if leaflet.easy_read else self.body(source)
        return {
            "site": self.model.config,
            "leaflet": leaflet,
            "meta": with_defaults(source.meta, FIELDS),
            "summary": source.meta.get("summary", ""),
            "body": Markup(body),
            "items": items,
            "qr": qr_svg(
                qr_url, f"QR code: opens {leaflet.qr_target.title} at {qr_url}", self.cache
            ),
            "qr_url": qr_url,
            "qr_url_text": written_url(qr_url),
            "qr_title": leaflet.qr_target.title,
            "logo": (self.content_dir / self.model.config.theme.logo).as_uri()
            if self.model.config.theme.logo
            else "",
        }

    def item(self, page: Page, leaflet: Leaflet) -> dict[str, Any]:
        url = absolute_url(self.base_url, page.rel)
        return {
            "page": page,
            "meta": with_defaults(page.meta, FIELDS),
            "body": Markup(self.body(page)) if leaflet.easy_read else "",
            "url": url,
            "url_text": written_url(url),
        }

    def body(self, page: Page) -> str:
        """A page's Markdown as print HTML: pages linked by web address (written out after the
        link text, as paper cannot be clicked), pictures from disk."""
        by_rel = self.model.by_rel

        def url_for(rel: str) -> str | None:
            if rel.endswith(".md"):
                return absolute_url(self.base_url, rel) if rel in by_rel else None
            return (self.content_dir / rel).as_uri()

        def print_url_for(rel: str) -> str | None:
            return url_for(rel) if rel.endswith(".md") else None

        glossary = self.base_url + GLOSSARY_URL.removesuffix("index.html")
        return render_body(
            self.md,
            page,
            url_for,
            glossary if self.model.glossary.terms else "",
            print_url_for=print_url_for,
        )

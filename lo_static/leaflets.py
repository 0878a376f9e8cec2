"""Printed leaflets: what each one carries, and the checks that keep it printable.

A leaflet is a Markdown file in `leaflets/` whose front matter names a paper size and the pages
and services whose key facts it carries. Each published leaflet becomes a PDF at
`leaflets/<name>.pdf`; one with `easy_read: true` also becomes `leaflets/<name>.easy-read.pdf`,
made from the easy-read versions of its pages. Nothing here reads or writes files: `leaflet_html.py`
lays leaflets out and `pdf.py` prints them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import PurePosixPath

from .content import EASY_READ_SUFFIX, Page
from .diagnostics import Diagnostic
from .errors import ConfigError
from .rules import problem

LEAFLET_KINDS = ("page", "service")
"""Kinds of content a leaflet may carry and point its QR code at."""
HOME = "index.md"


@dataclass(frozen=True)
class Paper:
    """A leaflet format: its page (or panel) size, and how many it must fill, if fixed."""

    name: str
    width_mm: int
    height_mm: int
    panels: int | None = None
    """A fixed number of pages: the panels of one folded sheet (None: as many as it needs)."""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.width_mm} × {self.height_mm} mm)"


PAPERS = {
    "A5": Paper("A5", 148, 210),
    "DL": Paper("DL", 99, 210, panels=6),
}
"""A5 pages print two to an A4 sheet; DL is six 99 × 210 mm panels of an A4 sheet folded in
three (see docs/leaflets.md for the order to print them in)."""


@dataclass(frozen=True, eq=False)
class Leaflet:
    """One PDF to print: a leaflet file, in its standard or easy-read variant."""

    source: Page
    covers: tuple[Page, ...]
    qr_target: Page
    easy_read: bool = False

    @property
    def name(self) -> str:
        return PurePosixPath(self.source.rel).stem

    @property
    def url(self) -> str:
        """Where the PDF is published: `leaflets/<name>.pdf` or `leaflets/<name>.easy-read.pdf`."""
        suffix = ".easy-read.pdf" if self.easy_read else ".pdf"
        return f"leaflets/{self.name}{suffix}"

    @property
    def title(self) -> str:
        return f"{self.source.title}: easy read" if self.easy_read else self.source.title

    @property
    def paper(self) -> Paper:
        return PAPERS[str(self.source.meta.get("size", "A5"))]


def easy_read_rel(rel: str) -> str:
    """`a/b.md` → `a/b.easy-read.md`."""
    return rel[:-3] + EASY_READ_SUFFIX


def check_leaflets(pages: list[Page]) -> list[Diagnostic]:
    """Every leaflet's `pages` and `qr` name published pages or services (and, for an easy-read
    leaflet, ones with easy-read versions). Lines point at the offending list item."""
    by_rel = {page.rel: page for page in pages}
    found: list[Diagnostic] = []
    for leaflet in pages:
        if leaflet.kind != "leaflet" or not leaflet.readable:
            continue
        if leaflet.is_easy_read:
            found.append(
                problem(
                    "bad-filename",
                    leaflet.display,
                    0,
                    "easy-read leaflets are made from the easy-read versions of their pages: "
                    f"delete this file and write 'easy_read: true' in '{leaflet.standard_rel}'",
                )
            )
            continue
        data = leaflet.yaml.data if isinstance(leaflet.yaml.data, dict) else {}
        raw_pages = data.get("pages")
        items = raw_pages if isinstance(raw_pages, list) else [raw_pages]
        for index, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                continue  # reported by the validator as a wrong type
            key: tuple[str | int, ...] = ("pages", index) if isinstance(raw_pages, list) else (
                "pages",
            )
            found.extend(_check_target(leaflet, f"pages[{index}]", item, key, by_rel))
        qr = data.get("qr")
        if isinstance(qr, str) and qr.strip():
            found.extend(_check_target(leaflet, "qr", qr, ("qr",), by_rel))
    return found


def _check_target(
    leaflet: Page,
    field: str,
    value: str,
    key: tuple[str | int, ...],
    by_rel: dict[str, Page],
) -> list[Diagnostic]:
    rel = value.strip().removeprefix("./")
    line = leaflet.line_of(*key)

    def report(code: str, message: str) -> list[Diagnostic]:
        return [problem(code, leaflet.display, line, f"'{field}': {message}")]

    target = by_rel.get(rel)
    if target is None:
        candidates = [p.rel for p in by_rel.values() if p.kind in LEAFLET_KINDS]
        close = difflib.get_close_matches(rel, candidates, n=1, cutoff=0.6)
        advice = (
            f"did you mean '{close[0]}'?"
            if close
            else "give the path of a page or service inside the content folder, like "
            "services/speech-and-language-therapy.md"
        )
        return report(
            "leaflet-page", f"'{value}' is not a page or service in the content folder: {advice}"
        )
    if target.kind not in LEAFLET_KINDS:
        return report(
            "leaflet-page",
            f"'{rel}' is a {target.kind}; a leaflet can carry only pages and services",
        )
    if target.is_easy_read:
        return report(
            "leaflet-page",
            f"list the standard page '{target.standard_rel}' instead; write 'easy_read: true' "
            "to print an easy-read leaflet as well",
        )
    if not target.published:
        return report(
            "leaflet-page",
            f"'{rel}' is a draft, so the web address printed on the leaflet would not work; "
            "publish it or take it off the leaflet",
        )
    if leaflet.meta.get("easy_read") and field != "qr":
        easy = by_rel.get(easy_read_rel(rel))
        if easy is None or not easy.published:
            return report(
                "easy-read-missing",
                f"this is an easy-read leaflet, but '{rel}' has no easy-read version: write "
                f"'{easy_read_rel(rel)}' or remove 'easy_read: true'",
            )
    return []


def leaflets_of(pages: list[Page]) -> list[Leaflet]:
    """Every PDF to print, in a stable order, from published pages whose checks passed."""
    by_rel = {page.rel: page for page in pages if page.published}
    leaflets: list[Leaflet] = []
    for source in sorted(pages, key=lambda p: p.rel):
        if source.kind != "leaflet" or not source.published or source.is_easy_read:
            continue
        rels = [str(rel).removeprefix("./") for rel in source.meta.get("pages", ())]
        covers = tuple(by_rel[rel] for rel in rels if rel in by_rel)
        qr_rel = str(source.meta.get("qr", HOME)).removeprefix("./")
        qr_target = by_rel.get(qr_rel) or by_rel[HOME]
        leaflets.append(Leaflet(source, covers, qr_target))
        if source.meta.get("easy_read"):
            easy_covers = tuple(
                by_rel[easy_read_rel(page.rel)]
                for page in covers
                if easy_read_rel(page.rel) in by_rel
            )
            easy_target = by_rel.get(easy_read_rel(qr_target.rel), qr_target)
            leaflets.append(Leaflet(source, easy_covers, easy_target, easy_read=True))
    return leaflets


def check_fit(leaflet: Leaflet, pages: int) -> list[Diagnostic]:
    """A leaflet with a fixed number of panels must not need more than it has."""
    panels = leaflet.paper.panels
    if panels is None or pages <= panels:
        return []
    variant = "the easy-read version of this leaflet" if leaflet.easy_read else "this leaflet"
    return [
        problem(
            "leaflet-too-long",
            leaflet.source.display,
            leaflet.source.line_of("size"),
            f"{variant} needs {pages} panels, but a {leaflet.paper.name} leaflet is one A4 "
            f"sheet folded into {panels}: shorten its text, list fewer pages, or use 'size: A5'",
        )
    ]


def pdf_label(size: str, pages: int, data_bytes: int) -> str:
    """How a leaflet file is described next to its link: `PDF, A5, 2 pages, 48 KB`."""
    unit = "panels" if PAPERS[size].panels else "pages"
    return f"PDF, {size}, {pages} {unit}, {human_size(data_bytes)}"


def human_size(data_bytes: int) -> str:
    """`48 KB`, `1.2 MB`: file sizes as GOV.UK writes them."""
    if data_bytes < 1024 * 1024:
        return f"{max(1, round(data_bytes / 1024))} KB"
    return f"{data_bytes / (1024 * 1024):.1f} MB"



def require_leaflet_settings(
    has_leaflets: bool, base_url: str, phone: str, site_yaml: str, lines: dict[str, int]
) -> None:
    """Leaflets print the site's web address and the advice line's phone number: without
    them in site.yaml they cannot be made, which is a configuration error."""
    if not has_leaflets:
        return
    if not base_url:
        raise ConfigError(
            f"{site_yaml}:1: the leaflets in leaflets/ print the Local Offer's web address "
            "and a QR code that opens it, so site.yaml needs 'base_url': add a line like "
            "'base_url: https://localoffer.example.gov.uk/'"
        )
    if not phone:
        line = lines.get("information_advice_support", 1)
        raise ConfigError(
            f"{site_yaml}:{line}: the leaflets in leaflets/ print the phone number of the "
            "information, advice and support service for people without the internet, so "
            "site.yaml needs 'information_advice_support' with a 'phone' line, like\n\n"
            "information_advice_support:\n  name: Ashdown Vale SENDIASS\n  phone: 01632 960100\n"
        )

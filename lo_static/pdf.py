"""Print HTML to tagged, accessible PDF with WeasyPrint, on every core.

The only module that imports WeasyPrint, and only when there is something to print, so a site
without leaflets never pays for it. Every PDF is PDF/UA-1: tagged (headings, lists, figures with
alternative text), with its title and language set and its fonts embedded. A job may load files
only from the folders it names: a remote image or a file elsewhere on the machine is refused, so
printing never reaches the network and never reads beyond the content and the project's fonts.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class PrintJob:
    """One PDF to make. Plain data, so it can be sent to a worker process."""

    url: str
    """Where the PDF goes in the site (also names the job)."""
    html: str
    stylesheet: str
    roots: tuple[str, ...]
    """Folders whose files the HTML and CSS may load (fonts, content images)."""
    back_html: str = ""
    """A back cover, printed after the rest and always on the last page."""
    pad_to: int | None = None
    """Fill with blank pages before the back cover up to this many pages (a folded sheet)."""


@dataclass(frozen=True)
class PrintedPdf:
    data: bytes
    pages: int


def print_all(jobs: list[PrintJob], workers: int | None = None) -> dict[str, PrintedPdf]:
    """Print every job, in parallel across the machine's cores; results keyed by `job.url`."""
    if not jobs:
        return {}
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    if workers == 1:
        return {job.url: print_pdf(job) for job in jobs}
    # A fork server starts workers from a clean process that has imported WeasyPrint once,
    # which is safe even when the caller runs threads (a preview server, a test's web server).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["lo_static.pdf", "weasyprint"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return dict(zip((job.url for job in jobs), pool.map(print_pdf, jobs), strict=True))


def print_pdf(job: PrintJob) -> PrintedPdf:
    """Lay out and write one PDF."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = local_fetcher(job.roots)
    fonts = FontConfiguration()
    base_url = Path(job.roots[0]).resolve().as_uri() + "/" if job.roots else None
    stylesheet = CSS(
        string=job.stylesheet, font_config=fonts, url_fetcher=fetcher, base_url=base_url
    )

    def render(html: str) -> Any:
        document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        return document.render(stylesheets=[stylesheet], font_config=fonts)

    main = render(job.html)
    pages = list(main.pages)
    if job.back_html:
        back = list(render(job.back_html).pages)
        missing = (job.pad_to or 0) - len(pages) - len(back)
        if missing > 0:
            blank = render(_blank_page(job.html)).pages[0]
            pages += [blank] * missing
        pages += back
    data = main.copy(pages).write_pdf(pdf_variant=PDF_VARIANT)
    return PrintedPdf(data=data, pages=len(pages))


def _blank_page(html: str) -> str:
    """An empty page in the same language as `html` (its `<html ...>` tag is reused)."""
    start = html.find("<html")
    end = html.find(">", start)
    opening = html[start : end + 1] if start >= 0 and end > start else "<html>"
    return f"{opening}<head><title>Blank</title></head><body></body></html>"


def allows(url: str, roots: list[Path]) -> bool:
    """True when `url` is a `file:` URL of a file inside one of `roots`."""
    parsed = urlparse(url)
    if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parsed.path)).resolve()
    return any(path.is_relative_to(root) for root in roots)


def local_fetcher(roots: tuple[str, ...]) -> Any:
    """A WeasyPrint URL fetcher that opens files inside `roots` and refuses everything else."""
    from weasyprint.urls import URLFetcher

    allowed = [Path(root).resolve() for root in roots]

    class LocalFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not allows(url, allowed):
                raise ValueError(f"lo-static prints only files from the content folder: {url}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols=("file",))

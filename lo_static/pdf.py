"""Print HTML to tagged, accessible PDF with WeasyPrint, on every core.

The only module that imports WeasyPrint, and only when there is something to print, so a site
without leaflets never pays for it. Every PDF is PDF/UA-1: tagged (headings, lists, figures with
alternative text), with its title and language set and its fonts embedded. A job may load files
only from the folders it names: a remote image or a file elsewhere on the machine is refused, so
printing never reaches the network and never reads beyond the content and the project's fonts.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.forkserver
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .cache import BuildCache, hash_files, key_of

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


def print_all(
    jobs: list[PrintJob], workers: int | None = None, cache: BuildCache | None = None
) -> dict[str, PrintedPdf]:
    """Print every job, in parallel across the machine's cores; results keyed by `job.url`.

    A job printed by an earlier build from the same HTML, stylesheet and files comes from the
    `cache` (WeasyPrint writes the same bytes for the same input, fonts and version)."""
    printed: dict[str, PrintedPdf] = {}
    keys = {job.url: job_key(job) for job in jobs}
    todo = []
    for job in jobs:
        stored = cache.get("pdf", keys[job.url]) if cache is not None else None
        if isinstance(stored, PrintedPdf):
            printed[job.url] = stored
        else:
            todo.append(job)
    for job, pdf in zip(todo, _print_jobs(todo, workers), strict=True):
        printed[job.url] = pdf
        if cache is not None:
            cache.put("pdf", keys[job.url], pdf)
    return {job.url: printed[job.url] for job in jobs}


def stop_printers() -> None:
    """End the fork server the printing workers come from, if one is running. It holds
    WeasyPrint (about 40 MB) for as long as this process lives; a build that prints once stops
    it before rendering, its most memory-hungry stage. The next print starts it again.

    multiprocessing offers no public way to stop its fork server: this uses the one its own
    tests use, and does nothing on a Python without it."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if callable(stop):
        stop()


def _print_jobs(jobs: list[PrintJob], workers: int | None) -> list[PrintedPdf]:
    if not jobs:
        return []
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    if workers == 1:
        return [print_pdf(job) for job in jobs]
    # A fork server starts workers from a clean process that has imported WeasyPrint once,
    # which is safe even when the caller runs threads (a preview server, a test's web server).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["lo_static.pdf", "weasyprint"])
    # Each printer exempts what it imported from collection, so the collection after each
    # leaflet (see `print_pdf`) only looks at what that leaflet made.
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=gc.freeze
    ) as pool:
        return list(pool.map(print_pdf, jobs))


_FILE_URL = re.compile(r"""file://[^\s"'()<>]+""")


def job_key(job: PrintJob) -> str:
    """The cache key of a job: its HTML and stylesheet, and the bytes of every local file they
    name (pictures; the fonts are the templates', in the code's fingerprint)."""
    text = "\0".join([job.url, job.html, job.stylesheet, job.back_html, str(job.pad_to)])
    files = sorted(set(_FILE_URL.findall(text)))
    paths = [Path(unquote(urlparse(url).path)) for url in files]
    return key_of("pdf", text, *job.roots, hash_files(paths), PDF_VARIANT)


def print_pdf(job: PrintJob) -> PrintedPdf:
    """Lay out and write one PDF."""
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    try:
        return _lay_out(job, fonts)
    finally:
        # The font configuration and the documents laid out with it hold each other, so only
        # the garbage collector frees them, and with them the configuration's temporary
        # folder of fonts. Printing processes may end before it runs: each leaflet left a
        # folder in /tmp, and each printer grew by every leaflet it printed.
        del fonts
        gc.collect()


def _lay_out(job: PrintJob, fonts: Any) -> PrintedPdf:
    from weasyprint import CSS, HTML

    fetcher = local_fetcher(job.roots)
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

"""Printing HTML to PDF: local files only, folded-sheet padding, the same bytes on every core."""

from __future__ import annotations

import http.server
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from PIL import Image
from pypdf import PdfReader

from lo_static.pdf import PrintJob, allows, print_all, print_pdf
from tests.conftest import REPO

PAGE_CSS = "@page { size: 99mm 210mm; margin: 8mm; } html { font-size: 12pt; }"


def job(tmp_path: Path, body: str, **options: object) -> PrintJob:
    html = f'<html lang="en-GB"><head><title>Test</title></head><body>{body}</body></html>'
    return PrintJob(url="test.pdf", html=html, stylesheet=PAGE_CSS, roots=(str(tmp_path),),
                    **options)  # type: ignore[arg-type]


def pages_text(data: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return [page.extract_text() for page in PdfReader(path).pages]


def test_allows_only_files_inside_the_roots(tmp_path: Path) -> None:
    roots = [tmp_path.resolve()]
    inside = tmp_path / "images" / "a.svg"
    assert allows(inside.as_uri(), roots)
    assert not allows((tmp_path.parent / "other.svg").as_uri(), roots)
    assert not allows(tmp_path.as_uri() + "/images/../../etc/passwd", roots)
    assert not allows("file:///etc/passwd", roots)
    assert not allows("https://example.com/a.png", roots)
    assert not allows("file://remote-host/share/a.png", roots)
    assert not allows("data:image/png;base64,AAAA", roots)


class _Counter(http.server.SimpleHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    _Counter.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_printing_never_fetches_from_the_network_or_outside_the_roots(
    tmp_path: Path, web_server: str
) -> None:
    secret = tmp_path.parent / f"{tmp_path.name}-secret.txt"
    secret.write_text("SECRET-TEXT")
    body = (
        f'<p>Before</p><img src="{web_server}/tracker.png" alt="remote">'
        f'<link rel="stylesheet" href="{web_server}/style.css">'
        f'<object data="{secret.as_uri()}" type="text/plain">outside</object>'
        f'<iframe src="{secret.as_uri()}"></iframe><p>After</p>'
    )
    data = print_pdf(job(tmp_path, body)).data
    assert _Counter.requests == []
    text = " ".join(pages_text(data, tmp_path))
    assert "Before" in text and "After" in text
    assert "SECRET-TEXT" not in text


def test_images_inside_the_roots_are_printed(tmp_path: Path) -> None:
    (tmp_path / "dot.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10" fill="#000"/></svg>'
    )
    style = 'style="width: 40mm; height: 40mm"'
    with_image = print_pdf(job(tmp_path, f'<img src="dot.svg" alt="" {style}>')).data
    without = print_pdf(job(tmp_path, f'<img src="missing.svg" alt="" {style}>')).data
    assert dark_share(with_image, tmp_path) > 0.05
    assert dark_share(without, tmp_path) == 0


def dark_share(data: bytes, tmp_path: Path) -> float:
    """The share of dark pixels on the first page, rendered by pdftoppm."""
    (tmp_path / "page.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", "-singlefile", str(tmp_path / "page.pdf"),
         str(tmp_path / "page")],
        check=True,
    )
    image = Image.open(tmp_path / "page.png").convert("L")
    histogram = image.histogram()
    return sum(histogram[:100]) / sum(histogram)


def test_a_folded_sheet_is_padded_so_the_back_cover_is_last(tmp_path: Path) -> None:
    printed = print_pdf(
        job(tmp_path, "<h1>Front</h1>", back_html="<html><body><p>Back cover</p></body></html>",
            pad_to=6)
    )
    assert printed.pages == 6
    texts = pages_text(printed.data, tmp_path)
    assert texts[0].startswith("Front")
    assert [t.strip() for t in texts[1:5]] == ["", "", "", ""]
    assert "Back cover" in texts[5]


def test_padding_never_cuts_content_that_is_too_long(tmp_path: Path) -> None:
    body = "".join(f'<p style="break-before: page">Panel {n}</p>' for n in range(1, 9))
    printed = print_pdf(job(tmp_path, body, back_html="<p>Back</p>", pad_to=6))
    assert printed.pages == 9
    assert "Panel 8" in pages_text(printed.data, tmp_path)[7]


def leaflet_jobs(body: str, stylesheet: str, root: Path) -> list[PrintJob]:
    """Four jobs, `leaflet-1.pdf` to `leaflet-4.pdf`; `body` is formatted with `n` and
    `words` (40 times n words)."""
    return [
        PrintJob(
            url=f"leaflet-{n}.pdf",
            html=f'<html lang="en-GB"><head><title>Leaflet {n}</title></head>'
            f"<body>{body.format(n=n, words='Words. ' * 40 * n)}</body></html>",
            stylesheet=stylesheet,
            roots=(str(root),),
        )
        for n in range(1, 5)
    ]


def test_parallel_printing_gives_the_same_bytes_as_printing_one_by_one(tmp_path: Path) -> None:
    jobs = leaflet_jobs("<h1>Leaflet {n}</h1><p>{words}</p>", PAGE_CSS, tmp_path)
    parallel = print_all(jobs, workers=2)
    serial = print_all(jobs, workers=1)
    assert list(parallel) == [j.url for j in jobs]
    assert {url: p.data for url, p in parallel.items()} == {
        url: p.data for url, p in serial.items()
    }
    assert len({p.data for p in parallel.values()}) == 4


def test_nothing_to_print_starts_no_workers() -> None:
    assert print_all([]) == {}


def font_folders() -> set[str]:
    return {path.name for path in Path(tempfile.gettempdir()).glob("weasyprint-*")}


@pytest.mark.parametrize("workers", [1, 2])
def test_printing_leaves_no_font_folders_behind(workers: int) -> None:
    # WeasyPrint copies @font-face fonts to a temporary folder that only the garbage
    # collector removes; printing processes ended first and left one in /tmp per leaflet.
    fonts = (REPO / "templates" / "fonts").resolve()
    stylesheet = PAGE_CSS + (
        '@font-face { font-family: "Atkinson Hyperlegible"; '
        f'src: url("{fonts.as_uri()}/AtkinsonHyperlegible-Regular.ttf"); }} '
        'body { font-family: "Atkinson Hyperlegible"; }'
    )
    jobs = leaflet_jobs("<p>Leaflet {n}</p>", stylesheet, fonts)
    before = font_folders()
    printed = print_all(jobs, workers=workers)
    assert len(printed) == 4
    assert font_folders() - before == set()

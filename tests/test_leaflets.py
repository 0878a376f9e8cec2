"""Printed leaflets: the checks on what they carry, the PDFs themselves, and the site's links.

PDFs are read back with pypdf; QR codes are decoded from a rendered page with Debian's
pdftoppm (poppler-utils) and zbarimg (zbar-tools), as a phone would read the paper.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from bench.bench import children
from lo_static.build import BuildOptions, build
from tests.conftest import (
    FIXTURES,
    MINIMAL,
    REPO,
    TODAY,
    SiteDir,
    assert_only_error,
    check_json,
    run,
)

LEAFLET_FIXTURES = FIXTURES / "leaflets"
BASE = "https://localoffer.testshire.example/"
MM = 72 / 25.4
ARTIFACTS = REPO / "tests" / "artifacts" / "leaflets"


def add_leaflets(site: SiteDir) -> None:
    """Copy the fixture leaflets into the site's leaflets/ folder."""
    for source in LEAFLET_FIXTURES.glob("*.md"):
        site.write(f"leaflets/{source.name}", source.read_text(encoding="utf-8"))


@pytest.fixture
def leaflet_site(site: SiteDir) -> SiteDir:
    add_leaflets(site)
    return site


# --- What a leaflet may carry ------------------------------------------------------------------


def test_fixture_leaflets_are_valid(leaflet_site: SiteDir) -> None:
    exit_code, document = check_json()
    assert exit_code == 0, document["problems"]
    assert document["problems"] == []


def test_unknown_page_is_an_error_at_its_line_with_a_suggestion(leaflet_site: SiteDir) -> None:
    leaflet_site.edit("leaflets/families.md", "  - about/guide.md", "  - about/guid.md")
    assert_only_error(
        "leaflet-page",
        "content/leaflets/families.md",
        7,
        message="did you mean 'about/guide.md'?",
    )


def test_draft_page_cannot_go_on_a_leaflet(leaflet_site: SiteDir) -> None:
    leaflet_site.edit("services/speech-therapy.md", "cost: Free", "cost: Free\ndraft: true")
    exit_code, document = check_json()
    leaflet_errors = [p for p in document["problems"] if p["code"] == "leaflet-page"]
    assert [(p["path"], p["line"]) for p in leaflet_errors] == [
        ("content/leaflets/clubs.md", 5),
        ("content/leaflets/families.md", 6),
    ]
    assert "is a draft" in leaflet_errors[0]["message"]
    assert exit_code == 1


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("feedback/2026-06-search.md", "a leaflet can carry only pages and services"),
        ("about/guide.easy-read.md", "list the standard page 'about/guide.md' instead"),
        ("images/family.png", "is not a page or service in the content folder"),
    ],
)
def test_only_pages_and_services_can_go_on_a_leaflet(
    leaflet_site: SiteDir, target: str, message: str
) -> None:
    leaflet_site.edit("leaflets/clubs.md", "services/youth-club.md", target)
    assert_only_error("leaflet-page", "content/leaflets/clubs.md", 5, message=message)


def test_unknown_qr_target_is_an_error_at_its_line(leaflet_site: SiteDir) -> None:
    leaflet_site.edit("leaflets/families.md", "qr: about/guide.md", "qr: about/nothing.md")
    assert_only_error("leaflet-page", "content/leaflets/families.md", 8, message="'qr'")


def test_easy_read_leaflet_needs_easy_read_versions(leaflet_site: SiteDir) -> None:
    leaflet_site.edit(
        "leaflets/guide-easy.md", "pages: [about/guide.md]", "pages: [services/speech-therapy.md]"
    )
    assert_only_error(
        "easy-read-missing",
        "content/leaflets/guide-easy.md",
        6,
        message="write 'services/speech-therapy.easy-read.md' or remove 'easy_read: true'",
    )


def test_unknown_size_is_an_error(leaflet_site: SiteDir) -> None:
    leaflet_site.edit("leaflets/clubs.md", "size: DL", "size: A4")
    assert_only_error("bad-value", "content/leaflets/clubs.md", 4, message="use one of A5, DL")


def test_leaflet_without_pages_is_an_error(leaflet_site: SiteDir) -> None:
    leaflet_site.edit(
        "leaflets/clubs.md", "pages: [services/speech-therapy.md, services/youth-club.md]\n", ""
    )
    assert_only_error("missing-field", "content/leaflets/clubs.md", 8, message="'pages'")


def test_overdue_leaflet_is_an_error(leaflet_site: SiteDir) -> None:
    leaflet_site.edit("leaflets/clubs.md", "last_reviewed: 2026-10-01", "last_reviewed: 2025-12-01")
    leaflet_site.edit("leaflets/clubs.md", "review_by: 2027-09-30", "review_by: 2026-11-01")
    assert_only_error("review-overdue", "content/leaflets/clubs.md", 7)


def test_easy_read_leaflet_file_is_refused(leaflet_site: SiteDir) -> None:
    leaflet_site.write(
        "leaflets/clubs.easy-read.md", (LEAFLET_FIXTURES / "clubs.md").read_text(encoding="utf-8")
    )
    assert_only_error(
        "bad-filename",
        "content/leaflets/clubs.easy-read.md",
        0,
        message="write 'easy_read: true' in 'leaflets/clubs.md'",
    )


def test_leaflets_need_base_url(leaflet_site: SiteDir) -> None:
    leaflet_site.edit("site.yaml", "base_url: https://localoffer.testshire.example/\n", "")
    result = run("check", "--today", TODAY)
    assert result.exit_code == 2
    assert "content/site.yaml:1:" in result.stderr
    assert "needs 'base_url'" in result.stderr
    assert "Traceback" not in result.output


def test_leaflets_need_the_advice_line_phone(leaflet_site: SiteDir) -> None:
    leaflet_site.edit("site.yaml", "  phone: 01632 960100\n", "")
    result = run("build", "--today", TODAY)
    assert result.exit_code == 2
    assert "content/site.yaml:4:" in result.stderr
    assert "'phone'" in result.stderr


def test_a_draft_leaflet_is_checked_but_not_printed(site: SiteDir) -> None:
    site.write(
        "leaflets/clubs.md",
        (LEAFLET_FIXTURES / "clubs.md").read_text().replace("size: DL", "size: DL\ndraft: true"),
    )
    site.edit("site.yaml", "base_url: https://localoffer.testshire.example/\n", "")
    result = run("build", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert not Path("dist/leaflets").exists()


# --- The PDFs ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The minimal site with the fixture leaflets, built once for the PDF tests."""
    root = tmp_path_factory.mktemp("leaflets")
    shutil.copytree(MINIMAL, root / "content")
    add_leaflets(SiteDir(root / "content"))
    result = subprocess.run(
        [str(REPO / ".venv/bin/lo-static"), "build", "--today", TODAY, "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    yield root / "dist"


def pdf(built: Path, name: str) -> PdfReader:
    return PdfReader(built / "leaflets" / name)


def size_mm(box: object) -> tuple[float, float]:
    width, height = float(box.width), float(box.height)  # type: ignore[attr-defined]
    return round(width / MM, 2), round(height / MM, 2)


EXPECTED = {
    # file: (paper size in mm, pages, QR target)
    "families.pdf": ((148.0, 210.0), None, BASE + "about/guide/"),
    "guide-easy.pdf": ((148.0, 210.0), None, BASE + "about/guide/"),
    "guide-easy.easy-read.pdf": ((148.0, 210.0), None, BASE + "about/guide/easy-read/"),
    "clubs.pdf": ((99.0, 210.0), 6, BASE),
}


def test_every_leaflet_and_only_those_are_printed(built: Path) -> None:
    assert sorted(p.name for p in (built / "leaflets").glob("*.pdf")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_size_is_exact(built: Path, name: str) -> None:
    size, pages, _ = EXPECTED[name]
    reader = pdf(built, name)
    for page in reader.pages:
        assert size_mm(page.mediabox) == size
        assert size_mm(page.trimbox) == size
    if pages is not None:
        assert len(reader.pages) == pages


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pdf_is_tagged_titled_and_in_the_site_language(built: Path, name: str) -> None:
    reader = pdf(built, name)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    title = reader.metadata.title if reader.metadata else ""
    assert title and title.endswith(": Testshire Local Offer")
    assert "pdfuaid" in root["/Metadata"].get_object().get_data().decode()


def _fonts(reader: PdfReader) -> dict[str, object]:
    fonts: dict[str, object] = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fonts_are_embedded_and_are_the_shipped_font(built: Path, name: str) -> None:
    fonts = _fonts(pdf(built, name))
    assert fonts
    for base_name, font in fonts.items():
        assert "Atkinson-Hyperlegible" in base_name, base_name
        descendant = font["/DescendantFonts"][0].get_object()  # type: ignore[index]
        descriptor = descendant["/FontDescriptor"]
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), base_name


def text_sizes(reader: PdfReader) -> dict[float, list[str]]:
    """Rendered font size (points) → text drawn at that size."""
    sizes: dict[float, list[str]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        # The vertical scale of the text matrix times the current transformation matrix.
        scale = math.hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
        sizes.setdefault(round(size * scale, 1), []).append(text)

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_text_is_smaller_than_12_point(built: Path, name: str) -> None:
    sizes = text_sizes(pdf(built, name))
    minimum = 14 if "easy-read" in name else 12
    assert min(sizes) >= minimum, {s: t[:3] for s, t in sizes.items() if s < minimum}


def full_text(reader: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_text_carries_title_key_facts_address_and_phone(built: Path) -> None:
    text = full_text(pdf(built, "families.pdf"))
    for expected in [
        "Testshire Council",
        "Testshire Local Offer",
        "Help for families",
        "Families can find every service",  # the leaflet's own text
        f"Read the guide ({BASE}about/guide/)",  # a link's address, written out
        "health advice (https://",  # (the address wraps onto the next line)
        "www.example.org/health)",
        "Speech therapy",
        "Children aged 0 to 11 with a Testshire GP.",  # who it is for
        "Free",  # cost
        "Ask your GP or school to refer your child.",  # how to get it
        "01632 960410",  # the service's contact
        "localoffer.testshire.example/services/speech-therapy/",
        "localoffer.testshire.example/about/guide/",  # the QR target, written out
        "01632 960100",  # the advice line for people without internet
        "Last reviewed 1 October 2026",
    ]:
        assert expected in text, expected


def test_links_in_leaflet_text_are_absolute(built: Path) -> None:
    reader = pdf(built, "families.pdf")
    uris = {
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]
    }
    assert BASE + "about/guide/" in uris
    assert all(uri.startswith(("https://", "mailto:", "tel:")) for uri in uris), uris


def test_dl_back_cover_is_the_last_panel(built: Path) -> None:
    reader = pdf(built, "clubs.pdf")
    assert "No internet?" in reader.pages[5].extract_text()
    assert "No internet?" not in " ".join(p.extract_text() for p in reader.pages[:5])
    assert "Clubs and therapy" in reader.pages[0].extract_text()


def test_easy_read_leaflet_is_made_from_easy_read_pages(built: Path) -> None:
    text = full_text(pdf(built, "guide-easy.easy-read.pdf"))
    assert "Guide for families: easy read" in text
    assert "This is help for families." in text
    assert "Start here." not in text  # the standard page's words are not on it


def decode_qr(pdf_path: Path, page: int, out: Path) -> list[str]:
    """Render one PDF page at 150 dpi and decode every QR code on it."""
    prefix = out / f"{pdf_path.stem}-{page}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf_path), str(prefix)],
        check=True,
    )
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", f"{prefix}.png"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_qr_code_opens_exactly_the_target_page(built: Path, name: str, tmp_path: Path) -> None:
    path = built / "leaflets" / name
    last_page = len(PdfReader(path).pages)
    assert decode_qr(path, last_page, tmp_path) == [EXPECTED[name][2]]


def test_builds_print_byte_identical_pdfs(built: Path, tmp_path: Path) -> None:
    shutil.copytree(built.parent / "content", tmp_path / "content")
    result = subprocess.run(
        [str(REPO / ".venv/bin/lo-static"), "leaflets", "--today", TODAY],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in EXPECTED:
        again = (tmp_path / "dist" / "leaflets" / name).read_bytes()
        assert again == (built / "leaflets" / name).read_bytes(), name


# --- The site links the leaflets ---------------------------------------------------------------


def _label(built: Path, name: str, unit: str, size: str) -> str:
    path = built / "leaflets" / name
    pages = len(PdfReader(path).pages)
    kilobytes = max(1, round(path.stat().st_size / 1024))
    return f"PDF, {size}, {pages} {unit}, {kilobytes} KB"


def test_leaflets_page_lists_each_leaflet_with_size(built: Path) -> None:
    html = (built / "leaflets" / "index.html").read_text()
    assert "<h1>Leaflets to print</h1>" in html
    for name, size, unit in [
        ("families.pdf", "A5", "pages"),
        ("guide-easy.easy-read.pdf", "A5", "pages"),
        ("clubs.pdf", "DL", "panels"),
    ]:
        assert f'href="{name}"' in html
        assert _label(built, name, unit, size) in html
    assert "prints panels 2, 6 and 1 side by side" in html


def test_covered_pages_link_their_leaflets(built: Path) -> None:
    service = (built / "services/speech-therapy/index.html").read_text()
    label = _label(built, "families.pdf", "pages", "A5")
    assert f'href="../../leaflets/families.pdf">Help for families</a> ({label})' in service
    assert 'href="../../leaflets/clubs.pdf">Clubs and therapy</a>' in service
    easy = (built / "about/guide/easy-read/index.html").read_text()
    assert 'href="../../../leaflets/guide-easy.easy-read.pdf"' in easy
    assert "leaflets/families.pdf" not in easy
    home = (built / "index.html").read_text()
    assert 'href="leaflets/index.html">Leaflets to print</a>' in home


def test_content_can_link_a_leaflet_by_its_file(leaflet_site: SiteDir) -> None:
    link = "[Print it](../leaflets/clubs.md)"
    leaflet_site.edit("about/guide.md", "Start here.", f"Start here. {link}.")
    result = run("build", "--today", TODAY)
    assert result.exit_code == 0, result.output
    html = Path("dist/about/guide/index.html").read_text()
    assert re.search(r'<a href="\.\./\.\./leaflets/clubs\.pdf"[^>]*>Print it</a>', html), html


def test_leaflet_pages_are_not_web_pages(built: Path) -> None:
    assert not (built / "leaflets" / "families").exists()
    sitemap = (built / "sitemap.xml").read_text()
    assert "leaflets/families" not in sitemap
    assert "<loc>https://localoffer.testshire.example/leaflets/</loc>" in sitemap


# --- Too long for its paper --------------------------------------------------------------------


def test_dl_leaflet_that_needs_more_panels_fails_and_keeps_the_old_site(
    leaflet_site: SiteDir,
) -> None:
    assert run("build", "--today", TODAY).exit_code == 0
    before = {p: p.read_bytes() for p in Path("dist").rglob("*") if p.is_file()}
    paragraph = "Families can ask us about clubs and therapy at any time of year. " * 12
    leaflet_site.edit("leaflets/clubs.md", "Two services", "\n\n".join([paragraph] * 8) + "\n\nTwo")
    result = run("build", "--today", TODAY, "--format", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["code"], p["path"], p["line"]) for p in problems] == [
        ("leaflet-too-long", "content/leaflets/clubs.md", 4)
    ]
    assert re.search(r"needs \d+ panels", problems[0]["message"])
    after = {p: p.read_bytes() for p in Path("dist").rglob("*") if p.is_file()}
    assert after == before


# --- lo-static leaflets ------------------------------------------------------------------------


def test_leaflets_command_prints_only_the_named_leaflets(leaflet_site: SiteDir) -> None:
    result = run("leaflets", "clubs", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in Path("dist/leaflets").iterdir()) == ["clubs.pdf"]
    assert "Wrote dist/leaflets/clubs.pdf (PDF, DL, 6 panels," in result.stderr
    assert not Path("dist/index.html").exists()


def test_leaflets_command_names_the_leaflets_when_one_is_unknown(leaflet_site: SiteDir) -> None:
    result = run("leaflets", "club", "--today", TODAY)
    assert result.exit_code == 2
    assert "no leaflet called club; the leaflets are clubs, families, guide-easy" in result.stderr


def test_leaflets_command_stops_on_content_errors(leaflet_site: SiteDir) -> None:
    leaflet_site.edit("leaflets/clubs.md", "size: DL", "size: A3")
    result = run("leaflets", "--today", TODAY)
    assert result.exit_code == 1
    assert "content/leaflets/clubs.md:4: error[bad-value]" in result.stdout
    assert not Path("dist").exists()


def test_print_marks_add_bleed_and_crop_marks(leaflet_site: SiteDir) -> None:
    result = run("leaflets", "families", "clubs", "--print-marks", "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in Path("dist/leaflets").iterdir()) == [
        "clubs.print.pdf",
        "families.print.pdf",
    ]
    for name, trim in [("families.print.pdf", (148.0, 210.0)), ("clubs.print.pdf", (99.0, 210.0))]:
        page = PdfReader(f"dist/leaflets/{name}").pages[0]
        assert size_mm(page.trimbox) == trim
        assert size_mm(page.bleedbox) == (trim[0] + 6, trim[1] + 6)
        assert size_mm(page.mediabox) == (trim[0] + 6, trim[1] + 6)


# --- The demo's leaflets, for a reviewer -------------------------------------------------------


@pytest.fixture(scope="module")
def demo_leaflets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo-leaflets")
    result = subprocess.run(
        [str(REPO / ".venv/bin/lo-static"), "leaflets", "--content", str(REPO / "content"),
         "--out", str(out), "--today", TODAY],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_demo_leaflets_scan_and_their_first_pages_are_saved(
    demo_leaflets: Path, tmp_path: Path
) -> None:
    """Every demo leaflet's QR code opens a page of the demo site; the first page of each is
    saved as a PNG under tests/artifacts/leaflets/ for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdfs = sorted(demo_leaflets.glob("*.pdf"))
    assert len(pdfs) >= 6
    for path in pdfs:
        last = len(PdfReader(path).pages)
        [url] = decode_qr(path, last, tmp_path)
        assert url.startswith("https://localoffer.ashdownvale.example/")
        subprocess.run(
            ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(path),
             str(ARTIFACTS / path.stem)],
            check=True,
        )
        assert (ARTIFACTS / f"{path.stem}.png").stat().st_size > 10_000


def test_logo_and_qr_code_are_figures_with_text_alternatives(
    leaflet_site: SiteDir,
) -> None:
    Image.new("RGB", (60, 20), "#1d4f91").save(leaflet_site.path / "images" / "logo.png")
    leaflet_site.edit(
        "site.yaml",
        "title: Testshire Local Offer",
        "title: Testshire Local Offer\ntheme:\n  logo: images/logo.png",
    )
    result = run("leaflets", "families", "--today", TODAY)
    assert result.exit_code == 0, result.output
    reader = PdfReader("dist/leaflets/families.pdf")
    images = reader.pages[0].images
    assert len(images) == 1
    figures = [
        node.get_object()
        for node in _struct_nodes(reader.trailer["/Root"]["/StructTreeRoot"])
        if node.get_object().get("/S") == "/Figure"
    ]
    alternatives = [str(f.get("/Alt")) for f in figures]
    assert alternatives[0] == "Testshire Council"
    assert f"QR code: opens A guide for families at {BASE}about/guide/" in alternatives


def _struct_nodes(node: object) -> Iterator[object]:
    """Every element of a PDF structure tree."""
    node = node.get_object()  # type: ignore[attr-defined]
    if not isinstance(node, dict):
        return
    yield node
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
            yield from _struct_nodes(kid)


def fork_servers() -> set[int]:
    """This process's children that run multiprocessing's fork server."""
    found = set()
    for child in children(os.getpid()):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        if b"forkserver" in command:
            found.add(child)
    return found


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core prints in this process")
def test_a_build_stops_the_printers_fork_server_and_a_preview_keeps_it(
    leaflet_site: SiteDir,
) -> None:
    # The fork server holds WeasyPrint (about 40 MB): a build has no use for it once its
    # leaflets are printed; a preview's next build starts its printers from it at once.
    options = BuildOptions(
        leaflet_site.path, leaflet_site.path.parent / "dist", date.fromisoformat(TODAY)
    )
    build(dataclasses.replace(options, builds_again=True))
    assert fork_servers()
    build(options)
    assert not fork_servers()

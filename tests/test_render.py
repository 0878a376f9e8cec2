"""Rendered HTML: golden output for a small site, and the promises every page keeps."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import MINIMAL, TODAY, run

GOLDEN = Path(__file__).resolve().parent / "golden" / "minimal"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("render") / "dist"
    result = run("build", "--content", str(MINIMAL), "--out", str(out), "--today", TODAY)
    assert result.exit_code == 0, result.output
    return out


def files_of(root: Path) -> dict[str, bytes]:
    """Every file lo-static renders. Pagefind's index, and the offline files that list its
    files, are tested in test_search.py and test_offline.py."""
    derived = ("pagefind/", "sw.js", "offline.json", "local-offer-offline.zip")
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(derived)
    }


def test_golden_output(built: Path, request: pytest.FixtureRequest) -> None:
    """The whole built fixture site, byte for byte. Refresh with `pytest --update-golden`
    and review the diff like any other change."""
    if request.config.getoption("--update-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, data in files_of(built).items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
    expected, actual = files_of(GOLDEN), files_of(built)
    assert sorted(actual) == sorted(expected)
    for name, data in expected.items():
        assert actual[name] == data, f"{name} differs from tests/golden/minimal/{name}"


class Outline(HTMLParser):
    """Collects what accessibility and navigation depend on."""

    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.headings: list[int] = []
        self.links: list[str] = []
        self.landmarks: set[str] = set()
        self.has_scripts = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang") or ""
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("a", "link") and values.get("href"):
            self.links.append(values["href"] or "")
        if tag in ("img", "script") and values.get("src"):
            self.links.append(values["src"] or "")
        if tag in ("main", "header", "footer", "nav"):
            self.landmarks.add(tag)
        if tag == "script":
            self.has_scripts = True


def pages_of(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def test_every_page_has_lang_one_h1_no_skipped_levels_and_landmarks(built: Path) -> None:
    for page in pages_of(built):
        outline = Outline()
        outline.feed(page.read_text())
        name = page.relative_to(built).as_posix()
        assert outline.lang == "en-GB", name
        assert outline.headings.count(1) == 1 and outline.headings[0] == 1, name
        for before, after in zip(outline.headings, outline.headings[1:], strict=False):
            assert after <= before + 1, (name, outline.headings)
        assert {"main", "header", "footer", "nav"} <= outline.landmarks, name


def test_every_internal_link_resolves_inside_the_site(built: Path) -> None:
    """Relative links only, so the site works from a sub-path, a zip or file://."""
    for page in pages_of(built):
        if page.name == "404.html":
            continue
        outline = Outline()
        outline.feed(page.read_text())
        for href in outline.links:
            if re.match(r"^(https?:|mailto:|tel:|#)", href):
                continue
            assert not href.startswith("/"), (page, href)
            target = (page.parent / href.split("#")[0].split("?")[0]).resolve()
            assert target.is_file(), (page.relative_to(built), href)
            assert built.resolve() in target.parents


def test_service_page_shows_the_facts_families_need(built: Path) -> None:
    html = (built / "services/speech-therapy/index.html").read_text()
    for text in (
        "Who it is for",
        "Children aged 0 to 11 with a Testshire GP.",
        "Cost",
        "Free",
        "How to get it",
        'href="tel:01632960410"',
        'href="mailto:slt@testshire.example"',
        "TS1 2AB",
        "Opening hours",
        "Testshire NHS Trust",
        "Specialist",
        "Last reviewed",
        "1 October 2026",
        "Next review",
        "30 September 2027",
        "Children&#39;s Health",
    ):
        assert text in html, text


def test_pages_show_review_dates_and_owner(built: Path) -> None:
    html = (built / "about/guide/index.html").read_text()
    assert '<time datetime="2026-10-01">1 October 2026</time>' in html
    assert '<time datetime="2027-09-30">30 September 2027</time>' in html
    assert "Local Offer Team" in html


def test_easy_read_versions_link_each_other(built: Path) -> None:
    standard = (built / "about/guide/index.html").read_text()
    easy = (built / "about/guide/easy-read/index.html").read_text()
    assert (
        '<link rel="alternate" href="easy-read/index.html" title="Easy read version">' in standard
    )
    assert ">Easy read version of this page</a>" in standard
    assert '<link rel="alternate" href="../index.html" title="Standard version">' in easy
    assert ">Standard version of this page</a>" in easy


def test_generated_pages_exist(built: Path) -> None:
    for rel in (
        "index.html",
        "services/index.html",
        "a-to-z/index.html",
        "how-this-local-offer-meets-the-law/index.html",
        "feedback/index.html",
        "news/index.html",
        "topics/health/index.html",
        "ages/0-5/index.html",
        "needs/communication-and-interaction/index.html",
        "404.html",
        "sitemap.xml",
    ):
        assert (built / rel).is_file(), rel


def test_law_page_links_every_requirement_to_its_pages(built: Path) -> None:
    html = (built / "how-this-local-offer-meets-the-law/index.html").read_text()
    assert html.count('class="app-requirement"') == 34
    assert "CoP 4.30, 4.57–4.58" in html
    assert 'href="../index.html">Testshire Local Offer</a>' in html


def test_404_uses_absolute_links_when_base_url_is_set(built: Path) -> None:
    html = (built / "404.html").read_text()
    assert 'href="https://localoffer.testshire.example/services/"' in html


def test_sitemap_lists_published_pages_with_full_urls(built: Path) -> None:
    xml = (built / "sitemap.xml").read_text()
    assert "<loc>https://localoffer.testshire.example/services/speech-therapy/</loc>" in xml
    assert "<lastmod>2026-10-01</lastmod>" in xml
    assert "404" not in xml


def test_canonical_and_description(built: Path) -> None:
    html = (built / "services/youth-club/index.html").read_text()
    assert (
        '<link rel="canonical" href="https://localoffer.testshire.example/services/youth-club/">'
        in html
    )
    assert '<meta name="description" content="A weekly club for young people.">' in html


def test_no_inline_script_and_no_third_party_requests(built: Path) -> None:
    for page in pages_of(built):
        html = page.read_text()
        scripts = re.findall(r"<script\b[^>]*>", html)
        # JSON-LD data blocks are never run (CSP allows them); tests/test_structured_data.py.
        scripts = [tag for tag in scripts if tag != '<script type="application/ld+json">']
        assert all(re.search(r' src="[^"]+" defer>', tag) for tag in scripts), (page, scripts)
        html = page.read_text()
        resources = re.findall(
            r'<(?:link rel="stylesheet"|img|script)[^>]* (?:href|src)="([^"]+)"', html
        )
        for url in resources:
            assert not url.startswith(("http:", "https:", "//")) or url.startswith(
                "https://localoffer.testshire.example/"
            ), (page, url)


# --- Parts shared by every page (render.SharedParts) --------------------------------------------

SHARED_TEMPLATES = {
    "part.html": (
        "<a href=\"{{ link('index.html') }}\">{{ site }}</a>"
        "{% if link('services/index.html') == '../index.html' %}<b>{{ link('a/x.html') }}</b>"
        "{% else %}<i>{{ link('b/y.html') }}</i>{% endif %}"
    ),
    "own.html": "{{ title }}",
}


def _shared_parts(calls: list[str]) -> tuple[object, object]:
    from jinja2 import DictLoader, Environment, StrictUndefined

    from lo_static.render import SharedParts

    env = Environment(loader=DictLoader(SHARED_TEMPLATES), undefined=StrictUndefined,
                      autoescape=True)
    original = env.get_template

    def counting(name: str) -> object:
        calls.append(name)
        return original(name)

    env.get_template = counting  # type: ignore[method-assign]
    return env, SharedParts(env, {"site": "Local Offer"})


def test_a_shared_part_is_made_once_for_each_set_of_links_and_always_right() -> None:
    """Pages whose links come out the same share one rendering; any page gets exactly what
    rendering the part for it alone gives, whichever way the part's own logic goes."""
    from lo_static.site import relative

    rendered: list[str] = []
    env, shared = _shared_parts(rendered)
    pages = [
        "services/a/index.html", "services/b/index.html", "services/c/index.html",
        "education/x/index.html", "index.html", "a/deep/page/index.html", "services/index.html",
        "services/a/index.html",
    ]
    for url in pages:
        def link(target: str, url: str = url) -> str:
            return relative(url, target)

        alone = env.from_string(SHARED_TEMPLATES["part.html"]).render(site="Local Offer", link=link)
        assert shared.render("part.html", link) == alone
    # services/a, b and c link alike (one rendering); education/x and a/deep/page differ from
    # them, and so do the home page and services/index.html.
    assert rendered.count("part.html") == 5


def test_a_shared_part_cannot_use_the_pages_own_values() -> None:
    """A part sees only what every page shares: asking for the page's title fails, rather than
    showing the first page's title on all of them."""
    from jinja2 import UndefinedError

    _, shared = _shared_parts([])
    with pytest.raises(UndefinedError):
        shared.render("own.html", lambda target: target)

"""The news feed (news/feed.xml, Atom 1.0) and the metadata link previews use (Open Graph and
Twitter card tags), on the small fixture site with a few more news items."""

from __future__ import annotations

import posixpath
import time
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest

from lo_static.site import NEWS_FEED_URL, reserved_urls
from tests.conftest import TODAY, SiteDir, run

BASE = "https://localoffer.testshire.example/"
ATOM = "{http://www.w3.org/2005/Atom}"
TRICKY_TITLE = 'Fish & chips <b>night</b> for "all" families'
TRICKY_SUMMARY = "Chips & <peas> for everyone, \"mushy\" or not."
SUBSCRIBE = "Subscribe to news (Atom feed)"


def add_news(site: SiteDir) -> None:
    """Two more news items: one newer than the fixture's (with characters XML must escape and a
    link to a service), one older."""
    site.write(
        "news/2026-11-fish-and-chips.md",
        f"""---
title: '{TRICKY_TITLE}'
summary: '{TRICKY_SUMMARY}'
owner: Local Offer Team
date: 2026-11-15
---

Come along & bring <friends>. Read about [speech therapy](../services/speech-therapy.md).
""",
    )
    site.write(
        "news/2026-08-summer.md",
        """---
title: Summer activities
summary: Activities for the summer holidays.
owner: Local Offer Team
date: 2026-08-01
---

There is lots to do this summer.
""",
    )


def build(out: str = "dist", today: str = TODAY) -> Path:
    result = run("build", "--out", out, "--today", today)
    assert result.exit_code == 0, result.output
    return Path(out)


@pytest.fixture
def built(site: SiteDir) -> Path:
    add_news(site)
    return build()


class Head(HTMLParser):
    """The <meta> tags (by property or name) and <link>s and <a>s of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str | None] = {}
        self.links: list[dict[str, str | None]] = []
        self.anchors: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and (values.get("property") or values.get("name")):
            key = values.get("property") or values.get("name") or ""
            assert key not in self.meta, f"{key} twice"
            self.meta[key] = values.get("content")
        if tag == "link":
            self.links.append(values)
        if tag == "a":
            self._href, self._text = values.get("href"), ""

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.anchors.append((self._text.strip(), self._href))
            self._href = None


def head_of(path: Path) -> Head:
    head = Head()
    head.feed(path.read_text(encoding="utf-8"))
    return head


def resolve(page: str, href: str) -> str:
    """Where a relative link on `page` (a path inside dist) leads, as a path inside dist."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), href))


def parse_feed(dist: Path) -> feedparser.FeedParserDict:
    document = feedparser.parse((dist / NEWS_FEED_URL).read_bytes())
    assert document.bozo == 0, document.get("bozo_exception")
    assert document.version == "atom10"
    return document


# -- the feed --------------------------------------------------------------------------------


def test_feed_is_atom_newest_first_with_titles_links_and_dates(built: Path) -> None:
    document = parse_feed(built)
    feed = document.feed
    assert feed.title == "Testshire Local Offer news"
    assert feed.author_detail.name == "Testshire Council"
    assert feed.id == BASE + "news/"
    links = {link.rel: link.href for link in feed.links}
    assert links == {"self": BASE + "news/feed.xml", "alternate": BASE + "news/"}
    assert feed.updated_parsed[:3] == (2026, 11, 15)

    entries = document.entries
    assert [e.title for e in entries] == [TRICKY_TITLE, "Our new Local Offer", "Summer activities"]
    assert entries[0].summary == TRICKY_SUMMARY
    slugs = ["2026-11-fish-and-chips", "2026-10-new-site", "2026-08-summer"]
    assert [e.link for e in entries] == [f"{BASE}news/{slug}/" for slug in slugs]
    assert [e.id for e in entries] == [f"{BASE}news/{slug}/" for slug in slugs]
    for entry, when in zip(entries, ["2026-11-15", "2026-10-01", "2026-08-01"], strict=True):
        assert time.strftime("%Y-%m-%d", entry.updated_parsed) == when
        assert time.strftime("%Y-%m-%d", entry.published_parsed) == when
        assert entry.updated_parsed[3:6] == (0, 0, 0)
    # Every entry links to a page the build wrote.
    for slug in slugs:
        assert (built / "news" / slug / "index.html").is_file()


def test_feed_content_is_the_rendered_body_with_absolute_links(built: Path) -> None:
    entry = parse_feed(built).entries[0]
    (content,) = entry.content
    assert content.type == "text/html"
    assert "Come along &amp; bring &lt;friends&gt;." in content.value  # text, never markup
    assert f'<a href="{BASE}services/speech-therapy/">speech therapy</a>' in content.value
    assert "data-print-url" not in content.value


def test_feed_is_well_formed_xml_in_the_atom_namespace(built: Path) -> None:
    raw = (built / NEWS_FEED_URL).read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')
    root = ElementTree.fromstring(raw)
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    titles = [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]
    assert titles[0] == TRICKY_TITLE
    content = root.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert "<b>night</b>" not in raw.decode()  # the title's markup is escaped, not live


def test_rebuild_writes_the_same_feed_whatever_the_day(site: SiteDir) -> None:
    """Times come from front matter, never the clock: ids and bytes stay the same."""
    add_news(site)
    first = (build("one") / NEWS_FEED_URL).read_bytes()
    second = (build("two", today="2026-11-30") / NEWS_FEED_URL).read_bytes()
    assert first == second
    ids = [e.id for e in feedparser.parse(first).entries]
    assert ids == [e.id for e in feedparser.parse(second).entries] and len(set(ids)) == 3


def test_control_characters_are_dropped_so_the_feed_still_parses(site: SiteDir) -> None:
    site.edit("news/2026-10-new-site.md", "title: Our new Local Offer",
              'title: "Our new\\x0c Local Offer\\x01"')
    dist = build()
    assert parse_feed(dist).entries[0].title == "Our new Local Offer"


def test_without_base_url_the_feed_uses_relative_links_and_tag_ids(site: SiteDir) -> None:
    add_news(site)
    site.edit("site.yaml", f"base_url: {BASE}\n", "")
    dist = build()
    raw = (dist / NEWS_FEED_URL).read_bytes()
    assert b"https://" not in raw
    document = parse_feed(dist)
    assert document.feed.id == "tag:testshire-local-offer,2014:news"
    links = {link.rel: link.href for link in document.feed.links}
    assert links == {"self": "feed.xml", "alternate": "index.html"}
    entry = document.entries[0]
    assert entry.id == "tag:testshire-local-offer,2014:news/2026-11-fish-and-chips"
    assert entry.link == "2026-11-fish-and-chips/index.html"
    assert (dist / "news" / entry.link).is_file()  # relative to the feed's own address
    assert 'href="../services/speech-therapy/index.html"' in entry.content[0].value
    assert (dist / "news/../services/speech-therapy/index.html").is_file()


def test_no_news_no_feed_and_no_feed_links(site: SiteDir) -> None:
    site.remove("news/2026-10-new-site.md")
    dist = build()
    assert not (dist / NEWS_FEED_URL).exists()
    for page in dist.rglob("*.html"):
        assert "application/atom+xml" not in page.read_text(encoding="utf-8"), page


def test_the_feed_address_is_reserved(site: SiteDir) -> None:
    """No Markdown file can be published at news/feed.xml (they all become .../index.html), and
    the address is reserved all the same; a news item called feed.md has an address of its own."""
    assert NEWS_FEED_URL in reserved_urls()
    site.write(
        "news/feed.md",
        "---\ntitle: Feed\nsummary: A news item called feed.\nowner: Local Offer Team\n"
        "date: 2026-09-01\n---\n\nHello.\n",
    )
    dist = build()
    assert (dist / "news/feed/index.html").is_file()
    assert [e.link for e in parse_feed(dist).entries] == [
        BASE + "news/2026-10-new-site/",
        BASE + "news/feed/",
    ]


@pytest.mark.parametrize(
    "name", ["news/feed.xml", "sitemap.xml", "sw.js", "assets/site.css", "pagefind/pagefind.js"]
)
def test_a_copied_content_file_cannot_replace_a_generated_file(site: SiteDir, name: str) -> None:
    site.write(name, "<not-what-the-build-writes/>")
    result = run("build", "--today", TODAY)
    assert result.exit_code == 1
    assert f"content/{name}: error[url-collision]: the build writes its own '{name}'" in (
        result.output
    )


# -- links to the feed -----------------------------------------------------------------------


def test_every_page_links_the_feed_in_its_head(built: Path) -> None:
    for path in sorted(built.rglob("*.html")):
        page = path.relative_to(built).as_posix()
        feeds = [
            link for link in head_of(path).links
            if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
        ]
        assert len(feeds) == 1, page
        assert feeds[0]["title"] == "Testshire Local Offer news"
        href = feeds[0]["href"] or ""
        if page == "404.html":  # served at any depth, so it links absolutely
            assert href == BASE + NEWS_FEED_URL
        else:
            assert resolve(page, href) == NEWS_FEED_URL, page


@pytest.mark.parametrize("page", ["index.html", "news/index.html"])
def test_home_and_news_list_have_a_visible_subscribe_link(built: Path, page: str) -> None:
    anchors = [href for text, href in head_of(built / page).anchors if text == SUBSCRIBE]
    assert len(anchors) == 1, page
    assert resolve(page, anchors[0]) == NEWS_FEED_URL


# -- Open Graph and Twitter card -------------------------------------------------------------


def test_service_page_metadata(built: Path) -> None:
    meta = head_of(built / "services/speech-therapy/index.html").meta
    summary = "Therapists who help children with talking and understanding."
    assert meta["description"] == summary
    assert {k: v for k, v in meta.items() if k.startswith(("og:", "twitter:"))} == {
        "og:url": BASE + "services/speech-therapy/",
        "og:type": "website",
        "og:title": "Speech therapy",
        "og:description": summary,
        "og:site_name": "Testshire Local Offer",
        "og:locale": "en_GB",
        "twitter:card": "summary",
    }


def test_home_page_and_news_item_types(built: Path) -> None:
    home = head_of(built / "index.html").meta
    assert home["og:type"] == "website"
    assert home["og:url"] == BASE
    assert home["og:title"] == "Testshire Local Offer"
    news = head_of(built / "news/2026-11-fish-and-chips/index.html").meta
    assert news["og:type"] == "article"
    assert news["og:title"] == TRICKY_TITLE  # decoded from &amp; etc.
    assert news["og:description"] == TRICKY_SUMMARY
    assert news["og:url"] == BASE + "news/2026-11-fish-and-chips/"
    assert head_of(built / "news/index.html").meta["og:type"] == "website"


def test_no_page_has_an_empty_content_attribute(built: Path) -> None:
    for path in built.rglob("*.html"):
        meta = head_of(path).meta
        assert "og:title" in meta and "twitter:card" in meta, path
        assert all(meta.values()), (path, meta)


def test_without_base_url_there_is_no_og_url(site: SiteDir) -> None:
    site.edit("site.yaml", f"base_url: {BASE}\n", "")
    dist = build()
    for page in ("index.html", "services/speech-therapy/index.html", "news/index.html"):
        meta = head_of(dist / page).meta
        assert "og:url" not in meta and "og:image" not in meta, page
        assert meta["og:title"], page


def test_og_image_only_for_a_raster_logo_with_base_url(site: SiteDir) -> None:
    site.write("images/logo.svg", '<svg xmlns="http://www.w3.org/2000/svg"/>')
    site.edit("site.yaml", "council:", "theme:\n  logo: images/logo.svg\ncouncil:")
    meta = head_of(build("svg") / "index.html").meta
    assert "og:image" not in meta  # social sites do not show SVG
    site.edit("site.yaml", "logo: images/logo.svg", "logo: images/family.png")
    meta = head_of(build("png") / "services/speech-therapy/index.html").meta
    assert meta["og:image"] == BASE + "images/family.png"
    assert meta["og:image:alt"] == "Testshire Council logo"


@pytest.mark.parametrize(("language", "locale"), [("cy-gb", "cy_GB"), ("cy", "cy")])
def test_og_locale_follows_the_site_language(site: SiteDir, language: str, locale: str) -> None:
    site.edit("site.yaml", "council:", f"language: {language}\ncouncil:")
    assert head_of(build() / "index.html").meta["og:locale"] == locale

"""Reading files: encodings, front-matter delimiters, file names, symlinks."""

from __future__ import annotations

import os
from pathlib import Path

from lo_static.cache import BuildCache
from lo_static.content import discover, kind_of, output_path
from lo_static.packed import Packed
from tests.conftest import SiteDir, assert_only_error, check_json

NEWS = "news/2026-10-new-site.md"


def test_output_paths_are_pretty_urls() -> None:
    assert output_path("index.md") == "index.html"
    assert output_path("services/speech.md") == "services/speech/index.html"
    assert output_path("about/index.md") == "about/index.html"
    assert output_path("about/guide.easy-read.md") == "about/guide/easy-read/index.html"
    assert output_path("index.easy-read.md") == "easy-read/index.html"
    assert output_path("a/b/index.easy-read.md") == "a/b/easy-read/index.html"
    assert output_path("a/indexes.md") == "a/indexes/index.html"
    assert output_path("a/Index.md") == "a/Index/index.html"


def test_output_paths_of_unusual_spellings_follow_path_rules() -> None:
    """A content folder's listing never gives these, but a path written another way still
    means the same page."""
    assert output_path("a//b.md") == "a/b/index.html"
    assert output_path("./a/index.md") == "a/index.html"
    assert output_path("a/./index.md") == "a/index.html"
    assert output_path("./index.md") == "index.html"


def test_kind_comes_from_the_top_folder() -> None:
    assert kind_of("services/a.md") == "service"
    assert kind_of("feedback/a.md") == "feedback"
    assert kind_of("news/a.md") == "news"
    assert kind_of("leaflets/a.md") == "leaflet"
    assert kind_of("about/services/a.md") == "page"
    assert kind_of("services.md") == "page"


def test_file_without_front_matter(site: SiteDir) -> None:
    site.write(NEWS, "Just some text\n")
    assert_only_error("front-matter", f"content/{NEWS}", 1, message="must start with front matter")


def test_front_matter_never_closed(site: SiteDir) -> None:
    site.write(NEWS, "---\ntitle: x\nsummary: y\n")
    assert_only_error("front-matter", f"content/{NEWS}", 1, message="never closed")


def test_empty_file(site: SiteDir) -> None:
    site.write(NEWS, "")
    assert_only_error("front-matter", f"content/{NEWS}", 1)


def test_not_utf8_names_the_line(site: SiteDir) -> None:
    text = site.text(NEWS).encode("utf-8").replace(b"faster", b"f\xe9ster")
    site.write(NEWS, text)
    assert_only_error("encoding", f"content/{NEWS}", 8, message="save it as UTF-8")


def test_byte_order_mark_and_windows_line_endings_just_work(site: SiteDir) -> None:
    text = site.text("services/speech-therapy.md").replace("\n", "\r\n")
    site.write("services/speech-therapy.md", "\ufeff".encode() + text.encode("utf-8"))
    exit_code, document = check_json()
    assert exit_code == 0, document


def test_line_numbers_survive_windows_line_endings(site: SiteDir) -> None:
    text = site.text("services/speech-therapy.md").replace(
        "service_level: specialist", "service_level: x"
    )
    site.write("services/speech-therapy.md", text.replace("\n", "\r\n").encode())
    assert_only_error("bad-value", "content/services/speech-therapy.md", 8)


def test_file_names_must_make_clean_addresses(site: SiteDir) -> None:
    site.write("about/my page.md", site.text("about/guide.md"))
    assert_only_error("bad-filename", "content/about/my page.md", 0, message="rename it")


def test_symlink_outside_the_content_folder(site: SiteDir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secret = tmp_path / "secret.md"
    secret.write_text(site.text("about/guide.md"))
    os.symlink(secret, site.path / "about" / "linked.md")
    assert_only_error("link-outside-content", "content/about/linked.md", 0)


def test_hidden_files_are_ignored(site: SiteDir) -> None:
    site.write(".git/notes.md", "not front matter")
    site.write("about/.draft.md", "not front matter")
    exit_code, _ = check_json()
    assert exit_code == 0


def test_bodies_are_held_compressed_and_read_back_whole(site: SiteDir, tmp_path: Path) -> None:
    # A build holds every page's body until it writes the site: as text that was 31 MB at
    # 5,000 services. The cache's record of each file must hold the same packed bytes, or
    # the text stays in memory anyway.
    cache = BuildCache(tmp_path / "cache")
    pages = {page.rel: page for page in discover(site.path, "content", cache).pages}
    source = site.text("services/youth-club.md")
    assert pages["services/youth-club.md"].body == source.split("---\n", 2)[2]
    for page in pages.values():
        stored = cache.get("read", page.source_key)
        assert stored is not None
        fields, _ = stored
        assert not [field for field in fields if isinstance(field, str) and len(field) > 64]
        assert isinstance(page.packed_body, Packed)
        assert page.packed_body in fields


def test_markdown_files_are_told_by_their_names_ending_in_md_in_any_case(tmp_path: Path) -> None:
    for rel in ("index.md", "about/Guide.MD", "about/notes.md.txt", "a.b/page.Md", "x/y.md.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("---\ntitle: T\n---\n", encoding="utf-8")
    (tmp_path / "folder.md").mkdir()  # a folder, whatever its name
    tree = discover(tmp_path, "content")
    assert [page.rel for page in tree.pages] == [
        "a.b/page.Md", "about/Guide.MD", "index.md", "x/y.md.md"
    ]
    assert tree.assets == ["about/notes.md.txt"]

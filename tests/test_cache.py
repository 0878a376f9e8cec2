"""The build cache: a rebuild that reuses earlier work gives, byte for byte, the site a full build
gives, whatever changed in between; and it really does reuse it."""

from __future__ import annotations

import contextlib
import gc
import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import pytest

from bench.make_corpus import make
from lo_static import cache as cache_module
from lo_static import leaflet_html, offline, oruk_export, render, search, zipwrite
from lo_static.build import BuildOptions
from lo_static.build import build as build_site
from lo_static.cache import BuildCache, _part, key_of
from lo_static.errors import ConfigError
from lo_static.oruk_export import open_referral_files
from lo_static.packed import KeptBytes, Packed, Pickled, spooling
from tests.conftest import MINIMAL, REPO, TODAY, check_json, run

NOT_OURS = ("pagefind/", "offline.json", "sw.js", "local-offer-offline.zip")
"""Pagefind's index differs from run to run (its file names are not stable), and the offline
manifest, service worker and zip list its files."""


@pytest.fixture(autouse=True)
def cache_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("LO_STATIC_NO_CACHE", raising=False)
    yield


def files_of(site: Path) -> dict[str, bytes]:
    return {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file() and not path.relative_to(site).as_posix().startswith(NOT_OURS)
    }


def build(content: Path, out: Path, *options: str, today: str = TODAY) -> dict[str, object]:
    result = run(
        "build", "--content", str(content), "--out", str(out), "--today", today,
        "--format", "json", *options,
    )
    assert result.exit_code == 0, result.stdout
    report: dict[str, object] = json.loads(result.stdout)
    return report


def search_fragments(site: Path) -> set[bytes]:
    """What Pagefind's index holds for each page (its fragments, unpacked): the same pages with
    the same text and filters give the same set, whatever Pagefind names the files."""
    return {
        gzip.decompress(path.read_bytes()) for path in (site / "pagefind/fragment").iterdir()
    }


class Rebuilds:
    """A content folder built with a cache; each change is rebuilt with the cache and compared
    with a full build of the same content made without one."""

    def __init__(self, root: Path, source: Path) -> None:
        self.content = root / "content"
        shutil.copytree(source, self.content)
        self.out = root / "dist"
        self.cache = root / "cache"
        self.full = root / "full"
        self.first = build(self.content, self.out, "--cache-dir", str(self.cache))

    def rebuild(self, today: str = TODAY) -> dict[str, object]:
        report = build(self.content, self.out, "--cache-dir", str(self.cache), today=today)
        shutil.rmtree(self.full, ignore_errors=True)
        build(self.content, self.full, "--no-cache", today=today)
        incremental, full = files_of(self.out), files_of(self.full)
        assert incremental.keys() == full.keys()
        assert [name for name in full if incremental[name] != full[name]] == []
        assert search_fragments(self.out) == search_fragments(self.full)
        return report

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.content / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")


def cache_figures(report: dict[str, object]) -> dict[str, int]:
    figures = report["cache"]
    assert isinstance(figures, dict)
    return figures


def test_a_rebuild_with_nothing_changed_reuses_everything(tmp_path: Path) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    pages = len(list(site.content.rglob("*.md")))
    # Each page is read and analysed; and the record of what the last build wrote.
    assert cache_figures(site.first) == {
        "hits": 0, "misses": 2 * pages + 1, "reused_files": 0, "zip_entries_reused": 0,
        "leaflets_reused": 0, "open_referral_reused": 0, "link_checks_reused": 0,
    }
    made_whole = ["openreferral/services.json", "sitemap.xml", "api/pages.json"]
    made_whole += [
        f"openreferral/services/{p.name}" for p in (site.out / "openreferral/services").iterdir()
    ]
    inodes = {rel: (site.out / rel).stat().st_ino for rel in made_whole}
    figures = cache_figures(site.rebuild())
    assert figures["misses"] == 0 and figures["hits"] == 2 * pages + 1
    # Files made whole every build come out the same, so they are linked, not written again.
    assert {rel: (site.out / rel).stat().st_ino for rel in made_whole} == inodes
    services = len(list((site.out / "openreferral/services").glob("*.json")))
    assert services > 1 and figures["open_referral_reused"] == services
    assert figures["link_checks_reused"] == pages
    assert figures["reused_files"] > pages
    # Everything but Pagefind's files (new names each run) is zipped from the cache.
    files = sum(1 for p in site.out.rglob("*") if p.is_file() and "pagefind" not in p.parts)
    assert figures["zip_entries_reused"] >= files - 3


def test_a_rebuild_with_nothing_changed_writes_no_file(tmp_path: Path) -> None:
    """Not even the search index, the offline zip or its manifest: the site is left alone."""
    site = Rebuilds(tmp_path, MINIMAL)

    def files() -> dict[str, tuple[int, int]]:
        return {
            path.relative_to(site.out).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in site.out.rglob("*")
            if path.is_file()
        }

    before = files()
    assert any(rel.startswith("pagefind/") for rel in before)
    site.rebuild()
    assert files() == before


def test_the_search_index_is_made_again_when_a_page_changes(tmp_path: Path) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    site.edit("services/speech-therapy.md", "\n## ", "\nFamilies say zwiebelkuchen.\n\n## ")
    site.rebuild()
    assert any(b"zwiebelkuchen" in fragment for fragment in search_fragments(site.out))


def test_a_search_index_changed_by_hand_is_made_again(tmp_path: Path) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    entry = site.out / "pagefind/pagefind-entry.json"
    entry.write_text("{}")
    site.rebuild()
    assert json.loads(entry.read_text())["languages"]


def test_a_build_without_search_leaves_no_index_to_keep(tmp_path: Path) -> None:
    """A build without search (a preview, which indexes afterwards) changes pages under the
    last index: the next build with search must index them, though none of them changes."""
    site = Rebuilds(tmp_path, MINIMAL)
    site.edit("services/speech-therapy.md", "\n## ", "\nFamilies say zwiebelkuchen.\n\n## ")
    options = BuildOptions(
        site.content, site.out, date.fromisoformat(TODAY), cache=BuildCache(site.cache),
        search=False,
    )
    build_site(options)
    assert not any(b"zwiebelkuchen" in fragment for fragment in search_fragments(site.out))
    site.rebuild()
    assert any(b"zwiebelkuchen" in fragment for fragment in search_fragments(site.out))


def test_an_edit_that_keeps_the_size_and_time_is_still_seen(tmp_path: Path) -> None:
    """A file whose inode, size and times are as they were is not read again: an edit that
    keeps the size and puts the modification time back still changes the change time."""
    site = Rebuilds(tmp_path, MINIMAL)
    path = site.content / "services/speech-therapy.md"
    before = path.stat()
    site.edit("services/speech-therapy.md", "cost: Free", "cost: Gift")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    site.rebuild()
    assert b"Gift" in (site.out / "services/speech-therapy/index.html").read_bytes()


def test_editing_text_renders_only_that_page_again(tmp_path: Path) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    before = cache_figures(site.rebuild())["reused_files"]
    site.edit("services/speech-therapy.md", "\n## ", "\nA new sentence for families.\n\n## ")
    figures = cache_figures(site.rebuild())
    assert figures["misses"] == 2  # the edited file, read and analysed again
    # The page, its Open Referral file and services.json (which lists every service).
    assert figures["reused_files"] == before - 3
    # Its Open Referral record (which carries its text) is made again; the others are reused.
    services = len(list((site.out / "openreferral/services").glob("*.json")))
    assert figures["open_referral_reused"] == services - 1
    assert b"A new sentence for families." in (
        site.out / "services/speech-therapy/index.html"
    ).read_bytes()



def test_an_edit_rewrites_a_part_or_two_of_each_bundle(tmp_path: Path) -> None:
    """The entries read by every build (Open Referral records, checked front matter, ...)
    are kept in 16 files a kind: editing one service rewrites the one or two holding its old
    and new entries, not the 40 MB of a large site's Open Referral records."""
    site = Rebuilds(tmp_path, MINIMAL)
    bundles = site.cache / "bundles"

    def identities() -> dict[str, tuple[int, int]]:
        return {
            path.relative_to(bundles).as_posix(): (path.stat().st_ino, path.stat().st_mtime_ns)
            for path in bundles.glob("*/*.shard")
        }

    before = identities()
    for kind in ("valid", "open-referral", "seen"):  # a part only for keys that fall in it
        keys = BuildCache(site.cache).bundle(kind).keys()
        assert len(keys) >= 3
        assert {name for name in before if name.startswith(f"{kind}/")} == {
            f"{kind}/{_part(key):02d}.shard" for key in keys
        }
    site.edit("services/speech-therapy.md", "\n## ", "\nA new sentence for families.\n\n## ")
    site.rebuild()
    after = identities()
    for kind in ("valid", "open-referral", "seen"):
        rewritten = [
            name
            for name in after
            if name.startswith(f"{kind}/") and after[name] != before.get(name)
        ]
        assert 1 <= len(rewritten) <= 2, (kind, rewritten)
    site.rebuild()
    assert identities() == after  # nothing changed: nothing written



def test_a_text_edit_remakes_no_file_made_from_front_matter_or_other_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sitemap, pages.json and the web app manifest are made from front matter and
    settings, and each service's Open Referral file from its record: while those are as they
    were, the last build's files stand (they are neither made nor hashed again)."""
    site = Rebuilds(tmp_path, MINIMAL)
    site.edit("services/speech-therapy.md", "\n## ", "\nA new sentence for families.\n\n## ")
    made: list[str] = []

    def refuse(*_: object) -> str:
        raise AssertionError("made again though its inputs did not change")

    def recorded(*args: Any) -> Iterator[tuple[str, bytes]]:
        for path, data in open_referral_files(*args):
            made.append(path)
            yield path, data

    monkeypatch.setattr(render.Renderer, "sitemap", refuse)
    monkeypatch.setattr(render.Renderer, "manifest", refuse)
    monkeypatch.setattr(render, "pages_json", refuse)
    monkeypatch.setattr(render, "open_referral_files", recorded)
    build(site.content, site.out, "--cache-dir", str(site.cache))
    own = [path for path in made if path.startswith("openreferral/services/")]
    assert len(own) == 1 and b"A new sentence for families." in (site.out / own[0]).read_bytes()
    assert "openreferral/services.json" in made  # it holds every service, the edited one too
    monkeypatch.undo()
    site.rebuild()  # and the site is the full build's


def test_services_json_is_left_alone_until_a_service_changes_then_made_from_the_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """services.json (31 MB at 5,000 services) has a key made of its records' keys: a rebuild
    that changes no service neither makes nor hashes it; one that edits a service copies the
    other entries from the last file rather than joining every record again."""
    site = Rebuilds(tmp_path, MINIMAL)
    calls: list[str] = []

    def spy(name: str) -> Callable[..., bytes]:
        real = getattr(oruk_export, name)

        def called(*args: Any) -> bytes:
            calls.append(name)
            return real(*args)  # type: ignore[no-any-return]

        return called

    monkeypatch.setattr(oruk_export, "services_list", spy("services_list"))
    monkeypatch.setattr(oruk_export, "_dump_list", spy("_dump_list"))
    build(site.content, site.out, "--cache-dir", str(site.cache))
    assert calls == []
    site.edit("services/speech-therapy.md", "\n## ", "\nA new sentence for families.\n\n## ")
    build(site.content, site.out, "--cache-dir", str(site.cache))
    assert calls == ["services_list"]  # and not joined in full
    assert b"A new sentence for families." in (site.out / oruk_export.SERVICES).read_bytes()
    monkeypatch.undo()
    site.rebuild()  # the same bytes as a full build's


def test_a_text_edit_corrects_the_sites_word_counts_rather_than_adding_them_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search page's word list sums every page's word counts (a fifth of a second of each
    rebuild at 5,000 services): after an edit the last sum is corrected by the changed page,
    and the list is the full build's."""
    site = Rebuilds(tmp_path, MINIMAL)
    site.edit("services/speech-therapy.md", "\n## ", "\nMarmalade sandwiches for everyone.\n\n## ")
    with monkeypatch.context() as patched:
        patched.setattr(search, "_sum_of", refuse_to_add_up)
        build(site.content, site.out, "--cache-dir", str(site.cache))
    site.rebuild()
    assert "marmalade" in json.loads((site.out / render.VOCABULARY).read_text())


def test_a_text_edit_reads_the_word_counts_of_the_changed_page_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild reads every page's analysis and the counts the last sum was made of (5.6 MB
    of words each at 5,000 services), but needs the counts of the changed page alone: the
    others stay in the cache files, unread, even where the bundle of counts is compared with
    the last one. (A rewritten part of a bundle or shard of the cache copies its values' bytes
    across: the few pages beside the changed one.)"""
    make(60, tmp_path / "corpus")
    site = Rebuilds(tmp_path, tmp_path / "corpus")
    edited = site.content / "services/service-00030.md"
    with edited.open("a", encoding="utf-8") as text:
        text.write("\nMarmalade sandwiches for everyone.\n")
    read: list[bytes] = []
    data = KeptBytes.data

    def watched(self: KeptBytes) -> bytes:
        found = data.fget(self)  # type: ignore[attr-defined]
        if type(self) is search.WordCounts:
            read.append(found)
        return found

    monkeypatch.setattr(KeptBytes, "data", property(watched))
    build(site.content, site.out, "--cache-dir", str(site.cache))
    monkeypatch.undo()
    pages = len(list(site.content.rglob("*.md")))
    assert 2 <= len(read) < pages // 4, (len(read), pages)  # 537 when every page's are read
    counts = [dict(search.WordCounts(found).items()) for found in read]
    new = next(words for words in counts if "marmalade" in words)  # the page's new counts
    added = {"marmalade", "sandwiches", "for", "everyone"}
    assert any(  # and those it had
        len(words) > 20 and "marmalade" not in words and new.keys() - words.keys() <= added
        for words in counts
    )
    site.rebuild()  # and the word list is the full build's


@pytest.mark.parametrize("damage", ["sum lost", "counts lost in part"])
def test_word_counts_are_added_up_afresh_when_the_kept_sum_does_not_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    site.edit("services/youth-club.md", "Games, trips", "Marmalade sandwiches, games, trips")
    if damage == "sum lost":
        shutil.rmtree(site.cache / search.WORD_TOTALS)
    else:
        parts = sorted((site.cache / "bundles" / search.WORDS).glob("*.shard"))
        assert len(parts) > 1
        parts[0].unlink()
    added_up: list[int] = []

    def counted(*args: Any) -> Counter[str]:
        added_up.append(1)
        return real_sum(*args)

    real_sum = search._sum_of
    monkeypatch.setattr(search, "_sum_of", counted)
    site.rebuild()
    assert len(added_up) == 2  # the cached build's and the full build's
    assert "marmalade" in json.loads((site.out / render.VOCABULARY).read_text())


def refuse_to_add_up(*_: object) -> None:
    raise AssertionError("added up afresh")


EDITS: dict[str, Callable[[Rebuilds], None]] = {
    "a title (listings and breadcrumbs show it)": lambda site: site.edit(
        "services/speech-therapy.md", "title: ", "title: Changed "
    ),
    "a news item's text (the feed carries it)": lambda site: site.edit(
        "news/2026-10-new-site.md", "\n\n", "\n\nNews text changed.\n\n"
    ),
    "the glossary": lambda site: site.edit("glossary.yaml", "expansion: ", "expansion: The "),
    "the settings": lambda site: site.edit("site.yaml", "title: ", "title: New "),
    "a new page": lambda site: (site.content / "services/new-service.md").write_text(
        (site.content / "services/youth-club.md")
        .read_text(encoding="utf-8")
        .replace("title: ", "title: Another ", 1),
        encoding="utf-8",
    ),
    # One more service spelling the youth club's provider in capitals: of the two spellings,
    # the export now uses that one, in the unchanged youth club's record too.
    "a provider spelt another way": lambda site: (site.content / "services/new-club.md").write_text(
        (site.content / "services/youth-club.md")
        .read_text(encoding="utf-8")
        .replace("title: ", "title: Another ", 1)
        .replace("provider: Testshire Youth Service", "provider: TESTSHIRE YOUTH SERVICE"),
        encoding="utf-8",
    ),
    "a page removed (the only news: no feed now)": lambda site: (
        site.content / "news/2026-10-new-site.md"
    ).unlink(),
    "a picture replaced": lambda site: shutil.copyfile(
        REPO / "content/images/easy-read/help.svg", site.content / "images/family.png"
    ),
}


@pytest.mark.parametrize("change", list(EDITS))
def test_a_rebuild_after_any_change_is_the_full_build(tmp_path: Path, change: str) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    EDITS[change](site)
    site.rebuild()


def test_a_new_day_is_a_new_site(tmp_path: Path) -> None:
    """Review warnings and "last reviewed" text depend on the date."""
    site = Rebuilds(tmp_path, MINIMAL)
    site.rebuild(today="2027-01-05")


def test_templates_are_part_of_every_key(tmp_path: Path) -> None:
    from datetime import date

    from lo_static.build import BuildOptions
    from lo_static.build import build as build_site
    from lo_static.resources import TEMPLATES_DIR

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    cache = tmp_path / "cache"

    def once() -> bytes:
        options = BuildOptions(
            MINIMAL, tmp_path / "dist", date(2026, 11, 23), templates=templates,
            cache=BuildCache(cache),
        )
        build_site(options)
        return (tmp_path / "dist/services/speech-therapy/index.html").read_bytes()

    first = once()
    base = templates / "base.html"
    base.write_text(base.read_text().replace("</body>", "<!-- changed --></body>"))
    second = once()
    assert b"<!-- changed -->" not in first
    assert b"<!-- changed -->" in second


def test_a_changed_output_file_is_written_again(tmp_path: Path) -> None:
    """Someone (or some tool) edited a built file: the cache must not trust it."""
    site = Rebuilds(tmp_path, MINIMAL)
    page = site.out / "services/speech-therapy/index.html"
    page.write_bytes(page.read_bytes().replace(b"<main", b"<main data-tampered"))
    site.rebuild()
    assert b"data-tampered" not in page.read_bytes()


def test_packed_values_are_read_from_the_cache_file_where_they_are_used(tmp_path: Path) -> None:
    """A rebuild reads every page's cache entries: their packed text (50 MB at 5,000 services)
    is read from the cache file where it is used, never copied into memory or the build's
    spool when the file is read. A file replaced under the same name (the cache saves a
    changed file so) leaves the values read from it as they were, and a file no value refers
    to any more is closed."""
    texts = [f"<p>Service {n}: speech and language therapy</p>" * (n + 1) for n in range(60)]
    cache = BuildCache(tmp_path / "cache")
    for n, text in enumerate(texts):
        cache.put("analysis", key_of(str(n)), {"body": Packed.of(text), "links": Pickled.of([n])})
        cache.put("read", key_of(str(n)), ("no packed value", n))
    cache.save()
    gc.collect()
    with spooling(str(tmp_path)) as spool:
        again = BuildCache(tmp_path / "cache")
        plain = [again.get("read", key_of(str(n))) for n in range(60)]
        assert files_open_in(tmp_path / "cache") == 0
        values = [again.get("analysis", key_of(str(n))) for n in range(60)]
        assert spool.size == 0
    assert all("in the cache" in repr(value["body"]) for value in values)
    assert [value["body"].text() for value in values] == texts
    assert [value["links"].value() for value in values] == [[n] for n in range(60)]
    again._changed_shards |= set(again._shards)  # write every file again, from these values
    again.save()
    assert [value["body"].text() for value in values] == texts
    third = BuildCache(tmp_path / "cache")
    assert [third.get("analysis", key_of(str(n))) for n in range(60)] == values
    assert files_open_in(tmp_path / "cache") > 0
    del values, again, third, spool, plain
    gc.collect()
    assert files_open_in(tmp_path / "cache") == 0


def files_open_in(folder: Path) -> int:
    """How many files in `folder` (or replaced there since) this process has open."""
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
    return sum(target.startswith(f"{folder}/") for target in targets)


def test_a_build_with_a_cache_may_keep_its_files_open(tmp_path: Path) -> None:
    """Values read from the cache keep their file open (up to 530 at once), more than macOS
    allows by default (256): a build with a cache raises its limit as far as it may."""
    script = (
        "import resource\n"
        "from pathlib import Path\n"
        "from lo_static.cache import BuildCache, OPEN_FILES\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (200, hard))\n"
        "BuildCache(None)\n"
        "assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == 200\n"
        f"BuildCache(Path({str(tmp_path)!r}))\n"
        "wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard)\n"
        "assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == max(200, wanted)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_cache_file_cut_short_is_a_miss_or_a_clear_error(tmp_path: Path) -> None:
    """Cut short before a build reads it, a file is a miss like any damaged file; cut short
    while a build uses the values read from it, it is an error that says which file and what
    to do, never a traceback."""
    cache = BuildCache(tmp_path)
    cache.put("analysis", "ab" * 32, Packed.of("<p>Short breaks</p>" * 40))
    cache.save()
    [path] = (tmp_path / "analysis").glob("*.shard")
    whole = path.read_bytes()
    path.write_bytes(whole[:-5])
    assert BuildCache(tmp_path).get("analysis", "ab" * 32) is None
    path.write_bytes(whole)
    value = BuildCache(tmp_path).get("analysis", "ab" * 32)
    assert isinstance(value, Packed)
    os.truncate(path, len(whole) - 5)
    with pytest.raises(ConfigError, match=f"{path.as_posix()} was cut short.*build again"):
        value.text()
    result = run("build", "--content", str(MINIMAL), "--out", str(tmp_path / "dist"))
    assert result.exit_code == 0, result.output


def test_a_damaged_cache_is_ignored(tmp_path: Path) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    entries = [p for p in site.cache.rglob("*") if p.is_file()]
    assert entries
    for number, entry in enumerate(entries):
        # Truncated, emptied, or another program's bytes: each is a miss, never an error.
        entry.write_bytes([b"", b"lo-static-cache 1\n\x80", os.urandom(64)][number % 3])
    figures = cache_figures(site.rebuild())
    assert figures["hits"] == 0


def test_the_demo_rebuilds_exactly_after_an_edit(tmp_path: Path) -> None:
    """At the demo's size (leaflets, Open Referral export, feed, easy read): a text edit and a
    front-matter edit, each rebuilt from the cache, give the full build's files."""
    site = Rebuilds(tmp_path, REPO / "content")
    site.edit(
        "services/speech-and-language-therapy.md",
        "\n## ",
        "\nWe now also run Saturday clinics.\n\n## ",
    )
    figures = cache_figures(site.rebuild())
    assert figures["misses"] == 2
    leaflets = len(list((site.out / "leaflets").glob("*.pdf")))
    assert figures["leaflets_reused"] == leaflets  # that service is on no leaflet
    # A new phone number for a service on two leaflets (the Local Offer guide and SENDIASS's
    # own): those two PDFs are printed again, the rest come from the cache.
    site.edit("services/ashdown-vale-sendiass.md", "phone: 01632 960100", "phone: 01632 960199")
    assert cache_figures(site.rebuild())["leaflets_reused"] == leaflets - 2
    site.edit("services/wheelchair-service.md", "summary: ", "summary: Changed, ")
    site.rebuild()


def test_a_rebuild_takes_qr_codes_and_compiled_templates_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making the leaflets' QR codes and compiling the templates again took a third of a second
    of every rebuild at 5,000 services: a second build into a new folder does neither, and
    makes the same files."""
    content, cache = REPO / "content", str(tmp_path / "cache")
    build(content, tmp_path / "first", "--cache-dir", cache)

    def made_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("made again, not taken from the cache")

    monkeypatch.setattr(leaflet_html.segno, "make", made_again)
    monkeypatch.setattr(jinja2.Environment, "compile", made_again)
    build(content, tmp_path / "second", "--cache-dir", cache)
    assert files_of(tmp_path / "second") == files_of(tmp_path / "first")


def test_templates_that_cannot_be_kept_are_compiled_each_time(tmp_path: Path) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    shutil.rmtree(site.cache / cache_module.TEMPLATE_CODE)
    (site.cache / cache_module.TEMPLATE_CODE).write_text("a file where the folder would be")
    shutil.rmtree(site.out)
    site.rebuild()


def test_each_version_of_lo_static_compiles_the_templates_for_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """How Jinja compiles a template depends on the environment lo-static sets up, not only on
    the template: another version keeps its compiled templates apart, and its first build
    removes the older version's."""
    site = Rebuilds(tmp_path, MINIMAL)
    [first] = (site.cache / cache_module.TEMPLATE_CODE).iterdir()
    assert any(first.iterdir())
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "another version")
    build(site.content, site.out, "--cache-dir", str(site.cache))
    [second] = (site.cache / cache_module.TEMPLATE_CODE).iterdir()
    assert second != first and any(second.iterdir())


def test_keys_keep_their_parts_apart() -> None:
    assert key_of("ab", "c") != key_of("a", "bc")
    assert key_of("a") != key_of(b"a", b"")


def test_the_cache_keeps_only_what_recent_builds_use(tmp_path: Path) -> None:
    site = Rebuilds(tmp_path, MINIMAL)
    held = cached_entries(site.cache)
    old = BuildCache(site.cache)
    for number in range(3 * len(held)):  # what older versions of the content left
        old.put("read", key_of("old", str(number)), "stale")
    old.save()
    legacy = site.cache / "read" / "00"  # a file per entry, as earlier versions kept them
    legacy.mkdir()
    (legacy / ("00" * 32)).write_bytes(b"lo-static-cache 1\nold")
    site.rebuild()
    assert cached_entries(site.cache) == held  # the pages, unchanged, were read from these
    assert not legacy.exists()


def test_a_new_version_of_lo_static_drops_what_older_versions_made(tmp_path: Path) -> None:
    """Entries an older lo-static made can never be used (every key starts with the code's
    fingerprint): the first build of a new version drops them all, where entries of older
    content stay until they are half the cache (switching between branches reuses them)."""
    site = Rebuilds(tmp_path, MINIMAL)
    held = cached_entries(site.cache)
    old = BuildCache(site.cache)
    for number in range(len(held) // 2):
        old.put("read", key_of("old", str(number)), "stale")
    old.save()
    site.rebuild()
    assert len(cached_entries(site.cache)) == len(held) + len(held) // 2  # under half: kept
    (site.cache / cache_module.CODE_STAMP).write_text("an older version's fingerprint")
    site.rebuild()
    assert cached_entries(site.cache) == held


def cached_entries(folder: Path) -> set[tuple[str, str]]:
    """(kind, key) of every entry the cache's files hold."""
    found = set()
    for path in folder.glob("*/*.shard"):
        entries = BuildCache(folder)._read(path)
        assert isinstance(entries, dict)
        found |= {(path.parent.name, key) for key in entries}
    return found


def test_a_check_fills_the_cache_for_the_build_after_it(tmp_path: Path) -> None:
    shutil.copytree(MINIMAL, tmp_path / "content")
    cache = str(tmp_path / "cache")
    result = run("check", "--content", str(tmp_path / "content"), "--today", TODAY,
                 "--cache-dir", cache)
    assert result.exit_code == 0, result.output
    report = build(tmp_path / "content", tmp_path / "dist", "--cache-dir", cache)
    assert cache_figures(report)["misses"] == 1  # only the record of what the last build wrote


def test_the_offline_zip_holds_the_new_site_after_an_edit(tmp_path: Path) -> None:
    """Unchanged files' compressed bytes are copied out of the last zip; the zip must still hold
    exactly the new site (but the data for other systems), the edited page included."""
    site = Rebuilds(tmp_path, MINIMAL)
    site.edit("services/speech-therapy.md", "\n## ", "\nA sentence only the new zip has.\n\n## ")
    figures = cache_figures(site.rebuild())
    files = {
        path.relative_to(site.out).as_posix(): path.read_bytes()
        for path in site.out.rglob("*")
        if path.is_file()
        and path.name != "local-offer-offline.zip"
        and path.relative_to(site.out).parts[0] not in offline.MACHINE_DATA
    }
    assert figures["zip_entries_reused"] > len(files) // 2
    with zipfile.ZipFile(site.out / "local-offer-offline.zip") as bundle:
        assert bundle.testzip() is None
        zipped = {
            name.removeprefix("local-offer/"): bundle.read(name) for name in bundle.namelist()
        }
    assert zipped == files
    assert b"A sentence only the new zip has." in zipped["services/speech-therapy/index.html"]


def test_a_large_file_is_deflated_again_only_where_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large file that changes (the services A to Z, 6.6 MB at 20,000 services) has its
    unchanged pieces taken from the last zip. Pieces of 256 bytes here (each deflated with the
    64 before it), so the small site's pages are large files: the edited service's page."""
    monkeypatch.setattr(zipwrite, "BLOCK", 256)
    monkeypatch.setattr(zipwrite, "WINDOW", 64)
    calls: list[tuple[bytes, zipwrite.Earlier | None, tuple[zipwrite.Block, ...]]] = []

    def compress_in_pieces(data: bytes, earlier: zipwrite.Earlier | None = None):  # type: ignore[no-untyped-def]
        entry, blocks = zipwrite.compress_in_pieces(data, earlier=earlier)
        calls.append((data, earlier, blocks))
        return entry, blocks

    monkeypatch.setattr(offline, "compress_in_pieces", compress_in_pieces)
    site = Rebuilds(tmp_path, MINIMAL)
    page = site.out / "services/youth-club/index.html"
    before = page.read_bytes()
    assert len(before) > 8 * 256
    site.rebuild()  # nothing changed: the pieces are remembered from the zip before
    site.edit("services/youth-club.md", "Games,", "Games, films,")
    calls.clear()
    site.rebuild()
    now = page.read_bytes()
    # The page, deflated again by the rebuild, and from scratch by the full build.
    made = [(earlier, blocks) for data, earlier, blocks in calls if data == now]
    assert [earlier is None for earlier, _ in made] == [False, True]
    earlier, blocks = made[0]
    assert earlier is not None
    old = {block.digest for block in earlier.blocks}
    fresh = [block for block in blocks if block.digest not in old]
    assert 1 <= len(fresh) <= 3 < len(blocks)  # ... where the edited sentence is
    with zipfile.ZipFile(site.out / "local-offer-offline.zip") as bundle:
        assert bundle.testzip() is None
        zipped = bundle.read("local-offer/services/youth-club/index.html")
    assert zipped == page.read_bytes() != before
    assert b"Games, films," in zipped


LINKED_PAGE_CHANGES = {
    "drafted": ("title: Speech therapy\n", "title: Speech therapy\ndraft: true\n", "draft page"),
    "heading renamed": ("## What happens next", "## After you ask", "no heading"),
    "removed": None,
}


@pytest.mark.parametrize("change", list(LINKED_PAGE_CHANGES))
def test_links_are_checked_again_when_what_they_go_to_changes(
    tmp_path: Path, change: str
) -> None:
    """The home page links to speech-therapy.md#what-happens-next; its text is unchanged, but
    its link must break when that page is drafted, loses the heading or goes."""
    site = Rebuilds(tmp_path, MINIMAL)
    assert cache_figures(site.rebuild())["link_checks_reused"] > 0
    edit = LINKED_PAGE_CHANGES[change]
    if edit is None:
        (site.content / "services/speech-therapy.md").unlink()
        expected = "goes to no file"
    else:
        site.edit("services/speech-therapy.md", edit[0], edit[1])
        expected = edit[2]
    code, report = check_json(
        "--content", str(site.content), "--cache-dir", str(site.cache)
    )
    broken = [p for p in report["problems"] if p["path"].endswith("/index.md")]
    assert code == 1 and broken, report
    assert broken[0]["code"] in ("broken-link", "broken-anchor")
    assert expected in broken[0]["message"]


def test_links_to_a_file_are_checked_again_when_it_goes(tmp_path: Path) -> None:
    """about/guide.md shows images/family.png; no page changes when the picture is deleted."""
    site = Rebuilds(tmp_path, MINIMAL)
    assert cache_figures(site.rebuild())["link_checks_reused"] > 0
    (site.content / "images/family.png").unlink()
    code, report = check_json("--content", str(site.content), "--cache-dir", str(site.cache))
    broken = [p for p in report["problems"] if p["path"].endswith("about/guide.md")]
    assert code == 1 and [p["code"] for p in broken] == ["broken-link"], report
    assert "goes to no file" in broken[0]["message"]


def test_reading_the_cache_does_not_run_the_garbage_collector(tmp_path: Path) -> None:
    """Unpickling makes thousands of lasting objects and no cycles: collections meanwhile only
    cost time (they doubled the reading of the offline zip's record)."""
    cache = BuildCache(tmp_path)
    for number in range(20_000):  # all in one file: keys that start alike
        cache.put("many", f"00{number}", (number, [str(number)]))
    cache.save()
    collections: list[str] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(phase)

    gc.callbacks.append(note)
    try:
        entry = BuildCache(tmp_path).get("many", "007")
    finally:
        gc.callbacks.remove(note)
    assert entry == (7, ["7"])
    assert len(collections) <= 1  # the one that follows, once the collector is on again
    assert gc.isenabled()

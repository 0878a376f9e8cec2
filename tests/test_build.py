"""The pipeline as a whole: URL rules, atomic output, byte-identical rebuilds."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import time
from pathlib import Path

import cbor2

from lo_static.build import cpu_seconds
from tests.conftest import SiteDir, assert_only_error, run


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root → sha256, plus modification times, to prove nothing changed."""
    digest = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest[path.relative_to(root).as_posix()] = (
                hashlib.sha256(path.read_bytes()).hexdigest() + f":{stat.st_mtime_ns}"
            )
    return digest


def test_two_files_one_url_case_insensitively(site: SiteDir) -> None:
    site.write("services/Speech-Therapy.md", site.text("services/speech-therapy.md"))
    assert_only_error(
        "url-collision", "content/services/speech-therapy.md", 0, message="Speech-Therapy.md"
    )


def test_page_and_folder_index_share_a_url(site: SiteDir) -> None:
    site.write("about/guide/index.md", site.text("about/guide.md").replace("(../", "(../../"))
    assert_only_error("url-collision", "content/about/guide.md", 0, message="about/guide/index.md")


def test_content_cannot_take_a_generated_url(site: SiteDir) -> None:
    site.write("services/index.md", site.text("services/speech-therapy.md"))
    assert_only_error("url-collision", "content/services/index.md", 0, message="generated page")


def test_easy_read_needs_its_standard_page(site: SiteDir) -> None:
    site.write("about/other.easy-read.md", site.text("about/guide.easy-read.md"))
    assert_only_error("orphan-easy-read", "content/about/other.easy-read.md", 0)


def test_failed_build_leaves_previous_output_untouched(site: SiteDir) -> None:
    assert run("build", "--today", "2026-11-23").exit_code == 0
    dist = site.path.parent / "dist"
    before = tree_digest(dist)
    assert before
    site.edit("services/speech-therapy.md", "cost: Free", "cost: [broken]")
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 1
    assert tree_digest(dist) == before
    leftovers = [p.name for p in site.path.parent.iterdir() if p.name.startswith(".dist")]
    assert leftovers == []


def test_failed_first_build_creates_no_output(site: SiteDir) -> None:
    site.edit("services/speech-therapy.md", "cost: Free", "cost: [broken]")
    assert run("build", "--today", "2026-11-23").exit_code == 1
    assert not (site.path.parent / "dist").exists()


def test_build_replaces_stale_files(site: SiteDir) -> None:
    assert run("build", "--today", "2026-11-23").exit_code == 0
    stale = site.path.parent / "dist" / "stale.html"
    stale.write_text("old")
    assert run("build", "--today", "2026-11-23").exit_code == 0
    assert not stale.exists()


def test_output_that_is_a_file_is_a_clear_error(site: SiteDir) -> None:
    (site.path.parent / "out").write_text("not a folder")
    result = run("build", "--today", "2026-11-23", "--out", "out")
    assert result.exit_code == 2
    assert "is a file" in result.output
    assert (site.path.parent / "out").read_text() == "not a folder"


# Pagefind writes each filter's values in hash-map order, which changes from run to run, and
# names its filter and meta files after their bytes; the offline files list those names and
# revisions. Everything else must match byte for byte; those files must hold the same filters,
# values and pages, and list the same revisions for every other file.
PAGEFIND_ORDERED_BY_HASH_MAP = (
    "pagefind/filter/", "pagefind/pagefind-entry.json", ".pf_meta", "offline.json", "sw.js",
    "local-offer-offline.zip",
)


def search_filters(root: Path) -> set[tuple[str, tuple[tuple[str, tuple[int, ...]], ...]]]:
    """Pagefind's filters as data: (filter, ((value, page numbers), ...)), order-free."""
    found = set()
    for path in (root / "pagefind" / "filter").iterdir():
        name, values = cbor2.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):])
        found.add((name, tuple(sorted((v, tuple(sorted(ids))) for v, ids in values))))
    return found


def test_builds_are_byte_identical(site: SiteDir) -> None:
    assert run("build", "--today", "2026-11-23", "--out", "one").exit_code == 0
    os.utime(site.path / "index.md")  # touching sources must not matter
    assert run("build", "--today", "2026-11-23", "--out", "two").exit_code == 0
    one, two = (
        {k: v.split(":")[0] for k, v in tree_digest(site.path.parent / name).items()
         if not any(part in k for part in PAGEFIND_ORDERED_BY_HASH_MAP)}
        for name in ("one", "two")
    )
    assert one == two
    assert len(one) > 10
    assert any(k.startswith("pagefind/fragment/") for k in one)
    filters = search_filters(site.path.parent / "one")
    assert filters == search_filters(site.path.parent / "two")
    revisions = [
        {f["url"]: f["revision"] for f in json.loads(
            (site.path.parent / name / "offline.json").read_text())["files"]
         if not any(part in f["url"] for part in PAGEFIND_ORDERED_BY_HASH_MAP)}
        for name in ("one", "two")
    ]
    assert revisions[0] == revisions[1]
    assert {name for name, _ in filters} >= {"Age", "Topic", "Service level", "Easy read"}


def test_drafts_are_checked_but_not_published(site: SiteDir) -> None:
    site.write(
        "about/draft-page.md",
        site.text("about/guide.md").replace(
            "owner: Local Offer Team", "owner: Local Offer Team\ndraft: true"
        ),
    )
    assert run("build", "--today", "2026-11-23").exit_code == 0
    dist = site.path.parent / "dist"
    assert not (dist / "about/draft-page").exists()
    assert "draft-page" not in (dist / "sitemap.xml").read_text()
    site.edit("about/draft-page.md", "title: A guide for families", "title: [broken]")
    assert run("build", "--today", "2026-11-23").exit_code == 1


def test_a_home_page_is_required(site: SiteDir) -> None:
    site.edit("index.md", "owner: Local Offer Team", "owner: Local Offer Team\ndraft: true")
    result = run("check", "--today", "2026-11-23")
    assert result.exit_code == 1
    assert "content/index.md: error[missing-home]: every Local Offer needs a home page" in (
        result.output
    )


def _spin(seconds: float) -> None:
    """Use about `seconds` of CPU."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_cpu_seconds_counts_child_processes_once_waited_for() -> None:
    """The build's CPU figure takes in its forked workers and Pagefind: a child's CPU time is
    counted once the child has been waited for, not only this process's own."""
    before = cpu_seconds()
    pid = os.fork()
    if pid == 0:  # the child: spin, then leave at once (no test teardown in the child)
        _spin(0.4)
        os._exit(0)
    os.waitpid(pid, 0)
    assert cpu_seconds() - before >= 0.35  # the child's 0.4 s (and what this process used)


def test_json_build_reports_cpu_for_every_stage(site: SiteDir) -> None:
    """The JSON report gives each stage's CPU seconds beside its seconds, "site" worked out
    the same way (the whole build without search, leaflets and the accessibility run)."""
    result = run("build", "--format", "json", "--today", "2026-11-23")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    stages, cpu = document["stages"], document["cpu"]
    assert set(cpu) == set(stages) >= {"check", "leaflets", "render_write", "search", "site"}
    assert all(seconds >= 0 for seconds in cpu.values())
    rest = cpu["total"] - cpu["search"] - cpu["leaflets"] - cpu.get("a11y", 0.0)
    assert abs(cpu["site"] - rest) < 0.01
    assert cpu["check"] > 0 and cpu["search"] > 0

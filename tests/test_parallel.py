"""Work spread over forked processes gives exactly what the same work in one process gives."""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path

import pytest

from bench.make_corpus import make
from lo_static.analysis import CHUNK
from lo_static.build import LINKS_CHUNK
from lo_static.content import READ_POOL_MINIMUM
from lo_static.parallel import AHEAD, fork_map
from tests.conftest import TODAY, SiteDir, run

NOT_OURS = ("pagefind/", "offline.json", "sw.js", "local-offer-offline.zip")
"""Pagefind's index differs from run to run (its file names are not stable), and the offline
manifest, service worker and zip list its files, so those are compared by the search tests."""


def test_fork_map_keeps_order_and_runs_closures() -> None:
    offset = 1000  # a closure: inherited by the forked workers, never pickled
    assert list(fork_map(lambda n: n + offset, 500, workers=2, chunk=7)) == [
        n + offset for n in range(500)
    ]


def test_fork_map_raises_a_workers_error() -> None:
    def task(n: int) -> int:
        if n == 77:
            raise ValueError("page 77")
        return n

    with pytest.raises(ValueError, match="page 77"):
        list(fork_map(task, 200, workers=2, chunk=10))


def test_fork_map_hands_out_only_a_few_chunks_ahead_of_its_caller(tmp_path: Path) -> None:
    """Results the caller has not taken yet wait in this process: workers may run only a few
    chunks ahead of it, not through the whole list while it is busy with the first result."""
    started = tmp_path / "started"

    def task(n: int) -> int:
        with started.open("a") as log:
            log.write(f"{n}\n")
        return n

    results = fork_map(task, 1000, workers=2, chunk=5)
    assert next(results) == 0
    time.sleep(1)  # long enough for two workers to run through all 1,000
    furthest = max(int(line) for line in started.read_text().split())
    assert furthest < (2 * AHEAD + 1) * 5
    assert list(results) == list(range(1, 1000))


def _files(site: Path) -> dict[str, bytes]:
    return {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file() and not path.relative_to(site).as_posix().startswith(NOT_OURS)
    }


def test_building_on_two_processes_gives_the_same_site(tmp_path: Path) -> None:
    """The demo plus 220 synthetic services: enough files, pages and services for every pool
    (reading, analysis, rendering, the Open Referral export and its check) to share out work."""
    make(220, tmp_path / "content")
    assert len(list((tmp_path / "content").rglob("*.md"))) >= READ_POOL_MINIMUM
    reports = {}
    for jobs in ("1", "2"):
        result = run(
            "build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / jobs),
            "--today", TODAY, "--format", "json", "--jobs", jobs,
        )
        assert result.exit_code == 0, result.stdout
        reports[jobs] = json.loads(result.stdout)["problems"]
    assert reports["1"] == reports["2"]
    one, two = _files(tmp_path / "1"), _files(tmp_path / "2")
    assert len([name for name in one if name.startswith("openreferral/services/")]) > 2 * CHUNK
    assert one.keys() == two.keys()
    assert [name for name in one if one[name] != two[name]] == []


def test_links_checked_on_two_processes_give_the_same_problems(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links are checked on every core once the pages are analysed: the same problems, at the
    same lines, as on one, with the build cache (cold, then warm) and without."""
    content = tmp_path / "content"
    make(220, content)
    services = sorted((content / "services").glob("service-*.md"))
    for n, path in enumerate(services[::20]):
        path.write_text(
            path.read_text()
            + f"\nSee [the missing page {n}](missing-{n}.md), [help](index.md#no-such-part)"
            + " and [a script](javascript:alert(1)).\n"
        )
    broken = len(services[::20])
    assert broken > 2 and len(list(content.rglob("*.md"))) > 2 * LINKS_CHUNK

    def problems(jobs: str, cache: str | None) -> list[dict[str, object]]:
        arguments = ["build", "--content", str(content), "--out", str(tmp_path / "out"),
                     "--today", TODAY, "--format", "json"]
        if cache is not None:
            arguments += ["--cache-dir", str(tmp_path / cache)]
        result = run(*arguments, "--jobs", jobs)
        assert result.exit_code == 1, result.stdout
        return json.loads(result.stdout)["problems"]

    alone = problems("1", None)
    codes = [problem["code"] for problem in alone]
    assert codes.count("broken-link") == 2 * broken and codes.count("unsafe-link") == broken
    assert problems("2", None) == alone
    monkeypatch.delenv("LO_STATIC_NO_CACHE", raising=False)
    assert problems("2", "cache") == alone
    assert problems("2", "cache") == alone  # from the cache


def test_pages_read_by_workers_go_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LO_STATIC_NO_CACHE", raising=False)
    make(220, tmp_path / "content")
    files = len(list((tmp_path / "content").rglob("*.md")))
    figures = []
    for out in ("one", "two"):
        result = run(
            "build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / out),
            "--today", TODAY, "--format", "json", "--cache-dir", str(tmp_path / "cache"),
        )
        assert result.exit_code == 0, result.stdout
        figures.append(json.loads(result.stdout)["cache"])
    # Read and analysed: every file missed the first time and hit the second.
    assert figures[0]["misses"] == 2 * files + 1 and figures[0]["hits"] == 0
    assert figures[1]["hits"] == 2 * files and figures[1]["misses"] == 1  # a new --out
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_a_build_leaves_nothing_exempt_from_garbage_collection(site: SiteDir) -> None:
    """The build pauses and freezes the collector while it loads (see paused_collection); a
    process that builds many times (the preview server) must get it all back afterwards."""
    assert gc.get_freeze_count() == 0
    assert run("build", "--today", "2026-11-23").exit_code == 0
    assert gc.get_freeze_count() == 0 and gc.isenabled()

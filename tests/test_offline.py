"""Offline (CoP 4.62): the service worker, saving the whole site, updates, and the zip, in
headless Chromium with the network switched off."""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route

from lo_static import offline
from lo_static.cache import BuildCache
from lo_static.serve import serve_folder
from lo_static.zipwrite import BLOCK
from tests.browser_helpers import browser
from tests.conftest import MINIMAL, REPO, TODAY, run

__all__ = ["browser"]  # fixture used by the tests below


class Site:
    """A built site served on 127.0.0.1 that a test can rebuild while it is being served."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"
        self.dist = root / "dist"

    def build(self) -> None:
        result = run(
            "build", "--content", str(self.content), "--out", str(self.dist), "--today", TODAY
        )
        assert result.exit_code == 0, result.output


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Site, str]]:
    served = Site(tmp_path)
    shutil.copytree(REPO / "content", served.content)
    served.build()

    with serve_folder(served.dist) as base:
        yield served, f"{base}/"


def controlled(context: BrowserContext, url: str) -> Page:
    """Open `url` and wait until the service worker controls the page."""
    page = context.new_page()
    page.goto(url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    assert page.evaluate("!!navigator.serviceWorker.controller")
    return page


def until(page: Page, script: str, arg: object, timeout: float = 10.0) -> None:
    """Evaluate `script` (a function of `arg` that may return a promise) until it gives true.
    Playwright's wait_for_function takes a promise for a true value, so it cannot wait on the
    Cache Storage or service worker APIs, which answer only with promises."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {script}"
        time.sleep(0.1)


def heading(page: Page, url: str) -> str:
    page.goto(url)
    return page.locator("h1").inner_text()


def test_precached_visited_and_fallback_pages_work_offline(
    browser: Browser, site: tuple[Site, str]
) -> None:
    _, base = site
    context = browser.new_context()
    page = controlled(context, base + "index.html")
    visited = base + "services/youth-club-plus/index.html"
    assert heading(page, visited) == "Youth Club Plus"
    context.set_offline(True)
    statutory = base + "advice-and-support/disagreements-mediation-and-complaints/index.html"
    assert heading(page, statutory) == "Disagreements, mediation and complaints"
    assert heading(page, visited) == "Youth Club Plus"
    assert heading(page, base + "health/therapies/index.html") == "You are offline"
    assert page.get_by_role("main").get_by_role("link", name="01632 960100").is_visible()
    context.close()


def test_save_for_offline_then_every_page_and_search_work(
    browser: Browser, site: tuple[Site, str]
) -> None:
    served, base = site
    context = browser.new_context()
    page = controlled(context, base + "index.html")
    panel = page.locator("#save-offline")
    panel.get_by_text("It downloads about").wait_for()
    assert " MB" in panel.locator("[data-size]").inner_text()  # the size, before saving
    panel.get_by_role("button", name="Save this site for offline use").click()
    # Functions, not expressions: Playwright would eval() an expression, which the pages'
    # Content-Security-Policy refuses.
    page.wait_for_function(
        "() => document.querySelector('#save-offline [role=status]')"
        ".textContent.startsWith('Saved.')"
    )
    assert page.locator("#save-offline progress").evaluate("p => p.value === p.max")
    assert "could not" not in panel.locator("[role=status]").inner_text()
    # Every file is kept once (the precache aside, which holds a few of them from the start),
    # labelled with its bytes' revision as offline.json gives it.
    manifest = json.loads((served.dist / "offline.json").read_text())
    copies = page.evaluate(
        """() => caches.keys().then(names => Promise.all(names.map(n => caches.open(n)
            .then(c => c.keys().then(keys => Promise.all(keys.map(k => c.match(k)
            .then(r => [n, k.url, r.headers.get("X-LO-Revision")])))))))).then(l => l.flat())"""
    )
    copies = [(name, url.removeprefix(base), label) for name, url, label in copies]
    kept = [url for name, url, _ in copies if not name.startswith("lo-precache-")]
    assert len(kept) == len(set(kept))
    revisions = {file["url"]: file["revision"] for file in manifest["files"]}
    files = [(url, label) for _, url, label in copies if url != "offline.json"]  # the worker's
    assert {url for url, _ in files} == set(revisions)
    assert [(url, label) for url, label in files if revisions[url] != label] == []
    context.set_offline(True)
    assert heading(page, base + "health/therapies/index.html") == (
        "Therapies for children and young people"
    )
    assert heading(page, base + "a-to-z/index.html") == "A to Z of pages and services"
    page.goto(base + "search/index.html?q=wheelchair")
    page.wait_for_function(
        "() => document.getElementById('search-status').textContent.length > 0"
    )
    assert page.locator("#search-status").inner_text().endswith("results for ‘wheelchair’")
    assert page.locator("#search-results a").first.inner_text()
    context.close()


def test_save_on_the_first_visit_waits_for_the_service_worker(
    browser: Browser, site: tuple[Site, str]
) -> None:
    """A family pressing "Save" on their first visit, before the service worker has started:
    saving waits for it to take charge of the page, then saves everything through it."""
    _, base = site
    context = browser.new_context()
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    context.route("**/sw.js", hold)  # the worker's script arrives after the click
    page = context.new_page()
    page.goto(base + "index.html")
    panel = page.locator("#save-offline")
    panel.get_by_role("button", name="Save this site for offline use").click()
    assert not page.evaluate("!!navigator.serviceWorker.controller")
    assert held, "the page did not ask for its service worker"
    held[0].continue_()
    context.unroute("**/sw.js", hold)
    page.wait_for_function(
        "() => document.querySelector('#save-offline [role=status]').textContent.length > 0"
        " && !document.querySelector('#save-offline button').disabled",
        timeout=30_000,
    )
    assert panel.locator("[role=status]").inner_text().startswith("Saved. Every page")
    context.set_offline(True)
    assert heading(page, base + "health/therapies/index.html") == (
        "Therapies for children and young people"
    )
    context.close()


def test_new_build_replaces_the_cached_copy(browser: Browser, site: tuple[Site, str]) -> None:
    served, base = site
    context = browser.new_context()
    page = controlled(context, base + "index.html")
    url = base + "services/youth-club-plus/index.html"
    assert heading(page, url) == "Youth Club Plus"
    source = served.content / "services/youth-club-plus.md"
    source.write_text(
        source.read_text().replace("title: Youth Club Plus", "title: Youth Club Plus and Friends")
    )
    served.build()
    assert heading(page, url) == "Youth Club Plus and Friends"  # online: the new page
    context.set_offline(True)
    assert heading(page, url) == "Youth Club Plus and Friends"  # and it replaced the copy
    context.close()


def test_a_copy_the_old_worker_saved_from_a_new_build_is_kept(
    browser: Browser, site: tuple[Site, str]
) -> None:
    """After a rebuild the page still being controlled by the last build's worker may fetch a
    page of the new build and save it; the new worker, activating, drops copies that are out
    of date. Each copy is labelled with the revision of the bytes it holds (not what the
    worker saving it believed), so that copy is kept. Made to happen in this order here: the
    browser sees the new worker only after the old one saved the page."""
    served, base = site
    context = browser.new_context()
    page = controlled(context, base + "index.html")
    url = base + "services/youth-club-plus/index.html"
    assert heading(page, url) == "Youth Club Plus"
    old_worker = (served.dist / "sw.js").read_bytes()
    old_build = json.loads((served.dist / "offline.json").read_text())["build"]
    source = served.content / "services/youth-club-plus.md"
    source.write_text(
        source.read_text().replace("title: Youth Club Plus", "title: Youth Club Plus and Friends")
    )
    served.build()
    new_worker = (served.dist / "sw.js").read_bytes()
    assert new_worker != old_worker
    (served.dist / "sw.js").write_bytes(old_worker)  # the browser finds no new worker yet
    assert heading(page, url) == "Youth Club Plus and Friends"  # fetched by the old worker
    until(
        page,
        """url => caches.open("lo-pages").then(c => c.match(url))
            .then(r => r ? r.text() : "").then(t => t.includes("Youth Club Plus and Friends"))""",
        url,
    )
    (served.dist / "sw.js").write_bytes(new_worker)
    page.evaluate("() => navigator.serviceWorker.getRegistration().then(r => r.update())")
    until(
        page,
        """old => Promise.all([navigator.serviceWorker.getRegistration(), caches.keys()])
            .then(([r, names]) => !names.includes("lo-precache-" + old) && !!r.active
                && !r.installing && !r.waiting && r.active.state === "activated")""",
        old_build,
    )
    context.set_offline(True)
    assert heading(page, url) == "Youth Club Plus and Friends"
    context.close()


def test_offline_manifest_and_worker_list_real_files(site: tuple[Site, str]) -> None:
    served, _ = site
    manifest = json.loads((served.dist / "offline.json").read_text())
    files = {f["url"]: f for f in manifest["files"]}
    assert manifest["total_bytes"] == sum(f["bytes"] for f in files.values())
    assert all((served.dist / url).stat().st_size == f["bytes"] for url, f in files.items())
    assert "local-offer-offline.zip" not in files
    worker = (served.dist / "sw.js").read_text()
    precache = json.loads(worker.split("var PRECACHE = ", 1)[1].split(";\n", 1)[0])
    assert "index.html" in precache and "offline/index.html" in precache
    assert "education/requesting-an-ehc-needs-assessment/easy-read/index.html" in precache
    assert any(p.startswith("assets/site.") and p.endswith(".css") for p in precache)
    assert all(p in files for p in precache)
    # Revisions come from offline.json at install, so the worker does not grow with the site.
    assert "pagefind/fragment/" not in worker and len(worker.encode()) < 12_000


def test_asset_names_carry_content_hashes(site: tuple[Site, str]) -> None:
    served, _ = site
    names = sorted(p.name for p in (served.dist / "assets").iterdir())
    assert all(len(name.split(".")) == 3 and len(name.split(".")[1]) == 10 for name in names)
    html = (served.dist / "index.html").read_text()
    assert (
        'href="assets/site.' in html and '<link rel="manifest" href="manifest.webmanifest">' in html
    )
    manifest = json.loads((served.dist / "manifest.webmanifest").read_text())
    assert manifest["display"] == "standalone" and manifest["start_url"] == "index.html"
    assert (served.dist / manifest["icons"][0]["src"]).is_file()


def test_zip_pages_work_when_opened_from_disk(
    browser: Browser, site: tuple[Site, str], tmp_path: Path
) -> None:
    served, _ = site
    link = (served.dist / "about/without-internet/index.html").read_text()
    assert 'href="../../local-offer-offline.zip" download' in link
    with zipfile.ZipFile(served.dist / "local-offer-offline.zip") as bundle:
        assert bundle.testzip() is None
        bundle.extractall(tmp_path / "unzipped")
    home = tmp_path / "unzipped/local-offer/index.html"
    page = browser.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(home.as_uri())
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    assert page.locator("h1").inner_text() == "Services"
    colour = page.evaluate(
        "getComputedStyle(document.querySelector('.app-header')).backgroundColor"
    )
    assert colour == "rgb(29, 79, 145)"
    assert failed == []
    page.close()


def test_zip_is_the_same_for_the_same_site(tmp_path: Path) -> None:
    for name in ("one", "two"):
        result = run(
            "build", "--content", str(MINIMAL), "--out", str(tmp_path / name), "--today", TODAY
        )
        assert result.exit_code == 0
    zips = [zipfile.ZipFile(tmp_path / name / "local-offer-offline.zip") for name in ("one", "two")]
    one, two = (
        {
            i.filename: (i.date_time, i.CRC)
            for i in z.infolist()
            if "/pagefind/" not in i.filename and not i.filename.endswith(("sw.js", "offline.json"))
        }
        for z in zips
    )
    assert one == two and len(one) > 20


def test_data_for_other_systems_is_left_out_of_the_offline_copy(tmp_path: Path) -> None:
    """No page links to the Open Referral export or the pages API: a family's offline copy (the
    zip, and offline.json, which a device saving the site fetches) takes every other file, a
    page in a folder of the same name deeper down included."""
    site = tmp_path / "site"
    files = {
        "index.html": "<h1>Home</h1>\n",
        "services/openreferral/index.html": "<h1>What Open Referral is</h1>\n",
        "api/index.html": "<h1>Not linked</h1>\n",
        "openreferral/services.json": '{"contents": []}\n',
        "openreferral/services/a.json": '{"id": "a"}\n',
        "api/pages.json": "[]\n",
        "leaflets/speech.pdf": "%PDF-1.7\n",
    }
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    offline.finish_offline(site, ["index.html"])
    kept = ["index.html", "leaflets/speech.pdf", "services/openreferral/index.html"]
    manifest = json.loads((site / offline.MANIFEST).read_text())
    assert sorted(f["url"] for f in manifest["files"]) == kept
    assert manifest["total_bytes"] == sum(len(files[rel]) for rel in kept)
    with zipfile.ZipFile(site / offline.ZIP) as archive:
        assert sorted(archive.namelist()) == sorted(
            f"local-offer/{rel}" for rel in [*kept, offline.MANIFEST, offline.SERVICE_WORKER]
        )


def test_the_zips_record_is_plain_tuples_and_another_format_is_ignored(tmp_path: Path) -> None:
    """The cache's record of the last zip has an entry per file of the site (15,000 at 5,000
    services), read and written after every edit: kept as plain tuples, which pickle three
    times as fast as objects. A record in another lo-static's format is not trusted."""
    site = tmp_path / "site"
    (site / "services").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Home</h1>\n" * 50)
    (site / "services" / "a.html").write_text("<h1>A</h1>\n" * 50)
    cache = BuildCache(tmp_path / "cache")
    assert offline.ZIP in offline.finish_offline(site, ["index.html"], cache, site)
    cache.save()
    record = BuildCache(tmp_path / "cache").bundle(offline.RECORD)
    assert record["format"] == offline.RECORD_FORMAT
    assert set(record["files"]) == {"index.html", "services/a.html"}
    entries = [*record["files"].values(), *record["placed"].values()]
    assert all(type(entry) is tuple for entry in entries)

    (site / "services" / "a.html").write_text("<h1>A, changed</h1>\n")
    older = BuildCache(tmp_path / "cache")
    older.keep_bundle(offline.RECORD, {**record, "format": 1})  # as if an older lo-static's
    made = offline.finish_offline(site, ["index.html"], older, site)
    assert offline.ZIP in made
    assert older.counts["zip hit"] == 0  # nothing taken from the last zip on its word
    older.save()
    again = BuildCache(tmp_path / "cache")  # this lo-static's record: unchanged files reused
    offline.finish_offline(site, ["index.html"], again, site)
    assert again.counts["zip hit"] == 2
    with zipfile.ZipFile(site / offline.ZIP) as archive:
        assert archive.read("local-offer/services/a.html") == b"<h1>A, changed</h1>\n"
        assert archive.read("local-offer/index.html") == (site / "index.html").read_bytes()


def test_a_large_file_is_zipped_without_reading_it_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The services A to Z is 6.6 MB at 20,000 services: the zip reads such a file a block at
    a time, takes it from the last zip by its hash when it is written again unchanged, and
    deflates again only the pieces an edit changed."""
    site = tmp_path / "site"
    (site / "services").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Home</h1>\n" * 50)
    records = [f'<li><a href="service-{n:05}/index.html">Service {n}</a> (active)</li>'
               for n in range(60_000)]
    large = site / "services" / "index.html"
    large.write_text("<ul>\n" + "\n".join(records) + "\n</ul>\n")
    assert large.stat().st_size > 2 * BLOCK
    whole_reads: list[str] = []
    read_bytes = Path.read_bytes

    def watched(path: Path) -> bytes:
        if path.stat().st_size > 2 * BLOCK:
            whole_reads.append(path.name)
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", watched)
    cache = BuildCache(tmp_path / "cache")
    offline.finish_offline(site, ["index.html"], cache, site)
    cache.save()
    large.write_bytes(large.read_bytes())  # written again, the same: found by its hash
    again = BuildCache(tmp_path / "cache")
    offline.finish_offline(site, ["index.html"], again, site)
    assert again.counts["zip hit"] == 2
    again.save()
    records[50_000] = '<li><a href="service-50000/index.html">Speech therapy</a> (active)</li>'
    large.write_text("<ul>\n" + "\n".join(records) + "\n</ul>\n")
    offline.finish_offline(site, ["index.html"], BuildCache(tmp_path / "cache"), site)
    with zipfile.ZipFile(site / offline.ZIP) as archive:
        assert archive.testzip() is None
        assert archive.read("local-offer/services/index.html") == large.read_bytes()
    assert whole_reads == ["index.html"] * 2  # by this test alone


def test_files_packed_by_worker_processes_make_the_same_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site of hundreds of files is packed in worker processes, which keep the compressed
    bytes in files of their own and send back only where they are: the zip is the same, byte
    for byte, as packed in this process; files written again unchanged are found in the last
    zip by their hash (the workers send back nothing for them); the folder the workers wrote
    in is gone afterwards."""
    site = tmp_path / "site"
    (site / "services").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Home</h1>\n" * 50)
    for n in range(offline.POOL_MINIMUM + 40):
        text = f"<h1>Service {n}</h1>\n" + f"<p>Help number {n}.</p>\n" * (n % 40)
        (site / "services" / f"s{n:03}.html").write_text(text)
    (site / "services" / "packed.json.gz").write_bytes(gzip.compress(b"{}" * 999))
    (site / "services" / "noise.bin").write_bytes(bytes(random.Random(7).randbytes(5000)))
    pools: list[int] = []
    fork_map = offline.fork_map

    def watched(task: Any, count: int, workers: int, chunk: int = 64) -> Iterator[Any]:
        pools.append(workers)
        return fork_map(task, count, workers, chunk)

    monkeypatch.setattr(offline, "fork_map", watched)
    monkeypatch.setattr(offline, "default_workers", lambda items, minimum: 2)
    zips = {}
    for name in ("workers", "here"):
        into = tmp_path / name
        into.mkdir()
        if name == "here":
            monkeypatch.setattr(offline, "default_workers", lambda items, minimum: 1)
        assert offline.finish_offline(site, ["index.html"], None, None, into) == [
            offline.MANIFEST, offline.SERVICE_WORKER, offline.ZIP
        ]
        assert sorted(path.name for path in into.iterdir()) == sorted(
            [offline.MANIFEST, offline.SERVICE_WORKER, offline.ZIP]
        )
        zips[name] = (into / offline.ZIP).read_bytes()
    assert pools == [2, 1]
    assert zips["workers"] == zips["here"]

    monkeypatch.setattr(offline, "default_workers", lambda items, minimum: 2)
    cache = BuildCache(tmp_path / "cache")
    offline.finish_offline(site, ["index.html"], cache, site)
    cache.save()
    for path in (site / "services").iterdir():
        path.write_bytes(path.read_bytes())  # written again, the same
    (site / "services" / "s007.html").write_text("<h1>Service 7, changed</h1>\n")
    again = BuildCache(tmp_path / "cache")
    offline.finish_offline(site, ["index.html"], again, site)
    assert again.counts["zip hit"] == offline.POOL_MINIMUM + 42
    assert again.counts["zip miss"] == 1
    with zipfile.ZipFile(site / offline.ZIP) as archive:
        assert archive.testzip() is None
        for path in site.rglob("*"):
            rel = path.relative_to(site).as_posix()
            made = (offline.ZIP, offline.MANIFEST, offline.SERVICE_WORKER)
            if path.is_file() and rel not in made:
                assert archive.read(f"local-offer/{rel}") == path.read_bytes(), rel
    assert [path.name for path in site.iterdir() if path.name.endswith(".zip")] == [offline.ZIP]


def test_an_unchanged_file_is_copied_from_the_last_zip_only_if_it_is_there(
    tmp_path: Path,
) -> None:
    """Unchanged files' entries are copied out of the last zip in runs, after checking the
    first header of each run. A zip changed in place without its size or time changing (it
    should never be) has its entries packed afresh where a header is not where recorded."""
    site = tmp_path / "site"
    (site / "services").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Home</h1>\n" * 50)
    for n in range(6):
        (site / "services" / f"s{n}.html").write_text(f"<h1>Service {n}</h1>\n" * (n + 3))
    cache = BuildCache(tmp_path / "cache")
    offline.finish_offline(site, ["index.html"], cache, site)
    cache.save()
    record = BuildCache(tmp_path / "cache").bundle(offline.RECORD)
    last = site / offline.ZIP
    info = last.stat()
    with last.open("r+b") as stream:  # spoil the header of services/s0.html, in place
        start = record["placed"]["local-offer/services/s0.html"][3]
        stream.seek(start - 30 - len("local-offer/services/s0.html"))
        stream.write(b"XXXX")
    os.utime(last, ns=(info.st_atime_ns, info.st_mtime_ns))
    (site / "services" / "s3.html").write_text("<h1>Service 3, changed</h1>\n")
    again = BuildCache(tmp_path / "cache")
    offline.finish_offline(site, ["index.html"], again, site)
    assert again.counts["zip miss"] == 2  # s3, and s0 packed afresh
    with zipfile.ZipFile(last) as archive:
        assert archive.testzip() is None
        for path in site.rglob("*.html"):
            rel = path.relative_to(site).as_posix()
            assert archive.read(f"local-offer/{rel}") == path.read_bytes(), rel


@pytest.mark.parametrize(
    "value",
    [
        {"build": "abc", "total_bytes": 12, "files": [{"url": "a/index.html", "bytes": 3}]},
        {"files": [{"url": "caf\u00e9/index.html", "note": "\u2603 \U0001f600 \u2028"}]},
        {"text": 'quote " backslash \\ control \u0001 tab \t', "empty": [], "none": None},
    ],
)
def test_the_manifest_is_written_as_compact_json_dumps_writes_it(value: dict[str, Any]) -> None:
    assert offline._compact_json(value) == json.dumps(value, separators=(",", ":")).encode()

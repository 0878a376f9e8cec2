"""`lo-static serve` (lo_static/preview.py): the real command in a subprocess, on a free port,
rebuilding as a copy of tests/fixtures/minimal is edited, broken and fixed."""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from lo_static.cache import BuildCache
from lo_static.diagnostics import Diagnostic, Report, Severity
from lo_static.preview import (
    EVENTS_PATH,
    Outcome,
    Preview,
    PreviewOptions,
    error_page,
    inject_reload,
)
from tests.browser_helpers import browser
from tests.conftest import MINIMAL, TODAY, SiteDir

__all__ = ["browser"]  # a fixture, used by name

LO_STATIC = str(Path(sys.executable).with_name("lo-static"))
SERVICE = "services/youth-club.md"
SERVICE_PAGE = "services/youth-club/"
ORIGINAL = "Games, trips and friends."
WAIT = 20.0


class Served:
    """A running `lo-static serve` and every line it printed to standard error."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        assert process.stderr is not None
        stream = process.stderr
        self._reader = threading.Thread(
            target=lambda: self.lines.extend(iter(stream.readline, "")), daemon=True
        )
        self._reader.start()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def url(self) -> str:
        """The address it prints once the first build is done."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            found = re.search(r"Preview: (http://127\.0\.0\.1:\d+/)", self.output)
            if found:
                return found.group(1)
            assert self.process.poll() is None, f"serve exited:\n{self.output}"
            time.sleep(0.05)
        raise AssertionError(f"no URL printed:\n{self.output}")

    def interrupt(self) -> int:
        """Ctrl-C; returns the exit status. If it has not stopped 15 s later, fails with what
        every thread was doing (faulthandler prints that on SIGABRT)."""
        self.process.send_signal(signal.SIGINT)
        try:
            status = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)
            self.process.wait(timeout=10)
            self._reader.join(timeout=5)
            pytest.fail(f"serve still running 15 s after Ctrl-C:\n{self.output}")
        self._reader.join(timeout=5)
        return status

    def stop(self) -> None:
        """SIGTERM (which cleans up like Ctrl-C), then SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait(timeout=10)


@contextlib.contextmanager
def interruptible_children() -> Iterator[None]:
    """Children started in the body get Ctrl-C as a terminal gives it, however the tests were
    started. A shell running the tests in the background without job control (`cmd &` in a
    script) ignores SIGINT for them, every child inherits that, and Python then leaves it
    ignored: `serve` would never see the test's Ctrl-C."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)  # exec resets it to the default
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def serve(site: SiteDir) -> Iterator[Callable[..., Served]]:
    """Start `lo-static serve --port 0 --today TODAY [args]` in the site's folder; always
    stopped afterwards. The tests' LO_STATIC_NO_CACHE holds unless `cached`."""
    started: list[Served] = []

    def start(*args: str, cached: bool = False) -> Served:
        env = {**os.environ, "PYTHONFAULTHANDLER": "1"}  # tracebacks if it must be stopped
        if cached:
            del env["LO_STATIC_NO_CACHE"]
        with interruptible_children():
            process = subprocess.Popen(
                [LO_STATIC, "serve", "--port", "0", "--today", TODAY, *args],
                cwd=site.path.parent,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        started.append(Served(process))
        return started[-1]

    try:
        yield start
    finally:
        for served in started:
            served.stop()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def poll(url: str, served: Served, wanted: Callable[[int, str], bool]) -> str:
    """Fetch `url` until `wanted(status, body)`; the body. Fails after WAIT seconds."""
    deadline = time.monotonic() + WAIT
    status, body = fetch(url)
    while not wanted(status, body):
        assert time.monotonic() < deadline, f"{url}: {status}\n{body}\n---\n{served.output}"
        time.sleep(0.2)
        status, body = fetch(url)
    return body


def test_rebuilds_on_change_shows_errors_then_recovers(
    site: SiteDir, serve: Callable[..., Served]
) -> None:
    served = serve("--content", "content")
    url = served.url()
    status, body = fetch(url + SERVICE_PAGE)
    assert status == 200 and ORIGINAL in body

    site.edit(SERVICE, ORIGINAL, "Games, trips and canoeing.")
    poll(url + SERVICE_PAGE, served, lambda s, b: s == 200 and "trips and canoeing" in b)

    site.edit(SERVICE, "last_reviewed: 2026-10-01", "last_reviewed: 2026-02-30")
    message = "&#x27;last_reviewed&#x27;: &#x27;2026-02-30&#x27; is not a real date"
    for page in (SERVICE_PAGE, "", "services/"):  # every page shows the problem
        body = poll(url + page, served, lambda s, b: s == 500 and message in b)
        assert "content/services/youth-club.md, line 4" in body
        assert "error[invalid-date]" in body
        assert "refresh by itself" in body
        assert EVENTS_PATH in body  # the error page reloads itself too
    assert fetch(url + "sitemap.xml")[0] == 200  # files that are not pages: the last good build
    assert "content/services/youth-club.md:4: error[invalid-date]" in served.output

    site.edit(SERVICE, "last_reviewed: 2026-02-30", "last_reviewed: 2026-10-01")
    poll(url + SERVICE_PAGE, served, lambda s, b: s == 200 and "trips and canoeing" in b)
    assert served.process.poll() is None
    assert not (site.path.parent / "dist").exists()
    assert "unchanged since the last build" not in served.output  # LO_STATIC_NO_CACHE


def test_rebuilds_redo_only_what_an_edit_changed(
    site: SiteDir, serve: Callable[..., Served]
) -> None:
    """With the build cache (as `lo-static build` uses it), a rebuild after an edit reuses
    every file the edit did not change: a preview of a council's thousands of services
    rebuilds in seconds, not the minute a full build takes."""
    cache = site.path.parent / "cache"
    served = serve("--out", "preview", "--cache-dir", str(cache), cached=True)
    url = served.url()
    assert "unchanged since the last build" not in served.output  # a new preview folder
    assert any(cache.iterdir())

    site.edit(SERVICE, ORIGINAL, "Games, trips and archery.")
    poll(url + SERVICE_PAGE, served, lambda s, b: s == 200 and "trips and archery" in b)
    reused = re.compile(r"\((\d+) files unchanged since the last build\)")
    deadline = time.monotonic() + WAIT
    while not (found := reused.findall(served.output)):
        assert time.monotonic() < deadline, served.output
        time.sleep(0.05)
    built = site.path.parent / "preview"
    assert 0 < int(found[0]) < len([p for p in built.rglob("*") if p.is_file()])


def test_a_preview_keeps_its_build_cache_in_memory_between_good_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild at 5,000 services spent a quarter of its time reading the cache's files
    again: after a good build the next one takes what was read from memory (and reads only
    files it has not read before), and after a build that failed, reads the folder again."""
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    options = PreviewOptions(
        content, today=date.fromisoformat(TODAY), cache_dir=tmp_path / "cache"
    )
    preview = Preview(options, tmp_path / "site", lambda line: None)
    reads: list[Path] = []
    real_read = BuildCache._read

    def counted(cache: BuildCache, path: Path) -> object:
        reads.append(path)
        return real_read(cache, path)

    def rebuilt() -> tuple[bool, set[Path]]:
        reads.clear()
        outcome = preview.rebuild()
        assert outcome is not None
        return outcome.ok, set(reads)

    monkeypatch.setattr(BuildCache, "_read", counted)
    ok, first = rebuilt()
    assert ok and first
    page = tmp_path / "site" / SERVICE_PAGE / "index.html"  # the preview's own folder
    edit(content / SERVICE, ORIGINAL, "Games, trips and archery.")
    ok, second = rebuilt()
    assert ok and not second & first and "trips and archery" in page.read_text()
    kept = preview._cache
    assert kept is not None and kept.counts["read miss"] == 1  # this build's count alone
    edit(content / SERVICE, "last_reviewed: 2026-10-01", "last_reviewed: 2026-02-30")
    assert rebuilt()[0] is False
    edit(content / SERVICE, "last_reviewed: 2026-02-30", "last_reviewed: 2026-10-01")
    edit(content / SERVICE, "trips and archery", "trips and sailing")
    ok, after_failure = rebuilt()
    assert ok and after_failure & first and "trips and sailing" in page.read_text()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_pages_are_shown_first_then_indexed_for_search(
    site: SiteDir, serve: Callable[..., Served]
) -> None:
    """Pagefind indexes every page again after any edit (seconds on a large Local Offer), so a
    rebuild shows the pages, then replaces the search index with one that has the edit."""
    served = serve("--out", "preview")
    url = served.url()
    index = site.path.parent / "preview" / "pagefind"

    def indexed(word: str) -> bool:
        fragments = index.glob("fragment/*.pf_fragment")
        return any(word in gzip.decompress(path.read_bytes()).decode() for path in fragments)

    deadline = time.monotonic() + WAIT
    while served.output.count("Search updated in") < 1:
        assert time.monotonic() < deadline, served.output
        time.sleep(0.05)
    assert indexed("Games, trips and friends") and not indexed("kayaking")

    site.edit(SERVICE, ORIGINAL, "Games, trips and kayaking.")
    poll(url + SERVICE_PAGE, served, lambda s, b: s == 200 and "trips and kayaking" in b)
    while served.output.count("Search updated in") < 2:
        assert time.monotonic() < deadline + WAIT, served.output
        time.sleep(0.05)
    rebuild = served.output.rsplit("rebuilding", 1)[1]
    assert rebuild.index("pages in") < rebuild.index("Search updated in")
    assert indexed("kayaking") and not indexed("Games, trips and friends")


def test_config_error_page_then_recovery(site: SiteDir, serve: Callable[..., Served]) -> None:
    good = site.text("site.yaml")
    site.write("site.yaml", good + "council: [\n")
    served = serve("--content", "content")
    url = served.url()
    body = poll(url, served, lambda s, b: s == 500)
    assert "Settings problem" in body
    assert "content/site.yaml:9: not valid YAML" in body
    assert "Error: content/site.yaml:9: not valid YAML" in served.output

    site.write("site.yaml", good)
    body = poll(url, served, lambda s, b: s == 200)
    assert "Testshire Local Offer" in body


def test_error_page_escapes_what_editors_wrote(site: SiteDir, serve: Callable[..., Served]) -> None:
    site.edit(SERVICE, "service_level: universal", 'service_level: "<script>alert(1)</script>"')
    served = serve("--content", "content")
    body = poll(served.url() + SERVICE_PAGE, served, lambda s, b: s == 500)
    assert "&#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;" in body
    assert "<script>alert(1)" not in body
    assert "content/services/youth-club.md, line 8" in body
    assert "error[bad-value]" in body


def test_error_page_escapes_paths_and_codes() -> None:
    report = Report([Diagnostic("a/<b>.md", 3, "x<y", Severity.ERROR, "say \"<i>\" & go")])
    page = error_page(Outcome("t.1", report)).decode()
    assert "a/&lt;b&gt;.md, line 3" in page
    assert "error[x&lt;y]" in page
    assert "say &quot;&lt;i&gt;&quot; &amp; go" in page
    assert "<b>" not in page and "<i>" not in page
    config = error_page(Outcome("t.2", Report(), failure="site.yaml:1: <oops>")).decode()
    assert "site.yaml:1: &lt;oops&gt;" in config


def test_reload_script_goes_before_the_end_of_the_body() -> None:
    page = inject_reload(b"<html><body><p>x</p></BODY></html>", "abc.3")
    # A script file, not inline script, so the pages' Content-Security-Policy allows it.
    assert page.startswith(b'<html><body><p>x</p><script src="/__lo_static/reload.js"')
    assert page.endswith(b"</script>\n</BODY></html>")
    assert b'data-events="/__lo_static/events?since=abc.3"' in page
    assert inject_reload(b"<p>no body</p>", "t").startswith(b"<p>no body</p><script src=")


def test_preview_never_writes_dist_and_never_writes_the_script(
    site: SiteDir, serve: Callable[..., Served]
) -> None:
    dist = site.path.parent / "dist"
    dist.mkdir()
    (dist / "index.html").write_text("the real build", encoding="utf-8")
    served = serve("--out", "preview")  # default --content: ./content
    url = served.url()
    status, body = fetch(url)
    assert status == 200 and EVENTS_PATH in body
    site.edit(SERVICE, ORIGINAL, "Games, trips and kites.")
    poll(url + SERVICE_PAGE, served, lambda s, b: "trips and kites" in b and EVENTS_PATH in b)

    built = site.path.parent / "preview"
    pages = sorted(built.rglob("*.html"))
    assert built / "services/youth-club/index.html" in pages
    assert "trips and kites" in (built / "services/youth-club/index.html").read_text()
    assert not [p for p in pages if "__lo_static" in p.read_text(encoding="utf-8")]
    assert [p.name for p in dist.iterdir()] == ["index.html"]
    assert (dist / "index.html").read_text(encoding="utf-8") == "the real build"
    worker = fetch(url + "sw.js")[1]  # the site's offline worker is not used in a preview
    assert "unregister" in worker and "PRECACHE" not in worker
    assert fetch(url + "no-such-page/")[0] == 404


def test_ctrl_c_stops_cleanly_and_removes_the_temporary_folder(
    site: SiteDir, serve: Callable[..., Served]
) -> None:
    served = serve("--content", "content")
    served.url()
    found = re.search(r"into (.+/site) \(a temporary folder", served.output)
    assert found, served.output
    folder = Path(found.group(1))
    assert (folder / "index.html").is_file()
    assert served.interrupt() == 0
    assert "Traceback" not in served.output
    assert served.output.rstrip().endswith("Stopped the preview.")
    assert not folder.parent.exists()


def test_events_tell_only_stale_pages_to_reload(
    site: SiteDir, serve: Callable[..., Served]
) -> None:
    served = serve("--content", "content")
    url = served.url()
    token = re.search(r"since=([0-9a-f.]+)", fetch(url)[1])
    assert token, "no reload script in the page"
    with urllib.request.urlopen(f"{url}{EVENTS_PATH[1:]}?since=old", timeout=5) as stale:
        assert stale.headers["Content-Type"].startswith("text/event-stream")
        assert [stale.readline(), stale.readline(), stale.readline()] == [
            b"retry: 1000\n", b"\n", b"event: reload\n"
        ]
    current = f"{url}{EVENTS_PATH[1:]}?since={token[1]}"
    with urllib.request.urlopen(current, timeout=1) as quiet:
        assert [quiet.readline(), quiet.readline()] == [b"retry: 1000\n", b"\n"]
        with pytest.raises(TimeoutError):
            quiet.readline()  # nothing changed: no reload
    with urllib.request.urlopen(current, timeout=WAIT) as fresh:
        assert [fresh.readline(), fresh.readline()] == [b"retry: 1000\n", b"\n"]
        site.edit(SERVICE, ORIGINAL, "Games, trips and music.")
        assert fresh.readline() == b"event: reload\n"  # only once the new build is ready
        assert "trips and music" in fetch(url + SERVICE_PAGE)[1]


def test_port_in_use_is_a_clear_error(site: SiteDir) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [LO_STATIC, "serve", "--port", str(port), "--content", "content"],
            cwd=site.path.parent,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert f"port {port} is in use; try --port {port + 1} or --port 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_open_page_reloads_itself(
    site: SiteDir, serve: Callable[..., Served], browser: Browser
) -> None:
    served = serve("--content", "content")
    url = served.url()
    page = browser.new_page()
    try:
        page.goto(url + SERVICE_PAGE)
        expect(page.locator("main")).to_contain_text(ORIGINAL)
        page.evaluate("window.notReloaded = true")

        site.edit(SERVICE, ORIGINAL, "Games, trips and a choir.")
        expect(page.locator("main")).to_contain_text("trips and a choir", timeout=WAIT * 1000)
        assert page.evaluate("window.notReloaded") is None  # a real reload, by itself

        site.edit(SERVICE, "last_reviewed: 2026-10-01", "last_reviewed: 2026-02-30")
        expect(page.locator("h1")).to_have_text(
            "The site cannot be built yet", timeout=WAIT * 1000
        )
        expect(page.locator("main")).to_contain_text("content/services/youth-club.md, line 4")

        site.edit(SERVICE, "last_reviewed: 2026-02-30", "last_reviewed: 2026-10-01")
        expect(page.locator("h1")).to_have_text("Youth club", timeout=WAIT * 1000)
    finally:
        page.close()

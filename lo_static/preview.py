"""`lo-static serve`: build into a preview folder, serve it on 127.0.0.1, rebuild on every
change and reload the page open in the browser.

The preview never touches `dist/`: it builds into a temporary folder (or `--out`). Live reload
adds nothing to the built files either: as the server sends an HTML page it adds a `<script>`
tag for `/__lo_static/reload.js`, which listens to `/__lo_static/events` (Server-Sent Events) and
reloads the page when a newer build is ready. The script is a file on the preview server, not
inline, so the pages' Content-Security-Policy (`script-src 'self'`) allows it. If the script
cannot run, the page works as it would when published.

While the content has errors (or site.yaml cannot be read), every page request is answered with
an error page (HTTP status 500) listing each problem, so the preview never passes off an
out-of-date site as the current one. Files that are not pages (CSS, images) still come from the
last good build. This module never prints: it reports through the `log` callback `cli.py` gives.

A rebuild shows the new pages first and then indexes them for the search page: Pagefind indexes
every page again whatever changed (10 s at 5,000 services), and an editor checking a sentence
should not wait for it. Until the index is in place, the search page searches the pages of the
build before. Rebuilds use the build cache (`--cache-dir`), so only what an edit changed is
made again.
"""

from __future__ import annotations

import contextlib
import errno
import html
import http.server
import io
import os
import secrets
import shutil
import signal
import socketserver
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import watchfiles

from . import resources
from .build import BuildOptions, build, index_search
from .cache import BuildCache
from .diagnostics import Diagnostic, Report, format_text
from .errors import ConfigError, ContentErrors, LoStaticError

Log = Callable[[str], None]

EVENTS_PATH = "/__lo_static/events"
"""The Server-Sent Events stream the reload script listens to (only on the preview server)."""
RELOAD_PATH = "/__lo_static/reload.js"
"""The reload script, served by the preview server (never written to the built files)."""
RELOAD_SCRIPT = b"""// lo-static serve: reloads this preview when a new build is ready.
// Not part of the published site. The tag that loads this names the page's build.
(function () {
  "use strict";
  var tag = document.currentScript;
  if (!tag || !("EventSource" in window)) return;
  var events = new EventSource(tag.getAttribute("data-events"));
  events.addEventListener("reload", function () {
    events.close();
    location.reload();
  });
})();
"""
STEP_MS = 100
"""A change is built once nothing else has changed for this long (an editor saving writes
several times)..."""
DEBOUNCE_MS = 1600
"""...or after this long, if files keep changing."""
KEEPALIVE_SECONDS = 15.0
"""How often an idle event stream sends a comment, so closed connections are noticed."""

NO_WORKER = b"""// lo-static serve: a preview keeps no offline copies. This worker replaces the
// site's service worker, deletes what it saved and removes itself, so every page is fresh.
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.registration.unregister(); }));
});
"""


@dataclass(frozen=True)
class PreviewOptions:
    """What `lo-static serve` was asked for."""

    content_dir: Path
    out_dir: Path | None = None
    """Where to build; None means a temporary folder, removed when the preview stops."""
    port: int = 8000
    """0 picks a free port."""
    today: date | None = None
    """None means the real date, looked up at each build."""
    templates: Path = resources.TEMPLATES_DIR
    checklist: Path = resources.STATUTORY_FILE
    cache_dir: Path | None = None
    """The build cache's folder (see cache.py), so that a rebuild after an edit redoes only
    what the edit changed; None: every rebuild does all the work."""


@dataclass(frozen=True)
class Outcome:
    """The latest build: a site to serve, or the problems that stopped it."""

    token: str
    """Names this build; a page knows which build it came from, so it can tell it is stale."""
    report: Report
    failure: str = ""
    """A configuration or unexpected error: the content could not even be checked."""

    @property
    def ok(self) -> bool:
        return not self.failure and not self.report.has_errors()


class Preview:
    """The state shared by the builder and the server: the latest outcome, and who waits on it.

    Builds run one at a time (the first in the main thread, then in the watcher thread); the
    built site is swapped into `site_dir` atomically, so a request sees the old site or the new.
    """

    def __init__(self, options: PreviewOptions, site_dir: Path, log: Log) -> None:
        self.options = options
        self.site_dir = site_dir
        self.log = log
        self._instance = secrets.token_hex(4)
        self._builds = 0
        self._outcome: Outcome | None = None
        self._changed = threading.Condition()
        self._build_lock = threading.Lock()
        self.stopping = threading.Event()
        self._cache: BuildCache | None = None
        """The build cache as the last good build left it (see `_cache_for_build`)."""

    @property
    def watched(self) -> list[Path]:
        """The folders whose changes trigger a rebuild."""
        return [self.options.content_dir, self.options.templates, self.options.checklist.parent]

    @property
    def outcome(self) -> Outcome | None:
        with self._changed:
            return self._outcome

    def rebuild(self, changed: Sequence[str] = ()) -> Outcome | None:
        """Build once and publish the outcome to the server and to every open page."""
        with self._build_lock:
            if self.stopping.is_set():
                return None
            if changed:
                shown = ", ".join(_display(path) for path in changed[:3])
                more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
                self.log(f"Changed: {shown}{more}; rebuilding")
            options = BuildOptions(
                self.options.content_dir,
                self.site_dir,
                self.options.today or date.today(),
                templates=self.options.templates,
                checklist=self.options.checklist,
                cache=self._cache_for_build(),
                builds_again=True,
                search=False,  # indexed once the pages are shown (see `_index`)
            )
            started = time.perf_counter()
            pages = reused = 0
            failure = ""
            try:
                checked, _ = build(options)
                report = checked.report
                pages = sum(1 for p in checked.pages if p.published and p.kind != "leaflet")
                reused = checked.reused
            except ContentErrors as error:
                report = error.report
            except LoStaticError as error:
                report, failure = Report(), str(error)
            except Exception as error:  # a bug must not stop the preview: show it, keep watching
                self.log(traceback.format_exc().rstrip())
                report, failure = Report(), f"unexpected error while building: {error!r}"
            self._builds += 1
            outcome = Outcome(f"{self._instance}.{self._builds}", report, failure)
            # After a good build, what its cache read and stored is what its folder holds: the
            # next build takes it from memory. After any other, the next reads the folder.
            self._cache = options.cache if outcome.ok else None
            with self._changed:
                self._outcome = outcome
                self._changed.notify_all()
            self._report(outcome, pages, reused, time.perf_counter() - started)
            if outcome.ok:
                self._index(pages)
            return outcome

    def _cache_for_build(self) -> BuildCache | None:
        """The build cache for the next build: the last good build's, as it is in memory, or
        one read afresh from the folder. A rebuild at 5,000 services spent a quarter of its
        time reading the cache's files again; entries are found by what they are made from,
        so those read earlier stay true."""
        if self.options.cache_dir is None:
            return None
        if self._cache is None:
            return BuildCache(self.options.cache_dir)
        self._cache.next_build()
        return self._cache

    def _index(self, pages: int) -> None:
        """Index the pages just shown for the search page: Pagefind indexes every page again
        (10 s at 5,000 services), so the preview shows an edit first and indexes it after.
        Until then the search page searches the last build's pages."""
        if self.stopping.is_set():
            return
        started = time.perf_counter()
        try:
            index_search(self.site_dir, pages)
        except LoStaticError as error:
            self.log(f"Search not updated: {error}")
            return
        except Exception as error:  # a bug must not stop the preview: show it, keep watching
            self.log(traceback.format_exc().rstrip())
            self.log(f"Search not updated: unexpected error: {error!r}")
            return
        self.log(f"Search updated in {time.perf_counter() - started:.1f} s.")

    def _report(self, outcome: Outcome, pages: int, reused: int, seconds: float) -> None:
        if outcome.report.items:
            self.log(format_text(outcome.report).rstrip("\n"))
        if outcome.failure:
            self.log(f"Error: {outcome.failure}")
        if outcome.ok:
            kept = f" ({reused} files unchanged since the last build)" if reused else ""
            self.log(f"Built {pages} pages in {seconds:.1f} s{kept}; open pages will reload.")
        else:
            self.log("The preview shows these problems on every page until they are fixed.")

    def wait_for_change(self, since: str, timeout: float) -> Outcome | None:
        """The latest outcome once it differs from build `since` (or after `timeout`); None
        when the preview is stopping."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.stopping.is_set()
                or (self._outcome is not None and self._outcome.token != since),
                timeout,
            )
            return None if self.stopping.is_set() else self._outcome

    def stop(self) -> None:
        self.stopping.set()
        with self._changed:
            self._changed.notify_all()

    def wait_for_builds(self, timeout: float) -> bool:
        """Wait until no build is running (before removing the folder it writes to)."""
        if self._build_lock.acquire(timeout=timeout):
            self._build_lock.release()
            return True
        return False

    def watch(self, ready: threading.Event) -> None:
        """Rebuild after every batch of changes until `stop()`; `ready` is set once watching."""
        folders = [str(path) for path in self.watched if path.is_dir()]
        while not self.stopping.is_set():
            try:
                for changes in watchfiles.watch(
                    *folders,
                    step=STEP_MS,
                    debounce=DEBOUNCE_MS,
                    stop_event=self.stopping,
                    rust_timeout=300,
                    yield_on_timeout=True,
                    raise_interrupt=False,
                ):
                    ready.set()  # the first timeout proves the watcher is in place
                    lasting = _lasting(changes)
                    if lasting:
                        self.rebuild(lasting)
            except Exception as error:  # e.g. a watched folder removed: try again shortly
                self.log(f"Watching stopped ({error}); trying again")
                time.sleep(1)


class _PreviewServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_port = False  # two previews must never share a port
    preview: Preview

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skips HTTPServer's slow reverse DNS lookup
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser closing a connection early is not a problem


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the preview folder, with the reload script, the error page and the event stream."""

    server: _PreviewServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(args[2].preview.site_dir), **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        host = self.headers.get("Host")
        port = self.server.server_address[1]
        if host not in (None, f"127.0.0.1:{port}", f"localhost:{port}"):
            self.send_error(403, "This preview only answers to 127.0.0.1 and localhost")
            return
        path = urlsplit(self.path).path
        if path == EVENTS_PATH and not head:
            self._events()
            return
        if path == "/sw.js":
            self._send(200, "text/javascript; charset=utf-8", NO_WORKER, head)
            return
        if path == RELOAD_PATH:
            self._send(200, "text/javascript; charset=utf-8", RELOAD_SCRIPT, head)
            return
        outcome = self.server.preview.outcome
        if outcome is None or (not outcome.ok and self._is_page(path)):
            self._send(500, "text/html; charset=utf-8", error_page(outcome), head)
            return
        if head:
            super().do_HEAD()
        else:
            super().do_GET()

    def _is_page(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        return (
            "text/html" in self.headers.get("Accept", "")
            or "." not in name
            or name.endswith((".html", ".htm"))
        )

    def send_head(self) -> Any:
        """Pages get the reload script; a missing file gets the site's 404 page."""
        outcome = self.server.preview.outcome  # before reading the file: never miss a reload
        token = outcome.token if outcome else ""
        path = self.translate_path(self.path)
        if os.path.isdir(path):
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # redirects to the address with a slash
            path = os.path.join(path, "index.html")
        if path.endswith((".html", ".htm")) and os.path.isfile(path):
            return self._page(200, Path(path), token)
        not_found = Path(self.directory) / "404.html"
        if not os.path.exists(path) and not_found.is_file():
            return self._page(404, not_found, token)
        return super().send_head()

    def _page(self, status: int, path: Path, token: str) -> io.BytesIO | None:
        try:
            body = inject_reload(path.read_bytes(), token)
        except OSError:
            self.send_error(404, "File not found")
            return None
        self._headers(status, "text/html; charset=utf-8", len(body))
        return io.BytesIO(body)

    def _headers(self, status: int, content_type: str, length: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send(self, status: int, content_type: str, body: bytes, head: bool) -> None:
        self._headers(status, content_type, len(body))
        if not head:
            self.wfile.write(body)

    def _events(self) -> None:
        """Tell the page each time a build newer than its own (`?since=`) is ready."""
        since = parse_qs(urlsplit(self.path).query).get("since", [""])[0]
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while True:
                outcome = self.server.preview.wait_for_change(since, KEEPALIVE_SECONDS)
                if outcome is None:
                    return
                if outcome.token != since:
                    since = outcome.token
                    self.wfile.write(f"event: reload\ndata: {since}\n\n".encode())
                else:
                    self.wfile.write(b": waiting for changes\n\n")
                self.wfile.flush()
        except OSError:
            return  # the page went away


def reload_script(token: str) -> bytes:
    """The tag the preview adds to every page it sends (never written to disk): it loads
    `RELOAD_PATH`, which listens for builds newer than this page's `token`."""
    events = html.escape(f"{EVENTS_PATH}?since={quote(token)}")
    return f'<script src="{RELOAD_PATH}" data-events="{events}"></script>\n'.encode()


def inject_reload(page: bytes, token: str) -> bytes:
    """`page` with the reload script just before its last `</body>` (or at the end)."""
    script = reload_script(token)
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + script
    return page[:at] + script + page[at:]


def error_page(outcome: Outcome | None) -> bytes:
    """The page shown instead of every page while the content cannot be built.

    Everything from the content is escaped: a message may quote whatever an editor typed."""
    parts: list[str] = []
    if outcome is None:
        heading = "The preview is being built"
        parts.append("<p>This page will refresh by itself in a moment.</p>")
    else:
        errors = outcome.report.errors
        heading = "The site cannot be built yet"
        parts.append(
            "<p>Fix the problems below and save the file. <strong>This page will refresh by "
            "itself when they are fixed.</strong> (If it does not, reload it.)</p>"
        )
        if outcome.failure:
            parts.append("<h2>Settings problem</h2>")
            parts.append(f'<p class="problem">{html.escape(outcome.failure)}</p>')
        if errors:
            count = "1 error" if len(errors) == 1 else f"{len(errors)} errors"
            parts.append(f"<h2>{count}</h2>")
            parts.append(_problem_list(errors))
        if outcome.report.warnings:
            parts.append("<h2>Warnings (these do not stop the build)</h2>")
            parts.append(_problem_list(outcome.report.warnings))
    parts.append(
        '<p class="note">Only this preview shows this page. Nothing has been published and '
        "dist/ has not been changed.</p>"
    )
    document = (
        '<!doctype html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{heading}: lo-static preview</title>\n<style>{_ERROR_CSS}</style>\n"
        f"</head>\n<body>\n<main>\n<h1>{heading}</h1>\n" + "\n".join(parts) + "\n</main>\n"
        "</body>\n</html>\n"
    )
    return inject_reload(document.encode(), outcome.token if outcome else "")


_ERROR_CSS = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;padding:1rem;"
    "color:#0b0c0c;background:#fff}main{max-width:50rem;margin:auto}"
    "h1{border-left:.5rem solid #d4351c;padding-left:1rem}"
    "li{margin-bottom:1rem}code{font-size:1rem;background:#f3f2f1;padding:0 .2rem}"
    ".where{font-weight:bold}.note{color:#505a5f}"
)


def _problem_list(items: list[Diagnostic]) -> str:
    rows = []
    for item in items:
        where = html.escape(item.path)
        if item.line:
            where += f", line {item.line}"
        rows.append(
            f'<li><span class="where">{where}</span> '
            f"<code>{html.escape(item.severity.value)}[{html.escape(item.code)}]</code><br>"
            f"{html.escape(item.message)}</li>"
        )
    return "<ol>\n" + "\n".join(rows) + "\n</ol>"


def _lasting(changes: set[tuple[watchfiles.Change, str]]) -> list[str]:
    """The changed paths worth naming: not temporary files added and removed while saving."""
    added = {path for change, path in changes if change is watchfiles.Change.added}
    deleted = {path for change, path in changes if change is watchfiles.Change.deleted}
    return sorted(
        path
        for path in {path for _, path in changes}
        if not (path in added and path in deleted and not os.path.exists(path))
    )


def _display(path: str) -> str:
    """A changed file as the editor knows it: relative to the current folder when inside it."""
    try:
        return Path(path).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return Path(path).as_posix()


def bind(port: int) -> _PreviewServer:
    """Listen on 127.0.0.1:`port` (0 picks a free port). Raises ConfigError if it is taken."""
    try:
        return _PreviewServer(("127.0.0.1", port), _Handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            hint = f"--port {port + 1} or --port 0" if port < 65535 else "--port 0"
            raise ConfigError(f"port {port} is in use; try {hint}") from None
        raise ConfigError(
            f"cannot listen on 127.0.0.1:{port}: {error.strerror}; try --port 0"
        ) from None


def _check_folders(options: PreviewOptions, site_dir: Path) -> None:
    content = options.content_dir
    if not content.is_dir():
        raise ConfigError(
            f"{content.as_posix()}: no such content folder; pass --content with the folder "
            "that holds site.yaml and your Markdown files"
        )
    site = site_dir.resolve()
    for folder in (content, options.templates, options.checklist.parent):
        watched = folder.resolve()
        if site.parent.is_relative_to(watched) or watched.is_relative_to(site):
            raise ConfigError(
                f"{site_dir.as_posix()}: the preview folder cannot be inside {folder.as_posix()} "
                "or hold it; choose another --out"
            )


@contextlib.contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so the preview folder is cleaned up either way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(options: PreviewOptions, log: Log) -> None:
    """Build, serve and rebuild on change until Ctrl-C (or SIGTERM), then clean up.

    Raises ConfigError before serving when the port is taken or the folders are wrong."""
    temporary = None if options.out_dir else Path(tempfile.mkdtemp(prefix="lo-static-preview-"))
    site_dir = temporary / "site" if temporary else options.out_dir
    assert site_dir is not None
    server: _PreviewServer | None = None
    preview: Preview | None = None
    try:
        with _interrupt_on_sigterm():
            try:
                _check_folders(options, site_dir)
                server = bind(options.port)
                preview = Preview(options, site_dir, log)
                server.preview = preview
                url = f"http://127.0.0.1:{server.server_address[1]}/"
                where = "a temporary folder, removed when you stop" if temporary else "--out"
                log(f"Building {options.content_dir.as_posix()} into {site_dir} ({where}; "
                    "dist/ is not changed)")
                ready = threading.Event()
                watcher = threading.Thread(
                    target=preview.watch, args=(ready,), name="lo-static-watch", daemon=True
                )
                watcher.start()
                ready.wait(5)
                preview.rebuild()
                log(f"Preview: {url} (rebuilds when you save; press Ctrl-C to stop)")
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    finally:
        if preview is not None:
            preview.stop()
        if server is not None:
            server.server_close()
        if temporary is not None:
            if preview is not None:
                preview.wait_for_builds(10)
            shutil.rmtree(temporary, ignore_errors=True)

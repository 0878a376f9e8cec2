"""Discover the content folder and read each Markdown file into a `Page`.

Reading is strict: UTF-8 only (a byte-order mark and Windows line endings are accepted), front
matter between `---` lines at the very top, parsed by `yamlfile.load_yaml` so every key keeps
its line. Problems become diagnostics; a file that cannot be read is still reported, not skipped.
"""

from __future__ import annotations

import functools
import html
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from xml.parsers import expat

from .cache import BuildCache, key_of
from .diagnostics import Diagnostic
from .packed import Packed, Pickled
from .parallel import default_workers, fork_map
from .rules import problem
from .schema import KIND_FOLDERS
from .yamlfile import KeyPath, YamlDocument, YamlProblem, load_yaml

if TYPE_CHECKING:
    from .markdown import Document
    from .search import WordCounts

EASY_READ_SUFFIX = ".easy-read.md"
_NO_BODY = Packed.of("")
_NO_LIST: Pickled[list[Any]] = Pickled.of([])
DATA_FILES = {"site.yaml", "glossary.yaml"}
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
MAX_FILE_BYTES = 1_000_000
"""The largest Markdown file (1 MB; a long page is some 30 KB). Anything bigger is a mistake,
such as a pasted document or a data export, and would make every page that lists it slow."""

_HIDDEN = (
    # Control characters (U+0000 to U+001F) are not here: YAML refuses them in front matter, and
    # the news feed drops them from text.
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls: Trojan Source
    "\u180e\u200b-\u200d\u2060-\u2064\ufeff"  # zero-width characters
    "\u2028\u2029\u206a-\u206f\ufff9-\ufffb"  # invisible separators and formatting
    "\U000e0000-\U000e007f"  # tag characters ("ASCII smuggling")
)
_HIDDEN_SCAN = re.compile(
    # Allowed: a zero-width joiner inside an emoji sequence (a family, a rainbow flag), and the
    # tag characters of the England, Scotland and Wales flags.
    "(?P<emoji>\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
    "|(?<=[\u00a9\u00ae\u203c-\u3299\ufe0f\U0001f000-\U0001faff])\u200d"
    "(?=[\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]))"
    f"|(?P<hidden>[{_HIDDEN}])"
)
_HIDDEN_ANY = re.compile(f"[{_HIDDEN}]")


@dataclass
class Page:
    """One Markdown source file and everything later stages learn about it."""

    rel: str
    """Path inside the content folder, with forward slashes: `services/speech-therapy.md`."""
    display: str
    """Path as shown to editors in messages: the content folder as given, plus `rel`."""
    kind: str
    packed_body: Packed = field(default_factory=lambda: _NO_BODY)
    """The Markdown after the front matter, compressed (see `body`)."""
    body_line: int = 1
    """File line number of the first line of `body`."""
    fm_end_line: int = 1
    """File line number of the closing `---` of the front matter."""
    yaml: YamlDocument = field(default_factory=lambda: YamlDocument(data=None))
    meta: dict[str, Any] = field(default_factory=dict)
    """Front matter after validation: dates are `date` objects, absent fields are absent."""
    readable: bool = True
    tokens: Document | None = None
    """The parsed body while it is being analysed (see analysis.py); None before and after,
    when what needs it uses what the analysis kept or parses again."""
    anchors: set[str] = field(default_factory=set)
    packed_links: Pickled[list[Any]] = field(default_factory=lambda: _NO_LIST)
    """Every link and image in the body (`markdown.Link`), found by the analysis (see
    `links`)."""
    linked: tuple[str, ...] | None = None
    """The content paths the body links to, found by the analysis (None: not analysed)."""
    packed_headings: Pickled[list[tuple[str, str]]] = field(default_factory=lambda: _NO_LIST)
    """(anchor, text) of each second-level heading, for "On this page" (see `headings`)."""
    keywords: str | None = None
    """Glossary terms the page uses, with their expansions, for the search index."""
    plain_body: Packed | None = None
    """The body as plain text (for the Open Referral export), compressed (see packed.py)."""
    body_html: Packed | None = None
    """The body rendered for the web page, compressed (see packed.py)."""
    words: WordCounts | None = None
    """How often the page uses each word (lowercased), for the search page's spelling help."""
    easy_read_rel: str | None = None
    """For a standard page: its easy-read variant, if there is one."""
    source_key: str = ""
    """A hash of the file's bytes and path (the build cache's key for what comes of it)."""
    front_key: str = ""
    """A hash of the front matter alone and the path: what other pages may show of this one."""

    @property
    def body(self) -> str:
        """The Markdown after the front matter. Held compressed: a build keeps every page from
        reading it to writing the site, and reads the text only a few times."""
        return self.packed_body.text()

    @body.setter
    def body(self, text: str) -> None:
        self.packed_body = Packed.of(text)

    @property
    def links(self) -> list[Any]:
        """Every link and image in the body. Held pickled: read only to check the links of a
        page that changed (see packed.Pickled)."""
        return self.packed_links.value()

    @property
    def headings(self) -> list[tuple[str, str]]:
        """(anchor, text) of each second-level heading, held pickled: read only to render the
        page."""
        return self.packed_headings.value()

    @property
    def is_easy_read(self) -> bool:
        return self.rel.endswith(EASY_READ_SUFFIX)

    @property
    def standard_rel(self) -> str:
        """For an easy-read page, the standard page it belongs to (else itself)."""
        if self.is_easy_read:
            return self.rel[: -len(EASY_READ_SUFFIX)] + ".md"
        return self.rel

    @property
    def url(self) -> str:
        """Output file inside the site: `services/speech-therapy/index.html`."""
        return output_path(self.rel)

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or PurePosixPath(self.rel).stem)

    @property
    def published(self) -> bool:
        return not self.meta.get("draft", False)

    def searchable_text(self, body: str | None = None) -> str:
        """The title, summary and body together: the text the search page's word list and the
        glossary's search keywords are found in. `body`: the body, when the caller has
        unpacked it already (see analysis.analyse_page)."""
        return " ".join([self.title, str(self.meta.get("summary", "")),
                         self.body if body is None else body])

    def line_of(self, *key: str | int) -> int:
        """The file line of a front-matter key (or the end of front matter if absent)."""
        return self.yaml.line_of(tuple(key), self.fm_end_line)


@functools.lru_cache(maxsize=65536)
def output_path(rel: str) -> str:
    """Pretty URL file for a content path: `a/b.md` → `a/b/index.html`.

    Remembered: a large site asks for the same few thousand paths hundreds of thousands of
    times (every link, breadcrumb and listing)."""
    path = rel[: -len(EASY_READ_SUFFIX)] if rel.endswith(EASY_READ_SUFFIX) else rel[:-3]
    suffix = "easy-read/index.html" if rel.endswith(EASY_READ_SUFFIX) else "index.html"
    if "//" in path or "/." in f"/{path}" or path.startswith("/") or path.endswith("/"):
        # Path rules for what a content folder's listing never gives ("a//b", "./a", "/a");
        # the text alone for the rest (5,000 Path objects took 0.03 s of a rebuild).
        parts = PurePosixPath(path)
        if parts.name == "index":
            parts = parts.parent
        path = "" if str(parts) == "." else str(parts)
    else:
        folder, _, name = path.rpartition("/")
        if name == "index":
            path = folder
    return f"{path}/{suffix}" if path else suffix


def kind_of(rel: str) -> str:
    """The page kind comes from the top folder: services/ → service, and so on."""
    top = rel.split("/", 1)[0] if "/" in rel else ""
    return KIND_FOLDERS.get(top, "page")


@dataclass
class ContentTree:
    """What is in the content folder: pages to build and other files to copy."""

    pages: list[Page]
    assets: list[str]
    diagnostics: list[Diagnostic]


def discover(
    content_dir: Path, display_root: str, cache: BuildCache | None = None
) -> ContentTree:
    """Find every file under `content_dir`, in a stable order, and read the Markdown ones
    (a file read by an earlier build with the same bytes comes from the `cache`)."""
    root = content_dir.resolve()
    pages: list[Page] = []
    assets: list[str] = []
    diagnostics: list[Diagnostic] = []
    to_read: list[tuple[str, Page]] = []  # paths as text: a Path for each of 5,000 cost 0.03 s
    for rel, entry in _walk(content_dir):
        display = f"{display_root}/{rel}" if display_root not in ("", ".") else rel
        if entry.is_symlink() and not Path(entry.path).resolve().is_relative_to(root):
            diagnostics.append(
                problem(
                    "link-outside-content",
                    display,
                    0,
                    "this is a symbolic link to a file outside the content folder; "
                    "copy the file into the content folder instead",
                )
            )
            continue
        if entry.is_dir() or rel in DATA_FILES:
            continue
        if not entry.is_file():
            diagnostics.append(_unreadable(display, "it is a link to a file that does not exist, "
                                           "or not a file at all"))
            continue
        bad = [s for s in rel.split("/") if not _SAFE_SEGMENT.match(s)]
        if bad:
            diagnostics.append(
                problem(
                    "bad-filename",
                    display,
                    0,
                    f"'{bad[0]}' cannot be part of a web address; rename it using only letters, "
                    "digits and hyphens, like speech-therapy.md",
                )
            )
            continue
        if rel.lower().endswith(".md"):  # names starting with a dot are not listed
            page = Page(rel=rel, display=display, kind=kind_of(rel))
            to_read.append((entry.path, page))
            pages.append(page)
        else:
            assets.append(rel)
    diagnostics.extend(_read_pages(to_read, cache))
    return ContentTree(pages=pages, assets=assets, diagnostics=diagnostics)


def _walk(content_dir: Path) -> list[tuple[str, os.DirEntry[str]]]:
    """Every file and folder under `content_dir` but hidden ones (a name starting with a dot,
    and all inside such a folder), by path relative to it, in the order of their path parts.
    Folders that are symbolic links are listed, not entered. What a folder's listing says of
    each entry (file, folder, link) is used as it is: a large site has thousands of files, and
    asking the system about each again cost a rebuild a tenth of a second."""
    found: list[tuple[tuple[str, ...], str, os.DirEntry[str]]] = []
    folders: list[tuple[tuple[str, ...], str]] = [((), os.fspath(content_dir))]
    while folders:
        parts, folder = folders.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except PermissionError:
            continue  # as pathlib's rglob does: an unreadable folder lists nothing
        for entry in listed:
            if entry.name.startswith("."):
                continue
            entry_parts = (*parts, entry.name)
            found.append((entry_parts, "/".join(entry_parts), entry))
            if entry.is_dir() and not entry.is_symlink():
                folders.append((entry_parts, entry.path))
    found.sort(key=lambda item: item[0])
    return [(rel, entry) for _, rel, entry in found]


READ_POOL_MINIMUM = 300
"""Sites with fewer Markdown files are read in this process (see parallel.default_workers)."""


SEEN = "seen"
"""The build cache's bundle of how each Markdown file looked on disk when it was last read:
rel → ((its name in messages, mode, inode, size, modification and change times), the key of
its bytes)."""


def _read_pages(to_read: list[tuple[str, Page]], cache: BuildCache | None) -> list[Diagnostic]:
    """Read every page, on every core for a large site. Workers look the build cache up but
    cannot add to it, so this process stores what they read and counts their lookups.

    A file that looks on disk just as it did when a build read it (same inode, size and times:
    any write changes its change time) is not read again: what was read from it comes from the
    cache, by the key of the bytes it had then."""
    if cache is None:
        return _read_changed(to_read, None)
    seen = cache.bundle(SEEN)
    looks: dict[str, tuple[str | int, ...]] = {}
    changed: list[tuple[str, Page]] = []
    diagnostics: list[Diagnostic] = []
    for path, page in to_read:
        try:
            info = os.stat(path)
        except OSError:
            changed.append((path, page))
            continue
        looks[page.rel] = (
            page.display, info.st_mode, info.st_ino, info.st_size, info.st_mtime_ns,
            info.st_ctime_ns,
        )
        known = seen.get(page.rel)
        if known is not None and known[0] == looks[page.rel] and cache.holds("read", known[1]):
            fields, found = cache.get("read", known[1])
            for name, value in zip(_READ_FIELDS, fields, strict=True):
                setattr(page, name, value)
            page.source_key = known[1]
            diagnostics.extend(found)
        else:
            changed.append((path, page))
    diagnostics.extend(_read_changed(changed, cache))
    cache.keep_bundle(SEEN, {
        page.rel: (looks[page.rel], page.source_key)
        for _, page in to_read
        if page.source_key and page.rel in looks
    })
    return diagnostics


def _read_changed(
    to_read: list[tuple[str, Page]], cache: BuildCache | None
) -> list[Diagnostic]:
    """Read each page from its file (on every core for many)."""
    workers = default_workers(len(to_read), READ_POOL_MINIMUM)
    if workers <= 1:
        return [found for path, page in to_read for found in read_page(Path(path), page, cache)]

    def task(index: int) -> tuple[tuple[Any, ...], str, list[Diagnostic], str]:
        path, page = to_read[index]
        before = (cache.counts["read hit"], cache.counts["read miss"]) if cache else (0, 0)
        found = read_page(Path(path), page, cache)
        after = (cache.counts["read hit"], cache.counts["read miss"]) if cache else (0, 0)
        outcome = "hit" if after[0] > before[0] else "miss" if after[1] > before[1] else ""
        fields = tuple(getattr(page, name) for name in _READ_FIELDS)
        return fields, page.source_key, found, outcome

    diagnostics: list[Diagnostic] = []
    if cache is not None:
        cache.load_all("read")  # once, here: the workers inherit it
    results = fork_map(task, len(to_read), workers)
    for (_, page), (fields, key, found, outcome) in zip(to_read, results, strict=True):
        for name, value in zip(_READ_FIELDS, fields, strict=True):
            setattr(page, name, value)
        page.source_key = key
        diagnostics.extend(found)
        if cache is not None and outcome:
            cache.counts[f"read {outcome}"] += 1
            if outcome == "miss":
                cache.put("read", key, (fields, found))
    return diagnostics


def _unreadable(display: str, why: str) -> Diagnostic:
    return problem(
        "unreadable-file",
        display,
        0,
        f"this file cannot be read: {why}; replace it with a real file, or delete it",
    )


def read_page(path: Path, page: Page, cache: BuildCache | None = None) -> list[Diagnostic]:
    """Fill `page` from its file; return what was wrong."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            page.readable = False
            return [_unreadable(page.display, "it is not a regular file")]
        if info.st_size > MAX_FILE_BYTES:
            page.readable = False
            return [
                problem(
                    "file-too-large",
                    page.display,
                    0,
                    f"this file is {info.st_size / 1_000_000:.1f} MB, and a page can be at most "
                    f"{MAX_FILE_BYTES // 1_000_000} MB; split it into several pages, or publish "
                    "long documents as PDF files and link to them",
                )
            ]
        raw = path.read_bytes()
    except OSError as error:
        page.readable = False
        return [_unreadable(page.display, error.strerror or "the system refused to open it")]
    page.source_key = key_of("read", page.rel, page.display, raw)
    stored = cache.get("read", page.source_key) if cache is not None else None
    if stored is not None:
        fields, found = stored
        for name, value in zip(_READ_FIELDS, fields, strict=True):
            setattr(page, name, value)
        return list(found)
    found = _read_text(raw, page)
    if cache is not None:
        fields = tuple(getattr(page, name) for name in _READ_FIELDS)
        cache.put("read", page.source_key, (fields, found))
    return found


_READ_FIELDS = ("packed_body", "body_line", "fm_end_line", "yaml", "readable", "front_key")
"""What reading a file sets on its `Page` (kept in the build cache)."""


def _read_text(raw: bytes, page: Page) -> list[Diagnostic]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        page.readable = False
        line = raw[: error.start].count(b"\n") + 1
        return [
            problem(
                "encoding",
                page.display,
                line,
                "this file is not UTF-8 text; save it as UTF-8 in your editor",
            )
        ]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    found = hidden_in_text(text, page.display)
    seen = {d.line for d in found}
    # YAML refuses some hidden characters too: one problem for them is enough.
    found += [
        d
        for d in split_front_matter(text, page)
        if not (d.code == "yaml-syntax" and d.line in seen)
    ]
    front = text[: len(text) - len(page.body)]
    # A YAML value can hold a character its text does not show only through an escape
    # ("\u202E"): without a backslash or a hidden character in the front matter, no value has
    # one, and its dozens of strings need not be searched one by one.
    if "\\" in front or hidden_characters(front):
        found += [
            d
            for d in hidden_in_yaml(page.yaml, page.display, page.fm_end_line)
            if d.line not in seen
        ]
    page.front_key = key_of("front", page.rel, front)
    return found


def split_front_matter(text: str, page: Page) -> list[Diagnostic]:
    """Separate and parse the front matter; set body and line offsets on `page`."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        page.readable = False
        return [
            problem(
                "front-matter",
                page.display,
                1,
                "the file must start with front matter: a line '---', the fields "
                "(title: ..., summary: ...), then another '---'",
            )
        ]
    end = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in ("---", "...")), None)
    if end is None:
        page.readable = False
        return [
            problem(
                "front-matter",
                page.display,
                1,
                "the front matter is never closed; add a line '---' after the last field",
            )
        ]
    page.fm_end_line = end + 1
    page.body_line = end + 2
    page.body = "\n".join(lines[end + 1 :])
    try:
        page.yaml = load_yaml("\n".join(lines[1:end]), first_line=2)
    except YamlProblem as error:
        page.readable = False
        return [problem(error.code, page.display, error.line, error.message)]
    return [
        problem(
            "duplicate-key",
            page.display,
            line,
            f"'{'.'.join(map(str, key))}' is written twice; keep one and delete the other",
        )
        for key, line in page.yaml.duplicate_keys
    ]


# --- Hidden characters ---------------------------------------------------------------------------


def hidden_characters(text: str) -> list[str]:
    """The invisible characters in `text` that can disguise it, each once, in order."""
    found: list[str] = []
    # None of them is ASCII, and whether a text is all ASCII Python knows without looking.
    if text.isascii() or not _HIDDEN_ANY.search(text):
        return found
    for match in _HIDDEN_SCAN.finditer(text):
        character = match["hidden"]
        if character and character not in found:
            found.append(character)
    return found


def _hidden_message(characters: list[str]) -> str:
    named = " and ".join(
        f"U+{ord(c):04X}" + (f" ({unicodedata.name(c)})" if unicodedata.name(c, "") else "")
        for c in characters
    )
    what, it = ("an invisible character", "it") if len(characters) == 1 else (
        "invisible characters", "them")
    return (
        f"this line has {what}, {named}, that can hide words or disguise text and links; "
        f"delete {it} (retyping the words around {it} is the surest way)"
    )


def hidden_in_text(text: str, display: str, first_line: int = 1) -> list[Diagnostic]:
    """One problem for each line of `text` with hidden characters, written as they are or as
    an HTML entity (`&#8238;`) or a web-address escape (`%E2%80%AE`)."""
    decoded = text
    if "&" in text:
        decoded += "\n" + html.unescape(text)
    if "%" in text:
        decoded += "\n" + unquote(text)
    if not hidden_characters(decoded):
        return []
    found = []
    for number, line in enumerate(text.split("\n"), first_line):
        variants = [line]
        if "&" in line:
            variants.append(html.unescape(line))
        if "%" in line:
            variants.append(unquote(line))
        characters = hidden_characters("\n".join(variants))
        if characters:
            found.append(
                problem("hidden-characters", display, number, _hidden_message(characters))
            )
    return found


def hidden_in_yaml(document: YamlDocument, display: str, default_line: int) -> list[Diagnostic]:
    """Hidden characters in YAML keys and values, including those written as escapes such as
    "\\u202E" (which the text of the file does not show): one problem per line."""
    by_line: dict[int, list[str]] = {}
    for path, text in _yaml_strings(document.data, ()):
        characters = hidden_characters(text)
        if characters:
            line = document.line_of(path, default_line)
            by_line.setdefault(line, [])
            by_line[line] += [c for c in characters if c not in by_line[line]]
    return [
        problem("hidden-characters", display, line, _hidden_message(characters))
        for line, characters in sorted(by_line.items())
    ]


def _yaml_strings(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, str(key)), str(key)
            yield from _yaml_strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _yaml_strings(item, (*path, index))


def check_data_files(content_dir: Path, display_root: str) -> list[Diagnostic]:
    """Hidden characters in site.yaml and glossary.yaml (their other problems are reported by
    the modules that read them)."""
    found: list[Diagnostic] = []
    for name in sorted(DATA_FILES):
        path = content_dir / name
        display = f"{display_root}/{name}" if display_root not in ("", ".") else name
        try:
            if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        raw = hidden_in_text(text, display)
        found += raw
        try:
            document = load_yaml(text)
        except YamlProblem:
            continue
        seen = {d.line for d in raw}
        found += [d for d in hidden_in_yaml(document, display, 1) if d.line not in seen]
    return found


# --- Files copied as they are ------------------------------------------------------------------

ACTIVE_TYPES = frozenset(
    {
        ".htm", ".html", ".shtml", ".xht", ".xhtml", ".mht", ".mhtml", ".hta",
        ".js", ".mjs", ".cjs", ".wasm", ".xml", ".xsl", ".xslt", ".xbl", ".svgz",
        ".swf", ".jar", ".vbs", ".php", ".phtml", ".phar", ".asp", ".aspx", ".jsp", ".cgi",
        ".pl", ".py", ".rb", ".sh",
    }
)
"""Files a browser would run as a page or a program (or a web server as code), so an editor's
file could run script on the Local Offer's own address."""
ACTIVE_SVG_ELEMENTS = frozenset(
    {
        "script", "foreignobject", "iframe", "frame", "frameset", "embed", "object", "applet",
        "portal", "handler", "listener", "meta", "base", "form",
    }
)
_SCRIPT_URL = re.compile(
    r"(?:^|[;,('\"])(?:(?:javascript|vbscript|livescript):|data:(?!image/(?:png|jpe?g|gif|webp)[;,]))"
)
"""Addresses that run script or load a page, alone or in a list such as an animation's values
(pictures embedded as data: are fine)."""


class _Refused(Exception):
    pass


def check_copied_file_types(content_dir: Path, assets: list[str], root: str) -> list[Diagnostic]:
    """Files copied as they are must not be able to run script when opened: no web pages or
    programs, and SVG images only without scripts (an SVG opened on its own is a web page)."""
    found: list[Diagnostic] = []
    for rel in assets:
        display = f"{root}/{rel}" if root not in ("", ".") else rel
        suffix = PurePosixPath(rel).suffix.lower()
        if suffix in ACTIVE_TYPES:
            found.append(
                problem(
                    "unsafe-file",
                    display,
                    0,
                    f"'{suffix}' files can run programs in a family's browser, so they cannot be "
                    "published; put the information in a Markdown page, or publish it as a PDF",
                )
            )
        elif suffix == ".svg":
            try:
                trouble = svg_problem((content_dir / rel).read_bytes())
            except OSError as error:
                trouble = f"it cannot be read ({error.strerror})"
            if trouble:
                found.append(
                    problem(
                        "unsafe-file",
                        display,
                        0,
                        f"this SVG image cannot be published: {trouble}; export it again as a "
                        "plain SVG (without scripts or interactivity), or use a PNG image",
                    )
                )
    return found


def svg_problem(data: bytes) -> str | None:
    """Why an SVG file could run script when opened on its own, or None when it cannot."""
    parser = expat.ParserCreate(namespace_separator=" ")
    root: list[str] = []

    def local(name: str) -> str:
        return name.rsplit(" ", 1)[-1]

    def start(name: str, attributes: dict[str, str]) -> None:
        element = local(name)
        if not root:
            root.append(element)
            if element.lower() != "svg":
                raise _Refused(f"it is not an SVG image (it starts with <{element}>)")
        if element.lower() in ACTIVE_SVG_ELEMENTS:
            raise _Refused(f"it contains a <{element}> element, which can run a program")
        for attribute, value in attributes.items():
            key = local(attribute)
            squashed = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
            if key.lower().startswith("on"):
                raise _Refused(f"<{element}> has an event handler, {key}, which runs a program")
            animates_handler = key.lower() == "attributename" and squashed.startswith("on")
            if _SCRIPT_URL.search(squashed) or animates_handler:
                raise _Refused(f"<{element} {key}=...> runs a program or opens a page")

    def doctype(name: str, system: str | None, public: str | None, internal: int) -> None:
        if internal:
            raise _Refused("it declares its own XML entities (<!DOCTYPE ... [ ]>)")

    def entity(*args: object) -> None:
        raise _Refused("it declares its own XML entities (<!ENTITY>)")

    def instruction(target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            raise _Refused("it names a stylesheet (<?xml-stylesheet?>), which can turn it into "
                           "a web page")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ProcessingInstructionHandler = instruction
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        return str(refused)
    except expat.ExpatError as error:
        return f"it is not well-formed SVG ({expat.errors.messages.get(error.code, error)})"
    if not root:
        return "it is empty"
    return None

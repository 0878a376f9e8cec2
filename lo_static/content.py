"""Discover the content folder and read each Markdown file into a `Page`.

Reading is strict: UTF-8 only (a byte-order mark and Windows line endings are accepted), front
matter between `---` lines at the very top, parsed by `yamlfile.load_yaml` so every key keeps
its line. Problems become diagnostics; a file that cannot be read is still reported, not skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .diagnostics import Diagnostic
from .rules import problem
from .schema import KIND_FOLDERS
from .yamlfile import YamlDocument, YamlProblem, load_yaml

EASY_READ_SUFFIX = ".easy-read.md"
DATA_FILES = {"site.yaml", "glossary.yaml"}
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class Page:
    """One Markdown source file and everything later stages learn about it."""

    rel: str
    """Path inside the content folder, with forward slashes: `services/speech-therapy.md`."""
    display: str
    """Path as shown to editors in messages: the content folder as given, plus `rel`."""
    kind: str
    body: str = ""
    body_line: int = 1
    """File line number of the first line of `body`."""
    fm_end_line: int = 1
    """File line number of the closing `---` of the front matter."""
    yaml: YamlDocument = field(default_factory=lambda: YamlDocument(data=None))
    meta: dict[str, Any] = field(default_factory=dict)
    """Front matter after validation: dates are `date` objects, absent fields are absent."""
    readable: bool = True
    tokens: list[Any] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)
    easy_read_rel: str | None = None
    """For a standard page: its easy-read variant, if there is one."""

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

    def line_of(self, *key: str | int) -> int:
        """The file line of a front-matter key (or the end of front matter if absent)."""
        return self.yaml.line_of(tuple(key), self.fm_end_line)


def output_path(rel: str) -> str:
    """Pretty URL file for a content path: `a/b.md` → `a/b/index.html`."""
    path = rel[: -len(EASY_READ_SUFFIX)] if rel.endswith(EASY_READ_SUFFIX) else rel[:-3]
    suffix = "easy-read/index.html" if rel.endswith(EASY_READ_SUFFIX) else "index.html"
    parts = PurePosixPath(path)
    if parts.name == "index":
        parts = parts.parent
    prefix = "" if str(parts) == "." else f"{parts}/"
    return f"{prefix}{suffix}"


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


def discover(content_dir: Path, display_root: str) -> ContentTree:
    """Find every file under `content_dir`, in a stable order, and read the Markdown ones."""
    root = content_dir.resolve()
    pages: list[Page] = []
    assets: list[str] = []
    diagnostics: list[Diagnostic] = []
    for path in sorted(content_dir.rglob("*")):
        rel = path.relative_to(content_dir).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        display = f"{display_root}/{rel}" if display_root not in ("", ".") else rel
        if path.is_symlink() and not path.resolve().is_relative_to(root):
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
        if path.is_dir() or rel in DATA_FILES:
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
        if path.suffix.lower() == ".md":
            page = Page(rel=rel, display=display, kind=kind_of(rel))
            diagnostics.extend(read_page(path, page))
            pages.append(page)
        else:
            assets.append(rel)
    return ContentTree(pages=pages, assets=assets, diagnostics=diagnostics)


def read_page(path: Path, page: Page) -> list[Diagnostic]:
    """Fill `page` from its file; return what was wrong."""
    raw = path.read_bytes()
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
    return split_front_matter(text, page)


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

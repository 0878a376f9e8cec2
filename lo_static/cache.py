"""The build cache: what earlier builds learnt, kept by content hash so a rebuild redoes only what
changed.

Each entry is found by a SHA-256 key of everything its value depends on:

- a Markdown file as read (front matter parsed, problems found), by its bytes and path;
- a page's checked front matter and its problems, by the file's key and the checklist's ids;
- a page's analysis (parse, page checks, body HTML), by the file's key plus the glossary and
  settings it depends on; the statuses of the pages it links to are kept with it and compared;
- a service's Open Referral record and its problems, by the file's key, the settings and the
  provider's name as the export spells it;
- a page's link check, when all its links were fine, with the state of what they go to;
- the anonymity guard's findings, with the pages whose text it read (see anonymity.py);
- a leaflet's PDF, by what it is printed from;
- a leaflet's QR code, by its address and text (see leaflet_html.qr_svg);
- each page's word counts and their sum, corrected after an edit (see search.site_word_counts);
- the files the last offline zip was made from (inode, size, time and hash), so the next zip
  copies unchanged files' compressed bytes out of the last one;
- the files the last build wrote, each with the key it was rendered from, so an output whose key
  is unchanged is left as it is instead of rendered again;
- the search index the last build left in the output, so it is kept while no page changes.

Kinds with thousands of small entries that are all read by every build (Open Referral records,
checked front matter, link checks, the zip's record) are kept as bundles (see `bundle`), read
whole, in 16 files each so that an edit rewrites one or two; the others (files read, analyses,
PDFs) in 256 files per kind, by the start of their keys, so that an edit rewrites one small file
of each (see `_shard`). Each file holds its entries pickled, then the bytes of the packed values
they hold, which are read from the file where they are used (see `_read`, packed.kept_apart).

Compiled templates are kept in the folder too, by Jinja's own file cache (render.TemplateCode),
in a folder for each version of lo-static and Jinja (`BuildCache.template_code`).

Every key starts with the code's own fingerprint (lo_static's source files and the templates),
so a new version of lo-static never reuses what an older one made. A cache that cannot be read
is ignored, never an error: the build then does the work itself. The cache is trusted like the
content and code (it holds Python pickles): keep it on the build machine, and never restore one
made by an untrusted build.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from . import resources
from .packed import CacheFile, kept_apart, kept_in
from .parallel import paused_collection

DEFAULT_DIR = Path(".lo-static-cache")
_PAGE_HITS = {"read hit", "analysis hit", "site hit"}
_PAGE_MISSES = {"read miss", "analysis miss", "site miss"}
FORMAT = b"lo-static-cache 3\n"
LENGTH = 8
"""Bytes after FORMAT that give the length of the pickle (the packed values' bytes follow it)."""
SHARD = 2
"""Entries are kept in files by the first SHARD hex digits of their keys (see `_shard`)."""
SHARD_SUFFIX = ".shard"
CODE_STAMP = "code"
"""The file naming the code fingerprint of the last build that pruned the cache. Entries made
by another version of lo-static can never be used again (every key starts with the code's
fingerprint), yet while they were under half the cache they stayed, and every rebuild read
them with the rest: after two upgrades, a rebuild at 5,000 services read three times the
entries it used."""
TEMPLATE_CODE = "templates"
"""The folder of compiled templates (see render.TemplateCode): one folder in it for each
version of lo-static and Jinja, the others removed with what older versions cached."""
BUNDLE_PARTS = 16
"""Files each bundle is kept in (see `bundle`)."""


@cache
def code_fingerprint() -> str:
    """A hash of lo_static's source files and the templates: any change to either gives new keys."""
    digest = hashlib.sha256(FORMAT)
    roots = (Path(__file__).resolve().parent, resources.TEMPLATES_DIR)
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def key_of(*parts: str | bytes) -> str:
    """A SHA-256 key of the code's fingerprint and `parts` (kept apart, so ("ab", "c") and
    ("a", "bc") differ)."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@dataclass
class Written:
    """One file the last build wrote: the key it was made from, and how it looked on disk."""

    key: str
    size: int
    mtime_ns: int
    inode: int


@dataclass
class BuildCache:
    """The cache folder of one content folder's builds. `None` folder: a cache that keeps
    nothing (every lookup misses)."""

    folder: Path | None
    counts: Counter[str] = field(default_factory=Counter)
    """Lookups by kind and outcome (`read hit`, `analysis miss`, ...)."""
    _shards: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Entries read or stored this build, by kind and the start of their keys (see `_shard`)."""
    _changed_shards: set[tuple[str, str]] = field(default_factory=set)
    _used: set[tuple[str, str]] = field(default_factory=set)
    """(kind, key) of every entry this build looked up and found, or stored."""
    _bundles: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Bundles read or stored this build, by kind (see `bundle`)."""
    _stored_parts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Each bundle's files as they were read, by kind: a part equal to its file is not written."""
    _changed_bundles: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.folder is not None:
            allow_open_files()

    def next_build(self) -> None:
        """Start counting and noting use afresh, for another build with the entries already in
        memory (a preview keeps its cache between builds)."""
        self.counts.clear()
        self._used.clear()

    @property
    def template_code(self) -> Path | None:
        """Where compiled templates are kept (see render.TemplateCode): a folder named by
        lo-static's code, which sets how Jinja compiles, and Jinja's version."""
        if self.folder is None:
            return None
        return self.folder / TEMPLATE_CODE / key_of("templates", jinja2.__version__)[:16]

    @property
    def hits(self) -> int:
        """Files read and pages analysed that came from the cache (and the last site's record)."""
        return sum(n for name, n in self.counts.items() if name in _PAGE_HITS)

    @property
    def misses(self) -> int:
        return sum(n for name, n in self.counts.items() if name in _PAGE_MISSES)

    # --- entries ---------------------------------------------------------------------------------

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored under `key`, or None (never raises: a bad entry is a miss)."""
        value = self._shard(kind, key).get(key) if self.folder is not None else None
        self.counts[f"{kind} {'miss' if value is None else 'hit'}"] += 1
        if value is not None:
            self._used.add((kind, key))
        return value

    def holds(self, kind: str, key: str) -> bool:
        """Whether an entry is stored under `key` (not counted as a lookup)."""
        return self.folder is not None and key in self._shard(kind, key)

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store `value` under `key` when the build succeeds (see `save`)."""
        if self.folder is not None:
            self._shard(kind, key)[key] = value
            self._used.add((kind, key))
            self._changed_shards.add((kind, key[:SHARD]))

    def load_all(self, kind: str) -> None:
        """Read every entry of `kind` now (before forking workers that look them up)."""
        if self.folder is not None:
            for path in sorted((self.folder / kind).glob(f"*{SHARD_SUFFIX}")):
                self._shard(kind, path.name.removesuffix(SHARD_SUFFIX))

    def _shard(self, kind: str, key: str) -> dict[str, Any]:
        """The entries of `kind` whose keys start as `key` does, read from their file once.

        Entries are kept in 256 files per kind, by their keys' first two hex digits: a file
        per entry made a cold build of 5,000 pages write 10,000 files (5 s), and one file per
        kind would be written whole after every edit."""
        name = (kind, key[:SHARD])
        if name not in self._shards:
            stored = self._read(self._path(kind, key[:SHARD]))
            self._shards[name] = stored if isinstance(stored, dict) else {}
        return self._shards[name]

    def _read(self, path: Path) -> Any | None:
        """What the file at `path` holds; its packed values are read from it where they are
        used (see `_write_atomic`)."""
        head = len(FORMAT) + LENGTH
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:  # a missing file: do the work instead
            return None
        try:
            start = os.pread(fd, head, 0)
            if len(start) != head or not start.startswith(FORMAT):
                raise ValueError("not a cache file")
            length = int.from_bytes(start[len(FORMAT) :], "big")
            pickled = os.pread(fd, length, head)
            if len(pickled) != length:
                raise ValueError("cut short")
            source = CacheFile(fd, head + length, path.as_posix())  # closes the file
        except Exception:  # a partial or foreign file: do the work instead
            os.close(fd)
            return None
        try:
            # Unpickling makes many lasting objects and no cycles: the collector, left on,
            # would scan them again and again (it doubled the time of the zip's record).
            with paused_collection(freeze=False), kept_in(source):
                return pickle.loads(pickled)
        except Exception:
            return None

    # --- bundles: many small entries of one kind, all read together ----------------------------

    def bundle(self, kind: str) -> dict[str, Any]:
        """Every entry of `kind` the last build kept, by key: thousands of small entries (one
        per service, say) read from BUNDLE_PARTS files rather than one file each. An entry's
        file is chosen by its key (`_part`), so an edit that changes one service's entry
        rewrites one or two of them, not 40 MB of Open Referral records."""
        if kind not in self._bundles:
            parts: list[dict[str, Any]] = []
            for part in range(BUNDLE_PARTS):
                stored = None if self.folder is None else self._read(self._bundle_path(kind, part))
                parts.append(stored if isinstance(stored, dict) else {})
            self._stored_parts[kind] = parts
            self._bundles[kind] = {key: value for part in parts for key, value in part.items()}
        return self._bundles[kind]

    def get_in(self, kind: str, key: str) -> Any | None:
        """The entry `key` of the bundle `kind`, or None; counted like `get`."""
        value = self.bundle(kind).get(key)
        self.counts[f"{kind} {'miss' if value is None else 'hit'}"] += 1
        return value

    def keep_bundle(self, kind: str, entries: dict[str, Any]) -> None:
        """Make `entries` the bundle `kind` when the build succeeds: what this build used, so
        entries for content that has gone are dropped as they are replaced."""
        if self.folder is not None and entries != self._bundles.get(kind):
            self._bundles[kind] = entries
            self._changed_bundles.add(kind)

    def save(self) -> None:
        """Write what this build stored. Best effort: a cache that cannot be written only makes
        the next build slower."""
        if self.folder is None:
            return
        for kind in sorted(self._changed_bundles):
            parts: list[dict[str, Any]] = [{} for _ in range(BUNDLE_PARTS)]
            for key, value in self._bundles[kind].items():
                parts[_part(key)][key] = value
            stored = self._stored_parts.get(kind)  # None: never read, so rewrite every file
            for number, entries in enumerate(parts):
                if stored is not None and entries == stored[number]:
                    continue
                try:
                    _write_atomic(self._bundle_path(kind, number), entries)
                except OSError:
                    return
            self._stored_parts[kind] = parts
        self._changed_bundles.clear()
        for kind, prefix in sorted(self._changed_shards):
            entries = self._shards[(kind, prefix)]
            try:
                _write_atomic(self._path(kind, prefix), entries)
            except OSError:
                return
        self._changed_shards.clear()

    def prune(self) -> int:
        """Once the cache holds more than twice what this build used, drop the rest (what
        older versions of the content made), so it cannot grow for ever; and drop it all in
        the first build of a new version of lo-static (see CODE_STAMP). Returns how many
        entries were dropped."""
        if self.folder is None:
            return 0
        stamp = self.folder / CODE_STAMP
        try:
            new_code = stamp.read_text(encoding="ascii") != code_fingerprint()
        except (OSError, ValueError):
            new_code = True
        for legacy in self.folder.glob("*/??"):  # a file per entry, as lo-static kept them once
            if legacy.is_dir() and legacy.parent.name != "bundles":
                shutil.rmtree(legacy, ignore_errors=True)
        for legacy in self.folder.glob("*.bundle"):  # a file per bundle, as kept once
            legacy.unlink(missing_ok=True)
        for kind in sorted({kind for kind, _ in self._used}):
            self.load_all(kind)
        held = sum(len(entries) for entries in self._shards.values())
        if held <= 2 * len(self._used) and not new_code:
            return 0
        removed = 0
        for (kind, prefix), entries in self._shards.items():
            unused = [key for key in entries if (kind, key) not in self._used]
            for key in unused:
                del entries[key]
            if unused:
                removed += len(unused)
                self._changed_shards.add((kind, prefix))
        self.save()
        if new_code:
            for folder in (self.folder / TEMPLATE_CODE).glob("*"):
                if folder != self.template_code:
                    shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            stamp.write_text(code_fingerprint(), encoding="ascii")
        return removed

    def _path(self, kind: str, key: str) -> Path:
        assert self.folder is not None
        return self.folder / kind / f"{key}{SHARD_SUFFIX}"

    def _bundle_path(self, kind: str, part: int) -> Path:
        assert self.folder is not None
        return self.folder / "bundles" / kind / f"{part:02d}{SHARD_SUFFIX}"

    # --- what the last build wrote -------------------------------------------------------------

    def written(self, out_dir: Path) -> dict[str, Written]:
        """The files the last build wrote into `out_dir` (empty when unknown)."""
        found = self.get("site", key_of(str(out_dir.resolve())))
        return found if isinstance(found, dict) else {}

    def remember_written(
        self, out_dir: Path, keys: dict[str, str], kept: dict[str, Written] | None = None
    ) -> None:
        """Record the files just written into `out_dir` with the keys they were made from.
        `kept`: the last record's entries of files this build left as they were (or linked),
        which still hold without looking at the files again."""
        if self.folder is None:
            return
        kept = kept or {}
        written: dict[str, Written] = {}
        for rel, key in keys.items():
            if (entry := kept.get(rel)) is not None and entry.key == key:
                written[rel] = entry
                continue
            try:
                info = (out_dir / rel).stat()
            except OSError:
                continue
            written[rel] = Written(key, info.st_size, info.st_mtime_ns, info.st_ino)
        self.put("site", key_of(str(out_dir.resolve())), written)


OPEN_FILES = 4096
"""Open files a build asks to be allowed (see `allow_open_files`)."""


def allow_open_files(wanted: int = OPEN_FILES) -> None:
    """Raise this process's limit of open files towards `wanted`, as far as the system allows.

    Packed values read from the cache keep their file open until they are gone (see
    packed.CacheFile): a rebuild holds up to 530 cache files open, over macOS's default limit
    of 256 and half Linux's 1,024. Best effort: where the limit cannot be raised, a cache file
    that cannot be opened is a miss like any other."""
    try:
        import resource  # not on Windows
    except ImportError:
        return
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _part(key: str) -> int:
    """Which of a bundle's files holds the entry `key` (keys are hashes, paths or names)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % BUNDLE_PARTS


Identity = tuple[int, int, int]
"""How a file looked on disk: its inode, size and modification time (see `stat_identity`)."""


def stat_identity(info: os.stat_result) -> Identity:
    """How a file looked on disk (inode, size, modification time): while all three are the
    same, nobody has written it (nor replaced it with another file)."""
    return info.st_ino, info.st_size, info.st_mtime_ns


def file_identity(path: Path) -> Identity | None:
    """`stat_identity` of the file at `path`, or None when there is none."""
    try:
        return stat_identity(path.stat())
    except OSError:
        return None


def reusable(out_dir: Path, rel: str, key: str, written: dict[str, Written]) -> str | None:
    """The previous site's copy of `rel` (its path), if it was made from `key` and nobody
    changed it since. A rebuild asks this of every page, listing and Open Referral file (10,000
    at 5,000 services): strings, not Path objects, which took as long to make as the stat."""
    entry = written.get(rel)
    if entry is None or entry.key != key:
        return None
    path = f"{os.fspath(out_dir)}/{rel}"
    try:
        info = os.stat(path)
    except OSError:
        return None
    if (info.st_size, info.st_mtime_ns, info.st_ino) != (entry.size, entry.mtime_ns, entry.inode):
        return None
    return path


def hash_files(paths: Iterable[Path]) -> bytes:
    """One digest of several files' bytes (templates, data files)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"\0missing")
    return digest.digest()


def _write_atomic(path: Path, value: Any) -> None:
    """Write FORMAT, the length of `value` pickled, the pickle, then the bytes of the packed
    values it holds (see packed.kept_apart), one at a time: the Open Referral bundle of a
    large site is 80 MB, and a copy of it in memory would set the build's peak. A rebuild
    reads only the pickle, and each value's bytes where it is used."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with kept_apart() as listed:
        pickled = pickle.dumps(value, protocol=5)
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(FORMAT + len(pickled).to_bytes(LENGTH, "big"))
            stream.write(pickled)
            del pickled
            for kept in listed:
                stream.write(kept.data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

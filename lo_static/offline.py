"""Offline use (CoP 4.62: access for those without the internet): the service worker and its
precache list, the "save for offline use" manifest, and a zip of the whole site.

Runs on the complete new site (after the search index), so every file it lists is final.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .cache import BuildCache, file_identity, stat_identity
from .resources import TEMPLATES_DIR
from .zipwrite import (
    DEFLATED,
    Block,
    Compressed,
    Earlier,
    Placed,
    compress,
    compress_in_pieces,
    entries_at,
    read_entries,
    write_zip,
)

SERVICE_WORKER = "sw.js"
MANIFEST = "offline.json"
ZIP = "local-offer-offline.zip"
OFFLINE_PAGE = "offline/index.html"
ZIP_FOLDER = "local-offer"
"""The folder inside the zip that holds the site."""


def revision(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


@dataclass(frozen=True)
class Seen:
    """A file the last offline zip was made from: how it looked on disk, and its SHA-256."""

    inode: int
    size: int
    mtime_ns: int
    digest: str
    blocks: tuple[Block, ...] = ()
    """The pieces a large file was deflated in (see `zipwrite.deflate_in_blocks`)."""


RECORD = "offline"
"""The build cache's bundle recording the last zip: {"zip": its identity, "files": {rel: Seen},
"placed": {name in the zip: where its bytes are (zipwrite.Placed)}}."""


def finish_offline(
    site_dir: Path,
    precache: list[str],
    cache: BuildCache | None = None,
    previous: Path | None = None,
    into: Path | None = None,
) -> list[str]:
    """Make offline.json, sw.js and the zip for `site_dir`, in the folder `into` (default
    `site_dir`); return the names of the files made there. A file the site already has with
    the right bytes is not made again (an unchanged site's zip is not rewritten).

    `precache` lists the pages every visitor's device keeps (home, key statutory pages); the
    stylesheet, scripts, icon, manifest and offline page are always added. Files are read,
    hashed and compressed on every core. With a `cache`, a file the last build zipped is taken
    from `previous` (the site being replaced, or `site_dir` itself when it is updated in place)
    as already compressed in its zip: not read again when it is the same file on disk (the
    build leaves unchanged files alone), else found by its hash (Pagefind writes its unchanged
    files anew).
    """
    listing = _listing(site_dir)
    files = sorted(listing)
    record = cache.bundle(RECORD) if cache is not None else {}
    seen: dict[str, Seen] = record.get("files", {})
    last_zip = previous / ZIP if previous is not None else None
    zip_intact = (
        bool(seen) and last_zip is not None and file_identity(last_zip) == record.get("zip")
    )
    # Files that are just as the last zip packed them (that zip is still there, as it was made).
    as_packed = {
        rel: known
        for rel in files
        if zip_intact
        and (known := seen.get(rel)) is not None
        and (known.inode, known.size, known.mtime_ns) == stat_identity(listing[rel])
    }

    @functools.cache
    def last_zip_entries() -> dict[str, Compressed]:
        """The last zip's entries, by name (read once, only if needed): found where the
        record says they were written, else by reading the zip's directory."""
        if not zip_intact or last_zip is None:
            return {}
        placed = record.get("placed")
        return entries_at(last_zip, placed) if placed else read_entries(last_zip)

    @functools.cache
    def last_entries() -> dict[str, tuple[Compressed, tuple[Block, ...]]]:
        """The last zip's entries, by their file's SHA-256, with the pieces of large ones."""
        entries = last_zip_entries()
        return {
            known.digest: (entry, known.blocks)
            for rel, known in seen.items()
            if (entry := entries.get(f"{ZIP_FOLDER}/{rel}")) is not None
        }

    def earlier(rel: str) -> Earlier | None:
        """How the last zip deflated this file in pieces, when it did."""
        known = seen.get(rel)
        entry = last_zip_entries().get(f"{ZIP_FOLDER}/{rel}")
        if known is None or not known.blocks or entry is None or entry.method != DEFLATED:
            return None
        return Earlier(known.blocks, known.size, entry.data)

    def pack(rel: str) -> tuple[str, Compressed, bool, tuple[Block, ...]]:
        """The file's SHA-256 (hex), its compressed bytes, whether they were reused, and the
        pieces it was deflated in. A large file that changed is deflated again only where it
        changed (an edit to one service changes one record of the 30 MB services.json)."""
        data = (site_dir / rel).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        old = last_entries()
        if digest in old and old[digest][0].size == len(data):
            return digest, old[digest][0], True, old[digest][1]
        entry, blocks = compress_in_pieces(data, earlier=earlier(rel))
        return digest, entry, False, blocks

    todo = [rel for rel in files if rel not in as_packed]
    if todo:
        last_entries()  # read before the threads start
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        # hashlib and zlib let other threads run while they work on large buffers.
        packed = dict(zip(todo, pool.map(pack, todo), strict=True))
    digests = {rel: as_packed[rel].digest if rel in as_packed else packed[rel][0] for rel in files}
    if cache is not None:
        reused = len(as_packed) + sum(1 for _, _, hit, _ in packed.values() if hit)
        cache.counts["zip hit"] += reused
        cache.counts["zip miss"] += len(files) - reused
    revisions = {rel: digests[rel][:12] for rel in files}
    sizes = {rel: listing[rel].st_size for rel in files}
    always = [rel for rel in files if rel.startswith("assets/")]
    always += [rel for rel in ("manifest.webmanifest", OFFLINE_PAGE) if rel in revisions]
    cached = sorted(set(always) | {rel for rel in precache if rel in revisions})
    build = revision(json.dumps(revisions, sort_keys=True).encode())
    manifest = {
        "build": build,
        "total_bytes": sum(sizes.values()),
        "files": [{"url": rel, "bytes": sizes[rel], "revision": revisions[rel]} for rel in files],
    }
    made_here = {
        MANIFEST: (json.dumps(manifest, separators=(",", ":")) + "\n").encode(),
        SERVICE_WORKER: (TEMPLATES_DIR / SERVICE_WORKER)
        .read_text()
        .replace("__BUILD__", build)
        .replace("__PRECACHE__", json.dumps(cached))
        .replace("__OFFLINE__", OFFLINE_PAGE)
        .encode(),
    }
    into = into or site_dir
    made = [name for name, data in made_here.items() if not _holds(site_dir / name, data)]
    for name in made:
        (into / name).write_bytes(made_here[name])
    # The zip holds every file as packed, the manifest and the worker: when none of them
    # changed and the last zip is still there as it was made, it is the same zip.
    placed: dict[str, Placed] = {}
    if made or packed or set(files) != set(seen) or not zip_intact or last_zip != site_dir / ZIP:
        old = last_entries()
        for rel in [rel for rel, known in as_packed.items() if known.digest not in old]:
            packed[rel] = pack(rel)  # the last zip has lost it (it should not): pack it anew
            del as_packed[rel]
        entries = [
            (f"{ZIP_FOLDER}/{rel}", old[known.digest][0] if known else packed[rel][1])
            for rel in files
            for known in [as_packed.get(rel)]
        ]
        entries += [(f"{ZIP_FOLDER}/{name}", compress(data)) for name, data in made_here.items()]
        write_zip(into / ZIP, sorted(entries, key=lambda item: item[0]), placed)
        made.append(ZIP)
    if cache is not None:
        cache.keep_bundle(RECORD, {
            "zip": file_identity(into / ZIP) if ZIP in made else record.get("zip"),
            "placed": placed if ZIP in made else record.get("placed"),
            "files": {
                rel: Seen(
                    *stat_identity(listing[rel]),
                    digests[rel],
                    as_packed[rel].blocks if rel in as_packed else packed[rel][3],
                )
                for rel in files
            },
        })
    return made


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` has exactly `data`."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _listing(site_dir: Path) -> dict[str, os.stat_result]:
    """Every file the zip holds (all but the files made here), by path, with its status.
    Folders that are symbolic links are not followed (the writer makes none)."""
    found: dict[str, os.stat_result] = {}
    folders = [("", str(site_dir))]
    while folders:
        prefix, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir():
                    if not entry.is_symlink():
                        folders.append((rel + "/", entry.path))
                elif rel not in (SERVICE_WORKER, MANIFEST, ZIP):
                    info = entry.stat()
                    if stat.S_ISREG(info.st_mode):
                        found[rel] = info
    return found

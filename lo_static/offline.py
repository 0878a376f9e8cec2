"""Offline use (CoP 4.62: access for those without the internet): the service worker and its
precache list, the "save for offline use" manifest, and a zip of the whole site.

Runs on the complete new site (after the search index), so every file it lists is final.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .cache import BuildCache
from .resources import TEMPLATES_DIR
from .zipwrite import Compressed, compress, read_entries, write_zip

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


RECORD = "offline"
"""The build cache's bundle recording the last zip: {"zip": its identity, "files": {rel: Seen}}."""


def finish_offline(
    site_dir: Path,
    precache: list[str],
    cache: BuildCache | None = None,
    previous: Path | None = None,
) -> int:
    """Write offline.json, sw.js and the zip into `site_dir`; return the zip's size in bytes.

    `precache` lists the pages every visitor's device keeps (home, key statutory pages); the
    stylesheet, scripts, icon, manifest and offline page are always added. Files are read,
    hashed and compressed on every core. With a `cache`, a file the last build zipped is taken
    from `previous` (the site being replaced) as already compressed in its zip: not read again
    when it is the same file on disk (the build links unchanged files from the previous site),
    else found by its hash (Pagefind writes its unchanged files anew).
    """
    listing = _listing(site_dir)
    files = sorted(listing)
    record = cache.bundle(RECORD) if cache is not None else {}
    seen: dict[str, Seen] = record.get("files", {})
    old: dict[str, Compressed] = {}
    if previous is not None and seen and _identity(previous / ZIP) == record.get("zip"):
        entries = read_entries(previous / ZIP)
        for rel, known in seen.items():
            if (entry := entries.get(f"{ZIP_FOLDER}/{rel}")) is not None:
                old[known.digest] = entry

    def unchanged(rel: str) -> tuple[str, Compressed, bool] | None:
        """The file as the last zip held it, if it is the same file on disk."""
        known = seen.get(rel)
        if known is not None and known.digest in old and (
            known.inode, known.size, known.mtime_ns
        ) == _stat_key(listing[rel]):
            return known.digest, old[known.digest], True
        return None

    def pack(rel: str) -> tuple[str, Compressed, bool]:
        """The file's SHA-256 (hex), its compressed bytes, and whether they were reused."""
        data = (site_dir / rel).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in old and old[digest].size == len(data):
            return digest, old[digest], True
        return digest, compress(data), False

    done = {rel: found for rel in files if (found := unchanged(rel)) is not None}
    todo = [rel for rel in files if rel not in done]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        # hashlib and zlib let other threads run while they work on large buffers.
        done.update(zip(todo, pool.map(pack, todo), strict=True))
    packed = [done[rel] for rel in files]
    if cache is not None:
        reused = sum(1 for _, _, hit in packed if hit)
        cache.counts["zip hit"] += reused
        cache.counts["zip miss"] += len(packed) - reused
    revisions = {rel: digest[:12] for rel, (digest, _, _) in zip(files, packed, strict=True)}
    sizes = {rel: entry.size for rel, (_, entry, _) in zip(files, packed, strict=True)}
    always = [rel for rel in files if rel.startswith("assets/")]
    always += [rel for rel in ("manifest.webmanifest", OFFLINE_PAGE) if rel in revisions]
    cached = sorted(set(always) | {rel for rel in precache if rel in revisions})
    build = revision(json.dumps(revisions, sort_keys=True).encode())
    manifest = {
        "build": build,
        "total_bytes": sum(sizes.values()),
        "files": [{"url": rel, "bytes": sizes[rel], "revision": revisions[rel]} for rel in files],
    }
    manifest_data = (json.dumps(manifest, separators=(",", ":")) + "\n").encode()
    (site_dir / MANIFEST).write_bytes(manifest_data)
    worker = (TEMPLATES_DIR / SERVICE_WORKER).read_text()
    worker = (
        worker.replace("__BUILD__", build)
        .replace("__PRECACHE__", json.dumps(cached))
        .replace("__OFFLINE__", OFFLINE_PAGE)
    )
    (site_dir / SERVICE_WORKER).write_text(worker)
    # Every file of the site, in one zip whose pages work when opened from disk.
    entries = [
        (f"{ZIP_FOLDER}/{rel}", entry) for rel, (_, entry, _) in zip(files, packed, strict=True)
    ]
    entries += [
        (f"{ZIP_FOLDER}/{name}", compress(data))
        for name, data in ((MANIFEST, manifest_data), (SERVICE_WORKER, worker.encode()))
    ]
    size = write_zip(site_dir / ZIP, sorted(entries, key=lambda item: item[0]))
    if cache is not None:
        cache.keep_bundle(RECORD, {
            "zip": _identity(site_dir / ZIP),
            "files": {
                rel: Seen(*_stat_key(listing[rel]), digest)
                for rel, (digest, _, _) in zip(files, packed, strict=True)
            },
        })
    return size


def _listing(site_dir: Path) -> dict[str, os.stat_result]:
    """Every file the zip holds (all but the files made here), by path, with its status."""
    found: dict[str, os.stat_result] = {}
    for folder, _dirs, names in os.walk(site_dir):
        relative = Path(folder).relative_to(site_dir).as_posix()
        prefix = "" if relative == "." else relative + "/"
        for name in names:
            rel = prefix + name
            if rel in (SERVICE_WORKER, MANIFEST, ZIP):
                continue
            info = os.stat(os.path.join(folder, name))
            if stat.S_ISREG(info.st_mode):
                found[rel] = info
    return found


def _stat_key(info: os.stat_result) -> tuple[int, int, int]:
    return info.st_ino, info.st_size, info.st_mtime_ns


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        return _stat_key(path.stat())
    except OSError:
        return None

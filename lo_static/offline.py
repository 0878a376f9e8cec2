"""Offline use (CoP 4.62: access for those without the internet): the service worker and its
precache list, the "save for offline use" manifest, and a zip of the whole site.

Runs on the complete new site (after the search index), so every file it lists is final.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .cache import BuildCache
from .resources import TEMPLATES_DIR
from .zipwrite import Compressed, compress, write_zip

SERVICE_WORKER = "sw.js"
MANIFEST = "offline.json"
ZIP = "local-offer-offline.zip"
OFFLINE_PAGE = "offline/index.html"


def revision(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def finish_offline(
    site_dir: Path, precache: list[str], cache: BuildCache | None = None
) -> int:
    """Write offline.json, sw.js and the zip into `site_dir`; return the zip's size in bytes.

    `precache` lists the pages every visitor's device keeps (home, key statutory pages); the
    stylesheet, scripts, icon, manifest and offline page are always added. Files are read,
    hashed and compressed on every core; a file compressed by an earlier build (same bytes)
    comes from the `cache`.
    """
    files = sorted(
        p.relative_to(site_dir).as_posix()
        for p in site_dir.rglob("*")
        if p.is_file() and p.name not in (SERVICE_WORKER, MANIFEST, ZIP)
    )
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        # hashlib and zlib let other threads run while they work on large buffers.
        packed = list(pool.map(lambda rel: _pack(site_dir / rel, cache), files))
    revisions = {rel: digest[:12] for rel, (digest, _) in zip(files, packed, strict=True)}
    sizes = {rel: entry.size for rel, (_, entry) in zip(files, packed, strict=True)}
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
    entries = [(f"local-offer/{rel}", entry) for rel, (_, entry) in zip(files, packed, strict=True)]
    entries += [
        (f"local-offer/{name}", compress(data))
        for name, data in ((MANIFEST, manifest_data), (SERVICE_WORKER, worker.encode()))
    ]
    return write_zip(site_dir / ZIP, sorted(entries, key=lambda item: item[0]))


def _pack(path: Path, cache: BuildCache | None) -> tuple[str, Compressed]:
    """A file's SHA-256 (hex) and its compressed bytes."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if cache is not None:
        stored = cache.get("zip", digest)
        if isinstance(stored, Compressed) and stored.size == len(data):
            return digest, stored
    entry = compress(data)
    if cache is not None:
        cache.put("zip", digest, entry)
    return digest, entry

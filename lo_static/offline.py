"""Offline use (CoP 4.62: access for those without the internet): the service worker and its
precache list, the "save for offline use" manifest, and a zip of the whole site.

Runs on the complete new site (after the search index), so every file it lists is final.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from .resources import TEMPLATES_DIR

SERVICE_WORKER = "sw.js"
MANIFEST = "offline.json"
ZIP = "local-offer-offline.zip"
OFFLINE_PAGE = "offline/index.html"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
"""Fixed timestamps, so the same site gives the same zip."""


def revision(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def finish_offline(site_dir: Path, precache: list[str]) -> int:
    """Write offline.json, sw.js and the zip into `site_dir`; return the zip's size in bytes.

    `precache` lists the pages every visitor's device keeps (home, key statutory pages); the
    stylesheet, scripts, icon, manifest and offline page are always added.
    """
    files = sorted(
        p.relative_to(site_dir).as_posix()
        for p in site_dir.rglob("*")
        if p.is_file() and p.name not in (SERVICE_WORKER, MANIFEST, ZIP)
    )
    revisions = {rel: revision((site_dir / rel).read_bytes()) for rel in files}
    sizes = {rel: (site_dir / rel).stat().st_size for rel in files}
    always = [rel for rel in files if rel.startswith("assets/")]
    always += [rel for rel in ("manifest.webmanifest", OFFLINE_PAGE) if rel in revisions]
    cached = sorted(set(always) | {rel for rel in precache if rel in revisions})
    build = revision(json.dumps(revisions, sort_keys=True).encode())
    manifest = {
        "build": build,
        "total_bytes": sum(sizes.values()),
        "files": [{"url": rel, "bytes": sizes[rel], "revision": revisions[rel]} for rel in files],
    }
    (site_dir / MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")) + "\n")
    worker = (TEMPLATES_DIR / SERVICE_WORKER).read_text()
    worker = (
        worker.replace("__BUILD__", build)
        .replace("__PRECACHE__", json.dumps(cached))
        .replace("__OFFLINE__", OFFLINE_PAGE)
    )
    (site_dir / SERVICE_WORKER).write_text(worker)
    return write_zip(site_dir)


def write_zip(site_dir: Path) -> int:
    """Every file of the site in one zip whose pages work when opened from disk."""
    target = site_dir / ZIP
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as bundle:
        for path in sorted(site_dir.rglob("*")):
            if path.is_file() and path != target:
                info = zipfile.ZipInfo(f"local-offer/{path.relative_to(site_dir).as_posix()}",
                                       ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                bundle.writestr(info, path.read_bytes())
    return target.stat().st_size

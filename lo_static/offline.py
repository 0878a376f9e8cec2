"""Offline use (CoP 4.62: access for those without the internet): the service worker and its
precache list, the "save for offline use" manifest, and a zip of the whole site.

Runs on the complete new site (after the search index), so every file it lists is final.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import orjson

from .api import FOLDER as API_FOLDER
from .cache import BuildCache, Identity, file_identity, stat_identity
from .oruk_export import FOLDER as OPEN_REFERRAL_FOLDER
from .parallel import default_workers, fork_map
from .resources import TEMPLATES_DIR
from .zipwrite import (
    BLOCK,
    DEFLATED,
    Block,
    Compressed,
    Earlier,
    EntryFiles,
    FileBytes,
    Kept,
    Placed,
    ZipSource,
    ZipWriter,
    compress,
    compress_in_pieces,
    read_entries,
)

SERVICE_WORKER = "sw.js"
MANIFEST = "offline.json"
ZIP = "local-offer-offline.zip"
OFFLINE_PAGE = "offline/index.html"
ZIP_FOLDER = "local-offer"
"""The folder inside the zip that holds the site."""
MACHINE_DATA = frozenset({OPEN_REFERRAL_FOLDER, API_FOLDER})
"""Top-level folders of data for other systems (the Open Referral UK export, the pages API).
No page links to them, so a family's offline copy leaves them out: neither the zip nor a device
saving the site for offline use (offline.json) takes them. At 5,000 services they were 82 MB
of the 208 MB such a device fetched, and a third of the zip."""


def revision(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


Seen = tuple[Identity, str, tuple[Block, ...]]
"""A file the last offline zip was made from: how it looked on disk (`stat_identity`), its
SHA-256, and the pieces a large file was deflated in (see `zipwrite.deflate_in_blocks`). Plain
tuples: the build cache keeps one for every file of the site, and reads them all after every
edit (see `zipwrite.Placed`)."""

RECORD = "offline"
"""The build cache's bundle recording the last zip: {"format": RECORD_FORMAT, "zip": its
identity, "files": {rel: Seen}, "placed": {name in the zip: where its bytes are
(zipwrite.Placed)}}."""
RECORD_FORMAT = 2
"""Records of another format (an older lo-static's) are ignored."""


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
    if record.get("format") != RECORD_FORMAT:
        record = {}
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
        and known[0] == listing[rel]
    }

    placed_before: dict[str, Placed] = (record.get("placed") or {}) if zip_intact else {}

    @functools.cache
    def last_zip_entries() -> dict[str, Compressed]:
        """The last zip's entries, by name, read from its directory: only for a record that
        does not say where they were written (see `last_entry`)."""
        if not zip_intact or last_zip is None or placed_before:
            return {}
        return read_entries(last_zip)

    @functools.cache
    def last_zip_source() -> ZipSource | None:
        """The last zip, open (for as long as the zip is being made)."""
        if not placed_before or last_zip is None:
            return None
        return stack.enter_context(ZipSource(last_zip))

    def last_entry(name: str) -> Compressed | None:
        """The last zip's entry `name` as stored there, if it has it."""
        if not placed_before:
            return last_zip_entries().get(name)
        source, where = last_zip_source(), placed_before.get(name)
        return None if source is None or where is None else source.entry(name, where)

    @functools.cache
    def last_entries() -> dict[str, tuple[str, tuple[Block, ...]]]:
        """The last zip's files by their SHA-256: their names there, and the pieces of large
        ones."""
        if not zip_intact:
            return {}
        return {
            digest: (f"{ZIP_FOLDER}/{rel}", blocks) for rel, (_, digest, blocks) in seen.items()
        }

    def earlier(rel: str) -> Earlier | None:
        """How the last zip deflated this file in pieces, when it did."""
        known = seen.get(rel)
        if known is None or not known[2] or not zip_intact:
            return None
        entry = last_entry(f"{ZIP_FOLDER}/{rel}")
        if entry is None or entry.method != DEFLATED:
            return None
        (_, size, _), _, blocks = known
        return Earlier(blocks, size, entry.data)

    def found_before(
        digest: str, size: int | None = None
    ) -> tuple[Compressed, tuple[Block, ...]] | None:
        """The last zip's entry of a file with this SHA-256 (and size, if given), with its
        pieces."""
        known = last_entries().get(digest)
        if known is None:
            return None
        entry = last_entry(known[0])
        if entry is None or (size is not None and entry.size != size):
            return None
        return entry, known[1]

    def read_whole(rel: str) -> bool:
        """Whether the file is small enough to read whole (and be packed by a worker)."""
        return listing[rel][1] <= 2 * BLOCK

    def pack(rel: str) -> tuple[str, Compressed, bool, tuple[Block, ...]]:
        """The file's SHA-256 (hex), its compressed bytes, whether they were reused, and the
        pieces it was deflated in. A large file that changed is deflated again only where it
        changed (an edit to one service changes one entry of the services A to Z, 6.6 MB at 20,000
        services)."""
        path = site_dir / rel
        if read_whole(rel):
            return pack_bytes(rel, path.read_bytes())
        # A file of megabytes (the listings of a large site) is read a block at a time.
        fd = os.open(path, os.O_RDONLY)
        try:
            return pack_bytes(rel, FileBytes(fd, os.fstat(fd).st_size))
        finally:
            os.close(fd)

    def pack_bytes(
        rel: str, data: bytes | FileBytes
    ) -> tuple[str, Compressed, bool, tuple[Block, ...]]:
        hashing = hashlib.sha256()
        for start in range(0, len(data), BLOCK):
            hashing.update(data[start : start + BLOCK])
        digest = hashing.hexdigest()
        if (found := found_before(digest, len(data))) is not None:
            return digest, found[0], True, found[1]
        entry, blocks = compress_in_pieces(data, earlier=earlier(rel))
        return digest, entry, False, blocks

    # What the zip is made with (the last zip open, the new zip, workers' files) is closed or
    # removed when it is made.
    stack = contextlib.ExitStack()
    todo = [rel for rel in files if rel not in as_packed]
    if todo:  # read before the workers fork, which share them
        last_entries()
        last_zip_source()

    # Files up to 2 BLOCKs (all but a few) are read, hashed and deflated in worker processes,
    # a chunk at a time: in threads, this process's share of each file (opening, reading,
    # hashing and bookkeeping, which hold the interpreter's lock) kept the second core idle
    # for half the time. The few large files are deflated here, in pieces on every core.
    small = [rel for rel in todo if read_whole(rel)]
    workers = default_workers(len(small), POOL_MINIMUM)

    kept: EntryFiles | None = None

    def pack_small(index: int) -> tuple[str, Kept | None, tuple[Block, ...]]:
        """Like `pack`, for a worker: the compressed bytes are kept in its file of `kept`, and
        only where they are comes back; a file found in the last zip comes back as None (this
        process takes it from that zip itself)."""
        assert kept is not None
        digest, entry, hit, blocks = pack(small[index])
        return digest, None if hit else kept.put(entry), blocks

    def in_order() -> Iterator[tuple[str, str, Compressed | Placed, bool, tuple[Block, ...]]]:
        """Every file's path, SHA-256, compressed bytes (or where the last zip has them, to be
        copied from there), whether they were reused, and pieces, in order. Files as packed
        come from the last zip; the others are packed by workers a few chunks ahead of the zip
        being written (see `fork_map`), so a large site's compressed files are never all held
        in memory."""
        packed = fork_map(pack_small, len(small), workers, chunk=CHUNK)
        for rel in files:
            known = as_packed.get(rel)
            if known is not None and (where := placed_before.get(f"{ZIP_FOLDER}/{rel}")):
                _, digest, blocks = known
                yield rel, digest, where, True, blocks
            elif known is not None and (found := found_before(known[1], known[0][1])):
                _, digest, blocks = known
                yield rel, digest, found[0], True, blocks
            elif known is not None:  # the last zip has lost it (it should not): pack it
                yield rel, *pack(rel)
            elif read_whole(rel):  # the next of `small`
                digest, where_kept, blocks = next(packed)
                if where_kept is None:  # a worker found it in the last zip
                    found = found_before(digest)
                    assert found is not None
                    yield rel, digest, found[0], True, blocks
                else:
                    assert kept is not None
                    yield rel, digest, kept.get(where_kept), False, blocks
            else:
                yield rel, *pack(rel)
        if next(packed, None) is not None:  # none is left: this lets fork_map stop its workers
            raise AssertionError("more files packed than listed")

    into = into or site_dir
    digests = {rel: digest for rel, (_, digest, _) in as_packed.items()}
    pieces = {rel: blocks for rel, (_, _, blocks) in as_packed.items()}
    placed: dict[str, Placed] = {}
    reused = len(as_packed)
    with stack:
        writer: ZipWriter | None = None

        def write_files() -> ZipWriter:
            nonlocal reused, kept
            zip_writer = stack.enter_context(ZipWriter(into / ZIP, placed))
            if small:
                folder = stack.enter_context(tempfile.TemporaryDirectory(".zip", dir=into))
                kept = EntryFiles(Path(folder))
                stack.callback(kept.close)
            source = last_zip_source()
            reused = 0
            for rel, digest, entry, hit, blocks in in_order():
                name = f"{ZIP_FOLDER}/{rel}"
                if not isinstance(entry, tuple):
                    zip_writer.add(name, entry)
                elif source is None or not zip_writer.copy(name, entry, source):
                    # Not where the record says (the zip was changed in place): packed afresh.
                    digest, fresh, hit, blocks = pack(rel)
                    zip_writer.add(name, fresh)
                digests[rel], pieces[rel] = digest, blocks
                reused += hit
            return zip_writer

        if todo:
            writer = write_files()
        made_here = _made_here(files, digests, listing, precache)
        made = [name for name, data in made_here.items() if not _holds(site_dir / name, data)]
        for name in made:
            (into / name).write_bytes(made_here[name])
        # The zip holds every file as packed, the manifest and the worker: when none of them
        # changed and the last zip is still there as it was made, it is the same zip.
        if writer is None and (
            made or set(files) != set(seen) or not zip_intact or last_zip != site_dir / ZIP
        ):
            writer = write_files()
        if writer is not None:
            for name, data in made_here.items():
                writer.add(f"{ZIP_FOLDER}/{name}", compress(data))
            made.append(ZIP)
    if cache is not None:
        cache.counts["zip hit"] += reused
        cache.counts["zip miss"] += len(files) - reused
        cache.keep_bundle(RECORD, {
            "format": RECORD_FORMAT,
            "zip": file_identity(into / ZIP) if ZIP in made else record.get("zip"),
            "placed": placed if ZIP in made else record.get("placed"),
            "files": {
                rel: seen[rel] if rel in as_packed else (listing[rel], digests[rel], pieces[rel])
                for rel in files
            },
        })
    return made


CHUNK = 128
"""Files each worker packs at a time (see parallel.fork_map)."""
POOL_MINIMUM = 256
"""Files to pack below which it is done in this process: starting workers would cost more."""


def _made_here(
    files: list[str], digests: dict[str, str], listing: dict[str, Identity],
    precache: list[str],
) -> dict[str, bytes]:
    """offline.json and sw.js, which list every file with its revision."""
    revisions = {rel: digests[rel][:12] for rel in files}
    sizes = {rel: listing[rel][1] for rel in files}
    always = [rel for rel in files if rel.startswith("assets/")]
    always += [rel for rel in ("manifest.webmanifest", OFFLINE_PAGE) if rel in revisions]
    cached = sorted(set(always) | {rel for rel in precache if rel in revisions})
    build = revision(json.dumps(revisions, sort_keys=True).encode())
    manifest = {
        "build": build,
        "total_bytes": sum(sizes.values()),
        "files": [{"url": rel, "bytes": sizes[rel], "revision": revisions[rel]} for rel in files],
    }
    return {
        MANIFEST: _compact_json(manifest) + b"\n",
        SERVICE_WORKER: (TEMPLATES_DIR / SERVICE_WORKER)
        .read_text()
        .replace("__BUILD__", build)
        .replace("__PRECACHE__", json.dumps(cached))
        .replace("__OFFLINE__", OFFLINE_PAGE)
        .encode(),
    }


def _compact_json(value: object) -> bytes:
    """`json.dumps(value, separators=(",", ":"))` as bytes: by orjson, which writes the same
    bytes (a large site's manifest lists 10,000 files) ten times as fast, while they are all
    ASCII (json.dumps escapes the rest; the site's paths never have any)."""
    made = orjson.dumps(value)
    if made.isascii():
        return made
    return json.dumps(value, separators=(",", ":")).encode()


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` has exactly `data`."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _listing(site_dir: Path) -> dict[str, Identity]:
    """Every file the zip holds (all but the files made here and the `MACHINE_DATA`), by path,
    with how it looks on disk (`stat_identity`). Folders that are symbolic links are not
    followed (the writer makes none)."""
    found: dict[str, Identity] = {}
    folders = [("", str(site_dir))]
    while folders:
        prefix, folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir():
                    if not entry.is_symlink() and rel not in MACHINE_DATA:
                        folders.append((rel + "/", entry.path))
                elif rel not in (SERVICE_WORKER, MANIFEST, ZIP):
                    info = entry.stat()
                    if stat.S_ISREG(info.st_mode):
                        found[rel] = stat_identity(info)
    return found

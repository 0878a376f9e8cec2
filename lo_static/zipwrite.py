"""Write a zip file from entries compressed beforehand.

The standard library's `zipfile` compresses each entry as it writes it, one after another; the
offline zip of a large site is hundreds of megabytes, so its entries are compressed on every core
first (and reused from earlier builds when unchanged), then written here. Only what the offline
zip needs: deflated or stored files, UTF-8 names, fixed timestamps, and ZIP64 records when there
are more than 65,535 entries or the archive passes 4 GiB.

Deflating is done by zlib-ng (the `zlib-ng` package): raw deflate streams any zip reader
inflates, up to twice as fast as the standard library's zlib on the site's HTML, at the same
level and size (a cold build at 5,000 services deflates 280 MB).
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import struct
import zipfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from zlib_ng import zlib_ng

STORED = 0
DEFLATED = 8
DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1
"""1 January 2000, midnight: fixed, so the same site gives the same zip."""
DOS_TIME = 0
_LIMIT_16 = 0xFFFF
_LIMIT_32 = 0xFFFFFFFF
_UTF8 = 0x0800
_FILE_MODE = 0o100644 << 16
_MADE_BY = (3 << 8) | 45  # Unix, ZIP 4.5 (ZIP64)


@dataclass(frozen=True)
class Compressed:
    """One file's bytes, compressed for a zip."""

    method: int
    crc: int
    size: int
    data: bytes | memoryview


BLOCK = 1 << 20
"""A file larger than two of these is deflated in pieces of this size, on every core."""
WINDOW = 1 << 15
"""How far back deflate looks for a match (its 32 KiB window)."""


COMPRESSED_ALREADY = (
    b"\x1f\x8b",  # gzip: Pagefind's index, fragments and WebAssembly
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"RIFF",  # WebP
    b"wOF2",
    b"PK\x03\x04",
)
"""How files already compressed begin: deflating them again costs time and saves nothing."""


def compress(data: bytes, level: int = 6) -> Compressed:
    """Deflate `data` (raw deflate, as zip stores it); keep it as it is when that is smaller,
    or when it is already compressed (`COMPRESSED_ALREADY`)."""
    return compress_in_pieces(data, level)[0]


def compress_in_pieces(
    data: bytes | FileBytes, level: int = 6, earlier: Earlier | None = None
) -> tuple[Compressed, tuple[Block, ...]]:
    """`compress`, which deflates a file larger than two BLOCKs in pieces (see
    `deflate_in_blocks`); also returns those pieces (none for other files), to be given back
    in `earlier` when the file is compressed again. A large file may be given as `FileBytes`:
    it is then read piece by piece, never held whole (unless it is stored as it is)."""
    if bytes(data[0:8]).startswith(COMPRESSED_ALREADY):
        return _stored(bytes(data[0 : len(data)])), ()
    if len(data) > 2 * BLOCK:
        entry, blocks = deflate_in_blocks(data, level, earlier)
        return entry, blocks if entry.method == DEFLATED else ()
    whole = bytes(data[0 : len(data)])
    packer = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
    return _smaller(whole, packer.compress(whole) + packer.flush()), ()


@dataclass(frozen=True)
class FileBytes:
    """An open file's bytes, read where they are sliced (`os.pread`): a large file (the Open
    Referral export is 125 MB at 20,000 services) is deflated without holding it in memory."""

    fd: int
    size: int

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, part: slice) -> bytes:
        start, stop, _ = part.indices(self.size)
        data = os.pread(self.fd, max(0, stop - start), start)
        if len(data) != max(0, stop - start):
            raise OSError(f"file changed while being read: {len(data)} of {stop - start} bytes")
        return data


def _smaller(data: bytes, packed: bytes) -> Compressed:
    if len(packed) >= len(data):
        return _stored(data)
    return Compressed(DEFLATED, zlib_ng.crc32(data), len(data), packed)


def _stored(data: bytes) -> Compressed:
    return Compressed(STORED, zlib_ng.crc32(data), len(data), data)


@dataclass(frozen=True)
class Block:
    """A piece of a large file, deflated on its own (see `deflate_in_blocks`)."""

    start: int
    length: int
    digest: bytes
    """BLAKE2b of the piece and the 32 KiB before it: all that its deflated bytes depend on."""
    packed_start: int
    packed_length: int


@dataclass(frozen=True)
class Earlier:
    """How a large file was deflated last time, so its unchanged pieces can be reused."""

    blocks: tuple[Block, ...]
    size: int
    packed: bytes | memoryview
    """The deflated bytes those blocks are in (the entry of the last zip)."""


FINAL = b"\x03\x00"
"""An empty last block (fixed Huffman codes): ends a stream whose blocks all end flushed."""


def deflate_in_blocks(
    data: bytes | FileBytes, level: int = 6, earlier: Earlier | None = None
) -> tuple[Compressed, tuple[Block, ...]]:
    """One raw deflate stream made piece by piece in parallel, as pigz does: each piece of up
    to BLOCK bytes starts with the 32 KiB before it as its dictionary (so it compresses as well
    as one stream would) and ends byte-aligned with a full flush, and an empty last block ends
    the stream, so the pieces join into a stream any inflater reads. zlib-ng lets other threads
    run meanwhile.

    With `earlier`, the pieces at the start and at the end of the file that are just as they
    were (their bytes and the 32 KiB before them; those at the end may have moved) are copied
    from the last deflated bytes, and only the part between them is deflated again: an edit to
    one record of a 30 MB export deflates a megabyte or two, not thirty. Returns the pieces, to
    be given back as `earlier` next time."""
    view: memoryview | FileBytes = data if isinstance(data, FileBytes) else memoryview(data)
    plan = _plan(view, earlier)

    def deflate(piece: tuple[int, int, Block | None]) -> tuple[bytes | memoryview, bytes]:
        """The piece's deflated bytes and digest: copied when it is reused (the plan has just
        checked its digest against these bytes), else made."""
        start, end, reused = piece
        if reused is not None and earlier is not None:
            at = reused.packed_start
            return earlier.packed[at : at + reused.packed_length], reused.digest
        window = view[max(0, start - WINDOW) : start]
        packer = (
            zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15, zdict=window)
            if start
            else zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
        )
        packed = packer.compress(view[start:end]) + packer.flush(zlib_ng.Z_FULL_FLUSH)
        return packed, _digest(view, start, end)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        made = list(pool.map(deflate, plan))
    blocks = []
    offset = 0
    for (start, end, _), (packed, digest) in zip(plan, made, strict=True):
        blocks.append(Block(start, end - start, digest, offset, len(packed)))
        offset += len(packed)
    packed = b"".join([*(packed for packed, _ in made), FINAL])
    del made
    size = len(view)
    if len(packed) >= size:
        return _stored(bytes(view[0:size])), tuple(blocks)
    crc = 0
    for start in range(0, size, BLOCK):
        crc = zlib_ng.crc32(view[start : start + BLOCK], crc)
    return Compressed(DEFLATED, crc, size, packed), tuple(blocks)


def _digest(view: memoryview | FileBytes, start: int, end: int) -> bytes:
    return hashlib.blake2b(view[max(0, start - WINDOW) : end], digest_size=16).digest()


def _plan(
    view: memoryview | FileBytes, earlier: Earlier | None
) -> list[tuple[int, int, Block | None]]:
    """(start, end, block of `earlier` to reuse or None) of each piece of the new bytes."""
    size = len(view)
    if earlier is None or not earlier.blocks:
        return _fresh(0, size)

    def same(block: Block, start: int) -> bool:
        end = start + block.length
        return start >= 0 and end <= size and _digest(view, start, end) == block.digest

    head: list[tuple[int, int, Block | None]] = []
    for block in earlier.blocks:
        if not same(block, block.start):
            break
        head.append((block.start, block.start + block.length, block))
    middle_start = head[-1][1] if head else 0
    shift = size - earlier.size
    tail: list[tuple[int, int, Block | None]] = []
    for block in reversed(earlier.blocks[len(head) :]):
        start = block.start + shift
        if start < middle_start or not same(block, start):
            break
        tail.insert(0, (start, start + block.length, block))
    middle_end = tail[0][0] if tail else size
    if tail and 0 < middle_end - middle_start < BLOCK // 2:
        # Deflate a small change with the piece after it, so that edits do not leave the file
        # in ever more, ever smaller pieces.
        middle_end = tail.pop(0)[1]
    return head + _fresh(middle_start, middle_end) + tail


def _fresh(start: int, end: int) -> list[tuple[int, int, Block | None]]:
    """Pieces of `start`..`end` of about BLOCK bytes each (never a small one at the end)."""
    if end <= start:
        return []
    count = max(1, round((end - start) / BLOCK))
    cuts = [start + (end - start) * n // count for n in range(count + 1)]
    return [(cuts[n], cuts[n + 1], None) for n in range(count)]


Kept = tuple[int, int, int, int, int, int]
"""Where `EntryFiles.put` kept a compressed entry: (method, CRC-32, size, the process that
wrote it, start, length)."""


class EntryFiles:
    """Compressed entries kept in a folder, in one file for each process that writes them: a
    worker process keeps what it compressed there and sends back only where it is (`Kept`),
    and the process writing the zip reads it back from there (`get`). Sending the bytes
    themselves back through the pool's pipe costs that process more than the zip it writes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._written: dict[int, tuple[int, int]] = {}
        """Process id → (file opened for writing, its length so far). Keyed by process: a
        worker forked from this process inherits this dict, and must open a file of its own."""
        self._read: dict[int, int] = {}

    def put(self, entry: Compressed) -> Kept:
        """Keep `entry`'s bytes in this process's file."""
        pid = os.getpid()
        fd, end = self._written.get(pid) or (
            os.open(self.folder / str(pid), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
            0,
        )
        data = memoryview(entry.data)
        done = 0
        while done < len(data):
            done += os.pwrite(fd, data[done:], end + done)
        self._written[pid] = (fd, end + done)
        return entry.method, entry.crc, entry.size, pid, end, done

    def get(self, kept: Kept) -> Compressed:
        """The entry kept at `kept`."""
        method, crc, size, pid, start, length = kept
        fd = self._read.get(pid)
        if fd is None:
            fd = self._read[pid] = os.open(self.folder / str(pid), os.O_RDONLY)
        data = os.pread(fd, length, start)
        if len(data) != length:
            raise OSError(f"{self.folder / str(pid)}: cut short ({len(data)} of {length} bytes)")
        return Compressed(method, crc, size, data)

    def close(self) -> None:
        """Close the files this process opened (the folder is the caller's to remove). Called
        by the process that writes the zip: its workers' files close as they exit."""
        for fd in [*self._read.values(), *(fd for fd, _ in self._written.values())]:
            os.close(fd)
        self._read.clear()
        self._written.clear()


Placed = tuple[int, int, int, int, int]
"""Where `write_zip` put an entry's stored bytes, and what they are: (method, CRC-32, size,
start, length). A tuple, not a class: the build cache keeps one for every file of the last
zip (15,000 at 5,000 services), and plain tuples pickle three times as fast."""


def write_zip(
    path: Path, entries: Iterable[tuple[str, Compressed]], placed: dict[str, Placed] | None = None
) -> int:
    """Write `entries` (name inside the zip, compressed bytes) to `path`; return its size.
    With `placed`, record there where each entry's bytes went (for `ZipSource`)."""
    with ZipWriter(path, placed) as writer:
        for name, entry in entries:
            writer.add(name, entry)
    return writer.size


class ZipWriter:
    """A zip written entry by entry, so that a large site's entries need not all be held in
    memory at once (68 MB compressed at 5,000 services); the directory is written on leaving
    the `with` block without an error.

    An entry the last zip holds as it is can be copied from there (`copy`): consecutive ones
    are copied as one run of bytes by the kernel, which after an edit is nearly all of a large
    site's zip (48 MB at 5,000 services), instead of being written an entry at a time."""

    def __init__(self, path: Path, placed: dict[str, Placed] | None = None) -> None:
        self.path = path
        self.placed = placed
        self.size = 0
        self._central = bytearray()
        self._count = 0
        self._offset = 0
        """Where the next entry starts (after the run waiting to be copied)."""
        self._run: list[int] = []
        """The run of entries waiting to be copied: [source file, its start, length, start here]."""

    def __enter__(self) -> ZipWriter:
        # Written beside its place and moved there when complete: a zip being read (the last
        # one, whose entries are copied) is never cut short, and a failure leaves no half zip.
        self._part = self.path.with_name(self.path.name + ".part")
        self._stream = self._part.open("wb")
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            with self._stream:
                if kind is None:
                    self._copy_run()
                    self.size = _finish(self._stream, self._central, self._count)
            if kind is None:
                os.replace(self._part, self.path)
        finally:
            self._part.unlink(missing_ok=True)

    def add(self, name: str, entry: Compressed) -> None:
        """Write the entry `name` with its compressed bytes."""
        if self._run:
            self._copy_run()
        stream = self._stream
        offset = self._offset
        encoded = name.encode("utf-8")
        packed = len(entry.data)
        stream.write(_local_header(encoded, entry.method, entry.crc, packed, entry.size, offset))
        stream.write(encoded)
        stream.write(entry.data)
        self._note(name, encoded, (entry.method, entry.crc, entry.size, packed), offset)

    def copy(self, name: str, where: Placed, source: ZipSource) -> bool:
        """Add the entry `name` as the zip `source` holds it at `where` (as `placed` recorded
        it when this module wrote that zip): its header, name and bytes are copied from there,
        with the entries next to it there that are copied next to it here. False (nothing
        added) when its header is not there as recorded. A file cut short while it is copied
        raises OSError."""
        method, crc, size, start, length = where
        encoded = name.encode("utf-8")
        header = start - 30 - len(encoded)
        offset = self._offset
        if not source.holds(encoded, where):
            return False
        run = self._run
        joins = bool(run) and run[0] == source.fd and run[1] + run[2] == header
        if max(header, offset) > _LIMIT_32:
            # The version a header asks for may differ here (ZIP64 past 4 GiB): the entry is
            # written afresh from its bytes.
            self.add(name, Compressed(method, crc, size, _read_at(source.fd, start, length)))
            return True
        if not joins:
            self._copy_run()
            run = self._run = [source.fd, header, 0, offset]
        run[2] += start + length - header
        self._note(name, encoded, (method, crc, size, length), offset)
        return True

    def _note(
        self, name: str, encoded: bytes, fields: tuple[int, int, int, int], offset: int
    ) -> None:
        """Account for the entry `name` (`encoded` in UTF-8) just put at `offset`, written or
        waiting to be copied: `fields` are its method, CRC, size and compressed length. Where
        its bytes are goes to `placed`, and its record to the directory."""
        method, crc, size, packed = fields
        start = offset + 30 + len(encoded)
        if self.placed is not None:
            self.placed[name] = (method, crc, size, start, packed)
        self._offset = start + packed
        self._central += _central_record(encoded, method, crc, packed, size, offset)
        self._count += 1

    def _copy_run(self) -> None:
        """Copy the run of entries waiting to be copied to its place in the new zip."""
        if not self._run:
            return
        source, start, length, here = self._run
        self._run = []
        stream = self._stream
        stream.flush()
        _copy_range(source, start, stream.fileno(), here, length)
        stream.seek(here + length)


def _local_header(name: bytes, method: int, crc: int, packed: int, size: int, offset: int) -> bytes:
    return struct.pack(
        "<IHHHHHIIIHH",
        0x04034B50,
        45 if offset > _LIMIT_32 else 20,
        _UTF8,
        method,
        DOS_TIME,
        DOS_DATE,
        crc,
        packed,
        size,
        len(name),
        0,
    )


def _read_at(source: int, start: int, length: int) -> bytes:
    """`length` bytes of the open file `source` from `start`; OSError if it has fewer."""
    data = os.pread(source, length, start)
    if len(data) != length:
        raise OSError(f"a zip being copied is shorter than recorded ({start + length} bytes)")
    return data


def _copy_range(source: int, start: int, target: int, at: int, length: int) -> None:
    """Copy `length` bytes of the open file `source` from `start` into `target` at `at`: by
    the kernel (copy_file_range: no trip through this process's memory, and shared blocks on
    file systems that can), else read and written a piece at a time."""
    done = 0
    copy_range = getattr(os, "copy_file_range", None)
    while done < length and copy_range is not None:
        try:
            copied = copy_range(source, target, length - done, start + done, at + done)
        except OSError:  # not between these files (older kernels, other systems): by hand
            break
        if copied == 0:  # the end of the file: reading by hand says it is short
            break
        done += copied
    while done < length:
        piece = _read_at(source, start + done, min(length - done, 1 << 20))
        done += os.pwrite(target, piece, at + done)


def _central_record(
    name: bytes, method: int, crc: int, packed: int, size: int, offset: int
) -> bytes:
    extra = b""
    if offset > _LIMIT_32:  # ZIP64: the offset moves to an extra field
        extra = struct.pack("<HHQ", 0x0001, 8, offset)
        offset = _LIMIT_32
    header = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        _MADE_BY,
        45 if extra else 20,
        _UTF8,
        method,
        DOS_TIME,
        DOS_DATE,
        crc,
        packed,
        size,
        len(name),
        len(extra),
        0,
        0,
        0,
        _FILE_MODE,
        offset,
    )
    return header + name + extra


def _finish(stream: BinaryIO, central: bytearray, count: int) -> int:
    start = stream.tell()
    stream.write(central)
    end = stream.tell()
    size = end - start
    if count > _LIMIT_16 or start > _LIMIT_32 or size > _LIMIT_32:
        stream.write(
            struct.pack(
                "<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY, 45, 0, 0, count, count, size, start
            )
        )
        stream.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        count = min(count, _LIMIT_16)
        size, start = min(size, _LIMIT_32), min(start, _LIMIT_32)
    stream.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, size, start, 0))
    return stream.tell()


class ZipSource:
    """A zip this module wrote, open to copy entries from (see `ZipWriter.copy`) or read them
    where they were recorded (`entry`), without reading its directory (15,000 entries: 0.1 s),
    as long as the `with` block lasts. The caller knows the file is the one written (same
    inode, size and time); each entry's header and name are still checked. Empty when the
    file is missing or cannot be read."""

    def __init__(self, path: Path) -> None:
        self.fd = -1
        self.mapped = memoryview(b"")
        with contextlib.suppress(OSError):
            self.fd = os.open(path, os.O_RDONLY)
            with contextlib.suppress(OSError, ValueError):  # ValueError: an empty file
                self.mapped = memoryview(mmap.mmap(self.fd, 0, access=mmap.ACCESS_READ))

    def __enter__(self) -> ZipSource:
        return self

    def __exit__(self, *_: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # the mapping stays while the entries read from it are used
            self.fd = -1

    def holds(self, name: bytes, where: Placed) -> bool:
        """Whether the entry `name` (UTF-8) is where `where` records it, header and all."""
        method, crc, size, start, length = where
        header = start - 30 - len(name)
        return (
            header >= 0
            and start + length <= len(self.mapped)
            and self.mapped[header:start]
            == _local_header(name, method, crc, length, size, header) + name
        )

    def entry(self, name: str, where: Placed) -> Compressed | None:
        """The entry `name`, found where `where` records it; None when it is not there."""
        method, crc, size, start, length = where
        if not self.holds(name.encode("utf-8"), where):
            return None
        return Compressed(method, crc, size, self.mapped[start : start + length])


def read_entries(path: Path) -> dict[str, Compressed]:
    """The entries of a zip this module wrote, as they are stored (nothing is decompressed), by
    name: so an unchanged file is copied into the next zip instead of compressed again. Empty
    when the file is missing or not such a zip. The entries' bytes are views of the file: it
    must not be changed in place while they are used (builds replace it, never rewrite it)."""
    try:
        with zipfile.ZipFile(path) as archive, path.open("rb") as stream:
            # The stored bytes are views of the file mapped into memory, not copies: the next
            # zip is written from them, and a large site's zip is hundreds of megabytes.
            mapped = memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
            found: dict[str, Compressed] = {}
            for info in archive.infolist():
                if info.compress_type not in (STORED, DEFLATED):
                    return {}
                stream.seek(info.header_offset)
                header = stream.read(30)
                if len(header) != 30:
                    return {}
                signature, *_, crc, packed, size, name_length, extra_length = struct.unpack(
                    "<IHHHHHIIIHH", header
                )
                if (signature, crc, packed, size) != (
                    0x04034B50, info.CRC, info.compress_size, info.file_size
                ):
                    return {}  # not as this module writes it: compress afresh
                start = info.header_offset + 30 + name_length + extra_length
                data = mapped[start : start + info.compress_size]
                if len(data) != info.compress_size:
                    return {}
                found[info.filename] = Compressed(
                    info.compress_type, info.CRC, info.file_size, data
                )
            return found
    except (OSError, zipfile.BadZipFile, ValueError, struct.error):
        return {}

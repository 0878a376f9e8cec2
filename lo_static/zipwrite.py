"""Write a zip file from entries compressed beforehand.

The standard library's `zipfile` compresses each entry as it writes it, one after another; the
offline zip of a large site is hundreds of megabytes, so its entries are compressed on every core
first (and reused from earlier builds when unchanged), then written here. Only what the offline
zip needs: deflated or stored files, UTF-8 names, fixed timestamps, and ZIP64 records when there
are more than 65,535 entries or the archive passes 4 GiB.
"""

from __future__ import annotations

import mmap
import os
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
"""A file larger than two of these is deflated in blocks of this size, on every core."""
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
    if data.startswith(COMPRESSED_ALREADY):
        return Compressed(STORED, zlib.crc32(data), len(data), data)
    if len(data) > 2 * BLOCK:
        packed = _deflate_in_blocks(data, level)
    else:
        packer = zlib.compressobj(level, zlib.DEFLATED, -15)
        packed = packer.compress(data) + packer.flush()
    crc = zlib.crc32(data)
    if len(packed) >= len(data):
        return Compressed(STORED, crc, len(data), data)
    return Compressed(DEFLATED, crc, len(data), packed)


def _deflate_in_blocks(data: bytes, level: int) -> bytes:
    """One raw deflate stream made block by block in parallel, as pigz does: each block starts
    with the 32 KiB before it as its dictionary (so it compresses as well as one stream would)
    and ends byte-aligned with a full flush, and only the last one ends the stream, so the
    blocks join into a stream any inflater reads. zlib lets other threads run meanwhile."""
    starts = range(0, len(data), BLOCK)

    def block(start: int) -> bytes:
        window = data[max(0, start - WINDOW) : start]
        packer = (
            zlib.compressobj(level, zlib.DEFLATED, -15, zdict=window)
            if window
            else zlib.compressobj(level, zlib.DEFLATED, -15)
        )
        last = start + BLOCK >= len(data)
        packed = packer.compress(data[start : start + BLOCK])
        return packed + packer.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return b"".join(pool.map(block, starts))


def write_zip(path: Path, entries: list[tuple[str, Compressed]]) -> int:
    """Write `entries` (name inside the zip, compressed bytes) to `path`; return its size."""
    with path.open("wb") as stream:
        central = bytearray()
        for name, entry in entries:
            offset = stream.tell()
            encoded = name.encode("utf-8")
            stream.write(
                struct.pack(
                    "<IHHHHHIIIHH",
                    0x04034B50,
                    45 if offset > _LIMIT_32 else 20,
                    _UTF8,
                    entry.method,
                    DOS_TIME,
                    DOS_DATE,
                    entry.crc,
                    len(entry.data),
                    entry.size,
                    len(encoded),
                    0,
                )
            )
            stream.write(encoded)
            stream.write(entry.data)
            central += _central_record(encoded, entry, offset)
        return _finish(stream, central, len(entries))


def _central_record(name: bytes, entry: Compressed, offset: int) -> bytes:
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
        entry.method,
        DOS_TIME,
        DOS_DATE,
        entry.crc,
        len(entry.data),
        entry.size,
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

"""Large text that a build keeps for every page until it writes the site, held compressed.

From the check to the writing of the site, a build keeps each page's body (Markdown, HTML and
plain text) and each service's Open Referral JSON: about 32 KB a service, 640 MB at 20,000
services, more than everything else it holds together. Each is packed with Zstandard at its
fastest level, to 0.32 of its size (LZ4, used before, left 0.47: on the 1,000-service benchmark
corpus, 32 MB packed to 10.0 MB against 15.0 MB), at 265 MB/s; it unpacks at over 1 GB/s.
Level 3 packed 2% smaller at half the speed; a dictionary trained on the demo's pages, 9%
smaller at three quarters of it: not worth a trained file to keep up to date. Packed values
also cross between processes and in and out of the build cache as that fraction of the bytes.

Lists of many small objects that a build keeps for every page but reads for a few (a page's
links and headings) are held pickled (`Pickled`) for the same reasons, and because a rebuild
unpickles every page's from the build cache: as objects, 100,000 links at 5,000 services took
most of that time; as one string of bytes per page, almost none.
"""

from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass
from typing import Generic, TypeVar

import zstandard

T = TypeVar("T")

LEVEL = 1
"""Zstandard's fastest standard level (see above)."""


class _Packers(threading.local):
    """A compressor and decompressor for each thread (Zstandard's are not thread-safe)."""

    def __init__(self) -> None:
        self.packer = zstandard.ZstdCompressor(level=LEVEL, write_checksum=False)
        self.unpacker = zstandard.ZstdDecompressor()


_PACKERS = _Packers()


@dataclass(frozen=True, slots=True)
class Packed:
    """Bytes or text, compressed."""

    compressed: bytes

    @classmethod
    def of(cls, value: bytes | str) -> Packed:
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        return cls(_PACKERS.packer.compress(data))

    def __reduce__(self) -> tuple[type[Packed], tuple[bytes]]:
        # Faster to unpickle than the frozen slots dataclass's own `__setstate__` (a rebuild
        # unpickles two for every page and one for every service).
        return Packed, (self.compressed,)

    def unpacked(self) -> bytes:
        return _PACKERS.unpacker.decompress(self.compressed)

    def text(self) -> str:
        return self.unpacked().decode("utf-8", "surrogatepass")


@dataclass(frozen=True, slots=True)
class Pickled(Generic[T]):
    """A value of many small parts, held as one pickle until it is used (see above)."""

    data: bytes

    @classmethod
    def of(cls, value: T) -> Pickled[T]:
        return cls(pickle.dumps(value, protocol=5))

    def __reduce__(self) -> tuple[type[Pickled[T]], tuple[bytes]]:
        return Pickled, (self.data,)

    def value(self) -> T:
        """A new copy of the value each time."""
        return pickle.loads(self.data)  # made by this build or the cache

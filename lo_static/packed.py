"""Large text that a build keeps for every page until it writes the site, held compressed.

From the check to the writing of the site, a build keeps each page's body as HTML and as
plain text, and each service's Open Referral JSON: about 30 KB a service, 600 MB at 20,000
services, more than everything else it holds together. LZ4 packs them to about two fifths
(700 MB/s, unpacked at 1 GB/s, where zlib's fastest level packs 80 MB/s), and they also cross
between processes and in and out of the build cache as two fifths of the bytes. Each is
unpacked once, where it is used.

Lists of many small objects that a build keeps for every page but reads for a few (a page's
links and headings) are held pickled (`Pickled`) for the same reasons, and because a rebuild
unpickles every page's from the build cache: as objects, 100,000 links at 5,000 services took
most of that time; as one string of bytes per page, almost none.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Generic, TypeVar

import lz4.block

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Packed:
    """Bytes or text, compressed."""

    compressed: bytes

    @classmethod
    def of(cls, value: bytes | str) -> Packed:
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        return cls(lz4.block.compress(data))

    def __reduce__(self) -> tuple[type[Packed], tuple[bytes]]:
        # Faster to unpickle than the frozen slots dataclass's own `__setstate__` (a rebuild
        # unpickles two for every page and one for every service).
        return Packed, (self.compressed,)

    def unpacked(self) -> bytes:
        return lz4.block.decompress(self.compressed)

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

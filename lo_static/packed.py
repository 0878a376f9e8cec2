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

The build cache keeps these values' bytes after the pickle of the entries that hold them
(`kept_apart`), and a rebuild's values read them from the cache file where they are used
(`kept_in`), not when the file is read: a rebuild at 5,000 services reads every page's cache
entries, and copying their 50 MB of packed text into memory or the spool took a fifth of a
second of it.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar

import zstandard

from .errors import ConfigError

T = TypeVar("T")

LEVEL = 1
"""Zstandard's fastest standard level (see above)."""
WRITE_AT = 1 << 20
"""Bytes a `Spool` gathers before writing them to its file."""


class _Packers(threading.local):
    """A compressor and decompressor for each thread (Zstandard's are not thread-safe)."""

    def __init__(self) -> None:
        self.packer = zstandard.ZstdCompressor(level=LEVEL, write_checksum=False)
        self.unpacker = zstandard.ZstdDecompressor()


_PACKERS = _Packers()


class Spool:
    """A temporary file that holds the packed values a build keeps, instead of its memory.

    While content is checked (`spooling`, entered by `build.check`), every value packed in or
    received by the checking process is written here and read back where it is used, by that
    process or by the workers it forks (they inherit the open file); workers keep what they pack
    in memory until it is sent back (`Packed` text and `Pickled` lists alike). At 20,000
    services the build held over 300 MB of these, and each render worker, touching a page's
    values, copied the memory they lie on (copy-on-write): in a file they are neither. The file
    has no name and is gone when closed."""

    def __init__(self, folder: str | None = None) -> None:
        try:
            # Open as long as a value lives in it: closed when the last one is gone.
            self.file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        except OSError as error:
            raise ConfigError(_spool_problem(folder, error)) from None
        self.fd = self.file.fileno()
        self.written = 0
        """How much of the spool is in the file; the rest is in `waiting`."""
        self.waiting = bytearray()
        self.owner = os.getpid()
        self.lock = threading.Lock()

    @property
    def size(self) -> int:
        return self.written + len(self.waiting)

    def put(self, data: bytes) -> int:
        """Append `data`; returns where it starts. Values are written to the file a megabyte
        at a time (a build keeps 50,000 of them at 5,000 services: one write each took a
        tenth of a second of every build)."""
        with self.lock:
            at = self.size
            self.waiting += data
            if len(self.waiting) >= WRITE_AT:
                self._write()
            return at

    def _waiting(self, at: int, length: int) -> bytes:
        start = at - self.written
        return bytes(self.waiting[start : start + length])

    def flush(self) -> None:
        """Write what is waiting to the file."""
        with self.lock:
            if self.waiting:
                self._write()

    def _write(self) -> None:
        view = memoryview(self.waiting)
        try:
            done = 0
            while done < len(view):
                done += os.pwrite(self.fd, view[done:], self.written + done)
        except OSError as error:
            raise ConfigError(_spool_problem(None, error)) from None
        finally:
            view.release()
        self.written += len(self.waiting)
        self.waiting = bytearray()

    def get(self, at: int, length: int) -> bytes:
        if at >= self.written:  # waiting to be written, unless another thread writes it now
            if os.getpid() != self.owner:
                # A forked worker: what waited is its own copy, and the lock may have been
                # copied held by another of the build's threads.
                return self._waiting(at, length)
            with self.lock:
                if at >= self.written:
                    return self._waiting(at, length)
        data = os.pread(self.fd, length, at)
        if len(data) != length:
            raise OSError(f"the build's temporary file ended at {at + len(data)} of {at + length}")
        return data


def _spool_problem(folder: str | None, error: OSError) -> str:
    where = folder or tempfile.gettempdir()
    return (
        f"could not keep the build's working text in a temporary file in {where}: "
        f"{error.strerror or error}; free some space there, or set TMPDIR to a folder with room"
    )


class _Store(Protocol):
    def get(self, at: int, length: int) -> bytes: ...


class CacheFile:
    """A build cache file whose values' bytes follow its pickle (see `kept_apart`): they are
    read from it where they are used. It stays open (`fd`, closed when the last value read
    from it is gone), so it is the same file however the cache replaces it meanwhile (a new
    file under the same name)."""

    __slots__ = ("fd", "name", "size", "start")

    def __init__(self, fd: int, start: int, name: str) -> None:
        self.size = os.fstat(fd).st_size - start
        self.start = start
        """Where the values' bytes begin."""
        self.name = name
        self.fd = fd  # set last: the file is this object's to close only once it is made

    def __del__(self, _close: Callable[[int], None] = os.close) -> None:
        # os.close bound here: at the interpreter's exit, module globals may be gone first.
        if (fd := getattr(self, "fd", None)) is not None:
            _close(fd)

    def get(self, at: int, length: int) -> bytes:
        data = os.pread(self.fd, length, self.start + at)
        if len(data) != length:
            raise ConfigError(
                f"the build cache file {self.name} was cut short while the build was reading "
                "it: build again (the cache makes anything it lost again)"
            )
        return data


class _Apart(threading.local):
    """What `kept_apart` and `kept_in` set, for the thread that pickles or unpickles."""

    listed: list[KeptBytes] | None = None
    size = 0
    source: CacheFile | None = None


_APART = _Apart()


@contextmanager
def kept_apart() -> Iterator[list[KeptBytes]]:
    """While this thread pickles in the block, each packed value is pickled as its place among
    the bytes that follow the pickle, and listed here: the caller writes each listed value's
    `data` after the pickle, in order. (Read back by `kept_in`.)"""
    listed: list[KeptBytes] = []
    _APART.listed, _APART.size = listed, 0
    try:
        yield listed
    finally:
        _APART.listed, _APART.size = None, 0


@contextmanager
def kept_in(source: CacheFile) -> Iterator[None]:
    """While this thread unpickles in the block, values pickled by `kept_apart` are read from
    `source` where they are used."""
    _APART.source = source
    try:
        yield
    finally:
        _APART.source = None


def _kept_at(cls: type[KeptBytes], at: int, length: int) -> KeptBytes:
    """A value pickled by `kept_apart`, unpickled within `kept_in`."""
    source = _APART.source
    if source is None or at < 0 or length < 0 or at + length > source.size:
        raise pickle.UnpicklingError("a packed value outside the file it was kept in")
    value = cls.__new__(cls)
    value._held = b""
    value._store = source
    value._at = at
    value._length = length
    return value


_SPOOL: Spool | None = None


@contextmanager
def spooling(folder: str | None = None) -> Iterator[Spool]:
    """Keep what is packed from here on in a new `Spool` (see there). The file is closed when
    the last value in it is gone; values made before or after stay in memory."""
    global _SPOOL
    previous = _SPOOL
    spool = _SPOOL = Spool(folder)
    try:
        yield spool
    finally:
        _SPOOL = previous
    spool.flush()  # nothing more is put in it: what it holds waits in the file, not in memory


class KeptBytes:
    """Bytes held in memory or, during a build, in its `Spool` (see there), or in the build
    cache file they were read from (see `kept_in`)."""

    __slots__ = ("_at", "_held", "_length", "_store")

    def __init__(self, data: bytes) -> None:
        spool = _SPOOL
        if spool is not None and spool.owner == os.getpid() and data:
            self._held = b""
            self._store: _Store | None = spool
            self._at = spool.put(data)
            self._length = len(data)
        else:
            self._held = data
            self._store = None
            self._at = self._length = 0

    @property
    def data(self) -> bytes:
        if self._store is None:
            return self._held
        return self._store.get(self._at, self._length)

    @property
    def size(self) -> int:
        """How many bytes it holds."""
        return len(self._held) if self._store is None else self._length

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        listed = _APART.listed
        if listed is not None:  # into a cache file: its place among the bytes after the pickle
            at, _APART.size = _APART.size, _APART.size + self.size
            listed.append(self)
            return _kept_at, (type(self), at, self.size)
        # The bytes themselves, wherever they are held: into another process.
        return type(self), (self.data,)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.data == other.data  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.data)

    def __repr__(self) -> str:
        if self._store is None:
            where = "in memory"
        else:
            where = "spooled" if isinstance(self._store, Spool) else "in the cache"
        return f"{type(self).__name__}({self.size} bytes {where})"


class Packed(KeptBytes):
    """Bytes or text, compressed."""

    __slots__ = ()

    @classmethod
    def of(cls, value: bytes | str) -> Packed:
        data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
        return cls(_PACKERS.packer.compress(data))

    def unpacked(self) -> bytes:
        return _PACKERS.unpacker.decompress(self.data)

    def text(self) -> str:
        return self.unpacked().decode("utf-8", "surrogatepass")


class Pickled(KeptBytes, Generic[T]):
    """A value of many small parts, held as one pickle until it is used (see above)."""

    __slots__ = ()

    @classmethod
    def of(cls, value: T) -> Pickled[T]:
        return cls(pickle.dumps(value, protocol=5))

    def value(self) -> T:
        """A new copy of the value each time."""
        return pickle.loads(self.data)  # made by this build or the cache

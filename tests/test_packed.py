"""Large text held compressed until it is used."""

from __future__ import annotations

import pickle
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lo_static import packed as packed_module
from lo_static.errors import ConfigError
from lo_static.packed import Packed, Pickled, spooling
from lo_static.parallel import fork_map
from tests.conftest import REPO


def test_text_and_bytes_come_back_exactly() -> None:
    html = "<p>Café – “short breaks” for 0–25s</p>\n" * 200
    packed = Packed.of(html)
    assert packed.text() == html
    assert len(packed.data) < len(html.encode()) / 10
    assert Packed.of(b"\x00\xff" * 50).unpacked() == b"\x00\xff" * 50
    assert Packed.of("").text() == ""
    assert Packed.of("lone \udc80 surrogate").text() == "lone \udc80 surrogate"


def test_packed_text_survives_the_cache_and_the_workers() -> None:
    """Analyses and Open Referral records are pickled into the cache and between processes."""
    packed = Packed.of('{"name": "Youth club"}')
    assert pickle.loads(pickle.dumps(packed, protocol=5)) == packed


def test_the_demo_pages_pack_to_under_half_their_size() -> None:
    """Every page's text is held packed from the check to the writing of the site; the demo's
    Markdown files, each packed on its own as a build packs them, take under half their bytes
    (0.48 with Zstandard; LZ4, used before, left 0.70)."""
    texts = [path.read_bytes() for path in sorted((REPO / "content").rglob("*.md"))]
    raw = sum(map(len, texts))
    assert len(texts) > 50
    assert sum(len(Packed.of(text).data) for text in texts) < 0.5 * raw


def test_threads_may_pack_and_unpack_at_once() -> None:
    """The offline stage and Pagefind's wait run threads; each has its own packer."""
    texts = [f"<p>Service {n}: {'speech and language therapy ' * n}</p>" for n in range(200)]

    def round_trip(text: str) -> bool:
        return all(Packed.of(text).text() == text for _ in range(20))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(round_trip, texts))


def test_a_build_keeps_what_it_packs_in_its_spool_not_in_memory(tmp_path: Path) -> None:
    html = "<p>Short breaks for disabled children</p>\n" * 300
    outside = Packed.of(html)
    with spooling(str(tmp_path)) as spool:
        inside = Packed.of(html)
        received = pickle.loads(pickle.dumps(outside))  # as a worker's result arrives
        assert spool.size == 2 * len(outside.data)
        headings = Pickled.of([("referrals", "How to ask for help")])
    assert "spooled" in repr(inside) and "spooled" in repr(received)
    assert "in memory" in repr(outside) and "in memory" in repr(Packed.of(html))
    assert inside.text() == received.text() == html  # readable after the build's end too
    assert inside == outside and pickle.loads(pickle.dumps(inside)) == outside
    assert "spooled" in repr(headings)
    assert headings.value() == [("referrals", "How to ask for help")]
    assert list(tmp_path.iterdir()) == []  # the file has no name


def test_workers_read_the_spool_and_send_back_what_they_pack(tmp_path: Path) -> None:
    """Forked workers inherit the open spool: they read the build's values from it, and keep
    what they pack in memory (the file's end is the build's alone) until it is sent back."""
    with spooling(str(tmp_path)) as spool:
        pages = [Packed.of(f"<h2>Service {n}</h2>" + "<p>Respite care</p>" * n) for n in range(300)]
        before = spool.size
        made = list(fork_map(lambda n: Packed.of(pages[n].text().upper()), len(pages), 2))
        assert spool.size > before  # the results, spooled as they arrived
    assert [value.text() for value in made] == [value.text().upper() for value in pages]
    assert all("spooled" in repr(value) for value in made)


def test_no_room_for_the_spool_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(ConfigError, match="set TMPDIR to a folder with room"), spooling(
        str(missing)
    ):
        pass


def test_the_spool_writes_its_file_a_megabyte_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Values wait in memory until a megabyte has gathered (one write each cost a tenth of a
    second of every build at 5,000 services); they read back the same from this process and
    from forked workers whether written or still waiting, and once the check is done the file
    holds them all."""
    writes: list[int] = []
    pwrite = packed_module.os.pwrite

    def counted(fd: int, data: bytes, at: int) -> int:
        writes.append(len(data))
        return pwrite(fd, data, at)

    monkeypatch.setattr(packed_module.os, "pwrite", counted)
    noise = random.Random(4)
    texts = [noise.randbytes(700 + n % 900).hex() for n in range(3000)]
    with spooling(str(tmp_path)) as spool:
        values = [Packed.of(text) for text in texts]
        assert 2 <= len(writes) <= 4 and all(size >= packed_module.WRITE_AT for size in writes)
        assert spool.waiting  # the last values are still in memory
        # Workers read their own copy of what waits, without the lock: another of the build's
        # threads may have held it when they forked, and nothing would release their copy.
        lock, spool.lock = spool.lock, _CopiedHeld()  # type: ignore[assignment]
        try:
            assert list(fork_map(lambda n: values[n].text(), len(values), 2)) == texts
        finally:
            spool.lock = lock
        assert [value.text() for value in values] == texts
    assert not spool.waiting and spool.written == sum(len(value.data) for value in values)
    assert [value.text() for value in values] == texts


class _CopiedHeld:
    """A lock as a forked worker finds it when another thread held it at the fork."""

    def __enter__(self) -> None:
        raise AssertionError("waited for a lock that nothing in this process will release")

    def __exit__(self, *exc: object) -> None:
        return None

"""Large text held compressed until it is used."""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor

from lo_static.packed import Packed
from tests.conftest import REPO


def test_text_and_bytes_come_back_exactly() -> None:
    html = "<p>Café – “short breaks” for 0–25s</p>\n" * 200
    packed = Packed.of(html)
    assert packed.text() == html
    assert len(packed.compressed) < len(html.encode()) / 10
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
    assert sum(len(Packed.of(text).compressed) for text in texts) < 0.5 * raw


def test_threads_may_pack_and_unpack_at_once() -> None:
    """The offline stage and Pagefind's wait run threads; each has its own packer."""
    texts = [f"<p>Service {n}: {'speech and language therapy ' * n}</p>" for n in range(200)]

    def round_trip(text: str) -> bool:
        return all(Packed.of(text).text() == text for _ in range(20))

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(round_trip, texts))

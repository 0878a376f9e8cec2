"""Large text held compressed until it is used."""

from __future__ import annotations

import pickle

from lo_static.packed import Packed


def test_text_and_bytes_come_back_exactly() -> None:
    html = "<p>Café – “short breaks” for 0–25s</p>\n" * 200
    packed = Packed.of(html)
    assert packed.text() == html
    assert len(packed.compressed) < len(html.encode()) / 10
    assert Packed.of(b"\x00\xff" * 50).unpacked() == b"\x00\xff" * 50
    assert Packed.of("").text() == ""


def test_packed_text_survives_the_cache_and_the_workers() -> None:
    """Analyses and Open Referral records are pickled into the cache and between processes."""
    packed = Packed.of('{"name": "Youth club"}')
    assert pickle.loads(pickle.dumps(packed, protocol=5)) == packed

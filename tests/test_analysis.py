"""Each page's own work: what it keeps for the rest of the build, and how it keeps it."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

from lo_static.analysis import Analysis
from lo_static.build import BuildOptions, check
from lo_static.cache import BuildCache
from lo_static.markdown import Link, iter_links, make_markdown, parse_page
from lo_static.packed import Pickled
from tests.conftest import MINIMAL, TODAY


def test_links_and_headings_are_kept_pickled_and_read_back_whole(tmp_path: Path) -> None:
    """A rebuild unpickles every page's analysis from the cache: as objects, 100,000 links
    at 5,000 services took most of that time. Each page's links and headings are one pickle,
    read only where they are used, and read back exactly as the body has them."""
    cache = BuildCache(tmp_path / "cache")
    checked = check(BuildOptions(MINIMAL, tmp_path / "dist", date.fromisoformat(TODAY),
                                 cache=cache))
    cache.save()
    stored = [
        entry
        for path in (tmp_path / "cache" / "analysis").glob("*.shard")
        for entry in BuildCache(tmp_path / "cache")._read(path).values()
    ]
    assert stored and all(isinstance(analysis, Analysis) for analysis, _ in stored)
    for analysis, _ in stored:
        assert isinstance(analysis.links, Pickled) and isinstance(analysis.headings, Pickled)
    md = make_markdown()
    with_links = 0
    for page in checked.pages:
        if not page.readable:
            continue
        links, headings = page.links, page.headings
        parse_page(md, page)
        assert links == list(iter_links(page))
        assert headings == [(a, t) for level, a, t in page.tokens.headings if level == 2]
        assert all(isinstance(link, Link) for link in links)
        with_links += bool(links) and bool(headings)
    assert with_links  # the fixture has pages with both


def test_a_pickled_value_is_a_new_copy_each_time() -> None:
    links = [Link("a.md", 3, False, "A")]
    kept = Pickled.of(links)
    assert kept.value() == links and kept.value() is not kept.value()
    assert pickle.loads(pickle.dumps(kept, protocol=5)) == kept

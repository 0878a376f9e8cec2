"""The benchmark's synthetic corpus is a valid Local Offer, and the same N gives the same files."""

from __future__ import annotations

import json
from pathlib import Path

from bench.bench import first_query_bytes
from bench.make_corpus import make
from tests.browser_helpers import site_root

__all__ = ["site_root"]  # a fixture used by the tests below
from tests.conftest import TODAY, run


def test_synthetic_corpus_is_valid_and_deterministic(tmp_path: Path) -> None:
    make(40, tmp_path / "one")
    make(40, tmp_path / "two")
    one = {p.relative_to(tmp_path / "one"): p.read_bytes()
           for p in (tmp_path / "one").rglob("*.md")}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes()
           for p in (tmp_path / "two").rglob("*.md")}
    assert one == two
    assert len([p for p in one if p.name.startswith("service-")]) == 40
    assert [p.name for p in one if p.name.startswith("synthetic-")] == ["synthetic-001.md"]
    result = run("check", "--content", str(tmp_path / "one"), "--today", TODAY, "--format", "json")
    assert json.loads(result.stdout)["problems"] == []
    assert result.exit_code == 0
    words = [len(data.split()) for path, data in one.items() if path.name.startswith("service-")]
    assert min(words) > 200 and max(words) > 800


def test_first_search_measurement_works_on_the_demo(site_root: Path) -> None:
    """bench/run's browser measurement runs against the real site, CSP and all (it once broke
    when the CSP forbade the string expression it waited on)."""
    fetched, requests = first_query_bytes(site_root / "local-offer")
    assert fetched > 10_000
    assert requests > 3

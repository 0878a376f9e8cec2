"""The demo Local Offer in content/ is complete and lawful, and the build proves it."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from lo_static.content import discover
from lo_static.statutory import load_checklist
from tests.conftest import REPO, TODAY, run

CONTENT = REPO / "content"
REQUIREMENTS = load_checklist(REPO / "checks/statutory.yaml")
MUSTS = [r.id for r in REQUIREMENTS if r.level == "must"]


def demo_pages():  # type: ignore[no-untyped-def]
    return discover(CONTENT, "content").pages


@pytest.mark.parametrize("today", [TODAY, date.today().isoformat()])
def test_demo_builds_with_no_errors_and_no_warnings(tmp_path: Path, today: str) -> None:
    result = run(
        "build",
        "--content",
        str(CONTENT),
        "--out",
        str(tmp_path / "dist"),
        "--today",
        today,
        "--format",
        "json",
    )
    document = json.loads(result.stdout)
    assert document["problems"] == [], document["problems"]
    assert result.exit_code == 0
    assert_every_picture_and_local_link_resolves(tmp_path / "dist")


def assert_every_picture_and_local_link_resolves(site: Path) -> None:
    """Every <img> on every built page shows a file of the site, and every link in a page body
    stays inside the site (printing leaflets from the same pages must not change them)."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for src in re.findall(r'<img[^>]*\bsrc="([^"]*)"', html):
            assert src and (page.parent / src).resolve().is_file(), (page, src)
        body = html.split('<div class="app-prose', 1)[-1].split("</main>", 1)[0]
        for href in re.findall(r'<a[^>]*\bhref="([^"#]+)', body):
            if "://" in href or href.startswith(("mailto:", "tel:")):
                continue
            assert (page.parent / href).resolve().is_relative_to(site.resolve()), (page, href)


def test_demo_is_big_enough_to_be_real() -> None:
    pages = demo_pages()
    standard = [p for p in pages if not p.is_easy_read]
    assert len([p for p in standard if p.kind == "page"]) >= 40
    assert len([p for p in standard if p.kind == "service"]) >= 20
    assert len([p for p in pages if p.is_easy_read]) >= 5
    assert len([p for p in pages if p.kind == "feedback"]) >= 3
    assert len([p for p in pages if p.kind == "news"]) >= 3


def test_demo_covers_every_topic_the_issue_names() -> None:
    from lo_static.validate import validate_page

    ids = {r.id for r in REQUIREMENTS}
    topics: set[str] = set()
    for page in demo_pages():
        validate_page(page, ids)
        topics.update(page.meta.get("topics", ()))
    assert {"education", "health", "social-care", "leisure", "preparing-for-adulthood"} <= topics


def test_easy_read_versions_exist_where_required() -> None:
    from lo_static.validate import validate_page

    pages = demo_pages()
    ids = {r.id for r in REQUIREMENTS}
    for page in pages:
        validate_page(page, ids)
    rels = {p.rel for p in pages}
    for requirement in (r for r in REQUIREMENTS if r.easy_read):
        claiming = [
            p for p in pages if requirement.id in p.meta.get("statutory", ()) and not p.is_easy_read
        ]
        assert claiming, requirement.id
        for page in claiming:
            assert page.rel[:-3] + ".easy-read.md" in rels, (requirement.id, page.rel)


@pytest.mark.parametrize("requirement_id", MUSTS)
def test_removing_a_must_page_fails_naming_the_id(tmp_path: Path, requirement_id: str) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    if requirement_id == "comments-and-response":
        removed = list((content / "feedback").glob("*.md"))
    else:
        removed = [
            content / p.rel
            for p in discover(content, "content").pages
            if f" {requirement_id} " in _claims(content / p.rel)
        ]
    assert removed, requirement_id
    for path in removed:
        path.unlink()
    result = run("check", "--content", str(content), "--today", TODAY, "--format", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    named = [
        p
        for p in problems
        if f"'{requirement_id}'" in p["message"]
        and p["code"] in ("statutory-missing", "comments-not-published")
    ]
    assert named, problems


def _claims(path: Path) -> str:
    """The `statutory:` line of a file (enough to find the pages that claim an id)."""
    for line in path.read_text().splitlines():
        if line.startswith("statutory:"):
            return " " + line.replace("[", " ").replace("]", " ").replace(",", " ") + " "
    return ""

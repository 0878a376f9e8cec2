"""Hostile and broken content (issue 7): every case in tests/bad_inputs/, and the generated ones
below, gives the exact problems (code, file, line) and exit status, never a traceback or a hang,
and a failed build leaves the previous dist/ exactly as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lo_static import content as content_module
from lo_static.cli import main
from lo_static.content import MAX_FILE_BYTES, Page, hidden_characters, read_page, svg_problem
from tests.conftest import MINIMAL, TODAY, SiteDir
from tests.test_build import tree_digest

BAD_INPUTS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in BAD_INPUTS.iterdir() if p.is_dir())
LO_STATIC = str(Path(sys.executable).with_name("lo-static"))


@pytest.fixture(scope="module")
def good_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal site, built once; each case starts from a copy of it."""
    root = tmp_path_factory.mktemp("good")
    shutil.copytree(MINIMAL, root / "content")
    result = CliRunner().invoke(
        main,
        ["build", "--content", str(root / "content"), "--out", str(root / "dist"),
         "--today", TODAY],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return root / "dist"


@pytest.fixture
def site(tmp_path: Path, good_dist: Path, monkeypatch: pytest.MonkeyPatch) -> SiteDir:
    """./content (the minimal site) and ./dist (its good build, times kept) to break."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MINIMAL, tmp_path / "content")
    shutil.copytree(good_dist, tmp_path / "dist")
    return SiteDir(tmp_path / "content")


def build(*options: str) -> tuple[int, dict[str, Any]]:
    """`lo-static build --format json` in this process: an exception would fail the test."""
    result = CliRunner().invoke(
        main, ["build", "--format", "json", "--today", TODAY, *options], catch_exceptions=False
    )
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def problems(document: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [(p["severity"], p["code"], p["path"], p["line"]) for p in document["problems"]]


def assert_refused(
    site: SiteDir, expected: list[tuple[str, str, str, int]], *options: str
) -> dict[str, Any]:
    """The build fails with exactly these problems and leaves dist/ as it was."""
    dist = site.path.parent / "dist"
    before = tree_digest(dist)
    exit_code, document = build(*options)
    assert problems(document) == expected, document["problems"]
    assert exit_code == 1
    assert document["ok"] is False
    assert tree_digest(dist) == before
    return document


@pytest.mark.parametrize("case", CASES)
def test_bad_input_corpus(site: SiteDir, case: str) -> None:
    folder = BAD_INPUTS / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "expected.json":
            site.write(path.relative_to(folder).as_posix(), path.read_bytes())
    dist = site.path.parent / "dist"
    before = tree_digest(dist)
    exit_code, document = build(*expected.get("options", []))
    wanted = [(p["severity"], p["code"], p["path"], p["line"]) for p in expected["problems"]]
    assert problems(document) == wanted, document["problems"]
    for found, want in zip(document["problems"], expected["problems"], strict=True):
        assert want["message_has"] in found["message"], found
    assert exit_code == expected["exit_code"]
    if exit_code:
        assert tree_digest(dist) == before  # every byte and modification time
    else:
        youth = (dist / "services/youth-club/index.html").read_text(encoding="utf-8")
        assert "<h1>Youth club</h1>" in youth and "\r" not in youth and "\ufeff" not in youth
        assert "Games, trips and friends." in youth


def test_every_corpus_case_says_why_and_what(site: SiteDir) -> None:
    assert len(CASES) >= 20
    for case in CASES:
        expected = json.loads((BAD_INPUTS / case / "expected.json").read_text(encoding="utf-8"))
        assert expected["why"] and expected["exit_code"] in (0, 1), case
        assert expected["problems"] or expected["exit_code"] == 0, case


def test_the_alias_bomb_is_refused_quickly_by_the_real_command(site: SiteDir) -> None:
    """A separate process, so a hang or a crash of the interpreter would show as one."""
    bomb = BAD_INPUTS / "alias-bomb" / "services" / "youth-club.md"
    site.write("services/youth-club.md", bomb.read_bytes())
    started = time.monotonic()
    result = subprocess.run(
        [LO_STATIC, "build", "--today", TODAY], capture_output=True, text=True, timeout=60
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert "content/services/youth-club.md:11: error[yaml-syntax]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def _page_of(size: int) -> str:
    head = (MINIMAL / "about/guide.md").read_text(encoding="utf-8")
    line = "Families can ask us about anything in this guide. " * 40 + "\n\n"
    body = line * (size // len(line) + 1)
    return (head + body)[:size]


def test_a_file_over_one_megabyte_is_refused(site: SiteDir) -> None:
    site.write("about/huge.md", _page_of(MAX_FILE_BYTES + 1))
    document = assert_refused(site, [("error", "file-too-large", "content/about/huge.md", 0)])
    assert "at most 1 MB" in document["problems"][0]["message"]


def test_the_size_limit_is_one_megabyte_exactly(tmp_path: Path) -> None:
    for size, readable in ((MAX_FILE_BYTES, True), (MAX_FILE_BYTES + 1, False)):
        path = tmp_path / "page.md"
        path.write_text(_page_of(size), encoding="utf-8")
        assert path.stat().st_size == size
        page = Page(rel="page.md", display="page.md", kind="page")
        found = read_page(path, page)
        assert page.readable is readable
        assert [d.code for d in found] == ([] if readable else ["file-too-large"])


@pytest.mark.parametrize(
    "line",
    [
        "Families can ask about anything. " * 6_061,  # 200,000 characters of prose
        "[" * 200_000,  # brackets that never close, for the link parser
        "*a_" * 66_667,  # emphasis markers that never match
    ],
    ids=["prose", "brackets", "emphasis"],
)
def test_a_200000_character_line_builds_in_reasonable_time(site: SiteDir, line: str) -> None:
    """Long lines are fine (a pasted paragraph is one line): no limit, no hang, no crash."""
    assert len(line) >= 200_000
    site.edit("about/guide.md", "Start here.", "Start here.\n\n" + line)
    started = time.monotonic()
    exit_code, document = build()
    assert time.monotonic() - started < 60
    assert [p for p in document["problems"] if p["severity"] == "error"] == []
    assert exit_code == 0
    assert (site.path.parent / "dist/about/guide/index.html").stat().st_size > 200_000


def test_a_hundred_thousand_nested_brackets_are_refused_not_a_crash(site: SiteDir) -> None:
    """libyaml's composer would overflow the C stack (a segmentation fault) at this depth."""
    site.edit("about/guide.md", "owner: Local Offer Team", "owner: [" + "[" * 100_000)
    document = assert_refused(site, [("error", "yaml-syntax", "content/about/guide.md", 6)])
    assert "nested too deeply" in document["problems"][0]["message"]


def test_symbolic_links_out_of_the_content_folder_are_refused(site: SiteDir) -> None:
    os.symlink("/etc/passwd", site.path / "images" / "passwd.png")
    os.symlink("/etc", site.path / "settings")
    assert_refused(
        site,
        [
            ("error", "link-outside-content", "content/images/passwd.png", 0),
            ("error", "link-outside-content", "content/settings", 0),
        ],
    )


def test_a_link_to_a_missing_file_is_unreadable_not_a_crash(site: SiteDir) -> None:
    os.symlink("nothing-here.png", site.path / "images" / "gone.png")
    os.symlink("../about/nothing-here.md", site.path / "about" / "gone.md")
    document = assert_refused(
        site,
        [
            ("error", "unreadable-file", "content/about/gone.md", 0),
            ("error", "unreadable-file", "content/images/gone.png", 0),
        ],
    )
    assert "cannot be read" in document["problems"][0]["message"]


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'


@pytest.mark.parametrize(
    ("svg", "trouble"),
    [
        (SVG.format('<circle r="4"/>'), None),
        (SVG.format('<image href="data:image/png;base64,iVBORw0KGgo="/>'), None),
        ('<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
         '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">' + SVG.format(""), None),
        (SVG.format("<SCRIPT>alert(1)</SCRIPT>"), "<SCRIPT>"),
        (SVG.format('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'),
         "<script>"),
        (SVG.format('<rect onclick="alert(1)"/>'), "onclick"),
        (SVG.format('<a xlink:href=" JAVASCRIPT:alert(1)"/>'), "href"),
        (SVG.format('<a href="java&#10;script:alert(1)"/>'), "href"),
        (SVG.format('<image href="data:image/svg+xml;base64,PHN2Zz4="/>'), "href"),
        (SVG.format('<set attributeName="onmouseover" to="alert(1)"/>'), "attributeName"),
        (SVG.format('<animate attributeName="href" values="#a;javascript:alert(1)"/>'),
         "values"),
        (SVG.format("<iframe/>"), "<iframe>"),
        ('<!DOCTYPE svg [<!ENTITY lol "lol">]>' + SVG.format("&lol;"), "entities"),
        ('<?xml-stylesheet type="text/xsl" href="x.xsl"?>' + SVG.format(""), "stylesheet"),
        ('<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "not an SVG"),
        ("<svg><unclosed></svg>", "not well-formed"),
        ("", "not well-formed"),
    ],
)
def test_svg_images_that_could_run_script(svg: str, trouble: str | None) -> None:
    found = svg_problem(svg.encode("utf-8"))
    if trouble is None:
        assert found is None
    else:
        assert found is not None and trouble in found, found


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Speech and language therapy", []),
        ("A family: 👨\u200d👩\u200d👧 and a rainbow flag 🏳️\u200d🌈", []),
        ("Wales 🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f", []),
        ("Trojan\u202esource", ["\u202e"]),
        ("zero\u200bwidth and\u2060joined", ["\u200b", "\u2060"]),
        ("a joiner between letters\u200dx", ["\u200d"]),
        ("smuggled \U000e0041\U000e0042", ["\U000e0041", "\U000e0042"]),
        ("mark\u200f and \ufeffmore", ["\u200f", "\ufeff"]),
    ],
)
def test_which_characters_are_hidden(text: str, hidden: list[str]) -> None:
    assert hidden_characters(text) == hidden


def test_no_hidden_character_is_ascii() -> None:
    """hidden_characters takes a text that is all ASCII as free of them without looking."""
    ascii_hidden = [chr(n) for n in range(128) if content_module._HIDDEN_ANY.match(chr(n))]
    assert ascii_hidden == []
    assert hidden_characters("\u202e") == ["\u202e"]

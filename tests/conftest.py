"""Shared test helpers: a copy of a small valid Local Offer to break, and a CLI runner."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from lo_static.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL = FIXTURES / "minimal"
TODAY = "2026-11-23"

# Each test does all the work itself: a build cache shared between tests would hide a test's
# own change behind an earlier test's result. tests/test_cache.py turns it on where it is tested.
os.environ["LO_STATIC_NO_CACHE"] = "1"


def _oruk_reference() -> Path:
    """The Open Referral UK reference data (CC BY-SA test data, never copied into the project):
    $ORUK_REFERENCE, else ../shared/oruk beside the project, else this machine's /work/shared."""
    candidates = [os.environ.get("ORUK_REFERENCE", ""), REPO.parent / "shared" / "oruk",
                  "/work/shared/oruk"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "schema" / "service.json").is_file():
            return Path(candidate)
    raise RuntimeError(
        "the Open Referral UK reference data (shared/oruk) is missing: the tests validate the "
        "export against it; set ORUK_REFERENCE to its folder"
    )


ORUK = _oruk_reference()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current build instead of comparing.",
    )


@dataclass
class SiteDir:
    """A content folder in a temporary directory, with helpers to break it."""

    path: Path

    def text(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str | bytes) -> None:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text, encoding="utf-8")

    def edit(self, rel: str, old: str, new: str) -> None:
        text = self.text(rel)
        assert old in text, f"{old!r} not in {rel}"
        self.write(rel, text.replace(old, new, 1))

    def remove(self, rel: str) -> None:
        (self.path / rel).unlink()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteDir]:
    """A fresh copy of tests/fixtures/minimal as ./content in a temporary working folder."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MINIMAL, tmp_path / "content")
    yield SiteDir(tmp_path / "content")


def run(*args: str) -> Result:
    """Invoke the CLI in-process, as a user would type it."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_json(*args: str, today: str = TODAY) -> tuple[int, dict[str, Any]]:
    """`lo-static check --format json` → (exit code, parsed document)."""
    result = run("check", "--format", "json", "--today", today, *args)
    return result.exit_code, json.loads(result.stdout)


def checklist_line(requirement_id: str) -> int:
    """Where a requirement is written in checks/statutory.yaml."""
    for number, line in enumerate((REPO / "checks/statutory.yaml").read_text().splitlines(), 1):
        if line.strip() == f"- id: {requirement_id}":
            return number
    raise AssertionError(requirement_id)


def problems_of(document: dict[str, Any], severity: str) -> list[tuple[str, str, int]]:
    return [
        (p["code"], p["path"], p["line"]) for p in document["problems"] if p["severity"] == severity
    ]


def assert_only_error(
    code: str, path: str, line: int, today: str = TODAY, message: str = ""
) -> dict[str, Any]:
    """`lo-static check` fails with exactly one error: this code, at this file and line."""
    exit_code, document = check_json(today=today)
    assert problems_of(document, "error") == [(code, path, line)], document["problems"]
    assert exit_code == 1
    if message:
        assert message in document["problems"][0]["message"] or any(
            message in p["message"] for p in document["problems"]
        ), document["problems"]
    return document


def assert_only_warning(code: str, path: str, line: int, today: str = TODAY) -> dict[str, Any]:
    """`lo-static check` passes (exit 0) with exactly one warning at this place."""
    exit_code, document = check_json(today=today)
    assert problems_of(document, "error") == [], document["problems"]
    assert problems_of(document, "warning") == [(code, path, line)], document["problems"]
    assert exit_code == 0
    return document

"""The command-line contract: commands, exit codes 0/1/2, and the three output formats."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from lo_static import packed
from lo_static.zipwrite import EntryFiles
from tests.conftest import MINIMAL, REPO, SiteDir, run

SVC = "services/speech-therapy.md"


def break_two_things(site: SiteDir) -> None:
    site.edit(SVC, "eligibility: Children aged 0 to 11 with a Testshire GP.\n", "")
    site.edit(SVC, "service_level: specialist", "service_level: specalist")


def test_check_passes_and_writes_nothing(site: SiteDir) -> None:
    result = run("check", "--today", "2026-11-23")
    assert result.exit_code == 0
    assert result.stdout == "no problems found\n"
    assert not (site.path.parent / "dist").exists()


def test_every_problem_reported_in_text(site: SiteDir) -> None:
    break_two_things(site)
    result = run("check", "--today", "2026-11-23")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/services/speech-therapy.md:8: error[bad-value]: 'service_level' cannot be "
        "'specalist': did you mean 'specialist'? use one of universal, targeted, specialist",
        "content/services/speech-therapy.md:24: error[missing-field]: services need "
        "'eligibility': say who can use this service",
        "2 errors, 0 warnings",
    ]


def test_json_format_is_one_document(site: SiteDir) -> None:
    break_two_things(site)
    result = run("check", "--format", "json", "--today", "2026-11-23")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["errors"] == 2 and document["warnings"] == 0 and document["ok"] is False
    first = document["problems"][0]
    assert set(first) == {"path", "line", "code", "severity", "message"}
    assert first["severity"] == "error"


def test_json_build_success_reports_files(site: SiteDir) -> None:
    result = run("build", "--format", "json", "--today", "2026-11-23")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["files"] > 10 and document["problems"] == []


def test_json_config_error_is_still_json(site: SiteDir) -> None:
    site.remove("site.yaml")
    result = run("check", "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert "site.yaml: not found" in document["config_error"]


def test_github_format_annotates_lines(site: SiteDir) -> None:
    break_two_things(site)
    result = run("check", "--format", "github", "--today", "2026-11-23")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=content/services/speech-therapy.md,line=8,title=bad-value::"
        "'service_level' cannot be 'specalist': did you mean 'specialist'? "
        "use one of universal, targeted, specialist"
    )
    assert lines[1].startswith("::error file=content/services/speech-therapy.md,line=24,")
    assert lines[-1] == "2 errors, 0 warnings"


def test_warnings_do_not_fail_unless_strict(site: SiteDir) -> None:
    site.edit(SVC, "review_by: 2027-09-30", "review_by: 2026-12-01")
    assert run("check", "--today", "2026-11-23").exit_code == 0
    assert run("build", "--today", "2026-11-23").exit_code == 0
    assert run("check", "--today", "2026-11-23", "--strict").exit_code == 1


def test_usage_errors_exit_2(site: SiteDir) -> None:
    assert run("check", "--today", "23/11/2026").exit_code == 2
    assert run("check", "--format", "xml").exit_code == 2
    assert run("frobnicate").exit_code == 2
    assert run("new", "leaflet", "X").exit_code == 2


def test_no_progress_bar_without_a_terminal(site: SiteDir) -> None:
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 0
    assert "Writing pages" not in result.output
    assert re.fullmatch(r"Built 9 pages \(\d+ files\) into dist/\n", result.stderr)


def test_new_service_fails_validation_until_edited(site: SiteDir) -> None:
    result = run("new", "service", "Speech & Language Therapy!", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output
    path = site.path / "services/speech-language-therapy.md"
    text = path.read_text()
    assert "last_reviewed: 2026-11-23" in text and "review_by: 2027-11-23" in text
    assert 'title: "Speech & Language Therapy!"' in text
    check = run("check", "--format", "json", "--today", "2026-11-23")
    problems = json.loads(check.stdout)["problems"]
    assert check.exit_code == 1
    placeholders = {p["line"] for p in problems if p["code"] == "placeholder"}
    assert {p["code"] for p in problems if p["path"].endswith("speech-language-therapy.md")} == {
        "placeholder"
    }
    # every field an editor must fill in, and the body
    for field in (
        "summary",
        "owner",
        "provider",
        "service_level",
        "coverage",
        "age_groups",
        "eligibility",
        "how_to_access",
        "cost",
        "contact",
    ):
        line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith(f"{field}:"))
        assert line in placeholders or line + 1 in placeholders, field
    assert len(text.splitlines()) in placeholders


def test_new_page_uses_site_review_policy(site: SiteDir) -> None:
    site.write("site.yaml", site.text("site.yaml") + "review:\n  max_months: 6\n")
    assert run("new", "page", "Getting help", "--today", "2026-01-31").exit_code == 0
    text = (site.path / "getting-help.md").read_text()
    assert "review_by: 2026-07-31" in text
    assert "provider" not in text


def test_new_refuses_to_overwrite(site: SiteDir) -> None:
    assert run("new", "service", "Speech therapy").exit_code == 2
    assert "already exists" in run("new", "service", "Speech therapy").output


def test_build_py_is_lo_static_build(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "build.py",
            "--content",
            str(MINIMAL),
            "--out",
            str(out),
            "--today",
            "2026-11-23",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").exists()
    assert "Traceback" not in result.stderr


def test_build_py_reports_errors_with_exit_1(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "build.py",
            "--content",
            str(MINIMAL),
            "--out",
            str(tmp_path / "o"),
            "--today",
            "2030-01-01",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "error[review-overdue]" in result.stdout
    assert "Traceback" not in result.stderr


def _disk_full(*_: object) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _build_again_failing(tmp_path: Path, fail: Callable[[], None]) -> Result:
    """Build MINIMAL into tmp_path/out, then again after `fail()`; the second build's result,
    once checked to have left the first site exactly as it was."""
    out = tmp_path / "out"
    command = ("build", "--content", str(MINIMAL), "--out", str(out), "--today", "2026-11-23")
    assert run(*command).exit_code == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    fail()
    result = run(*command)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]
    return result


def test_a_full_disk_while_zipping_is_a_clear_error_and_keeps_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The offline zip's compressed files wait in a folder beside it (zipwrite.EntryFiles)."""
    result = _build_again_failing(
        tmp_path, lambda: monkeypatch.setattr(EntryFiles, "put", _disk_full)
    )
    out = tmp_path / "out"
    assert f"{out}: cannot write the site: No space left on device" in result.output


def test_a_full_disk_for_temporary_files_is_a_clear_error_and_keeps_the_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build keeps its working text in a temporary file (see packed.Spool)."""
    result = _build_again_failing(
        tmp_path, lambda: monkeypatch.setattr(packed.os, "pwrite", _disk_full)
    )
    assert "could not keep the build's working text in a temporary file in " in result.output
    assert "No space left on device; free some space there, or set TMPDIR" in result.output

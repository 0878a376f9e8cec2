"""The GitHub Actions workflows and the pre-commit hook: valid, pinned, and doing what the
README promises, so a broken workflow cannot land."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"
PINNED = re.compile(r"^actions/[a-z-]+@v\d+\.\d+\.\d+$")


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # PyYAML (YAML 1.1) reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def validate(*paths: Path) -> subprocess.CompletedProcess[str]:
    """Validate workflow files against SchemaStore's github-workflow schema, offline."""
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows",
         *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def test_there_are_workflows_for_pull_requests_main_and_every_night() -> None:
    assert [p.name for p in FILES] == ["nightly.yml", "publish.yml", "pull-request.yml", "site.yml"]


def test_every_workflow_is_valid() -> None:
    result = validate(*FILES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (WORKFLOWS / "site.yml").read_text(encoding="utf-8")
    broken.write_text(text.replace("runs-on:", "runs_on:", 1), encoding="utf-8")
    result = validate(broken)
    assert result.returncode != 0
    assert "runs-on" in result.stdout + result.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_official_and_pinned_to_a_version(path: Path) -> None:
    workflow = load(path)
    for step in steps(workflow):
        if "uses" in step:
            assert PINNED.match(step["uses"]), step["uses"]
    for job in workflow["jobs"].values():
        if "uses" in job:
            assert job["uses"] == "./.github/workflows/site.yml"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_permissions_are_read_only_unless_publishing(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        if "permissions" in job:
            assert (path.name, name) == ("publish.yml", "publish")
            assert job["permissions"] == {"pages": "write", "id-token": "write"}


def test_shared_job_uses_the_readme_commands_and_checks_everything() -> None:
    workflow = load(WORKFLOWS / "site.yml")
    job = workflow["jobs"]["site"]
    assert job["container"].startswith("debian:")
    assert job["timeout-minutes"] <= 30
    commands = [step.get("run", "") for step in job["steps"]]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "scripts/build-site" in readme
    assert any(c.startswith("scripts/build-site") for c in commands)
    assert ".venv/bin/lo-static check --format github" in commands
    assert "scripts/check-accessibility dist --format github" in commands
    assert any("lo-static leaflets --print-marks" in c for c in commands)
    summary = next(s for s in job["steps"] if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert summary["if"] == "always()"
    assert "--within 30" in summary["run"]
    uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert {s["with"]["path"] for s in uploads} == {"dist/", "print/"}
    # Every command the workflow runs exists in the repository.
    for command in commands:
        first = command.split()[0] if command else ""
        if first.startswith("scripts/"):
            assert (REPO / first).is_file() and (REPO / first).stat().st_mode & 0o111, first


def test_pull_requests_check_and_main_publishes_to_pages() -> None:
    pull = load(WORKFLOWS / "pull-request.yml")
    assert "pull_request" in pull["on"]
    assert pull["jobs"]["site"]["uses"] == "./.github/workflows/site.yml"
    publish = load(WORKFLOWS / "publish.yml")
    assert publish["on"]["push"]["branches"] == ["main"]
    assert publish["jobs"]["site"]["with"] == {"pages": True}
    deploy = publish["jobs"]["publish"]
    assert deploy["needs"] == "site"
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == [
        "actions/configure-pages",
        "actions/deploy-pages",
    ]
    site = load(WORKFLOWS / "site.yml")
    pages = next(
        s for s in site["jobs"]["site"]["steps"]
        if s.get("uses", "").startswith("actions/upload-pages-artifact")
    )
    assert pages["if"] == "inputs.pages"


def test_nightly_run_checks_review_dates_every_day() -> None:
    nightly = load(WORKFLOWS / "nightly.yml")
    [schedule] = nightly["on"]["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit()
    assert (day, month, weekday) == ("*", "*", "*")
    assert nightly["jobs"]["site"]["uses"] == "./.github/workflows/site.yml"


def test_pre_commit_hook_runs_the_content_check() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    [repo] = config["repos"]
    assert repo["repo"] == "local"
    [hook] = repo["hooks"]
    assert hook["language"] == "system"
    assert hook["pass_filenames"] is False
    assert re.search(r"\blo-static check\b", hook["entry"])
    assert re.match(hook["files"], "content/services/speech-therapy.md")
    assert re.match(hook["files"], "content/site.yaml")
    assert not re.match(hook["files"], "lo_static/cli.py")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_entry_runs_and_fails_on_bad_content(tmp_path: Path) -> None:
    """The hook's command, run as pre-commit would from the repository root, exits 1 on a
    content error and 0 on the demo."""
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    entry = config["repos"][0]["hooks"][0]["entry"].split()
    good = subprocess.run(
        [*entry, "--today", "2026-11-23"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert good.returncode == 0, good.stdout + good.stderr
    shutil.copytree(REPO / "content", tmp_path / "content")
    page = tmp_path / "content" / "services" / "speech-and-language-therapy.md"
    page.write_text(page.read_text().replace("cost:", "costs:", 1))
    (tmp_path / ".venv").symlink_to(REPO / ".venv")
    bad = subprocess.run(
        [*entry, "--today", "2026-11-23"], cwd=tmp_path, capture_output=True, text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert "content/services/speech-and-language-therapy.md" in bad.stdout

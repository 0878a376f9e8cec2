"""`lo-static report summary`: the Markdown a CI job shows, run exactly as the workflow runs it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from lo_static.ci_summary import PAGE_BUDGET, page_weights
from tests.conftest import REPO, TODAY, SiteDir, run

WORKFLOW = REPO / ".github" / "workflows" / "site.yml"


def workflow_summary_args() -> list[str]:
    """The arguments the shared workflow passes to `lo-static report summary`."""
    steps = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["site"]["steps"]
    command = next(s["run"] for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    words = shlex.split(command.split(">>")[0])
    assert words[:3] == [".venv/bin/lo-static", "report", "summary"]
    return words[3:]


def summary(*extra: str) -> str:
    result = run("report", "summary", *workflow_summary_args(), "--today", TODAY, *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_summary_of_a_good_site(site: SiteDir) -> None:
    assert run("build", "--today", TODAY).exit_code == 0
    text = summary()
    assert text.startswith("# Testshire Local Offer: checks passed\n")
    assert "No problems found." in text
    assert re.search(r"\n(\d+) of \1 requirements are met\.", text)
    assert "Content reviews on 2026-11-23" in text
    assert "Budget for a service page: 30.0 KB" in text
    assert "every service page is within it" in text
    assert "| heaviest pages | weight |" in text


def test_summary_lists_problems_with_file_and_line_and_escapes_them(site: SiteDir) -> None:
    site.edit("services/speech-therapy.md", "cost: Free", 'cost: Free\n"co|<b>x</b>": red')
    site.edit("services/youth-club.md", "review_by: 2027-09-30", "review_by: 2026-12-01")
    text = summary()
    assert text.startswith("# Testshire Local Offer: checks passed")  # warnings only
    assert "**0 errors, 2 warnings.**" in text
    row = next(line for line in text.splitlines() if "unknown-field" in line)
    assert row.startswith("| warning | content/services/speech-therapy.md:")
    assert "unknown field 'co\\|\\<b\\>x\\</b\\>'" in row  # content cannot break the table
    assert "<b>" not in text
    reviews = text.split("## Content reviews", 1)[1]
    assert "content/services/youth-club.md" in reviews
    assert "0 overdue, 1 due within 30 days" in reviews


def test_summary_says_checks_failed_and_what_the_law_misses(site: SiteDir) -> None:
    site.edit("index.md", "[send-provision, ", "[")
    text = summary()
    assert text.startswith("# Testshire Local Offer: checks failed")
    assert "Not met yet:" in text
    assert "`send-provision`" in text.split("Not met yet:")[1]
    assert "| error | checks/statutory.yaml:" in text


def test_summary_of_unusable_settings_still_prints(site: SiteDir) -> None:
    site.write("site.yaml", "council: [broken\n")
    text = summary()
    assert "checks failed" in text
    assert "## Settings" in text
    assert "site.yaml" in text


def test_summary_without_a_built_site_says_so(site: SiteDir) -> None:
    text = summary()
    assert "No site was built at dist." in text


def test_page_weights_count_the_html_and_the_css_and_scripts_it_loads(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.css").write_bytes(b"x" * 1000)
    (tmp_path / "assets" / "b.js").write_bytes(b"y" * 300)
    page = tmp_path / "services" / "x" / "index.html"
    page.parent.mkdir(parents=True)
    html = (
        '<link rel="stylesheet" href="../../assets/a.css"><script src="../../assets/b.js">'
        '</script><script src="../../assets/b.js"></script>'
        '<script src="https://elsewhere.example/c.js"></script>'
    )
    page.write_text(html)
    assert page_weights(tmp_path) == {"services/x/index.html": len(html) + 1300}


def test_service_pages_over_budget_are_named(site: SiteDir) -> None:
    text_body = "\n\n".join(["A long paragraph about speech therapy for families."] * 700)
    path = site.path / "services" / "speech-therapy.md"
    path.write_text(path.read_text() + "\n" + text_body + "\n")
    assert run("build", "--today", TODAY).exit_code == 0
    weight = page_weights(Path("dist"))["services/speech-therapy/index.html"]
    assert weight > PAGE_BUDGET
    text = summary()
    assert "**1 over budget**" in text
    assert "- services/speech-therapy/index.html: " in text

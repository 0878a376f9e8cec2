"""pa11y-ci accessibility checks (lo_static/a11y.py): a few real pages of the minimal site plus
one deliberately broken page in Debian's Chromium, and every way the tools can be missing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from lo_static.a11y import run_pa11y, url_path
from lo_static.diagnostics import Diagnostic, Severity
from lo_static.errors import ConfigError
from tests.conftest import MINIMAL, REPO, TODAY, SiteDir, run

BROKEN_PAGE = "help/broken/index.html"
BROKEN_SOURCE = "content/help/broken.md"
BROKEN_HTML = """<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Broken page</title></head>
<body>
<main>
<h1>Broken page</h1>
<img src="/images/family.png">
<form action="/search/"><input type="text" name="q"><button>Search</button></form>
</main>
</body>
</html>
"""

# A few pages of each kind: home, service, easy-read, generated listing.
GOOD_PAGES = {
    "index.html": "content/index.md",
    "services/speech-therapy/index.html": "content/services/speech-therapy.md",
    "about/guide/easy-read/index.html": "content/about/guide.easy-read.md",
    "services/index.html": "(generated) services/index.html",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/minimal built, plus a page with an image without alt, an unlabelled input."""
    out = tmp_path_factory.mktemp("a11y") / "site"
    result = run("build", "--content", str(MINIMAL), "--out", str(out), "--today", TODAY)
    assert result.exit_code == 0, result.output
    broken = out / BROKEN_PAGE
    broken.parent.mkdir(parents=True)
    broken.write_text(BROKEN_HTML, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def diagnostics(built: Path) -> list[Diagnostic]:
    try:
        return run_pa11y(built, {**GOOD_PAGES, BROKEN_PAGE: BROKEN_SOURCE})
    except ConfigError as error:
        pytest.fail(f"pa11y-ci cannot run (scripts/test installs it): {error}")


def test_good_pages_have_no_errors(diagnostics: list[Diagnostic]) -> None:
    assert [d.format() for d in diagnostics if d.path != BROKEN_SOURCE] == []


def test_broken_page_errors_name_source_rule_and_selector(diagnostics: list[Diagnostic]) -> None:
    assert diagnostics, "the broken page passed"
    assert {(d.path, d.line, d.code, d.severity) for d in diagnostics} == {
        (BROKEN_SOURCE, 0, "a11y", Severity.ERROR)
    }
    messages = [d.message for d in diagnostics]
    assert all(m.startswith("/help/broken/: ") for m in messages), messages
    expected = [
        "axe image-alt at `html > body > main > img`: Images must have alternative text",
        "axe label at `html > body > main > form > input`: Form elements must have labels",
        "htmlcs WCAG2AA.Principle1.Guideline1_1.1_1_1.H37 at `html > body > main > img`: ",
    ]
    for text in expected:
        assert any(text in m for m in messages), (text, messages)


def test_diagnostics_are_sorted_and_unique(diagnostics: list[Diagnostic]) -> None:
    key = [(d.path, d.line, d.code, d.message) for d in diagnostics]
    assert key == sorted(set(key))


def test_url_path() -> None:
    assert url_path("index.html") == "/"
    assert url_path("services/x/index.html") == "/services/x/"
    assert url_path("404.html") == "/404.html"


def test_non_html_entries_are_skipped_and_missing_pages_refused(built: Path) -> None:
    assert run_pa11y(built, {"sitemap.xml": "(generated) sitemap.xml"}) == []
    with pytest.raises(ValueError, match=r"nowhere/index\.html"):
        run_pa11y(built, {"nowhere/index.html": "content/nowhere.md"})


# Missing tools: a clear ConfigError (exit status 2) with the fix, never a traceback.


def test_missing_node(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match=r"install Node\.js 20 or later") as error:
        run_pa11y(built, GOOD_PAGES)
    assert error.value.exit_code == 2


def test_missing_pa11y_ci(built: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PUPPETEER_SKIP_DOWNLOAD=1 npm ci"):
        run_pa11y(built, GOOD_PAGES, project_root=tmp_path)


def fake_project(root: Path, script: str) -> Path:
    """A project root whose node_modules/.bin/pa11y-ci is `script` (JavaScript run by node)."""
    pa11y = root / "node_modules" / ".bin" / "pa11y-ci"
    pa11y.parent.mkdir(parents=True)
    pa11y.write_text(script, encoding="utf-8")
    (root / "checks").mkdir()
    (root / "checks" / "pa11y.json").write_text(
        (REPO / "checks" / "pa11y.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return root


def test_missing_chromium(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = fake_project(tmp_path / "project", "process.exit(0);\n")
    monkeypatch.setenv("CHROME_PATH", str(tmp_path / "no-such-chromium"))
    with pytest.raises(ConfigError, match="apt-get install chromium, or set CHROME_PATH"):
        run_pa11y(built, GOOD_PAGES, project_root=root)


# pa11y-ci failing or misbehaving, with a stand-in script (fast: no browser).


def test_pa11y_ci_failure_shows_its_stderr(built: Path, tmp_path: Path) -> None:
    root = fake_project(
        tmp_path / "project",
        'console.error("Failed to launch the browser process!");\nprocess.exit(1);\n',
    )
    with pytest.raises(ConfigError, match="exit status 1") as error:
        run_pa11y(built, GOOD_PAGES, project_root=root)
    assert "Failed to launch the browser process!" in str(error.value)


def test_pa11y_ci_without_json_report(built: Path, tmp_path: Path) -> None:
    root = fake_project(
        tmp_path / "project", 'console.log("not json");\nconsole.error("oops");\nprocess.exit(2);\n'
    )
    with pytest.raises(ConfigError, match="no JSON report") as error:
        run_pa11y(built, GOOD_PAGES, project_root=root)
    assert "oops" in str(error.value)


def test_pa11y_ci_timeout(built: Path, tmp_path: Path) -> None:
    root = fake_project(tmp_path / "project", "setTimeout(() => {}, 60000);\n")
    with pytest.raises(ConfigError, match="did not finish within 1 seconds"):
        run_pa11y(built, GOOD_PAGES, project_root=root, timeout=1)


def test_pages_that_fail_to_load_are_errors(built: Path, tmp_path: Path) -> None:
    """pa11y-ci reports a page it could not open as `[{"message": ...}]`, with no type."""
    script = """
const urls = process.argv.slice(2).filter(a => a.startsWith("http"));
const results = {};
urls.forEach((url, i) => {
  results[url] = i === 0 ? [{message: "net::ERR_CONNECTION_REFUSED at " + url}] : [
    {code: "x", type: "warning", message: "a warning", selector: "p", runner: "htmlcs"},
    {code: "y", type: "notice", message: "a notice", selector: "p", runner: "htmlcs"},
  ];
});
console.log(JSON.stringify({total: urls.length, passes: 0, errors: urls.length, results}));
process.exit(2);
"""
    root = fake_project(tmp_path / "project", script)
    pages = {"index.html": "content/index.md", "services/index.html": "(generated) services"}
    found = run_pa11y(built, pages, project_root=root)
    assert len(found) == 1, found
    assert found[0].path == "content/index.md"
    assert found[0].message.startswith("/: the page could not be checked: net::ERR_CONNECTION")


def test_config_is_pa11y_ci_defaults_only() -> None:
    """URLs on pa11y-ci's command line are added to the config's, so the config lists none."""
    config = json.loads((REPO / "checks" / "pa11y.json").read_text(encoding="utf-8"))
    assert config["urls"] == []
    defaults = config["defaults"]
    assert defaults["standard"] == "WCAG2AA"
    assert defaults["runners"] == ["axe", "htmlcs"]
    assert defaults["useIncognitoBrowserContext"] is False  # pa11y-ci #354 with concurrency
    assert "executablePath" not in defaults.get("chromeLaunchConfig", {})


def test_build_a11y_passes_a_good_site(site: SiteDir) -> None:
    result = run("build", "--a11y", "--today", "2026-11-23")
    assert result.exit_code == 0, result.output


def test_build_a11y_failure_keeps_the_previous_site(site: SiteDir) -> None:
    """A theme that breaks WCAG (an image with no alt text in every header) fails the build
    naming the pages' source files, and the previous dist/ stays exactly as it was."""
    import shutil

    from lo_static.build import BuildOptions, build
    from lo_static.errors import ContentErrors
    from lo_static.resources import TEMPLATES_DIR
    from tests.test_build import tree_digest

    assert run("build", "--today", "2026-11-23").exit_code == 0
    dist = site.path.parent / "dist"
    before = tree_digest(dist)
    broken = site.path.parent / "templates"
    shutil.copytree(TEMPLATES_DIR, broken)
    base = broken / "base.html"
    base.write_text(base.read_text().replace(
        '<a class="app-skip-link"', '<img src="assets/site.css"><a class="app-skip-link"'))
    options = BuildOptions(Path("content"), Path("dist"), date(2026, 11, 23), a11y=True,
                           templates=broken)
    with pytest.raises(ContentErrors) as raised:
        build(options)
    problems = raised.value.report.errors
    assert any(p.code == "a11y" and p.path == "content/about/guide.md" for p in problems)
    assert any(p.code == "a11y" and "image-alt" in p.message for p in problems)
    assert tree_digest(dist) == before

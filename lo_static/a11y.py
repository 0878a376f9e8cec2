"""Automated accessibility checks of a built site with pa11y-ci (axe and HTML_CodeSniffer).

The built folder is served on 127.0.0.1 (root-relative links and assets then resolve as on the
real site), `node_modules/.bin/pa11y-ci --json -c checks/pa11y.json URL...` checks every page in
Debian's Chromium, and each pa11y *error* becomes a `Diagnostic` (code `a11y`) on the content
file an editor would change. Warnings and notices from pa11y are not reported.

A missing tool (Node.js, the npm packages, Chromium) or a pa11y-ci failure raises `ConfigError`
with the command that fixes it; it is never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from . import resources
from .diagnostics import Diagnostic, Severity
from .errors import ConfigError
from .rules import RULES
from .serve import serve_folder

CODE = "a11y"
CONFIG_FILE = Path("checks") / "pa11y.json"
PA11Y_BIN = Path("node_modules") / ".bin" / "pa11y-ci"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
MIN_NODE_MAJOR = 20
TIMEOUT_SECONDS = 15 * 60
STDERR_TAIL_LINES = 20

NODE_ADVICE = "install Node.js 20 or later, e.g. apt-get install nodejs npm"
PA11Y_ADVICE = "run: PUPPETEER_SKIP_DOWNLOAD=1 npm ci"
CHROMIUM_ADVICE = "apt-get install chromium, or set CHROME_PATH"


def run_pa11y(
    site_dir: Path,
    sources: dict[str, str],
    project_root: Path = resources.PROJECT_ROOT,
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> list[Diagnostic]:
    """Check every HTML page of a built site with pa11y-ci; one error diagnostic per issue.

    `sources` maps a page's path inside `site_dir` (`services/x/index.html`) to what editors
    change to fix it (`content/services/x.md`, or `(generated) services/index.html`); entries
    that are not `.html` are skipped. Diagnostics are at line 0 of that source, with a message
    naming the page's web address, the runner and rule, the CSS selector and pa11y's message.
    A page that could not be loaded or checked is an error too. The result is sorted.

    `project_root` holds `node_modules/` and `checks/pa11y.json`. Chromium is `$CHROME_PATH`, else
    `chromium` on the PATH, else /usr/bin/chromium. Raises `ConfigError` when Node.js, pa11y-ci or
    Chromium is missing, when pa11y-ci fails or prints no report, or after `timeout` seconds;
    `ValueError` when a listed page is not a file in `site_dir`.
    """
    node = _find_node()
    pa11y = _find_pa11y(project_root)
    config = project_root / CONFIG_FILE
    if not config.is_file():
        raise ConfigError(f"{config}: the pa11y-ci configuration is missing")
    chromium = _find_chromium()

    pages = _pages(site_dir, sources)
    if not pages:
        return []
    with serve_folder(site_dir) as base:
        urls = {base + quote(url_path): (url_path, rel) for url_path, rel in pages.items()}
        command = [node, str(pa11y), "--json", "-c", str(config), *urls]
        env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}
        returncode, stdout, stderr = _run(command, env, project_root, timeout)
    report = _parse_report(returncode, stdout, stderr)
    return _diagnostics(report, urls, pages, sources)


def url_path(rel: str) -> str:
    """The web address path of an output file: `services/x/index.html` → `/services/x/`."""
    rel = rel.replace(os.sep, "/").lstrip("/")
    if rel == "index.html" or rel.endswith("/index.html"):
        rel = rel[: -len("index.html")]
    return "/" + rel


def _pages(site_dir: Path, sources: dict[str, str]) -> dict[str, str]:
    """Web address path → output path, for every HTML page listed; each must exist."""
    pages: dict[str, str] = {}
    for rel in sorted(sources):
        if not rel.endswith(".html"):
            continue
        if not (site_dir / rel).is_file():
            raise ValueError(f"{rel}: listed for the accessibility check but not in {site_dir}")
        pages[url_path(rel)] = rel
    return pages


def _find_node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        raise ConfigError(f"Node.js is not installed: {NODE_ADVICE}")
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise ConfigError(f"{node} does not run ({error}): {NODE_ADVICE}") from None
    match = re.match(r"v?(\d+)\.", version)
    if not match or int(match.group(1)) < MIN_NODE_MAJOR:
        raise ConfigError(f"{node} is Node.js {version or '(unknown)'}: {NODE_ADVICE}")
    return node


def _find_pa11y(project_root: Path) -> Path:
    pa11y = project_root / PA11Y_BIN
    if not pa11y.is_file():
        raise ConfigError(f"{pa11y} is missing: in {project_root}, {PA11Y_ADVICE}")
    return pa11y


def _find_chromium() -> str:
    configured = os.environ.get("CHROME_PATH")
    if configured:
        found = shutil.which(configured)
        if not found:
            raise ConfigError(
                f"CHROME_PATH is {configured!r}, which is not a program: {CHROMIUM_ADVICE}"
            )
        return found
    found = shutil.which("chromium") or shutil.which(DEFAULT_CHROMIUM)
    if not found:
        raise ConfigError(f"Chromium is not installed: {CHROMIUM_ADVICE}")
    return found


def _run(
    command: list[str], env: dict[str, str], cwd: Path, timeout: float
) -> tuple[int, str, str]:
    """Run pa11y-ci in its own process group, so a timeout also ends its Chromium."""
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,
        )
    except OSError as error:
        raise ConfigError(f"cannot start pa11y-ci: {error}") from None
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        process.communicate()
        raise ConfigError(
            f"pa11y-ci did not finish within {timeout:g} seconds; check that Chromium starts "
            f"({CHROMIUM_ADVICE})"
        ) from None
    finally:
        if process.poll() is None:
            _kill(process)
            process.communicate()
    return process.returncode, stdout, stderr


def _kill(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        process.kill()


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-STDERR_TAIL_LINES:]) or "(no output on stderr)"


def _parse_report(returncode: int, stdout: str, stderr: str) -> dict[str, Any]:
    """pa11y-ci's `--json` report; exit 0 (all pass) and 2 (issues found) both print one."""
    if returncode not in (0, 2):
        raise ConfigError(f"pa11y-ci failed (exit status {returncode}):\n{_tail(stderr)}")
    try:
        report = json.loads(stdout[stdout.index("{") :])
    except ValueError:
        report = None
    if not isinstance(report, dict) or not isinstance(report.get("results"), dict):
        raise ConfigError(
            f"pa11y-ci printed no JSON report (exit status {returncode}):\n{_tail(stderr)}"
        )
    return report


def _diagnostics(
    report: dict[str, Any],
    urls: dict[str, tuple[str, str]],
    pages: dict[str, str],
    sources: dict[str, str],
) -> list[Diagnostic]:
    found: set[Diagnostic] = set()
    checked: set[str] = set()
    for url, issues in report["results"].items():
        page = unquote(urlsplit(url).path) or "/"
        rel = pages.get(page)
        source = sources[rel] if rel else url
        checked.add(page)
        for issue in issues if isinstance(issues, list) else [issues]:
            message = _issue_message(page, issue)
            if message:
                found.add(_diagnostic(source, message))
    for page, rel in pages.items():
        if page not in checked:
            found.add(_diagnostic(sources[rel], f"{page}: pa11y-ci reported nothing for this page"))
    return sorted(found, key=lambda d: (d.path, d.line, d.code, d.message))


def _issue_message(page: str, issue: object) -> str | None:
    """The editor's message for one pa11y issue; None for warnings and notices."""
    if not isinstance(issue, dict):
        return f"{page}: the page could not be checked: {_one_line(str(issue))}"
    text = _one_line(str(issue.get("message", "")))
    if "type" not in issue:  # pa11y-ci's form of an exception: the page failed to load or run
        return f"{page}: the page could not be checked: {text or 'unknown error'}"
    if issue["type"] != "error":
        return None
    runner = issue.get("runner") or "pa11y"
    code = issue.get("code") or "unknown-rule"
    selector = _one_line(str(issue.get("selector") or "")) or "the page"
    return f"{page}: {runner} {code} at `{selector}`: {text}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _diagnostic(path: str, message: str) -> Diagnostic:
    rule = RULES.get(CODE)
    severity = rule.severity if rule else Severity.ERROR
    return Diagnostic(path=path, line=0, code=CODE, severity=severity, message=message)

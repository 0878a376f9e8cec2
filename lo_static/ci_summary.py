"""The Markdown summary a CI run shows people (GitHub's job summary): the content's problems,
how the Local Offer meets the law, reviews coming up, leaflets and page weights.

It only reads: the checked content and, when given, a built site. `lo-static report summary`
prints it; the workflows in .github/workflows/ append it to `$GITHUB_STEP_SUMMARY`.
"""

from __future__ import annotations

import re
from pathlib import Path

from .diagnostics import Diagnostic, Report, Severity
from .review_report import markdown_text
from .statutory import Coverage

PAGE_BUDGET = 30 * 1024
"""What a page may weigh (HTML, CSS and JavaScript) on a family's phone."""
MAX_PROBLEMS = 50
"""Problems listed in full; the rest are counted (every one is annotated on its line)."""
_ASSET = re.compile(r'<(?:link[^>]*\brel="stylesheet"[^>]*\bhref|script[^>]*\bsrc)="([^"]+)"')


def page_weights(site: Path) -> dict[str, int]:
    """Each HTML page of a built site → bytes of it plus the stylesheets and scripts it loads."""
    weights: dict[str, int] = {}
    root = site.resolve()
    for page in sorted(site.rglob("*.html")):
        html = page.read_text(encoding="utf-8", errors="replace")
        total = page.stat().st_size
        for href in sorted(set(_ASSET.findall(html))):
            if "://" in href or href.startswith("//"):
                continue
            asset = (page.parent / href.split("?")[0].split("#")[0]).resolve()
            if asset.is_relative_to(root) and asset.is_file():
                total += asset.stat().st_size
        weights[page.relative_to(site).as_posix()] = total
    return weights


def service_pages(weights: dict[str, int]) -> dict[str, int]:
    """The weights of the service pages (not the service directory), which the budget is for."""
    return {
        page: size
        for page, size in weights.items()
        if page.startswith("services/") and page != "services/index.html"
    }


def _kilobytes(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def problems_section(report: Report) -> list[str]:
    errors, warnings = len(report.errors), len(report.warnings)
    if not errors and not warnings:
        return ["## Content", "", "No problems found.", ""]
    head = f"**{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}.**"
    lines = ["## Content", "", head, ""]
    lines += ["| | where | rule | what to do |", "| --- | --- | --- | --- |"]
    ordered: list[Diagnostic] = sorted(
        report.items, key=lambda d: (d.severity is not Severity.ERROR, d.path, d.line)
    )
    for item in ordered[:MAX_PROBLEMS]:
        mark = "error" if item.severity is Severity.ERROR else "warning"
        where = f"{item.path}:{item.line}" if item.line else item.path
        lines.append(
            f"| {mark} | {markdown_text(where)} | {markdown_text(item.code)} "
            f"| {markdown_text(item.message)} |"
        )
    if len(ordered) > MAX_PROBLEMS:
        lines += ["", f"…and {len(ordered) - MAX_PROBLEMS} more, each annotated on its line."]
    return [*lines, ""]


def coverage_section(coverage: Coverage) -> list[str]:
    total = len(coverage.requirements)
    met = [r for r in coverage.requirements if coverage.met.get(r.id)]
    lines = ["## What the law requires", "", f"{len(met)} of {total} requirements are met."]
    missing = [r for r in coverage.requirements if not coverage.met.get(r.id)]
    if missing:
        lines += ["", "Not met yet:", ""]
        lines += [
            f"- {markdown_text(r.title)} ({r.citation}, `{r.id}`, {r.level})" for r in missing
        ]
    return [*lines, ""]


def weight_section(site: Path, top: int = 5) -> list[str]:
    weights = page_weights(site)
    if not weights:
        return []
    heaviest = sorted(weights, key=lambda page: (-weights[page], page))[:top]
    over = sorted(p for p, size in service_pages(weights).items() if size > PAGE_BUDGET)
    lines = [
        "## Page weight",
        "",
        f"{len(weights)} pages. Budget for a service page: {_kilobytes(PAGE_BUDGET)} of HTML, "
        "CSS and JavaScript"
        + (f"; **{len(over)} over budget**." if over else "; every service page is within it."),
        "",
        "| heaviest pages | weight |",
        "| --- | --- |",
    ]
    lines += [f"| {markdown_text(page)} | {_kilobytes(weights[page])} |" for page in heaviest]
    if over:
        lines += ["", "Service pages over budget:", ""]
        lines += [f"- {markdown_text(page)}: {_kilobytes(weights[page])}" for page in over]
    return [*lines, ""]


def leaflet_section(site: Path) -> list[str]:
    pdfs = sorted((site / "leaflets").glob("*.pdf"))
    if not pdfs:
        return []
    lines = ["## Leaflets", "", "| leaflet | size |", "| --- | --- |"]
    lines += [f"| {markdown_text(p.name)} | {_kilobytes(p.stat().st_size)} |" for p in pdfs]
    return [*lines, ""]


def summary_markdown(
    report: Report,
    coverage: Coverage | None,
    reviews: str,
    site: Path | None,
    title: str,
    config_error: str = "",
) -> str:
    """The whole summary. `reviews` is the review report's Markdown (may be empty); a
    `config_error` (site.yaml cannot be used) is shown first, as nothing else could be checked."""
    status = "failed" if report.errors or config_error else "passed"
    lines = [f"# {markdown_text(title)}: checks {status}", ""]
    if config_error:
        lines += ["## Settings", "", f"**{markdown_text(config_error)}**", ""]
    lines += problems_section(report)
    if coverage is not None:
        lines += coverage_section(coverage)
    if reviews.strip():
        lines += [reviews.rstrip(), ""]
    if site is not None and site.is_dir():
        lines += weight_section(site)
        lines += leaflet_section(site)
    elif site is not None:
        missing_site = f"No site was built at {markdown_text(site.as_posix())}."
        lines += ["## Built site", "", missing_site, ""]
    return "\n".join(lines)

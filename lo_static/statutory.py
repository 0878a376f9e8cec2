"""The statutory checklist (`checks/statutory.yaml`) and the coverage checks built on it.

A Local Offer the law would find incomplete does not build: every `must` requirement needs at
least one published, in-date page claiming it, and some duties no single page can meet (a service
for every age group, provision outside the area, comments published within the year) are checked
across the whole site.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .content import Page
from .diagnostics import Diagnostic
from .errors import ConfigError
from .rules import problem
from .schema import AGE_GROUPS, SERVICE_LEVELS
from .values import add_months
from .yamlfile import YamlProblem, load_yaml

LEVELS = ("must", "should")
CHECKLIST_KEYS = {"id", "title", "citation", "level", "description", "easy_read"}
COMMENTS_ID = "comments-and-response"


@dataclass(frozen=True)
class Requirement:
    """One thing the law requires a Local Offer to publish."""

    id: str
    title: str
    citation: str
    level: str
    description: str
    easy_read: bool = False
    line: int = 0
    """Where the requirement is written in the checklist."""


@dataclass
class Coverage:
    """Which published pages meet each requirement, in checklist order."""

    requirements: list[Requirement]
    pages: dict[str, list[Page]] = field(default_factory=dict)
    met: dict[str, bool] = field(default_factory=dict)


def load_checklist(path: Path) -> list[Requirement]:
    """Read the checklist; a broken checklist is a configuration error (exit 2)."""
    try:
        document = load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: the statutory checklist is missing") from None
    except (UnicodeDecodeError, YamlProblem) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    data = document.data
    items = data.get("requirements") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ConfigError(f"{path}: must hold a non-empty 'requirements' list")
    requirements: list[Requirement] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        line = document.line_of(("requirements", index), 1)
        if not isinstance(item, dict) or not {"id", "title", "citation", "level"} <= set(item):
            raise ConfigError(f"{path}:{line}: each requirement needs id, title, citation, level")
        unknown = set(map(str, item)) - CHECKLIST_KEYS
        if unknown or item["level"] not in LEVELS or item["id"] in seen:
            raise ConfigError(
                f"{path}:{line}: requirement '{item['id']}' has an unknown key, a level other "
                "than must/should, or a duplicate id"
            )
        seen.add(str(item["id"]))
        requirements.append(
            Requirement(
                id=str(item["id"]),
                title=str(item["title"]),
                citation=str(item["citation"]),
                level=str(item["level"]),
                description=str(item.get("description", "")).strip(),
                easy_read=item.get("easy_read") == "required",
                line=line,
            )
        )
    return requirements


def is_in_date(page: Page, today: date) -> bool:
    """Published and not past its review date (pages without review dates are dated records)."""
    review_by = page.meta.get("review_by")
    return page.published and (not isinstance(review_by, date) or review_by >= today)


def compute_coverage(requirements: list[Requirement], pages: list[Page], today: date) -> Coverage:
    """Map each requirement to the in-date published pages that claim it (standard first)."""
    coverage = Coverage(requirements=requirements)
    claims: dict[str, list[Page]] = {requirement.id: [] for requirement in requirements}
    for page in pages:  # once over the pages, not once per requirement
        claimed = page.meta.get("statutory", ())
        if not claimed or not is_in_date(page, today):
            continue
        if isinstance(claimed, (list, tuple)):
            ids = {item for item in claimed if isinstance(item, str) and item in claims}
        else:
            ids = {requirement_id for requirement_id in claims if requirement_id in claimed}
        for requirement_id in ids:
            claims[requirement_id].append(page)
    for requirement in requirements:
        claimed_by = claims[requirement.id]
        coverage.pages[requirement.id] = sorted(claimed_by, key=lambda p: (p.is_easy_read, p.rel))
        coverage.met[requirement.id] = bool(claimed_by)
    return coverage


def feedback_window(today: date) -> tuple[date, date]:
    """The first and last days (both included) of "the last 12 months" of comments."""
    return add_months(today, -12), today


def recent_feedback(pages: list[Page], today: date) -> list[Page]:
    """Published feedback received in the 12 months up to today, in the order given (CoP 4.24:
    comments and responses are published at least annually)."""
    start, end = feedback_window(today)
    return [
        p
        for p in pages
        if p.kind == "feedback"
        and p.published
        and isinstance(p.meta.get("date"), date)
        and start <= p.meta["date"] <= end
    ]


def check_coverage(
    coverage: Coverage, pages: list[Page], today: date, checklist_display: str
) -> list[Diagnostic]:
    """Requirement-by-requirement and whole-site coverage problems."""
    found: list[Diagnostic] = []
    published = [p for p in pages if p.published]
    services = [p for p in published if p.kind == "service" and not p.is_easy_read]
    if not recent_feedback(published, today):
        coverage.met[COMMENTS_ID] = False
    for requirement in coverage.requirements:
        if coverage.met.get(requirement.id):
            continue
        if requirement.id == COMMENTS_ID and coverage.pages.get(COMMENTS_ID):
            found.append(
                problem(
                    "comments-not-published",
                    checklist_display,
                    requirement.line,
                    f"'{COMMENTS_ID}' ({requirement.citation}) needs comments and responses "
                    "from the last 12 months: add a dated entry under feedback/",
                )
            )
            continue
        code = "statutory-missing" if requirement.level == "must" else "statutory-should"
        found.append(
            problem(
                code,
                checklist_display,
                requirement.line,
                f"no published page meets '{requirement.id}' — {requirement.title} "
                f"({requirement.citation}); add 'statutory: [{requirement.id}]' to the page "
                "that covers it",
            )
        )
    found.extend(_structural(services, checklist_display))
    return found


def _structural(services: list[Page], where: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for group in AGE_GROUPS:
        if not any(group in s.meta.get("age_groups", ()) for s in services):
            found.append(
                problem(
                    "coverage-age-group",
                    where,
                    0,
                    f"no published service is for age group {group}; the Local Offer must "
                    "cover ages 0 to 25 (CoP 4.7)",
                )
            )
    if services and not any(s.meta.get("coverage", "in-area") != "in-area" for s in services):
        found.append(
            problem(
                "coverage-out-of-area",
                where,
                0,
                "every service is in-area; list provision outside the area that families use, "
                "with coverage out-of-area, regional or national (CoP 4.4)",
            )
        )
    for level in SERVICE_LEVELS:
        if not any(s.meta.get("service_level") == level for s in services):
            found.append(
                problem(
                    "coverage-service-level",
                    where,
                    0,
                    f"no published service is {level}; describe provision at every level "
                    "(CoP 4.31)",
                )
            )
    return found


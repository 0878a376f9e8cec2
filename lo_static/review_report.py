"""`lo-static report reviews`: which pages each team must review next, overdue first.

Reading is forgiving, because a report is for fixing content: a page whose review dates cannot be
read is listed with the reason instead of stopping the report. Only a missing content folder or an
unusable site.yaml raises `ConfigError`. `collect_rows` is a pure function of the pages, their
problems, the settings and today; the `format_*` functions turn a `ReviewReport` into text.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path

from .config import SiteConfig, load_config
from .content import Page, discover
from .diagnostics import Diagnostic
from .errors import ConfigError
from .reviews import check_reviews
from .schema import REVIEWED
from .validate import validate_page

REVIEW_FIELDS = ("last_reviewed", "review_by")
NO_OWNER = "(no owner)"
FORMATS = ("text", "csv", "json", "markdown")
CSV_COLUMNS = (
    "owner",
    "path",
    "title",
    "kind",
    "easy_read",
    "draft",
    "last_reviewed",
    "review_by",
    "days_left",
    "status",
    "status_text",
    "notes",
)
# Problems that can stop a review date being read, when their message names the field.
_FIELD_CODES = {
    "missing-field", "empty-value", "placeholder", "invalid-date", "wrong-type", "unknown-field"
}
# Review rules that are broken even though both dates can be read.
_RULE_CODES = {"review-order", "review-too-far", "reviewed-in-future"}


class Status(StrEnum):
    """Where a page stands; the order of the members is the order within each team."""

    INVALID = "dates-invalid"
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    OK = "ok"


@dataclass(frozen=True)
class ReviewRow:
    """One page, service or leaflet and its review dates."""

    path: str
    title: str
    kind: str
    owner: str
    easy_read: bool
    draft: bool
    last_reviewed: date | None
    review_by: date | None
    days_left: int | None
    """Days from today until `review_by`; negative when overdue; None when it cannot be read."""
    status: Status
    notes: tuple[str, ...] = ()
    """Why the dates cannot be read, or which review rule they break, with the line."""

    def status_text(self, within: int) -> str:
        """The status in words: overdue, due within 60 days, ok, dates missing or invalid."""
        if self.status is Status.INVALID:
            return "dates missing or invalid"
        if self.status is Status.DUE_SOON:
            return f"due within {_days(within)}"
        return self.status.value

    def to_json(self, within: int) -> dict[str, object]:
        """A plain mapping for `--format json`."""
        return {
            "owner": self.owner,
            "path": self.path,
            "title": self.title,
            "kind": self.kind,
            "easy_read": self.easy_read,
            "draft": self.draft,
            "last_reviewed": _iso(self.last_reviewed) or None,
            "review_by": _iso(self.review_by) or None,
            "days_left": self.days_left,
            "status": self.status.value,
            "status_text": self.status_text(within),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ReviewReport:
    """The rows to show (already filtered and sorted) and what they were chosen by."""

    today: date
    within: int
    rows: list[ReviewRow]
    show_all: bool = False
    owner: str | None = None

    def count(self, status: Status) -> int:
        return sum(1 for row in self.rows if row.status is status)

    @property
    def teams(self) -> list[str]:
        """The owners shown, in report order."""
        return list(dict.fromkeys(row.owner for row in self.rows))

    def summary(self) -> dict[str, object]:
        return {
            "items": len(self.rows),
            "overdue": self.count(Status.OVERDUE),
            "due_soon": self.count(Status.DUE_SOON),
            "ok": self.count(Status.OK),
            "dates_invalid": self.count(Status.INVALID),
            "drafts": sum(1 for row in self.rows if row.draft),
            "teams": len(self.teams),
            "text": self.summary_text(),
        }

    def summary_text(self) -> str:
        """`3 overdue, 5 due within 60 days, across 4 teams` (plus ok and invalid counts)."""
        parts = []
        if self.count(Status.INVALID):
            parts.append(f"{self.count(Status.INVALID)} with dates missing or invalid")
        parts.append(f"{self.count(Status.OVERDUE)} overdue")
        parts.append(f"{self.count(Status.DUE_SOON)} due within {_days(self.within)}")
        if self.show_all:
            parts.append(f"{self.count(Status.OK)} ok")
        teams = len(self.teams)
        return f"{', '.join(parts)}, across {teams} team{'' if teams == 1 else 's'}"

    def heading(self) -> str:
        """What the report lists, as of which day."""
        chosen = "all review dates" if self.show_all else (
            f"reviews overdue or due within {_days(self.within)}"
        )
        team = f" for {self.owner}" if self.owner else ""
        return f"Content reviews on {self.today.isoformat()}: {chosen}{team}"

    def grouped(self) -> list[tuple[str, list[ReviewRow]]]:
        """The rows of each owner, in report order."""
        return [(team, [r for r in self.rows if r.owner == team]) for team in self.teams]


def read_content(content_dir: Path) -> tuple[SiteConfig, list[Page], list[Diagnostic]]:
    """Read site.yaml and every page, keeping going past content errors.

    Raises ConfigError (exit status 2) when the folder or its site.yaml cannot be used."""
    display_root = content_dir.as_posix().rstrip("/") or "."
    config, warnings = load_config(content_dir, display_root)
    tree = discover(content_dir, display_root)
    problems = [*warnings, *tree.diagnostics]
    for page in tree.pages:
        if page.readable:
            problems.extend(validate_page(page, set()))
    return config, tree.pages, problems


def collect_rows(
    pages: Iterable[Page],
    problems: Iterable[Diagnostic],
    config: SiteConfig,
    today: date,
    within: int,
) -> list[ReviewRow]:
    """A row for every page that has review dates (every page, service and leaflet, and any
    other page that sets them), in report order: by owner (one name per team, whatever its
    capitals), then dates that cannot be read, then most overdue first, then by days left."""
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in problems:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    rows = [
        _row(page, by_path.get(page.display, []), config, today, within)
        for page in pages
        if _has_review_dates(page)
    ]
    names = _team_names(row.owner for row in rows)
    rows = [replace(row, owner=names[_team_key(row.owner)]) for row in rows]
    return sorted(rows, key=_order)


def _team_key(owner: str) -> str:
    return " ".join(owner.split()).casefold()


def _team_names(owners: Iterable[str]) -> dict[str, str]:
    """One name per team, however its pages write it: the most used spelling (capitals and
    spaces aside), so 'Local offer team' and 'Local Offer Team' make one list."""
    spellings = Counter(" ".join(owner.split()) for owner in owners)
    names: dict[str, str] = {}
    for spelling, _ in sorted(spellings.items(), key=lambda item: (-item[1], item[0])):
        names.setdefault(spelling.casefold(), spelling)
    return names


def select(
    rows: list[ReviewRow], show_all: bool = False, owner: str | None = None
) -> list[ReviewRow]:
    """The rows to show: by default those overdue, due soon or with a date problem; with
    `owner`, one team's only (case-insensitive). An owner nobody has is a ConfigError."""
    if owner is not None:
        wanted = _team_key(owner)
        rows_of_owner = [row for row in rows if _team_key(row.owner) == wanted]
        if not rows_of_owner:
            owners = ", ".join(sorted({row.owner for row in rows}, key=_owner_key)) or "none"
            raise ConfigError(
                f"--owner '{owner}': no page has this owner; give one of the teams named in "
                f"the pages' 'owner' field (capitals do not matter): {owners}"
            )
        rows = rows_of_owner
    if show_all:
        return list(rows)
    return [row for row in rows if row.status is not Status.OK or row.notes]


def build_report(
    content_dir: Path,
    today: date,
    within: int = 60,
    show_all: bool = False,
    owner: str | None = None,
) -> ReviewReport:
    """Read `content_dir` and choose the rows for `lo-static report reviews`."""
    config, pages, problems = read_content(content_dir)
    rows = collect_rows(pages, problems, config, today, within)
    chosen = select(rows, show_all, owner)
    if owner is not None:  # the team's name as its pages write it
        owner = next(row.owner for row in rows if _team_key(row.owner) == _team_key(owner))
    return ReviewReport(today, within, chosen, show_all, owner)


def _has_review_dates(page: Page) -> bool:
    if page.kind in REVIEWED:
        return True
    data = page.yaml.data
    return page.readable and isinstance(data, dict) and any(f in data for f in REVIEW_FIELDS)


def _row(
    page: Page, problems: list[Diagnostic], config: SiteConfig, today: date, within: int
) -> ReviewRow:
    data = page.yaml.data if page.readable else None
    usable = isinstance(data, dict) or (page.readable and data is None)
    dates: dict[str, date | None] = {}
    notes: list[str] = []
    for name in REVIEW_FIELDS:
        value = page.meta.get(name) if usable else None
        dates[name] = value if isinstance(value, date) else None
    missing = [
        name
        for name in REVIEW_FIELDS
        if dates[name] is None and (page.kind in REVIEWED or name in (data or {}))
    ]
    if not usable:
        notes = [_note(d) for d in sorted(problems)] or ["the front matter cannot be read"]
    elif missing:
        for name in missing:
            found = [
                _note(d)
                for d in sorted(problems)
                if d.code in _FIELD_CODES and f"'{name}'" in d.message
            ]
            notes += found or [f"line {page.line_of(name)}: '{name}' cannot be read"]
    else:
        notes = [
            _note(d) for d in check_reviews(page, config.review, today) if d.code in _RULE_CODES
        ]
    review_by = dates["review_by"]
    days_left = (review_by - today).days if review_by else None
    if missing or not usable:
        status = Status.INVALID
    elif days_left is not None and days_left < 0:
        status = Status.OVERDUE
    elif days_left is not None and days_left <= within:
        status = Status.DUE_SOON
    else:
        status = Status.OK
    owner = page.meta.get("owner") if usable else None
    return ReviewRow(
        path=page.display,
        title=page.title,
        kind=page.kind,
        owner=str(owner).strip() if owner else NO_OWNER,
        easy_read=page.is_easy_read or page.meta.get("easy_read") is True,
        draft=not page.published,
        last_reviewed=dates["last_reviewed"],
        review_by=review_by,
        days_left=days_left,
        status=status,
        notes=tuple(dict.fromkeys(notes)),
    )


def _note(diagnostic: Diagnostic) -> str:
    if diagnostic.line:
        return f"line {diagnostic.line}: {diagnostic.message}"
    return diagnostic.message


def _owner_key(owner: str) -> tuple[bool, str, str]:
    """Alphabetical, ignoring case; pages with no owner last."""
    return (owner == NO_OWNER, owner.casefold(), owner)


def _order(row: ReviewRow) -> tuple[object, ...]:
    unknown = row.days_left is None
    return (
        _owner_key(row.owner),
        row.status is not Status.INVALID,
        unknown,
        row.days_left or 0,
        row.path,
    )


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _title(row: ReviewRow) -> str:
    return f"{row.title} (draft)" if row.draft else row.title


def _days_cell(row: ReviewRow) -> str:
    return "" if row.days_left is None else str(row.days_left)


# Formats -----------------------------------------------------------------------------------


def format_text(report: ReviewReport) -> str:
    """A table per owner, each row's notes under it, and a one-line summary at the end."""
    lines = [report.heading(), ""]
    if not report.rows:
        lines += [_nothing(report), ""]
    header = ("status", "days left", "review by", "last reviewed", "kind", "page", "title")
    for team, rows in report.grouped():
        lines += [team, "-" * len(team)]
        cells = [
            (
                row.status_text(report.within),
                _days_cell(row),
                _iso(row.review_by),
                _iso(row.last_reviewed),
                row.kind,
                row.path,
                _title(row),
            )
            for row in rows
        ]
        widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]
        lines.append(_text_line(header, widths))
        for row, cell in zip(rows, cells, strict=True):
            lines.append(_text_line(cell, widths))
            lines += [f"    note: {note}" for note in row.notes]
        lines.append("")
    lines.append(report.summary_text())
    return "\n".join(lines) + "\n"


def _text_line(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [
        cell.rjust(width) if index == 1 else cell.ljust(width)
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
    ]
    return "  ".join(padded).rstrip()


def _nothing(report: ReviewReport) -> str:
    if report.show_all:
        return "No pages have review dates."
    return f"Nothing is overdue or due for review within {_days(report.within)}."


def format_markdown(report: ReviewReport) -> str:
    """GitHub-flavoured Markdown for an issue or a job summary: a heading and table per owner."""
    lines = [
        f"## {markdown_text(report.heading())}",
        "",
        f"{markdown_text(report.summary_text())}.",
        "",
    ]
    if not report.rows:
        lines += [markdown_text(_nothing(report)), ""]
    for team, rows in report.grouped():
        with_notes = any(row.notes for row in rows)
        header = ["Status", "Days left", "Review by", "Last reviewed", "Kind", "Page", "Title"]
        align = ["---", "---:", "---", "---", "---", "---", "---"]
        if with_notes:
            header.append("Notes")
            align.append("---")
        lines += [f"### {markdown_text(team)}", "", _md_row(header), _md_row(align)]
        for row in rows:
            cells = [
                markdown_text(row.status_text(report.within)),
                _days_cell(row),
                _iso(row.review_by),
                _iso(row.last_reviewed),
                markdown_text(row.kind),
                _md_code(row.path),
                markdown_text(_title(row)),
            ]
            if with_notes:
                cells.append("<br>".join(markdown_text(note) for note in row.notes))
            lines.append(_md_row(cells))
        lines.append("")
    return "\n".join(lines)


def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown_text(text: str) -> str:
    """Text that Markdown shows literally, safe inside a table cell."""
    text = " ".join(text.split())
    for char in "\\`*_[]<>|~#!":
        text = text.replace(char, "\\" + char)
    return text


def _md_code(text: str) -> str:
    if "`" in text:
        return markdown_text(text)
    return "`" + text.replace("|", "\\|") + "`"


def format_csv(report: ReviewReport) -> str:
    """A header row and one row per page (RFC 4180), sorted by owner then days left."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        data = row.to_json(report.within)
        writer.writerow(
            [
                row.owner,
                row.path,
                row.title,
                row.kind,
                "yes" if row.easy_read else "no",
                "yes" if row.draft else "no",
                data["last_reviewed"] or "",
                data["review_by"] or "",
                _days_cell(row),
                row.status.value,
                data["status_text"],
                "; ".join(row.notes),
            ]
        )
    return buffer.getvalue()


def format_json(report: ReviewReport) -> str:
    """One JSON document: today, within, the items and a summary."""
    document = {
        "today": report.today.isoformat(),
        "within": report.within,
        "all": report.show_all,
        "owner": report.owner,
        "items": [row.to_json(report.within) for row in report.rows],
        "summary": report.summary(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


FORMATTERS = {
    "text": format_text,
    "csv": format_csv,
    "json": format_json,
    "markdown": format_markdown,
}

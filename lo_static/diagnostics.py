"""Problems found in content, and the three ways of printing them (text, json, github).

A `Diagnostic` is the one thing every check returns and every test asserts on: the file, the
line, a stable rule code, a severity and a message written for a content editor.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: errors stop the build, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place: `path:line: severity[code]: message`."""

    path: str
    line: int
    code: str
    severity: Severity
    message: str

    def format(self) -> str:
        """The one-line form editors read in a terminal or CI log."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity.value}[{self.code}]: {self.message}"

    def to_json(self) -> dict[str, object]:
        """A plain mapping for `--format json`."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


@dataclass
class Report:
    """Every diagnostic of one run, collected rather than raised, so all are shown at once."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Diagnostic]:
        """Stable order: by file, then line, then code, so output is reproducible."""
        return sorted(set(self.items), key=lambda d: (d.path, d.line, d.code, d.message))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.sorted() if d.severity is Severity.WARNING]

    def has_errors(self, strict: bool = False) -> bool:
        """True when the build must stop; with `strict`, warnings count too."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def summary(self) -> str:
        """`2 errors, 1 warning` (or `no problems found`)."""
        errors, warnings = len(self.errors), len(self.warnings)
        if not errors and not warnings:
            return "no problems found"
        return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def format_text(report: Report) -> str:
    """One line per problem, then the count."""
    lines = [d.format() for d in report]
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def _escape_github_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_github_property(value: str) -> str:
    return _escape_github_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(report: Report) -> str:
    """The text form plus GitHub Actions workflow commands that annotate the changed lines."""
    lines = []
    for d in report:
        command = "error" if d.severity is Severity.ERROR else "warning"
        props = f"file={_escape_github_property(d.path)}"
        if d.line:
            props += f",line={d.line}"
        props += f",title={_escape_github_property(d.code)}"
        lines.append(f"::{command} {props}::{_escape_github_data(d.message)}")
    return "\n".join(lines) + ("\n" if lines else "") + format_text(report)


def format_json(report: Report, **extra: object) -> str:
    """One JSON document: the problems, their counts, and anything the caller adds."""
    document: dict[str, object] = {
        "problems": [d.to_json() for d in report],
        "errors": len(report.errors),
        "warnings": len(report.warnings),
    }
    document.update(extra)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

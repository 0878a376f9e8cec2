"""Read and check `site.yaml`, the settings of one Local Offer.

A missing or malformed site.yaml is a configuration error (exit status 2) that says exactly what
to write; keys the build does not know are warnings with a suggestion.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic
from .errors import ConfigError
from .rules import problem
from .values import email_problem, phone_problem, url_problem
from .yamlfile import YamlDocument, YamlProblem, load_yaml

SITE_FILE = "site.yaml"

EXAMPLE = """council: Ashdown Vale Council
title: Ashdown Vale Local Offer"""

_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

# key → (kind, description); nested mappings list their own keys.
SCHEMA: dict[str, Any] = {
    "council": ("text", "The council's name, as families know it."),
    "title": ("text", "The site's name, like 'Ashdown Vale Local Offer'."),
    "base_url": ("url", "The published address, like https://localoffer.example.gov.uk/."),
    "language": ("language", "The language of the content (default en-GB)."),
    "information_advice_support": {
        "name": ("text", "The SEND information, advice and support service's name."),
        "phone": ("phone", "Its phone number."),
        "email": ("email", "Its email address."),
        "website": ("url", "Its website."),
    },
    "review": {
        "max_months": ("int", "Longest time between reviews, in months (default 12)."),
        "warn_days": ("int", "Warn this many days before a review is due (default 30)."),
    },
    "theme": {
        "primary_colour": ("colour", "The main colour, like #1d4f91."),
        "focus_colour": ("colour", "The focus highlight colour, like #ffdd00."),
        "logo": ("text", "A logo image inside the content folder, like images/logo.svg."),
    },
    "feedback": {
        "url": ("url", "Where families comment on the Local Offer."),
        "redact_names": ("list", "Names that must never appear in published feedback."),
    },
}


@dataclass(frozen=True)
class ReviewPolicy:
    max_months: int = 12
    warn_days: int = 30


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""


@dataclass(frozen=True)
class Theme:
    primary_colour: str = "#1d4f91"
    focus_colour: str = "#ffdd00"
    logo: str = ""


@dataclass(frozen=True)
class FeedbackSettings:
    url: str = ""
    redact_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteConfig:
    """Everything site.yaml sets, with defaults filled in."""

    council: str
    title: str
    base_url: str = ""
    language: str = "en-GB"
    information_advice_support: Contact = field(default_factory=Contact)
    review: ReviewPolicy = field(default_factory=ReviewPolicy)
    theme: Theme = field(default_factory=Theme)
    feedback: FeedbackSettings = field(default_factory=FeedbackSettings)
    key_lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Dotted key → line in site.yaml, so later checks can point at a setting."""


def load_config(content_dir: Path, display_root: str) -> tuple[SiteConfig, list[Diagnostic]]:
    """Read `site.yaml` from `content_dir`. Raises ConfigError when it cannot be used."""
    path = content_dir / SITE_FILE
    display = f"{display_root}/{SITE_FILE}" if display_root not in ("", ".") else SITE_FILE
    if not content_dir.is_dir():
        raise ConfigError(
            f"{display_root}: no such content folder; pass --content with the folder that "
            "holds site.yaml and your Markdown files"
        )
    if not path.is_file():
        raise ConfigError(
            f"{display}: not found. Every Local Offer needs a site.yaml in its content "
            f"folder. Create it with at least:\n\n{EXAMPLE}\n"
        )
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise ConfigError(f"{display}: not UTF-8 text; save it as UTF-8") from None
    try:
        document = load_yaml(text)
    except YamlProblem as error:
        raise ConfigError(f"{display}:{error.line}: {error.message}") from None
    config, warnings = _ConfigReader(document, display).read()
    logo = config.theme.logo
    if logo and not _inside(content_dir, logo):
        line = config.key_lines.get("theme.logo", 1)
        raise ConfigError(
            f"{display}:{line}: theme.logo '{logo}' is not a file in the content folder; "
            "put the logo image in the content folder (for example images/logo.svg) and give "
            "its path"
        )
    return config, warnings


def _inside(content_dir: Path, rel: str) -> bool:
    """True when `rel` names a file inside the content folder."""
    root = content_dir.resolve()
    target = (content_dir / rel).resolve()
    return target.is_relative_to(root) and target.is_file()


class _ConfigReader:
    def __init__(self, document: YamlDocument, display: str) -> None:
        self.document = document
        self.display = display
        self.errors: list[str] = []
        self.warnings: list[Diagnostic] = []

    def line(self, *key: str) -> int:
        return self.document.line_of(tuple(key), 1)

    def fail(self, key: tuple[str, ...], message: str) -> None:
        self.errors.append(f"{self.display}:{self.line(*key)}: {message}")

    def read(self) -> tuple[SiteConfig, list[Diagnostic]]:
        data = self.document.data
        if not isinstance(data, dict):
            raise ConfigError(
                f"{self.display}:1: site.yaml must be 'key: value' lines, at least:\n\n{EXAMPLE}\n"
            )
        for key, line in self.document.duplicate_keys:
            self.errors.append(
                f"{self.display}:{line}: '{'.'.join(map(str, key))}' is written twice"
            )
        values = self.section(data, SCHEMA, ())
        for required in ("council", "title"):
            if not values.get(required):
                self.fail(
                    (),
                    f"'{required}' is missing; add a line like "
                    f"'{EXAMPLE.splitlines()[0 if required == 'council' else 1]}'",
                )
        if self.errors:
            raise ConfigError("\n".join(self.errors))
        review = values.get("review", {})
        ias = values.get("information_advice_support", {})
        theme = values.get("theme", {})
        feedback = values.get("feedback", {})
        base_url = values.get("base_url", "")
        config = SiteConfig(
            council=values["council"],
            title=values["title"],
            base_url=base_url.rstrip("/") + "/" if base_url else "",
            language=values.get("language", "en-GB"),
            information_advice_support=Contact(**ias),
            review=ReviewPolicy(**review),
            theme=Theme(**theme),
            feedback=FeedbackSettings(
                url=feedback.get("url", ""),
                redact_names=tuple(feedback.get("redact_names", ())),
            ),
            key_lines={
                ".".join(map(str, key)): line for key, line in self.document.key_lines.items()
            },
        )
        return config, self.warnings

    def section(
        self, data: dict[Any, Any], schema: dict[str, Any], path: tuple[str, ...]
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = str(raw_key)
            where = (*path, key)
            dotted = ".".join(where)
            if key not in schema:
                close = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
                advice = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else ("known keys here are " + ", ".join(schema))
                )
                self.warnings.append(
                    problem(
                        "site-config",
                        self.display,
                        self.line(*where),
                        f"unknown key '{dotted}' is ignored: {advice}",
                    )
                )
                continue
            spec = schema[key]
            if value is None:
                continue
            if isinstance(spec, dict):
                if not isinstance(value, dict):
                    self.fail(where, f"'{dotted}' must be indented 'key: value' lines")
                    continue
                values[key] = self.section(value, spec, where)
                continue
            checked = self.scalar(spec[0], value, where)
            if checked is not None:
                values[key] = checked
        return values

    def scalar(self, kind: str, value: Any, where: tuple[str, ...]) -> Any:
        dotted = ".".join(where)
        if kind == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                self.fail(where, f"'{dotted}' must be a list of text, like [Name One, Name Two]")
                return None
            return value
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.fail(where, f"'{dotted}' must be a whole number greater than 0, like 12")
                return None
            return value
        if isinstance(value, bool | list | dict):
            self.fail(where, f"'{dotted}' must be text")
            return None
        text = str(value).strip()
        checks = {"url": url_problem, "email": email_problem, "phone": phone_problem}
        trouble = checks[kind](text) if kind in checks else None
        if kind == "language" and not _LANGUAGE.match(text):
            trouble = f"'{text}' is not a language tag; write it like en-GB or cy"
        if kind == "colour" and not _COLOUR.match(text):
            trouble = f"'{text}' is not a colour; write it as # and six hex digits, like #1d4f91"
        if trouble:
            self.fail(where, f"'{dotted}': {trouble}")
            return None
        return text

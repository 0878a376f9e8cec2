"""Check one page's front matter against the content model in `schema.py`.

Produces diagnostics with the line of the offending key (or the end of the front matter when a
field is missing) and a cleaned `meta` mapping for later stages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from .cache import BuildCache, key_of
from .content import Page
from .diagnostics import Diagnostic
from .rules import problem
from .schema import FIELDS_BY_NAME, KIND_PLURALS, Field, fields_for
from .values import (
    date_problem,
    email_problem,
    parse_iso_date,
    phone_problem,
    postcode_problem,
    url_problem,
)

PLACEHOLDER = "TODO:"

_TYPE_WORDS = {
    "text": "text",
    "date": "a date like 2026-09-30",
    "bool": "true or false",
    "int": "a whole number",
    "list": "a list, like [a, b]",
    "mapping": "indented 'field: value' lines",
    "email": "an email address",
    "phone": "a phone number",
    "url": "a web address",
    "postcode": "a postcode",
}


BUNDLE = "valid"
"""The build cache's bundle of each page's checked front matter and problems."""


def validate_pages(
    pages: list[Page], requirement_ids: set[str], cache: BuildCache | None = None
) -> list[Diagnostic]:
    """`validate_page` and `check_body_placeholders` for every readable page. A page whose file
    and checklist are unchanged since the last build takes its `meta` and problems from the
    `cache` (both depend on nothing else)."""
    found: list[Diagnostic] = []
    kept: dict[str, tuple[dict[str, Any], list[Diagnostic]]] = {}
    checklist = key_of("valid", *sorted(requirement_ids))
    for page in pages:
        if not page.readable:
            continue
        key = key_of(checklist, page.source_key) if cache is not None else ""
        entry = cache.get_in(BUNDLE, key) if cache is not None else None
        if entry is None:
            problems = validate_page(page, requirement_ids) + check_body_placeholders(page)
            entry = (page.meta, problems)
        else:
            page.meta = entry[0]
        kept[key] = entry
        found += entry[1]
    if cache is not None:
        cache.keep_bundle(BUNDLE, kept)
    return found


def validate_page(page: Page, requirement_ids: set[str]) -> list[Diagnostic]:
    """Every front-matter problem of `page`; fills `page.meta` with the values that passed."""
    data = page.yaml.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return [
            problem(
                "wrong-type",
                page.display,
                2,
                "front matter must be lines of 'field: value', like 'title: Speech therapy'",
            )
        ]
    checker = _Checker(page, requirement_ids)
    page.meta = checker.check_mapping(data, fields_for(page.kind), ())
    return checker.found


class _Checker:
    def __init__(self, page: Page, requirement_ids: set[str]) -> None:
        self.page = page
        self.requirement_ids = requirement_ids
        self.found: list[Diagnostic] = []

    def report(self, code: str, key: tuple[str | int, ...], message: str) -> None:
        self.found.append(problem(code, self.page.display, self.page.line_of(*key), message))

    def check_mapping(
        self, data: dict[Any, Any], specs: list[Field], path: tuple[str, ...]
    ) -> dict[str, Any]:
        kind = self.page.kind
        known = {spec.name: spec for spec in specs}
        clean: dict[str, Any] = {}
        for spec in specs:
            key = (*path, spec.name)
            value = data.get(spec.name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if spec.is_required(kind):
                    self.missing(spec, key, present=spec.name in data)
                continue
            checked = self.check_value(spec, value, key)
            if checked is not None:
                clean[spec.name] = checked
        for name in data:
            if str(name) not in known:
                self.unknown(str(name), (*path, str(name)), list(known))
        return clean

    def missing(self, spec: Field, key: tuple[str, ...], present: bool) -> None:
        dotted = ".".join(key)
        whose = KIND_PLURALS[self.page.kind] if len(key) == 1 else f"'{'.'.join(key[:-1])}'"
        code = "empty-value" if present else "missing-field"
        verb = "cannot leave" if present else "need"
        if present:
            message = f"'{dotted}' is empty: {spec.hint}"
        else:
            message = f"{whose} {verb} '{dotted}': {spec.hint}"
        self.report(code, key if present else key[:-1], message)

    def unknown(self, name: str, key: tuple[str, ...], known: list[str]) -> None:
        dotted = ".".join(key)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            advice = f"did you mean '{close[0]}'?"
        elif name in FIELDS_BY_NAME and len(key) == 1:
            users = [k for k in KIND_PLURALS if FIELDS_BY_NAME[name].is_allowed(k)]
            advice = f"it is only used on {', '.join(KIND_PLURALS[k] for k in users)}"
        else:
            advice = "known fields are " + ", ".join(known)
        self.report("unknown-field", key, f"unknown field '{dotted}': {advice}")

    def wrong_type(self, spec: Field, key: tuple[str | int, ...], value: Any) -> None:
        dotted = ".".join(str(k) for k in key)
        hint = ""
        if spec.type == "text" and isinstance(value, bool):
            hint = f'; put it in quotes, like {spec.name}: "{"Yes" if value else "No"}"'
        self.report("wrong-type", key, f"'{dotted}' should be {_TYPE_WORDS[spec.type]}{hint}")

    def check_value(self, spec: Field, value: Any, key: tuple[str, ...]) -> Any:
        for text in _strings(value):
            if PLACEHOLDER in text:
                self.report(
                    "placeholder",
                    key,
                    f"'{'.'.join(key)}' still has a placeholder: {spec.hint}",
                )
                return None
        kind = spec.type
        if kind == "mapping":
            if not isinstance(value, dict):
                self.wrong_type(spec, key, value)
                return None
            clean = self.check_mapping(value, list(spec.fields), key)
            # Only when none was written at all: an invalid one is reported on its own line.
            if spec.one_of and not any(name in value for name in spec.one_of):
                self.report(
                    "missing-field",
                    key,
                    f"'{'.'.join(key)}' needs at least one of "
                    f"{', '.join(spec.one_of)}: {spec.hint}",
                )
            return clean
        if kind == "list":
            return self.check_list(spec, value, key)
        if kind == "bool":
            if not isinstance(value, bool):
                self.wrong_type(spec, key, value)
                return None
            return value
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                self.wrong_type(spec, key, value)
                return None
            return value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.wrong_type(spec, key, value)
            return None
        return self.check_scalar(spec, str(value).strip(), key)

    def check_scalar(self, spec: Field, text: str, key: tuple[str, ...]) -> Any:
        dotted = ".".join(key)
        if spec.choices and text not in spec.choices:
            self.bad_choice(spec, text, key)
            return None
        checks = {
            "date": date_problem,
            "email": email_problem,
            "phone": phone_problem,
            "url": url_problem,
            "postcode": postcode_problem,
        }
        if spec.type in checks:
            trouble = checks[spec.type](text)
            if trouble:
                code = "invalid-date" if spec.type == "date" else f"invalid-{spec.type}"
                self.report(code, key, f"'{dotted}': {trouble}")
                return None
            if spec.type == "date":
                return parse_iso_date(text)
        if spec.max_length and len(text) > spec.max_length:
            self.report(
                "summary-too-long" if spec.name == "summary" else "wrong-type",
                key,
                f"'{dotted}' is {len(text)} characters; keep it to {spec.max_length} or fewer",
            )
        return text

    def bad_choice(self, spec: Field, text: str, key: tuple[str | int, ...]) -> None:
        close = difflib.get_close_matches(text, spec.choices, n=1, cutoff=0.6)
        advice = f"did you mean '{close[0]}'? " if close else ""
        self.report(
            "bad-value",
            key,
            f"'{'.'.join(str(k) for k in key)}' cannot be '{text}': {advice}"
            f"use one of {', '.join(spec.choices)}",
        )

    def check_list(self, spec: Field, value: Any, key: tuple[str, ...]) -> list[str] | None:
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = [value]  # a single value is a list of one
        if not isinstance(value, list):
            self.wrong_type(spec, key, value)
            return None
        clean: list[str] = []
        for index, item in enumerate(value):
            item_key = (*key, index)
            if isinstance(item, bool) or not isinstance(item, str | int):
                self.report(
                    "wrong-type",
                    item_key,
                    f"'{'.'.join(key)}' should list plain values, like [a, b]",
                )
                continue
            text = str(item).strip()
            if spec.choices and text not in spec.choices:
                self.bad_choice(spec, text, item_key)
                continue
            if spec.name == "statutory" and text not in self.requirement_ids:
                close = difflib.get_close_matches(text, sorted(self.requirement_ids), n=1)
                advice = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else ("use an id from checks/statutory.yaml")
                )
                self.report(
                    "unknown-requirement",
                    item_key,
                    f"'{text}' is not a requirement in checks/statutory.yaml: {advice}",
                )
                continue
            if text not in clean:
                clean.append(text)
        return clean


def _strings(value: Any) -> Iterator[str]:
    """Every piece of text inside a value (for placeholder detection)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def check_body_placeholders(page: Page) -> list[Diagnostic]:
    """Placeholder lines left in the Markdown body by `lo-static new`."""
    body = page.body
    if PLACEHOLDER not in body:  # nearly every page: no need to look line by line
        return []
    return [
        problem(
            "placeholder",
            page.display,
            page.body_line + number,
            "the text still has a placeholder; replace it with the page's real content",
        )
        for number, line in enumerate(body.split("\n"))
        if PLACEHOLDER in line
    ]

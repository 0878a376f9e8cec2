"""`lo-static new`: start a page or service with every required field present.

Every field an editor must write holds a `TODO:` placeholder that fails validation, so nothing
half-written can be published; review dates are filled in from today.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import yaml

from .errors import ConfigError
from .schema import Field, fields_for
from .validate import PLACEHOLDER
from .values import add_months

FOLDERS = {"service": "services", "page": ""}
BODY = {
    "service": "TODO: describe what the service does, what happens after someone is referred, "
    "and how long families usually wait.\n",
    "page": "TODO: write the page in plain English. Start with a short paragraph, then use "
    "'## ' headings for each part.\n",
}


def slugify(title: str) -> str:
    """`Speech & language therapy!` → `speech-language-therapy`."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "untitled"


def scaffold_text(kind: str, title: str, today: date, max_months: int = 12) -> str:
    """The new file's text: front matter with placeholders, then a placeholder body."""
    lines = ["---"]
    for spec in fields_for(kind):
        if not spec.is_required(kind):
            continue
        lines.extend(_field_lines(spec, kind, title, today, max_months))
    lines.append("---")
    return "\n".join(lines) + "\n\n" + BODY[kind]


def _field_lines(spec: Field, kind: str, title: str, today: date, max_months: int) -> list[str]:
    if spec.name == "title":
        return [f"title: {_quote(title)}"]
    if spec.name == "last_reviewed":
        return [f"last_reviewed: {today.isoformat()}"]
    if spec.name == "review_by":
        return [f"review_by: {add_months(today, max_months).isoformat()}"]
    placeholder = f"{PLACEHOLDER} {spec.hint}"
    if spec.type == "list":
        choices = f" (from: {', '.join(spec.choices)})" if spec.choices else ""
        return [f"{spec.name}: [{_quote(placeholder + choices)}]"]
    if spec.type == "mapping":
        return [f"{spec.name}:", f"  {spec.one_of[0]}: {_quote(PLACEHOLDER + ' ' + spec.hint)}"]
    if spec.choices:
        placeholder = f"{PLACEHOLDER} {' or '.join(spec.choices)}"
    return [f"{spec.name}: {_quote(placeholder)}"]


def _quote(text: str) -> str:
    dumped: str = yaml.safe_dump(text, default_style='"', width=10_000).strip()
    return dumped


def create(content_dir: Path, kind: str, title: str, today: date, max_months: int) -> Path:
    """Write the scaffold; refuses to overwrite an existing file."""
    if not title.strip():
        raise ConfigError('give a title, like: lo-static new service "Speech therapy"')
    folder = content_dir / FOLDERS[kind]
    path = folder / f"{slugify(title)}.md"
    if path.exists():
        raise ConfigError(f"{path.as_posix()} already exists; choose another title or edit it")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(scaffold_text(kind, title, today, max_months), encoding="utf-8")
    return path

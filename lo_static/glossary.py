"""The glossary (CoP 4.12: avoid jargon, explain the terms you use).

`content/glossary.yaml` lists terms with their expansion and a plain explanation. The first use
of each term on a page is marked up as `<abbr>` and linked to the glossary page; an acronym (two
or more capital letters) that the glossary does not explain is a warning at its line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import escape

from .content import Page
from .diagnostics import Diagnostic
from .rules import problem
from .validate import PLACEHOLDER
from .yamlfile import YamlProblem, load_yaml

GLOSSARY_FILE = "glossary.yaml"
ACRONYM = re.compile(r"\b([A-Z][A-Z0-9]*[A-Z](?:\.[A-Z]{2,})*)(?:s|'s|’s)?\b")
KEYS = {"term", "expansion", "explanation"}
SHOWN_FIELDS = (
    "title", "summary", "eligibility", "how_to_access", "cost", "opening_hours",
    "accessibility", "you_said", "we_did",
)
"""Front-matter text that families read, checked for acronyms like the body."""


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    term: str
    expansion: str
    explanation: str

    @property
    def anchor(self) -> str:
        return "term-" + re.sub(r"[^a-z0-9]+", "-", self.term.lower()).strip("-")


@dataclass
class Glossary:
    """Every term, and the pattern that finds them in text."""

    terms: list[Term]

    def __post_init__(self) -> None:
        self.by_term = {t.term: t for t in self.terms}
        names = sorted(self.by_term, key=len, reverse=True)  # longest first: "EHC plan" > "EHC"
        self.pattern = (
            re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")(?=s?\b|'s|’s)")
            if names
            else None
        )

    def explains(self, acronym: str) -> bool:
        return acronym in self.by_term


def load_glossary(content_dir: Path, display_root: str) -> tuple[Glossary, list[Diagnostic]]:
    """Read glossary.yaml if there is one; problems are diagnostics with lines."""
    path = content_dir / GLOSSARY_FILE
    display = f"{display_root}/{GLOSSARY_FILE}" if display_root not in ("", ".") else GLOSSARY_FILE
    if not path.is_file():
        return Glossary([]), []
    try:
        document = load_yaml(path.read_bytes().decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError:
        return Glossary([]), [problem("encoding", display, 1, "save glossary.yaml as UTF-8")]
    except YamlProblem as error:
        return Glossary([]), [problem(error.code, display, error.line, error.message)]
    data = document.data
    if not isinstance(data, list):
        return Glossary([]), [
            problem(
                "glossary",
                display,
                1,
                "the glossary must be a list of entries, each '- term: ...' with expansion "
                "and explanation",
            )
        ]
    terms: list[Term] = []
    found: list[Diagnostic] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        line = document.line_of((index,), 1)
        entry = _entry(item)
        if entry is None:
            found.append(
                problem(
                    "glossary",
                    display,
                    line,
                    "each entry needs 'term', 'expansion' and 'explanation' as text, and "
                    "nothing else",
                )
            )
            continue
        if entry.term in seen:
            found.append(problem("glossary", display, line, f"'{entry.term}' is listed twice"))
            continue
        seen.add(entry.term)
        terms.append(entry)
    return Glossary(sorted(terms, key=lambda t: t.term.casefold())), found


def _entry(item: Any) -> Term | None:
    if not isinstance(item, dict) or set(map(str, item)) != KEYS:
        return None
    values = {k: item[k] for k in KEYS}
    if not all(isinstance(v, str) and v.strip() for v in values.values()):
        return None
    return Term(**{k: str(v).strip() for k, v in values.items()})


# --- Markdown: mark the first use of each term on a page ------------------------------------


def use_glossary(md: MarkdownIt, glossary: Glossary) -> None:
    """Add the core rule that wraps each term's first use on a page, and its render rules."""
    md.core.ruler.push("glossary", lambda state: _mark_terms(state, glossary))
    md.add_render_rule("glossary_open", _render_open)
    md.add_render_rule("glossary_close", _render_close)


def _mark_terms(state: StateCore, glossary: Glossary) -> None:
    if glossary.pattern is None:
        return
    seen: set[str] = set()
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "inline" or not token.children:
            continue
        if index and tokens[index - 1].type == "heading_open":
            continue  # headings stay plain
        token.children = _wrap(token.children, glossary, seen)


def _wrap(children: list[Token], glossary: Glossary, seen: set[str]) -> list[Token]:
    result: list[Token] = []
    in_link = 0
    assert glossary.pattern is not None
    for child in children:
        if child.type == "link_open":
            in_link += 1
        elif child.type == "link_close":
            in_link -= 1
        if child.type != "text" or in_link:
            result.append(child)
            continue
        text = child.content
        position = 0
        for match in glossary.pattern.finditer(text):
            name = match.group(1)
            if name in seen:
                continue
            seen.add(name)
            if match.start() > position:
                result.append(_text(text[position : match.start()]))
            opening = Token("glossary_open", "abbr", 1)
            opening.meta = {"term": glossary.by_term[name]}
            result.extend([opening, _text(name), Token("glossary_close", "abbr", -1)])
            position = match.end()
        if position == 0:
            result.append(child)
        elif position < len(text):
            result.append(_text(text[position:]))
    return result


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _render_open(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    term: Term = tokens[idx].meta["term"]
    href = f"{env['glossary_url']}#{term.anchor}"
    return (
        f'<a class="app-glossary-link" href="{escape(href)}">'
        f'<abbr title="{escape(term.expansion)}">'
    )


def _render_close(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return "</abbr></a>"


def search_keywords(page: Page, glossary: Glossary) -> str:
    """Glossary terms and their expansions for a page that uses either, so a search for
    "EHCP" finds pages that only say "education, health and care plan", and back."""
    text = " ".join([page.title, str(page.meta.get("summary", "")), page.body])
    lowered = text.lower()
    found = []
    for term in glossary.terms:
        # The substring test first: it is much quicker than the pattern, and most pages use
        # few of the terms.
        used = term.term in text and re.search(rf"\b{re.escape(term.term)}\b", text)
        if used or term.expansion.lower() in lowered:
            found.append(f"{term.term} {term.expansion}")
    return "; ".join(found)


# --- Unexplained acronyms -------------------------------------------------------------------


def check_acronyms(page: Page, glossary: Glossary) -> list[Diagnostic]:
    """Acronyms in the page's text (and title) that the glossary does not explain."""
    found: list[Diagnostic] = []
    reported: set[str] = set()

    def scan(text: str, line: int) -> None:
        if PLACEHOLDER in text:
            return  # already an error of its own
        for match in ACRONYM.finditer(text):
            acronym = match.group(1)
            if glossary.explains(acronym) or acronym in reported:
                continue
            reported.add(acronym)
            found.append(
                problem(
                    "unexplained-acronym",
                    page.display,
                    line,
                    f"'{acronym}' is not in the glossary; spell it out, or add it to "
                    f"{GLOSSARY_FILE} with its expansion and a plain explanation",
                )
            )

    for field in SHOWN_FIELDS:
        value = page.meta.get(field)
        if isinstance(value, str):
            scan(value, page.line_of(field))
    for token in page.tokens:
        if token.type != "inline" or not token.map:
            continue
        line = page.body_line + token.map[0]
        for child in token.children or ():
            if child.type == "text":
                scan(child.content, line)
            elif child.type == "softbreak":
                line += 1
    return found

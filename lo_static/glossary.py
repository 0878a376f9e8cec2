"""The glossary (CoP 4.12: avoid jargon, explain the terms you use).

`content/glossary.yaml` lists terms with their expansion and a plain explanation. The first use
of each term on a page is marked up as `<abbr>` and linked to the glossary page; an acronym (two
or more capital letters) that the glossary does not explain is a warning at its line.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from .content import Page
from .diagnostics import Diagnostic
from .rules import problem
from .search import WORD
from .validate import PLACEHOLDER
from .yamlfile import YamlProblem, load_yaml

if TYPE_CHECKING:
    from .markdown import Markdown

GLOSSARY_FILE = "glossary.yaml"
ACRONYM = re.compile(r"([A-Z](?<!\w.)[A-Z0-9]*[A-Z](?:\.[A-Z]{2,})*)(?:s|'s|’s)?\b")
"""Two or more capitals (`SEND`, `EHCPs`, `GOV.UK`) after a word boundary, written as a check
after the first capital: a pattern that starts with a character is searched much faster."""
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
        # `\b(names)`, with the boundary test moved after each name's first character: a
        # pattern that starts with a character lets the regex engine skip quickly to where a
        # name may start (twice as fast on long pages). Same matches.
        self.pattern = (
            re.compile("(" + "|".join(_after_boundary(n) for n in names) + r")(?=s?\b|'s|’s)")
            if names
            else None
        )

    def explains(self, acronym: str) -> bool:
        return acronym in self.by_term

    @functools.cached_property
    def _lowered_expansions(self) -> list[tuple[str, str | None, Term]]:
        """Each expansion, lowercased, with the word it must have (see `_anchor`)."""
        lowered = [(term.expansion.lower(), term) for term in self.terms]
        return [(expansion, _anchor(expansion), term) for expansion, term in lowered]

    def terms_in(self, text: str, words: Collection[str] | None = None) -> set[Term]:
        """The terms `text` uses as a word (`SEND`, not `SENDing`), or whose expansion it has
        anywhere in any case.

        `words`: the text's words as `search.count_words` finds them (lowercased), when known.
        An expansion is then looked for only in a text that has its longest inner word: a
        look in a set instead of a search of the whole text, for most of a glossary's
        expansions on most pages (a tenth of the work of checking a page, before)."""
        found = self._words.found_in(text) if self.terms else set()
        lowered = text.lower()
        if words is None or any(c in text for c in _LOWERS_INTO_WORDS):
            found.update(term for expansion, _, term in self._lowered_expansions
                         if expansion in lowered)
        else:
            found.update(term for expansion, anchor, term in self._lowered_expansions
                         if (anchor is None or anchor in words) and expansion in lowered)
        return found

    @functools.cached_property
    def _words(self) -> _Words:
        return _Words(self.by_term)

    def may_be_used_in(self, markdown: str) -> bool:
        """Whether the text of this Markdown may use a term: one search of the whole source
        instead of one in every piece of text. Conservative: an entity or a backslash escape
        could hide a term from the source (`S&#69;ND`, `GOV\\.UK`), and `_` (a word character,
        which a term's boundary cannot follow) may be emphasis (`_SEND_`)."""
        if self.pattern is None:
            return False
        if "&" in markdown or "\\" in markdown or "_" in markdown:
            return True
        return self.pattern.search(markdown) is not None


class _Words:
    """Which of many words a text uses, found in one search of it (six times quicker than a
    search per word on a glossary of 50). The words are tried longest first from each place
    where one starts; a shorter one that matches there too is a prefix of the one found
    (`GOV` of `GOV.UK`), and is tested there alone."""

    def __init__(self, by_term: dict[str, Term]) -> None:
        def pattern_of(word: str) -> str:
            return _after_boundary(word) + r"\b"

        longest_first = sorted(by_term, key=len, reverse=True)
        self.by_term = by_term
        self.search = re.compile("|".join(f"(?:{pattern_of(w)})" for w in longest_first)).search
        self.alone = {word: re.compile(pattern_of(word)).match for word in by_term}
        self.prefixes = {
            word: [other for other in by_term if other != word and word.startswith(other)]
            for word in by_term
        }

    def found_in(self, text: str) -> set[Term]:
        found: set[Term] = set()
        match = self.search(text)
        while match is not None:
            start, word = match.start(), match.group()
            found.add(self.by_term[word])
            found.update(self.by_term[p] for p in self.prefixes[word] if self.alone[p](text, start))
            match = self.search(text, start + 1)
        return found


def _anchor(expansion: str) -> str | None:
    """The longest word inside a lowercased expansion that any text having the expansion has
    as a whole `search.WORD` (so among its counted words), or None when there is none.

    A word with characters that cannot be in a `WORD` on both sides (`health` in
    `education, health and care`) is found as that very word wherever the expansion is: the
    search for words stops and starts at those characters in the text too. The first and last
    words may be parts of longer ones there (`care` in `healthcare plan`), so they do not
    count; nor do words a `WORD` cannot be (`and`: too short)."""
    inner = _NOT_IN_WORDS.split(expansion)[1:-1]
    return max((w for w in inner if WORD.fullmatch(w)), key=len, default=None)


_NOT_IN_WORDS = re.compile(r"[^A-Za-z'’-]+")
_LOWERS_INTO_WORDS = ("\u0130", "\u212a")
"""The only characters outside `WORD`'s that lowercase into its (İ to i̇, the Kelvin sign to
k): in a text that has one, an expansion may be found where its words were not counted."""


def _after_boundary(name: str) -> str:
    """`\\b` + `name` as a pattern that starts with `name`'s first character."""
    word = re.match(r"\w", name[0]) is not None
    return re.escape(name[0]) + (r"(?<!\w.)" if word else r"(?<=\w.)") + re.escape(name[1:])


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

GLOSSARY_CLOSE = "</abbr></a>"


def use_glossary(md: Markdown, glossary: Glossary) -> None:
    """Have the parser mark each term's first use on a page (see `markdown.compile_events`:
    not in headings, links or pictures)."""
    md.glossary = glossary


def mark_terms(text: str, glossary: Glossary, seen: set[str]) -> list[str | Term] | None:
    """`text` cut at the first use of each term not `seen` yet (which joins `seen`): text and
    `Term`s, in order; None when no term is used for the first time."""
    assert glossary.pattern is not None
    pieces: list[str | Term] | None = None
    position = 0
    for match in glossary.pattern.finditer(text):
        name = match.group(1)
        if name in seen:
            continue
        seen.add(name)
        if pieces is None:
            pieces = []
        if match.start() > position:
            pieces.append(text[position : match.start()])
        pieces.append(glossary.by_term[name])
        position = match.end()
    if pieces is not None and position < len(text):
        pieces.append(text[position:])
    return pieces


def glossary_link_open(term: Term, glossary_url: str) -> str:
    """The opening tags of a marked term; `GLOSSARY_CLOSE` closes them."""
    href = f"{glossary_url}#{term.anchor}"
    return (
        f'<a class="app-glossary-link" href="{escape(href)}">'
        f'<abbr title="{escape(term.expansion)}">'
    )


def search_keywords(
    page: Page, glossary: Glossary, body: str | None = None, words: Collection[str] | None = None
) -> str:
    """Glossary terms and their expansions for a page that uses either, so a search for
    "EHCP" finds pages that only say "education, health and care plan", and back. A term is
    used where it stands as a word (`\\bterm\\b`); an expansion anywhere, in any case.
    `body`: the page's body, when the caller has unpacked it already; `words`: the words of
    its searchable text, when counted already (see `Glossary.terms_in`)."""
    text = page.searchable_text(body)
    used = glossary.terms_in(text, words)
    return "; ".join(f"{term.term} {term.expansion}" for term in glossary.terms if term in used)


# --- Unexplained acronyms -------------------------------------------------------------------


def check_acronyms(page: Page, glossary: Glossary) -> list[Diagnostic]:
    """Acronyms in the page's text (and title) that the glossary does not explain."""
    found: list[Diagnostic] = []
    reported: set[str] = set()

    def scan(text: str, line: int, pieces: list[tuple[int, str, int]] | None = None) -> None:
        """Report the new acronyms in `text`, at `line`; or, when `text` is pieces joined by
        line breaks, at the line of their piece (`pieces`: start, text and line of each)."""
        for match in ACRONYM.finditer(text):
            acronym = match.group(1)
            if glossary.explains(acronym) or acronym in reported:
                continue
            if pieces is not None:
                _start, piece, line = pieces[bisect_right(pieces, match.start(), key=_start_of) - 1]
                if PLACEHOLDER in piece:
                    continue  # already an error of its own
            elif PLACEHOLDER in text:
                return
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
    # The body's pieces of text joined by line breaks (no part of an acronym, nor of a word),
    # searched at once: a page has hundreds of pieces and few acronyms.
    pieces: list[tuple[int, str, int]] = []
    start = 0
    for block in page.tokens.blocks:
        line = page.body_line + block.line
        for item in block.items:
            if item[0] == "t":
                pieces.append((start, item[1], line))
                start += len(item[1]) + 1
            elif item[0] == "s":
                line += 1
    scan("\n".join(piece for _start, piece, _line in pieces), 0, pieces)
    return found


def _start_of(piece: tuple[int, str, int]) -> int:
    return piece[0]

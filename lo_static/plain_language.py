"""Plain language and easy read (CoP 4.7, 4.12): sentence and paragraph length, alt text,
easy-read versions where the checklist requires them, and a readability score.

Works on the parsed Markdown (`markdown.Document`), so every finding has its file line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pyphen

from .content import Page
from .diagnostics import Diagnostic
from .rules import problem
from .statutory import Requirement

EASY_READ_MAX_WORDS = 15
EASY_READ_MAX_SENTENCES = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


@dataclass(frozen=True)
class Block:
    """The plain text of one paragraph or list item, and its first file line."""

    text: str
    line: int


def text_blocks(page: Page) -> Iterator[Block]:
    """Paragraphs, list items, table cells and headings of the body, as plain text (no
    markup)."""
    for block in page.tokens.blocks:
        parts: list[str] = []
        for item in block.items:
            kind = item[0]
            if kind == "t" or kind == "c":
                parts.append(item[1])
            elif kind == "s" or kind == "h":
                parts.append("\n")
        text = "".join(parts).strip()
        if text:
            yield Block(text, page.body_line + block.line)


def sentences(text: str) -> list[str]:
    """Split text into sentences (a full stop, ! or ? followed by a capital or number)."""
    return [s.strip() for s in _SENTENCE_END.split(text.replace("\n", " ")) if s.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def check_alt_text(page: Page) -> list[Diagnostic]:
    """Every image needs alt text describing it (WCAG 1.1.1)."""
    found = []
    for block in page.tokens.blocks:
        for item in block.items:
            if item[0] == "i" and not item[1].strip():
                found.append(
                    problem(
                        "image-alt",
                        page.display,
                        page.body_line + block.line,
                        f"the image '{item[2]}' has no description; write "
                        "one between the brackets, like ![A parent talking to a teacher](...)",
                    )
                )
    return found


def check_easy_read_text(page: Page) -> list[Diagnostic]:
    """Easy-read pages: short sentences, short paragraphs."""
    found: list[Diagnostic] = []
    for block in text_blocks(page):
        parts = sentences(block.text)
        for sentence in parts:
            count = len(words(sentence))
            if count > EASY_READ_MAX_WORDS:
                found.append(
                    problem(
                        "easy-read-sentence",
                        page.display,
                        block.line,
                        f"this sentence has {count} words; easy read needs "
                        f"{EASY_READ_MAX_WORDS} or fewer: '{_clip(sentence)}'",
                    )
                )
        if len(parts) > EASY_READ_MAX_SENTENCES:
            found.append(
                problem(
                    "easy-read-paragraph",
                    page.display,
                    block.line,
                    f"this paragraph has {len(parts)} sentences; easy read needs "
                    f"{EASY_READ_MAX_SENTENCES} or fewer, one idea per line",
                )
            )
    return found


def check_easy_read_versions(
    pages: list[Page], requirements: list[Requirement]
) -> list[Diagnostic]:
    """Pages meeting an `easy_read: required` requirement need an easy-read version, and an
    easy-read version reviewed before its standard page may have drifted from it."""
    found: list[Diagnostic] = []
    by_rel = {page.rel: page for page in pages}
    needed = {r.id: r for r in requirements if r.easy_read}
    for page in pages:
        if not page.published:
            continue
        if page.is_easy_read:
            standard = by_rel.get(page.standard_rel)
            mine = page.meta.get("last_reviewed")
            theirs = standard.meta.get("last_reviewed") if standard else None
            if isinstance(mine, date) and isinstance(theirs, date) and mine < theirs:
                found.append(
                    problem(
                        "easy-read-drift",
                        page.display,
                        page.line_of("last_reviewed"),
                        f"the standard page was reviewed on {theirs.isoformat()}, after this "
                        f"easy-read version ({mine.isoformat()}); check it still says the same",
                    )
                )
            continue
        claims = [needed[i] for i in page.meta.get("statutory", ()) if i in needed]
        easy = by_rel.get(page.rel[:-3] + ".easy-read.md")
        if claims and (easy is None or not easy.published):
            ids = ", ".join(f"'{r.id}'" for r in claims)
            found.append(
                problem(
                    "easy-read-missing",
                    page.display,
                    page.line_of("statutory"),
                    f"this page meets {ids}, which {'needs' if len(claims) == 1 else 'need'} an "
                    "easy-read version too; add "
                    f"{page.rel.rsplit('/', 1)[-1][:-3]}.easy-read.md beside it",
                )
            )
    return found


@lru_cache(maxsize=1)
def _hyphenator() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="en_GB")


def syllables(word: str) -> int:
    """Syllables in a word, from the hyphenation dictionary's break points (at least 1)."""
    return max(1, len(_hyphenator().positions(word.lower())) + 1)


@dataclass(frozen=True)
class Readability:
    """Flesch reading ease of a page's body (higher is easier; 60+ is plain English)."""

    words: int
    sentences: int
    syllables: int

    @property
    def flesch(self) -> float:
        if not self.words or not self.sentences:
            return 0.0
        return round(
            206.835
            - 1.015 * (self.words / self.sentences)
            - 84.6 * (self.syllables / self.words),
            1,
        )

    @property
    def words_per_sentence(self) -> float:
        return round(self.words / self.sentences, 1) if self.sentences else 0.0


def readability(page: Page) -> Readability:
    """Count words, sentences and syllables over the page's paragraphs and list items."""
    total_words = total_sentences = total_syllables = 0
    for block in text_blocks(page):
        for sentence in sentences(block.text):
            found = words(sentence)
            if not found:
                continue
            total_sentences += 1
            total_words += len(found)
            total_syllables += sum(syllables(w) for w in found)
    return Readability(total_words, total_sentences, total_syllables)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

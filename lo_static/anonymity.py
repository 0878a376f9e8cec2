"""The anonymity guard (CoP 4.24): published comments must not identify anyone.

Every feedback entry, drafts included (they are one edit from being published), is read in its
`title`, `summary`, `you_said` and `we_did` fields and its Markdown body. Anything that points at
one person is an error (`identifiable-feedback`): an email address, a UK phone number, a full UK
postcode, an NHS number, a date of birth, or a name from site.yaml `feedback.redact_names`. The
build cannot tell whose details they are, so the council's own phone number or address is an
error too: link to the contact or how-to-comment page instead.

What looks like a person's name is a warning (`possible-name`): a title and a name ("Mrs
Patel"), or two capitalised words in a row in the middle of a sentence that the rest of the Local
Offer does not use (site.yaml, the glossary, and the titles, providers, addresses and text of its
pages and services), like "Sam Patel". Messages never repeat what was found in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from .cache import BuildCache, key_of
from .config import SiteConfig
from .content import Page
from .diagnostics import Diagnostic
from .glossary import Glossary
from .rules import problem

FIELDS = ("title", "summary", "you_said", "we_did")
"""Front-matter text of a feedback entry that is published."""
NAME_SOURCE_FIELDS = ("title", "provider", "owner")
"""Fields of other pages whose capitalised words are names of services, teams or places."""
ADDRESS_FIELDS = ("name", "street", "town")

REMOVE = "remove it: published comments must not identify anyone (CoP 4.24)"
CONTACT_ADVICE = (
    "; to tell families how to reach the council, link to the contact or how-to-comment page "
    "instead"
)

# --- What identifies someone (errors) -------------------------------------------------------

_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
)
# Not inside a word, an amount, a decimal or a date written with / . or -
_NOT_AFTER = r"(?<![\w£$€.,/+-])"
# A UK number starts with 0 (or +44, with an optional (0)); digit groups are separated by one
# space or hyphen, and an area code may be in brackets. Which groups form the number is decided
# by counting digits (see _phone_end).
_PHONE = re.compile(
    _NOT_AFTER + r"(?:\+ ?44 ?(?:\(0\) ?)?\(?\d|\(?0\d)\d*\)?(?:[ -]?\(?\d+\)?){0,5}"
)
_PHONE_DIGITS = re.compile(r"\d+")
_NHS = re.compile(_NOT_AFTER + r"(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w£%]|[.,]\d)")
_POSTCODE = re.compile(
    r"(?<![\w-])(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})(?![\w-])",
    re.IGNORECASE,
)
_ORDINALS = {"st", "nd", "rd", "th"}
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_DATE = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{4}-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?: of)? (?:{_MONTHS})\.?,? \d{{4}}"
    rf"|(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}"
    r")(?![\w/-])",
    re.IGNORECASE,
)
_BIRTH = re.compile(
    r"\b(?:born|birth|births|birthday|birthdays|birthdate|d\.o\.b\.?|dob)\b", re.IGNORECASE
)
BIRTH_REACH = 40
"""How many characters from a birth word a date may be and still count as a date of birth."""
LOOK_BACK = 300
"""How far back to look for the start of a sentence."""
_SENTENCE_BREAK = re.compile(r"[.!?][\"'”’)]*\s+(?=[A-Z\"“‘(])|\n\s*\n")

# --- What may be a name (warnings) -------------------------------------------------------------

_TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.? +[A-Z][a-z]+(?:['’-][A-Za-z]+)*")
_WORD = r"(?:[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:-[A-Z][a-z]+)*|O['’][A-Z][a-z]+)(?:['’]s)?"
_RUN = re.compile(rf"(?<![\w'’-]){_WORD}(?: +{_WORD})+(?![\w'’-])")
_SINGLE = re.compile(rf"(?<![\w'’-]){_WORD}(?![\w'’-])")
_ANY_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*")
_NEXT_WORD = re.compile(rf" +({_WORD})")
_CAPITALISED = re.compile(r"^[A-Z]")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


NEUTRAL_WORDS = _word_set(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    the a an and or but of for to in on at by with from as into about after before
    our we you your they their them he she his her it its this that these those there
    if when where what which who whom how why yes no not please dear thank thanks hello hi
    mum mums dad dads parent parents carer carers child children young people school
    english british christmas easter new year years day days week weeks month months
    i i'm i've
    several many some most all every each both few other another more also then so because
    since while although however sometimes often now today yesterday last next one two three
    ask call contact visit read see tell email phone write join find use go try look
    """
)
"""Capitalised words that are never half of a personal name on their own account."""
ORGANISATION_WORDS = _word_set(
    """
    library libraries school schools college colleges academy nursery nurseries centre center
    hospital clinic surgery hub hubs club clubs group groups team teams service services council
    trust forum society charity partnership board network project programme unit office
    department university church mosque temple gurdwara synagogue
    """
)
"""Words that make a capitalised pair the name of an organisation or place, not a person."""
KNOWN_PHRASES = (
    "Local Offer",
    "Parent Carer Forum",
    "Code of Practice",
    "Children and Families Act",
    "Education, Health and Care",
    "Information, Advice and Support Service",
    "Family Hub",
    "Youth Club",
    "Short Breaks",
    "Easy Read",
    "Plain English",
    "Google Translate",
    "Department for Education",
)
"""Names every Local Offer uses, whatever its own pages say."""


@dataclass(frozen=True)
class Finding:
    """Something in a text that identifies, or may identify, someone."""

    code: str
    what: str
    start: int
    end: int
    found: str
    advice: str = ""


def mask(text: str) -> str:
    """`sam@example.org` → `sa***`: enough to find it, never the personal data itself."""
    words = text.split()
    if len(words) > 1 and all(_CAPITALISED.match(w) for w in words):
        return " ".join(mask(w) for w in words)
    keep = 2 if len(text) > 3 else 1
    return text[:keep] + "***"


def nhs_number_valid(digits: str) -> bool:
    """True when 10 digits pass the NHS number's Modulus 11 check digit."""
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _phone_end(match: re.Match[str]) -> int | None:
    """Where the UK phone number starting at `match` ends, or None if it is not one.

    Digit groups are added one at a time; the longest prefix that is a whole UK number wins:
    11 digits starting 01, 02, 03, 05, 07, 08 or 09, or 10 digits starting 01 or 08 (a few
    area codes and 0800 numbers). Fewer digits (like 0123 456) are not a phone number."""
    text = match.group(0)
    international = text.startswith("+")
    if international:
        text = text.replace("(0)", "", 1)
    digits = ""
    best: int | None = None
    offset = 0
    for group in _PHONE_DIGITS.finditer(text):
        digits += group.group(0)
        offset = group.end()
        number = "0" + digits[2:] if international else digits
        if international and not digits.startswith("44"):
            return None
        if len(number) > 11:
            break
        if re.fullmatch(r"0[1235789]\d{9}|0[18]\d{8}", number):
            best = offset
    if best is None:
        return None
    if international and "(0)" in match.group(0):
        best += 3  # the removed "(0)"
    # The matched text may end with a closing bracket after the last digit.
    return match.start() + best


def _birth_word_near(text: str, start: int, end: int) -> bool:
    """True when a birth word is in the same sentence as the date at start:end, close to it."""
    for word in _BIRTH.finditer(
        text, max(0, start - BIRTH_REACH), min(len(text), end + BIRTH_REACH)
    ):
        between = text[word.end() : start] if word.end() <= start else text[end : word.start()]
        if not _SENTENCE_BREAK.search(between):
            return True
    return False


def _name_pattern(name: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in name.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def find_identifying(text: str, redact_names: Iterable[str] = ()) -> list[Finding]:
    """Errors in `text`: contact details, NHS numbers, dates of birth and names to redact.

    Overlapping findings are reported once, in the order of the checks below (an email address
    that contains a listed name is reported as the email address)."""
    found: list[Finding] = []

    def add(what: str, start: int, end: int, advice: str = "") -> None:
        if any(start < f.end and f.start < end for f in found):
            return
        found.append(Finding("identifiable-feedback", what, start, end, text[start:end], advice))

    for match in _EMAIL.finditer(text):
        add("an email address", match.start(), match.end(), CONTACT_ADVICE)
    for match in _NHS.finditer(text):
        digits = match.group(1) + match.group(3) + match.group(4)
        if not digits.startswith("0") and nhs_number_valid(digits):
            add("an NHS number", match.start(), match.end())
    for match in _DATE.finditer(text):
        if _birth_word_near(text, match.start(), match.end()):
            add(
                "a date of birth",
                match.start(),
                match.end(),
                "; if age matters, give an age group instead, like 'a child aged 5 to 11'",
            )
    position = 0
    while match := _PHONE.search(text, position):
        end = _phone_end(match)
        if end is None:
            position = match.start() + 1  # a number may start inside this one
            continue
        add("a phone number", match.start(), end, CONTACT_ADVICE)
        position = end
    for match in _POSTCODE.finditer(text):
        postcode = match.group(0)
        if postcode != postcode.upper() and (
            " " not in postcode or postcode[-2:].lower() in _ORDINALS
        ):
            continue  # "ks2 2nd": written in lower case, only a spaced postcode counts
        add("a postcode", match.start(), match.end(), CONTACT_ADVICE)
    for name in redact_names:
        if not name.strip():
            continue
        for match in _name_pattern(name.strip()).finditer(text):
            add("a name listed in site.yaml feedback.redact_names", match.start(), match.end())
    return sorted(found, key=lambda f: f.start)


# --- Names -------------------------------------------------------------------------------------


def _plain(word: str) -> str:
    """`Patel's` → `patel`."""
    return re.sub(r"['’]s$", "", word).casefold()


@dataclass
class KnownNames:
    """Capitalised words and word pairs the Local Offer itself uses: services, teams, places."""

    words: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)

    def add_name(self, phrase: str) -> None:
        """A name-like value (a title, provider, place): every word is known, capitalised or
        not, so "Speech Therapy" is known from a service called "Speech therapy"."""
        words = [_plain(w) for w in _ANY_WORD.findall(phrase)]
        self.words.update(words)
        self.pairs.update(pairwise(words))

    def learn(self, texts: Iterable[str], pairs: set[tuple[str, str]]) -> None:
        """Learn from running text until every pair of capitalised words in `pairs` is
        explained: the words it uses in the middle of a sentence (proper names of places,
        groups and services) are known, and so is each pair of them side by side. Only the
        words of those pairs are looked for, so thousands of pages stay fast."""
        pending = {p for p in pairs if not self.explains(_plain(p[0]), _plain(p[1]))}
        if not pending:
            return
        wanted = {w for pair in pending for w in pair}
        alternatives = "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
        # No look-behind: it would stop `re` skipping quickly to the words' first letters.
        pattern = re.compile(rf"(?:{alternatives})(?:['’]s)?(?![\w'’-])")
        plain = {_plain(w) for w in wanted}
        for text in texts:
            for match in pattern.finditer(text):
                start = match.start()
                if start and (text[start - 1].isalnum() or text[start - 1] in "_'’-"):
                    continue  # the end of a longer word
                word = _plain(match.group(0))
                after = _NEXT_WORD.match(text, match.end())
                if after and _plain(after.group(1)) in plain:
                    self.pairs.add((word, _plain(after.group(1))))
                if word not in self.words and not _sentence_start(text, start):
                    self.words.add(word)
            pending = {p for p in pending if not self.explains(_plain(p[0]), _plain(p[1]))}
            if not pending:
                return

    def explains(self, first: str, second: str, opening: bool = False) -> bool:
        """True when two capitalised words side by side are not a suspected personal name.

        Mid-sentence, both words must be known (or the pair itself); at the start of a
        sentence, where the first word has a capital anyway, one known word is enough."""
        if {first, second} & (NEUTRAL_WORDS | ORGANISATION_WORDS):
            return True
        if (first, second) in self.pairs:
            return True
        if opening:
            return first in self.words or second in self.words
        return first in self.words and second in self.words


def known_names(
    config: SiteConfig,
    glossary: Glossary,
    pages: list[Page],
    texts: Iterable[str] = (),
    read: list[Page] | None = None,
) -> KnownNames:
    """Everything the site names that is not a person: from site.yaml, the glossary, and the
    titles, providers, owners, addresses and text of every page and service (not feedback).
    From the text of pages, only the capitalised words used in `texts` are learnt, and only
    as many pages are read as it takes to know them all; with `read`, those pages are added
    to it."""
    known = KnownNames()
    for phrase in (
        *KNOWN_PHRASES,
        config.council,
        config.title,
        config.information_advice_support.name,
    ):
        known.add_name(phrase)
    for term in glossary.terms:
        known.add_name(term.expansion)
    for page in pages:
        if not page.readable or page.kind == "feedback":
            continue
        data = page.yaml.data if isinstance(page.yaml.data, dict) else {}
        for key in NAME_SOURCE_FIELDS:
            if isinstance(data.get(key), str):
                known.add_name(data[key])
        address = _address(data)
        for key in ADDRESS_FIELDS:
            if isinstance(address.get(key), str):
                known.add_name(address[key])
    pairs: set[tuple[str, str]] = set()
    for text in texts:
        for run in _RUN.finditer(text):
            words = [re.sub(r"['’]s$", "", w) for w in _SINGLE.findall(run.group(0))]
            pairs.update(pairwise(words))
    def bodies() -> Iterator[str]:
        for page in pages:
            if page.readable and page.kind != "feedback":
                if read is not None:
                    read.append(page)
                yield page.body

    known.learn(bodies(), pairs)
    return known


def _address(data: dict[Any, Any]) -> dict[Any, Any]:
    contact = data.get("contact")
    address = contact.get("address") if isinstance(contact, dict) else None
    return address if isinstance(address, dict) else {}


def _sentence_start(text: str, start: int) -> bool:
    """True when the word at `start` begins a sentence, a line item, a heading or a cell."""
    before = text[max(0, start - LOOK_BACK) : start]
    stripped = re.sub(r"[ \t*_\"'“‘(\[]+$", "", before)
    if not stripped or stripped[-1] in ".!?:;|>#":
        return True
    if stripped.endswith("\n"):
        line_start = stripped.rstrip("\n")
        marker = before[len(line_start) :].lstrip("\n")
        previous = line_start.rsplit("\n", 1)[-1].strip()
        return (
            not previous
            or stripped.endswith("\n\n")
            or previous.startswith(("#", "|"))
            or bool(re.match(r"\s*(?:[-*+>]|\d+[.)])\s", marker))
            or previous[-1] in ".!?:;"
        )
    return bool(re.search(r"(?:^|\n)\s*(?:[-*+>]|#+|\d+[.)])$", stripped))


def _title_case(line: str) -> bool:
    """A heading or title written In Title Case: its capitals say nothing about names."""
    words = re.findall(r"[A-Za-z][\w'’-]*", line)
    if len(words) < 3:
        return False
    capitals = sum(1 for w in words if _CAPITALISED.match(w))
    return capitals / len(words) >= 0.7


def find_names(text: str, known: KnownNames, heading: bool = False) -> list[Finding]:
    """Warnings in `text`: a title and a name, or two capitalised words in a row that the Local
    Offer does not explain. Headings (and a `heading` text, the title) In Title Case are only
    checked for titles and names."""
    found: list[Finding] = []
    for match in _TITLE_NAME.finditer(text):
        found.append(
            Finding(
                "possible-name", "a title and a name", match.start(), match.end(), match.group(0)
            )
        )
    offset = 0
    for line in text.split("\n"):
        if not ((heading or line.lstrip().startswith("#")) and _title_case(line)):
            found.extend(_runs(text, offset, offset + len(line), known))
        offset += len(line) + 1
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: f.start):
        if not any(finding.start < k.end and k.start < finding.end for k in kept):
            kept.append(finding)
    return kept


def _runs(text: str, start: int, end: int, known: KnownNames) -> Iterator[Finding]:
    for run in _RUN.finditer(text, start, end):
        words = list(_SINGLE.finditer(run.group(0)))
        opening = _sentence_start(text, run.start())
        for index, (first, second) in enumerate(pairwise(words)):
            pair = _plain(first.group(0)), _plain(second.group(0))
            if not known.explains(*pair, opening=opening and index == 0):
                begin, finish = run.start() + first.start(), run.start() + second.end()
                yield Finding(
                    "possible-name",
                    "what may be a person's name",
                    begin,
                    finish,
                    text[begin:finish],
                )
                break


# --- Pages -------------------------------------------------------------------------------------


def _texts(page: Page) -> Iterator[tuple[str, int, str]]:
    """(label, first line, text) for each published text of a feedback entry."""
    data = page.yaml.data if isinstance(page.yaml.data, dict) else {}
    for key in FIELDS:
        value = data.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            yield f"'{key}'", page.line_of(key), str(value)
    yield "", page.body_line, page.body


def check_page(page: Page, redact_names: Iterable[str], known: KnownNames) -> list[Diagnostic]:
    """Every identifying detail (error) and possible name (warning) in one feedback entry."""
    diagnostics: list[Diagnostic] = []
    names = tuple(redact_names)
    for label, first_line, text in _texts(page):
        errors = find_identifying(text, names)
        warnings = [
            w
            for w in find_names(text, known, heading=label == "'title'")
            if not any(w.start < e.end and e.start < w.end for e in errors)
        ]
        for finding in [*errors, *warnings]:
            line = first_line + text.count("\n", 0, finding.start) if not label else first_line
            diagnostics.append(problem(finding.code, page.display, line, _message(label, finding)))
    return diagnostics


def _message(label: str, finding: Finding) -> str:
    where = f"{label} has" if label else "this line has"
    shown = f"{where} {finding.what} ({mask(finding.found)})"
    if finding.code == "possible-name":
        return (
            f"{shown}: if it is a person, remove the name or give their role instead, like "
            "'a parent' or 'a teacher', because published comments must not identify anyone "
            "(CoP 4.24); if it names a group, service or place, write it as a page of this "
            "Local Offer does, or ignore this warning"
        )
    return f"{shown}: {REMOVE}{finding.advice}"


BUNDLE = "anonymity"
"""The build cache's record of the last guard's findings: {key of what it read but the text
of pages: (the pages whose text it read, with their source keys), findings}."""


def check_feedback_anonymity(
    pages: list[Page], config: SiteConfig, glossary: Glossary, cache: BuildCache | None = None
) -> list[Diagnostic]:
    """The anonymity guard over every readable feedback entry, drafts included.

    What it finds depends on the settings, the glossary, every page's front matter, each
    feedback entry's file, and the text of only the pages it had to read to learn the names
    the feedback uses (often a handful): while all of those are as they were at the last
    build, its findings are taken from the `cache`, so editing the text of one service of
    thousands does not run it again."""
    feedback = [p for p in pages if p.readable and p.kind == "feedback"]
    if not feedback:
        return []
    key = _inputs_key(pages, feedback, config, glossary) if cache is not None else ""
    if cache is not None and (stored := cache.bundle(BUNDLE).get(key)) is not None:
        read_then, findings = stored
        source_keys = {page.rel: page.source_key for page in pages}
        if all(source_keys.get(rel) == source for rel, source in read_then):
            cache.keep_bundle(BUNDLE, {key: stored})
            return list(findings)
    texts = [text for page in feedback for _, _, text in _texts(page)]
    read: list[Page] = []
    known = known_names(config, glossary, pages, texts, read)
    found: list[Diagnostic] = []
    for page in feedback:
        found.extend(check_page(page, config.feedback.redact_names, known))
    if cache is not None:
        read_now = tuple((page.rel, page.source_key) for page in read)
        cache.keep_bundle(BUNDLE, {key: (read_now, tuple(found))})
    return found


def _inputs_key(
    pages: list[Page], feedback: list[Page], config: SiteConfig, glossary: Glossary
) -> str:
    """A key of everything the guard reads but the text of pages that are not feedback."""
    return key_of(
        "anonymity",
        repr(config),
        *(f"{term.term}\0{term.expansion}" for term in glossary.terms),
        *(f"{p.rel}\0{p.display}\0{p.kind}\0{p.readable}\0{p.front_key}" for p in pages),
        *(page.source_key for page in feedback),
    )

"""`lo-static import oruk`: start service files from an Open Referral UK (ORUK) feed.

Reads an ORUK 3.0 `service_list` page, a single ORUK 3.0 `service`, or the older ORUK v1 page
(`{"totalElements": ..., "content": [...]}`) that many council directories still publish, and
writes one `services/<slug>.md` per active service. It is the inverse of the export mapping:

    name → title                     description → summary (first sentence) and the body
    eligibility_description → eligibility    minimum_age/maximum_age → age_groups
    cost_options → cost (amount 0 → Free)     contacts/phones, email, url → contact
    locations' addresses → contact.address    schedules → opening_hours
    organization → provider                   assured_date → last_reviewed (+ review_by)
    assurer_email → owner                     id → id

What a feed cannot say (service level, coverage, the owning team, and anything missing or
invalid) is written as a `TODO:` placeholder with a hint, so `lo-static check` fails until an
editor has filled it in. Descriptions are repaired (ftfy), sanitised (nh3) and turned into
Markdown (markdownify). Nothing in a feed, however messy, raises: every problem becomes a note on
its service. Only a feed that cannot be read at all raises `FeedError` (exit status 2).
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ftfy
import nh3
import yaml
from markdownify import MarkdownConverter

from .errors import ConfigError, OutputError
from .scaffold import BODY, slugify
from .schema import AGE_GROUPS, FIELDS_BY_NAME, SUMMARY_MAX, fields_for
from .validate import PLACEHOLDER
from .values import (
    add_months,
    email_problem,
    parse_iso_date,
    phone_problem,
    postcode_problem,
    url_problem,
)
from .yamlfile import YamlProblem, load_yaml

SERVICES_FOLDER = "services"
SLUG_MAX = 60
"""Longest file name (before `.md`): long names make unwieldy web addresses."""
REVIEW_MONTHS = 12
NAME_LONG = 100

SHAPES = {
    "service_list": "an Open Referral UK 3.0 service list",
    "service": "a single Open Referral UK 3.0 service",
    "v1_page": "an Open Referral UK v1 page of services",
    "array": "a list of Open Referral UK services",
}

# Keys only a service has (an organization, location or taxonomy term has none of them).
_SERVICE_KEYS = frozenset(
    {
        "status",
        "minimum_age",
        "maximum_age",
        "eligibility_description",
        "eligibilitys",
        "cost_options",
        "service_at_locations",
        "regular_schedules",
        "assured_date",
        "fees",
        "service_areas",
        "service_taxonomys",
    }
)


class FeedError(ConfigError):
    """The feed cannot be read or is not a service feed: exit status 2."""


# --- Reading the feed ---------------------------------------------------------------------------


@dataclass
class Feed:
    """The services a feed lists, in order, and what kind of document it was."""

    shape: str
    items: list[Any]

    @property
    def description(self) -> str:
        return SHAPES[self.shape]


def read_feed(path: Path, display: str) -> Feed:
    """Read and recognise a feed file. Raises FeedError with what to do."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FeedError(
            f"{display}: no such file; give the path of the JSON file downloaded from the "
            "directory (its /services address)"
        ) from None
    except OSError as error:
        raise FeedError(f"{display}: cannot be read ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FeedError(
            f"{display}:{line}: not UTF-8 text; download the feed again or save it as UTF-8"
        ) from None
    if not text.strip():
        raise FeedError(f"{display}: the file is empty; download the feed again")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        advice = "download the feed again, or open it in a JSON checker to find the mistake"
        if text.lstrip().startswith("<"):
            advice = "it looks like a web page, not JSON: download the /services address itself"
        raise FeedError(
            f"{display}:{error.lineno}:{error.colno}: not valid JSON at line {error.lineno}, "
            f"column {error.colno} ({error.msg}); {advice}"
        ) from None
    except RecursionError:
        raise FeedError(f"{display}: the JSON is nested too deeply to be a service feed") from None
    return detect_shape(data, display)


def _looks_like_service(item: Any) -> bool:
    return isinstance(item, dict) and bool(_SERVICE_KEYS & item.keys())


def detect_shape(data: Any, display: str = "the feed") -> Feed:
    """Which of the known feed shapes `data` is. Raises FeedError for anything else."""
    if isinstance(data, dict):
        for key, shape in (("contents", "service_list"), ("content", "v1_page")):
            items = data.get(key)
            if isinstance(items, list) and (
                not items or any(_looks_like_service(item) for item in items)
            ):
                return Feed(shape, items)
        if _looks_like_service(data):
            return Feed("service", [data])
    elif isinstance(data, list) and data and any(_looks_like_service(item) for item in data):
        return Feed("array", data)
    raise FeedError(f"{display}: {_unknown_shape(data)}")


def _unknown_shape(data: Any) -> str:
    expected = (
        "expected an Open Referral UK services feed: a page with 'contents' (ORUK 3.0 "
        "/services), a page with 'content' (ORUK v1) or one service with 'id', 'name' and "
        "'status'"
    )
    if isinstance(data, dict):
        what = "not a services feed"
        if "services" in data:
            what = "an organization, not a services feed"
        elif "location" in data and "service" in data:
            what = "a service-at-location record, not a services feed"
        elif "taxonomy_terms" in data or "term" in data:
            what = "a taxonomy, not a services feed"
        elif isinstance(data.get("contents"), list) or isinstance(data.get("content"), list):
            what = "a list of something other than services (organizations or taxonomy terms?)"
        keys = ", ".join(sorted(map(str, data))[:8]) or "none"
        return f"this is {what}; {expected} (its top-level keys are: {keys})"
    kind = {list: "a list with no services", str: "a string", bool: "true or false"}.get(
        type(data), "a number" if isinstance(data, int | float) else "nothing"
    )
    return f"found {kind}; {expected}"


# --- Cleaning text ------------------------------------------------------------------------------

_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_UNSAFE = re.compile(
    r"<\s*(?:script|style|iframe|object|embed|form)\b|javascript\s*:|vbscript\s*:|data\s*:|"
    r"\son[a-z]+\s*=",
    re.IGNORECASE,
)
_BODY_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "b", "em", "i",
    "a", "div", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_DROP_WITH_CONTENT = {
    "script", "style", "iframe", "object", "embed", "template", "svg", "math", "noscript",
    "select", "textarea", "head", "title",
}  # fmt: skip
_SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
# Only the tags and the one attribute families' pages need; links only to http(s), mailto and
# tel (relative links would point at pages of the directory the text came from); scripts,
# styles and frames removed with their content.
_BODY_CLEANER = nh3.Cleaner(
    tags=_BODY_TAGS,
    attributes={"a": {"href"}},
    url_schemes=_SAFE_SCHEMES,
    clean_content_tags=_DROP_WITH_CONTENT,
    link_rel=None,
    strip_comments=True,
    url_relative="deny",
)
_TEXT_CLEANER = nh3.Cleaner(tags=set(), clean_content_tags=_DROP_WITH_CONTENT, attributes={})
_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|tr|td|th|table|blockquote|h[1-6])\s*/?>")


_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # control characters (not tab or newline)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # direction controls
    "\u180e\u200b-\u200d\u2060-\u2064\ufeff"  # zero-width characters
    "\u206a-\u206f\ufff9-\ufffb\U000e0000-\U000e007f]"  # invisible formatting, tags
)
"""Characters that can make text display differently from what it says: `lo-static check`
refuses them (`hidden-characters`), so the import leaves them out."""


def _visible(text: str) -> str:
    return _INVISIBLE.sub("", re.sub("[\u2028\u2029]", "\n", text))


def fix_text(text: str) -> str:
    """Repair mojibake (`Â£5` → `£5`, `donâ€™t` → `don’t`), keeping quotes and entities."""
    return ftfy.fix_text(text, uncurl_quotes=False, unescape_html=False)


def plain(value: Any) -> str:
    """One line of clean text from any feed value: repaired, without tags, spaces collapsed.
    Missing values, `false` and objects give ''."""
    if value is None or isinstance(value, bool | dict | list):
        return ""
    text = fix_text(str(value))
    if _HTML.search(text):
        text = _BLOCK_TAG.sub(" ", text)
        text = html.unescape(_TEXT_CLEANER.clean(text))
    return " ".join(_visible(text).split())


class _Markdown(MarkdownConverter):
    """markdownify, with link targets that cannot break out of Markdown's `(...)`."""

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        href = el.get("href")
        if href:
            for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C")):
                href = href.replace(char, code)
            el["href"] = href.replace(">", "%3E")
        result: str = super().convert_a(el, text, parent_tags)
        return result


_CONVERTER = _Markdown(
    heading_style="ATX",
    bullets="-",
    newline_style="backslash",
    escape_misc=True,
    table_infer_header=True,
    strip_document="strip",
)


def _plain_to_html(text: str) -> str:
    """Plain text as HTML paragraphs; lines starting with a bullet become a list."""
    parts = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(re.match(r"[•*·-]\s+", line) for line in lines):
            items = "".join(f"<li>{html.escape(line[1:].strip())}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append("<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>")
    return "".join(parts)


def _shift_headings(clean_html: str) -> str:
    """The page's title is the only level-1 heading: the description's start at level 2."""
    levels = [int(n) for n in re.findall(r"<h([1-6])>", clean_html)]
    shift = max(0, 2 - min(levels)) if levels else 0
    if not shift:
        return clean_html
    return re.sub(r"<(/?)h([1-6])>", lambda m: f"<{m[1]}h{min(6, int(m[2]) + shift)}>", clean_html)


@dataclass
class Description:
    """A feed's description, made safe: Markdown for the body, plain text for the summary."""

    markdown: str
    first_block: str
    unsafe_removed: bool


def convert_description(value: Any) -> Description:
    """HTML or plain text → sanitised Markdown (headings, lists, paragraphs, bold, italic and
    http(s)/mailto/tel links only) and the first paragraph as plain text."""
    if value is None or isinstance(value, bool | dict | list):
        return Description("", "", False)
    raw = _visible(fix_text(str(value)))
    source = raw if _HTML.search(raw) else _plain_to_html(raw)
    safe = _shift_headings(_BODY_CLEANER.clean(source))
    markdown = _CONVERTER.convert(safe)
    markdown = re.sub(r"(?m)^#+[ \t]*$", "", markdown)  # headings left empty
    markdown = re.sub(r"[ \t]+\n", "\n", markdown)
    markdown = re.sub(r"\n{3,}", "\n\n", markdown).strip()
    without_headings = re.sub(r"<h[1-6]>.*?</h[1-6]>", "\n\n", safe, flags=re.DOTALL)
    blocks = html.unescape(_TEXT_CLEANER.clean(_BLOCK_TAG.sub("\n\n", without_headings)))
    first = next((" ".join(b.split()) for b in re.split(r"\n\s*\n", blocks) if b.strip()), "")
    return Description(markdown, first, bool(_UNSAFE.search(raw)))


_NOT_SENTENCE_ENDS = {"e.g", "i.e", "eg", "ie", "dr", "mr", "mrs", "ms", "st", "no", "approx"}


def first_sentence(text: str) -> str:
    """The first sentence of `text` (to its full stop, question or exclamation mark)."""
    for match in re.finditer(r"[.!?](?=\s+[\"'“‘(]?[A-Z0-9]|\s*$)", text):
        before = text[: match.start()].rsplit(maxsplit=1)
        word = before[-1].lower() if before else ""
        if match[0] == "." and word.rstrip(".") in _NOT_SENTENCE_ENDS:
            continue
        return text[: match.end()].strip()
    return text.strip()


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, ending with '…'."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"


# --- Values -------------------------------------------------------------------------------------

_FOUR_DIGIT_AREAS = ("011", "0121", "0131", "0141", "0151", "0161", "0191")


def format_phone(digits: str) -> str:
    """`01632960000` → `01632 960000`, grouped the way UK numbers are written."""
    if len(digits) == 11:
        if digits.startswith("02"):
            return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        if digits.startswith(_FOUR_DIGIT_AREAS) or digits.startswith(("03", "08", "09")):
            return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
        return f"{digits[:5]} {digits[5:]}"
    if len(digits) == 10 and digits.startswith(("0800", "0808", "0500")):
        return f"{digits[:4]} {digits[4:]}"
    return f"{digits[:5]} {digits[5:]}"


_DIGIT_RUN = re.compile(r"\+?\(?\d[\d ()\-.\u00a0]*\d")


def find_phones(text: str) -> list[str]:
    """Every UK phone number in free text, formatted, in order: `Call 01632 960000 (9-5)` →
    `['01632 960000']`. International +44 numbers are written from 0."""
    found: list[str] = []
    for run in _DIGIT_RUN.finditer(text):
        groups = re.findall(r"\d+", run[0])
        if run[0].startswith("+"):
            if not groups or groups[0] != "44":
                continue
            groups = groups[1:]
            if groups and groups[0] == "0":
                groups = groups[1:]
            if groups:
                groups[0] = "0" + groups[0].removeprefix("0")
        total, best = "", ""
        for group in groups:
            if len(total) + len(group) > 11:
                break
            total += group
            if len(total) in (10, 11) and total[0] == "0" and total[1] != "0":
                best = total
        number = format_phone(best) if best else ""
        if number and phone_problem(number) is None and number not in found:
            found.append(number)
    return found


def format_postcode(text: str) -> str:
    """`ts12ab` → `TS1 2AB`."""
    compact = re.sub(r"\s+", "", text).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) and abs(number) < 10**9 else None
    match = re.fullmatch(r"\s*£?\s*(\d+(?:\.\d+)?)\s*", str(value))
    return float(match[1]) if match else None


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects in a feed list (a single object counts as a list of one)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _money(amount: float) -> str:
    return f"£{amount:.0f}" if amount == int(amount) else f"£{amount:.2f}"


_FREE = re.compile(
    r"(?:it(?:'|’)?s\s+|this\s+service\s+is\s+)?(?:free(?:\s+of\s+charge)?|no\s+charge|none|"
    r"nil|£?\s*0(?:\.00?)?)\.?",
    re.IGNORECASE,
)


def _cost_option(option: dict[str, Any]) -> str:
    amount = _number(option.get("amount"))
    if amount is not None and amount < 0:
        amount = None
    unit = plain(option.get("amount_description"))
    who = plain(option.get("option"))
    if amount == 0 or (amount is None and any(_FREE.fullmatch(t) for t in (unit, who) if t)):
        price = "Free"
    elif amount is not None:
        currency = plain(option.get("currency")).upper()
        price = _money(amount) if currency in ("", "GBP") else f"{amount:g} {currency}"
        if unit:
            starts = unit.split()[0].lower()
            if starts in ("per", "a", "an", "each", "every", "for"):
                price += f" {unit}"
            elif len(unit.split()) <= 3:
                price += f" per {unit}"
            else:
                price += f" ({unit})"
    else:
        price = unit
    if who and price and who.lower() != price.lower():
        return f"{who}: {price}"
    return price or who


def _days(byday: str) -> str:
    names = {
        "MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
        "SA": "Saturday", "SU": "Sunday",
    }  # fmt: skip
    order = list(names)
    codes = [c for c in re.findall(r"[A-Z]{2}", byday.upper()) if c in names]
    codes = sorted(dict.fromkeys(codes), key=order.index)
    if not codes:
        return ""
    indexes = [order.index(c) for c in codes]
    if len(codes) >= 3 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{names[codes[0]]} to {names[codes[-1]]}"
    words = [names[c] for c in codes]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _time(value: Any) -> str:
    match = re.match(r"\s*(\d{1,2})[:.](\d{2})", plain(value))
    if not match:
        return ""
    hour, minute = int(match[1]), int(match[2])
    if hour == 12 and minute == 0:
        return "midday"
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if minute == 0 else f"{hour}:{minute:02d}{suffix}"


def render_schedule(schedule: dict[str, Any]) -> str:
    """A schedule as families read it: its description, or `Monday to Friday, 9am to 5pm`."""
    described = plain(schedule.get("description"))
    if described:
        return described
    days = _days(plain(schedule.get("byday")))
    opens, closes = _time(schedule.get("opens_at")), _time(schedule.get("closes_at"))
    hours = f"{opens} to {closes}" if opens and closes else opens or closes
    text = ", ".join(part for part in (days, hours) if part)
    if text and plain(schedule.get("freq")).upper() == "MONTHLY":
        text = f"Monthly: {text}"
    return text


# --- Mapping one service ------------------------------------------------------------------------


@dataclass
class Mapped:
    """One feed service as front matter and body, with what an editor must look at."""

    id: str
    name: str
    front: dict[str, Any]
    body: str
    notes: list[str] = field(default_factory=list)

    @property
    def placeholders(self) -> list[str]:
        """The fields (dotted) still holding a `TODO:` placeholder."""
        return sorted_fields(list(_placeholder_keys(self.front, ())))


def _placeholder_keys(value: Any, key: tuple[str, ...]) -> Iterator[str]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _placeholder_keys(item, (*key, str(name)))
    elif isinstance(value, list):
        if any(isinstance(item, str) and PLACEHOLDER in item for item in value):
            yield ".".join(key)
    elif isinstance(value, str) and PLACEHOLDER in value:
        yield ".".join(key)


def sorted_fields(names: list[str]) -> list[str]:
    order = [spec.name for spec in fields_for("service")]
    return sorted(
        names,
        key=lambda n: (order.index(n.split(".")[0]) if n.split(".")[0] in order else len(order), n),
    )


def todo(name: str, advice: str = "") -> str:
    """A placeholder for a field, with its hint from the schema (and extra advice)."""
    spec = FIELDS_BY_NAME.get(name)
    hint = spec.hint if spec else f"fill in {name}"
    return f"{PLACEHOLDER} {advice or hint}"


def _todo_list(name: str, advice: str) -> list[str]:
    spec = FIELDS_BY_NAME[name]
    return [f"{PLACEHOLDER} {advice} (from: {', '.join(spec.choices)})"]


# Words in a feed's taxonomy terms (word starts, as regular expressions) → our values.
_TOPIC_WORDS = {
    "education": r"education|school|college|tuition|sen support|send support",
    "health": r"health|nhs|therap|medical|nursing|clinic|wellbeing",
    "social-care": r"social care|short break|respite|direct payment|care package",
    "preparing-for-adulthood": r"adulthood|employment|independent living|apprentice|"
    r"supported internship|jobs?\b",
    "leisure": r"leisure|activit|sport|play\b|clubs?\b|holiday|youth",
    "advice-and-support": r"advice|information|advocacy|sendiass|helpline|support group|"
    r"family support|parent carer",
    "transport": r"transport|travel",
    "childcare": r"childcare|child care|nursery|childminder|early years|pre-?school",
}
_NEED_WORDS = {
    "communication-and-interaction": r"communication|speech|language|autis|asd\b|asc\b",
    "cognition-and-learning": r"learning disab|learning difficult|cognition|dyslexi|dyspraxi",
    "social-emotional-and-mental-health": r"mental health|emotional|semh|behaviour|anxiety|adhd",
    "sensory-and-physical": r"sensory|physical|hearing|deaf|visual|vision|blind|mobility|"
    r"wheelchair",
}


def _match_terms(terms: list[str], table: dict[str, str]) -> list[str]:
    found = []
    for value, words in table.items():
        pattern = re.compile(rf"\b(?:{words})", re.IGNORECASE)
        if any(pattern.search(term) for term in terms):
            found.append(value)
    return found


def _taxonomy_terms(service: dict[str, Any]) -> list[str]:
    terms = []
    for link in _objects(service.get("attributes")):
        term = link.get("taxonomy_term")
        if isinstance(term, dict):
            terms += [plain(term.get("name")), plain(term.get("term"))]
    for link in _objects(service.get("service_taxonomys")):
        taxonomy = link.get("taxonomy")
        if isinstance(taxonomy, dict):
            terms.append(plain(taxonomy.get("name")))
    return [t for t in terms if t]


def age_groups(minimum: float | None, maximum: float | None) -> list[str]:
    """The age groups a range of ages overlaps: 12 to 100 → 11-16, 16-25. Groups share their
    boundary years, so 0 to 11 is 0-5 and 5-11 (what the export writes for those groups)."""
    low = 0.0 if minimum is None else minimum
    high = 200.0 if maximum is None else maximum
    bounds = [(g, *map(float, g.split("-"))) for g in AGE_GROUPS]
    groups = [g for g, lo, hi in bounds if low < hi and high > lo]
    if not groups:  # a single boundary year, like 5 to 5
        groups = [g for g, lo, hi in bounds if lo <= low <= hi]
    return groups


@dataclass
class _Context:
    today: date
    max_months: int


class _ServiceMapper:
    """Maps one ORUK service object (3.0 or v1) to front matter, collecting notes."""

    def __init__(self, service: dict[str, Any], ctx: _Context) -> None:
        self.s = service
        self.ctx = ctx
        self.notes: list[str] = []
        self._ages: tuple[float | None, float | None] | None = None
        self.locations = [
            loc
            for sal in _objects(service.get("service_at_locations"))
            for loc in _objects(sal.get("location"))
        ] + _objects(service.get("locations"))

    def note(self, key: str, message: str) -> None:
        self.notes.append(f"{key}: {message}")

    def map(self) -> Mapped:
        s = self.s
        name = plain(s.get("name"))
        description = convert_description(s.get("description"))
        if description.unsafe_removed:
            self.note(
                "description",
                "had scripts, frames, event handlers or unsafe links, which were removed; "
                "check the text still reads well",
            )
        front: dict[str, Any] = {
            "title": name,
            "summary": self.summary(description),
            **self.review_dates(),
            "owner": self.owner(),
            "provider": self.provider(),
            "service_level": self.service_level(),
            "coverage": todo("coverage"),
            "age_groups": self.age_groups(),
            **self.taxonomy(),
            "eligibility": self.eligibility(),
            "how_to_access": self.how_to_access(),
            "cost": self.cost(),
            "contact": self.contact(description),
        }
        hours = self.opening_hours()
        if hours:
            front["opening_hours"] = hours
        access = self.accessibility()
        if access:
            front["accessibility"] = access
        ident = plain(s.get("id"))
        if ident:
            front["id"] = ident
        else:
            self.note("id", "the feed gives no id, so --update can find this file only by name")
        ordered = {
            spec.name: front[spec.name] for spec in fields_for("service") if spec.name in front
        }
        body = _without_lead(description.markdown, front["summary"]) or BODY["service"].strip()
        return Mapped(ident, name, ordered, body, self.notes)

    def summary(self, description: Description) -> str:
        if not description.first_block:
            return todo(
                "summary",
                "describe the service in one sentence of at most "
                f"{SUMMARY_MAX} characters (the feed has no description)",
            )
        sentence = first_sentence(description.first_block)
        if len(sentence) > SUMMARY_MAX:
            self.note(
                "summary",
                f"the description's first sentence is {len(sentence)} characters, so it was "
                f"cut to {SUMMARY_MAX}; check it reads well",
            )
        return shorten(sentence, SUMMARY_MAX)

    def review_dates(self) -> dict[str, Any]:
        raw = plain(self.s.get("assured_date"))
        months = min(REVIEW_MONTHS, self.ctx.max_months)
        checked = parse_iso_date(raw[:10]) if raw else None
        if checked is None:
            uk = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)
            checked = parse_iso_date(f"{uk[3]}-{int(uk[2]):02d}-{int(uk[1]):02d}") if uk else None
        if not raw:
            advice = "the feed does not say when this was last checked"
        elif checked is None:
            advice = f"the feed's assured_date '{raw}' is not a date"
        elif checked > self.ctx.today:
            advice = f"the feed says it was checked on {checked}, which is in the future"
        elif add_months(checked, months) < self.ctx.today:
            advice = (
                f"the feed says it was last checked on {checked}, more than {months} months ago"
            )
        else:
            return {"last_reviewed": checked, "review_by": add_months(checked, months)}
        self.note("last_reviewed", f"{advice}: check the service, then write the dates")
        return {
            "last_reviewed": todo(
                "last_reviewed",
                f"{advice}; check the service, then give the date you checked it, like 2026-09-30",
            ),
            "review_by": todo(
                "review_by",
                f"give the date it must be checked again by, at most {months} months later",
            ),
        }

    def owner(self) -> str:
        assurer = plain(self.s.get("assurer_email"))
        if assurer and email_problem(assurer) is None:
            return assurer
        return todo("owner", "name the team responsible for this service (the feed does not say)")

    def provider(self) -> str:
        organization = self.s.get("organization")
        name = plain(organization.get("name")) if isinstance(organization, dict) else ""
        return name or todo(
            "provider", "name the organisation that runs this service (the feed does not say)"
        )

    def ages(self) -> tuple[float | None, float | None]:
        if self._ages is None:
            self._ages = self._read_ages()
        return self._ages

    def _read_ages(self) -> tuple[float | None, float | None]:
        minimum, maximum = self.s.get("minimum_age"), self.s.get("maximum_age")
        eligibilities = _objects(self.s.get("eligibilitys")) + _objects(self.s.get("eligibility"))
        if minimum is None and maximum is None and eligibilities:
            mins = [_number(e.get("minimum_age")) for e in eligibilities]
            maxes = [_number(e.get("maximum_age")) for e in eligibilities]
            known_mins = [m for m in mins if m is not None]
            known_maxes = [m for m in maxes if m is not None]
            return (
                min(known_mins) if known_mins else None,
                max(known_maxes) if known_maxes else None,
            )
        low, high = _number(minimum), _number(maximum)
        for key, value, parsed in (("minimum_age", minimum, low), ("maximum_age", maximum, high)):
            if value not in (None, "") and parsed is None:
                self.note("age_groups", f"the feed's {key} '{plain(value)}' is not a number")
        return low, high

    def age_groups(self) -> list[str]:
        low, high = self.ages()
        if low is None and high is None:
            return _todo_list("age_groups", "the feed gives no ages: list the age groups it is for")
        if low is not None and high is not None and low > high:
            self.note("age_groups", f"the feed's ages run from {low:g} to {high:g}")
            return _todo_list(
                "age_groups",
                f"the feed's ages ({low:g} to {high:g}) are the "
                "wrong way round: list the age groups it is for",
            )
        groups = age_groups(low, high)
        shown = f"{0 if low is None else low:g} to {'any age' if high is None else f'{high:g}'}"
        if not groups:
            self.note("age_groups", f"the feed's ages ({shown}) are outside 0 to 25")
            return _todo_list(
                "age_groups",
                f"the feed's ages ({shown}) are outside 0 to 25: "
                "list the age groups it is for, or leave this service out",
            )
        if low is None or high is None:
            self.note(
                "age_groups",
                f"the feed gives only a {'maximum' if low is None else 'minimum'} age, so ages "
                f"{shown} were assumed: check age_groups",
            )
        return groups

    def own_terms(self, name: str) -> list[str]:
        """Values of a field linked the way this project's export links them: an attribute
        whose link_type is the field and whose term is one of the field's values."""
        choices = FIELDS_BY_NAME[name].choices
        found = []
        for link in _objects(self.s.get("attributes")):
            term = link.get("taxonomy_term")
            value = plain(term.get("term")) if isinstance(term, dict) else ""
            if plain(link.get("link_type")) == name and value in choices:
                found.append(value)
        return found

    def service_level(self) -> str:
        levels = self.own_terms("service_level")
        return levels[0] if levels else todo("service_level")

    def taxonomy(self) -> dict[str, Any]:
        terms = _taxonomy_terms(self.s)
        result: dict[str, Any] = {}
        for name, table in (("need_types", _NEED_WORDS), ("topics", _TOPIC_WORDS)):
            found = set(self.own_terms(name)) | set(_match_terms(terms, table))
            result[name] = [v for v in FIELDS_BY_NAME[name].choices if v in found] or _todo_list(
                name,
                f"{FIELDS_BY_NAME[name].hint} (the feed's categories do not say), or delete "
                "this line",
            )
        return result

    def eligibility(self) -> str:
        texts = [plain(self.s.get("eligibility_description"))]
        texts += [plain(e.get("eligibility")) for e in _objects(self.s.get("eligibilitys"))]
        if isinstance(self.s.get("eligibility"), str):
            texts.append(plain(self.s.get("eligibility")))
        texts += [plain(e.get("eligibility")) for e in _objects(self.s.get("eligibility"))]
        found = list(dict.fromkeys(t for t in texts if t))
        if found:
            return " ".join(map(_sentence, found))
        low, high = self.ages()
        ages = ""
        if low is not None or high is not None:
            ages = f" (the feed says ages {0 if low is None else low:g} to "
            ages += f"{'any age' if high is None else f'{high:g}'})"
        return todo("eligibility", f"say who can use this service{ages}")

    def how_to_access(self) -> str:
        text = plain(self.s.get("application_process"))
        if text:
            return text
        attending = plain(self.s.get("attending_access")).lower()
        known = {
            "referral": "By referral from a professional.",
            "appointment": "By appointment.",
            "drop-in": "Drop in: no appointment needed.",
            "drop in": "Drop in: no appointment needed.",
        }
        if attending:
            return known.get(attending, attending[0].upper() + attending[1:])
        return todo("how_to_access", "say how families get this service (the feed does not say)")

    def cost(self) -> str:
        options = [_cost_option(o) for o in _objects(self.s.get("cost_options"))]
        options = list(dict.fromkeys(o for o in options if o))
        if options:
            return "Free" if options == ["Free"] else "; ".join(options)
        for key in ("fees_description", "fees"):
            text = plain(self.s.get(key))
            if text:
                return "Free" if _FREE.fullmatch(text) else text
        return todo("cost", "say what it costs, or write Free (the feed does not say)")

    def contact(self, description: Description) -> dict[str, Any]:
        contact: dict[str, Any] = {}
        phone = self.phone(description)
        if phone:
            contact["phone"] = phone
        email = self.email()
        if email:
            contact["email"] = email
        website = self.website()
        if website:
            contact["website"] = website
        address = self.address()
        if address:
            contact["address"] = address
        if not any(key in contact for key in ("phone", "email", "website")):
            contact = {
                "phone": todo(
                    "contact",
                    "give at least a phone number, an email address "
                    "or a website (the feed has none)",
                ),
                **contact,
            }
        return contact

    def _phone_sources(self) -> list[tuple[str, str]]:
        """(where, text) of every phone number the feed gives, most specific first."""
        sources = []
        holders = [self.s, *_objects(self.s.get("contacts")), *self.locations]
        for holder in holders:
            for phone in _objects(holder.get("phones")):
                text = " ".join(
                    plain(phone.get(k)) for k in ("number", "extension") if plain(phone.get(k))
                )
                sources.append(("phones", text))
            for key in ("phone", "telephone"):
                if plain(holder.get(key)):
                    sources.append((key, plain(holder.get(key))))
        return [(where, text) for where, text in sources if text]

    def phone(self, description: Description) -> str:
        numbers: list[str] = []
        invalid: list[str] = []
        for _, text in self._phone_sources():
            found = find_phones(text)
            numbers += [n for n in found if n not in numbers]
            if not found:
                invalid.append(text)
        if not numbers and not invalid:
            from_text = find_phones(plain(self.s.get("description")))
            if from_text:
                self.note(
                    "contact.phone",
                    f"{from_text[0]} was taken from the description; "
                    "check it is the number families should call",
                )
                return from_text[0]
        for text in invalid:
            if numbers:
                self.note(
                    "contact.phone",
                    f"the feed's phone number '{text}' is not a UK "
                    "phone number, so it was left out",
                )
        if len(numbers) > 1:
            self.note(
                "contact.phone",
                "the feed gives more numbers ("
                + ", ".join(numbers[1:])
                + "); only the first was kept",
            )
        if numbers:
            return numbers[0]
        if invalid:
            self.note(
                "contact.phone", f"the feed's phone number '{invalid[0]}' is not a UK phone number"
            )
            return todo(
                "contact",
                f"the feed's phone number '{invalid[0]}' is not a UK phone "
                "number: write it like 01632 960123, or delete this line",
            )
        return ""

    def email(self) -> str:
        candidates = [self.s.get("email")] + [
            c.get("email") for c in _objects(self.s.get("contacts"))
        ]
        texts = [
            plain(c)
            for c in candidates
            if isinstance(c, str | int | float) and not isinstance(c, bool) and plain(c)
        ]
        valid, invalid = [], []
        for text in texts:
            for part in re.split(r"[;,\s]+", text.removeprefix("mailto:")):
                if not part:
                    continue
                (valid if email_problem(part) is None else invalid).append(
                    part.removeprefix("mailto:")
                )
        if valid:
            for bad in invalid:
                self.note("contact.email", f"'{bad}' is not an email address, so it was left out")
            return valid[0]
        if invalid:
            self.note("contact.email", f"the feed's email '{invalid[0]}' is not an email address")
            return todo(
                "contact",
                f"the feed's email '{invalid[0]}' is not an email address: "
                "write the right one, or delete this line",
            )
        return ""

    def website(self) -> str:
        value = self.s.get("url")
        text = plain(value) if isinstance(value, str) else ""
        if not text:
            if value not in (None, "", False):
                self.note(
                    "contact.website",
                    f"the feed's url '{plain(value)}' is not a web address, so it was left out",
                )
            return ""
        if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", text) and re.match(r"[\w-]+\.[\w.-]+", text):
            fixed = "https://" + text
            if url_problem(fixed) is None:
                self.note("contact.website", f"'https://' was added to the feed's url '{text}'")
                return fixed
        if url_problem(text) is None:
            return text
        self.note("contact.website", f"the feed's url '{text}' is not a full web address")
        return todo(
            "contact",
            f"the feed's url '{text}' is not a full web address: write it "
            "like https://www.example.org/page, or delete this line",
        )

    def address(self) -> dict[str, Any] | None:
        addresses = []
        for location in self.locations:
            if plain(location.get("location_type")).lower() == "virtual":
                continue
            for key in ("addresses", "physical_addresses", "postal_addresses"):
                for address in _objects(location.get(key)):
                    if plain(address.get("address_type")).lower() != "virtual":
                        addresses.append((location, address))
        if not addresses:
            return None
        if len(addresses) > 1:
            self.note(
                "contact.address",
                f"the feed gives {len(addresses)} addresses; only the "
                "first was kept: mention the others in the description",
            )
        location, address = addresses[0]
        street = ", ".join(
            plain(address.get(k)) for k in ("address_1", "address_2") if plain(address.get(k))
        )
        town = plain(address.get("city")) or plain(address.get("town"))
        raw_postcode = plain(address.get("postal_code")) or plain(address.get("postcode"))
        postcode = format_postcode(raw_postcode)
        result: dict[str, Any] = {}
        venue = plain(location.get("name"))
        if venue and venue != street:
            result["name"] = venue
        result["street"] = street or todo("contact", "give the street (the feed does not say)")
        result["town"] = town or todo("contact", "give the town (the feed does not say)")
        if not raw_postcode:
            result["postcode"] = todo("contact", "give the postcode (the feed does not say)")
        elif postcode_problem(postcode):
            self.note(
                "contact.address.postcode",
                f"the feed's postcode '{raw_postcode}' is not a UK postcode",
            )
            result["postcode"] = todo(
                "contact",
                f"the feed's postcode '{raw_postcode}' is not a "
                "UK postcode: give the right one, like AV1 2BD",
            )
        else:
            result["postcode"] = postcode
        return result

    def opening_hours(self) -> str:
        schedules = _objects(self.s.get("schedules")) + _objects(self.s.get("regular_schedules"))
        if not schedules:
            for sal in _objects(self.s.get("service_at_locations")):
                schedules += _objects(sal.get("schedules")) + _objects(sal.get("regular_schedules"))
        texts = list(dict.fromkeys(t for t in map(render_schedule, schedules) if t))
        return "; ".join(texts)

    def accessibility(self) -> str:
        texts = []
        for location in self.locations:
            for key in ("accessibility", "accessibility_for_disabilities"):
                for item in _objects(location.get(key)):
                    texts.append(plain(item.get("description")) or plain(item.get("accessibility")))
        languages = [
            plain(lang.get("name")) or plain(lang.get("language"))
            for lang in _objects(self.s.get("languages"))
        ]
        languages = [lang for lang in dict.fromkeys(languages) if lang]
        if languages:
            texts.append("Languages: " + ", ".join(languages) + ".")
        return " ".join(dict.fromkeys(_sentence(t) for t in texts if t))


def _without_lead(markdown: str, summary: str) -> str:
    """The body without its first paragraph when that is just the summary, which the page
    already shows above it (as in this project's own Open Referral export)."""
    first, _, rest = markdown.partition("\n\n")
    words = " ".join(re.sub(r"\\(.)|[*_]", r"\1", first).split())
    return rest.strip() if rest.strip() and words == summary else markdown


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?")) else text + "."


def map_service(service: dict[str, Any], today: date, max_months: int = 12) -> Mapped:
    """Front matter and body for one ORUK service (3.0 or v1). Never raises on bad data."""
    return _ServiceMapper(service, _Context(today, max_months)).map()


# --- Writing ------------------------------------------------------------------------------------


def make_slug(name: str) -> str:
    """A file name from a service name, like `lo-static new` makes (`Children's centre` →
    `childrens-centre`), at most 60 characters, cut between words."""
    slug = slugify(re.sub(r"['’`]", "", name))
    if len(slug) > SLUG_MAX:
        slug = slug[: SLUG_MAX + 1].rsplit("-", 1)[0] if "-" in slug[:SLUG_MAX] else slug[:SLUG_MAX]
    if slug == "index":
        slug = "index-service"  # services/index.md would take the service directory's address
    return slug.strip("-") or "untitled"


def _scalar(value: Any) -> str:
    if isinstance(value, str) and PLACEHOLDER in value:
        return yaml.safe_dump(value, default_style='"', width=10_000, allow_unicode=True).strip()
    text = yaml.safe_dump(value, width=10_000, allow_unicode=True, default_flow_style=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _yaml_lines(key: str, value: Any, indent: int = 0) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        lines = [f"{pad}{key}:"]
        for name, item in value.items():
            lines += _yaml_lines(str(name), item, indent + 2)
        return lines
    if isinstance(value, list):
        if all(isinstance(item, str) and PLACEHOLDER in item for item in value) and value:
            return [f"{pad}{key}: [{', '.join(_scalar(item) for item in value)}]"]
        dumped = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True)
        return [f"{pad}{key}: {dumped.strip()}"]
    return [f"{pad}{key}: {_scalar(value)}"]


def render_file(front: dict[str, Any], body: str) -> str:
    """The Markdown file: front matter between `---` lines, a blank line, the body."""
    lines = ["---"]
    for key, value in front.items():
        lines += _yaml_lines(key, value)
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body.strip() + "\n"


@dataclass
class _Existing:
    path: Path
    id: str
    front: dict[str, Any] | None
    body: str


def _read_existing(path: Path) -> _Existing:
    """A service file already in the content folder: its id, front matter and body, as far
    as they can be read."""
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError):
        return _Existing(path, "", None, "")
    lines = text.split("\n")
    end = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() in ("---", "...")), 0)
    if not lines or lines[0].rstrip() != "---" or not end:
        return _Existing(path, "", None, text)
    try:
        data = load_yaml("\n".join(lines[1:end]), first_line=2).data
    except YamlProblem:
        data = None
    body = "\n".join(lines[end + 1 :]).strip()
    if not isinstance(data, dict):
        return _Existing(path, "", None, body)
    ident = data.get("id")
    return _Existing(path, "" if ident is None else str(ident).strip(), data, body)


def _has_placeholder(value: Any) -> bool:
    return any(True for _ in _placeholder_keys({"x": value}, ()))


def merge_existing(mapped: Mapped, existing: _Existing) -> list[str]:
    """For --update: keep what editors wrote where the feed has nothing better (a placeholder,
    or no value at all). Returns the fields kept."""
    if existing.front is None:
        mapped.notes.append(
            "the existing file's front matter could not be read, so it was replaced whole"
        )
        return []
    kept = []
    front = dict(mapped.front)
    for key, old in existing.front.items():
        key = str(key)
        new = front.get(key)
        if _has_placeholder(old) or old in (None, "", [], {}):
            continue
        if new is None or _has_placeholder(new):
            if key in ("last_reviewed", "review_by") and isinstance(old, str):
                old = parse_iso_date(old) or old
            front[key] = old
            kept.append(key)
    order = [spec.name for spec in fields_for("service")]
    mapped.front = {k: front[k] for k in order if k in front} | {
        k: v for k, v in front.items() if k not in order
    }
    if (
        mapped.body == BODY["service"].strip()
        and existing.body
        and PLACEHOLDER not in existing.body
    ):
        mapped.body = existing.body
        kept.append("the description")
    return kept


@dataclass
class Outcome:
    """What happened to one service in the feed."""

    name: str
    id: str
    action: str
    """written, updated, or skipped."""
    path: str = ""
    reason: str = ""
    """For skipped services: already-there, inactive, repeated or unusable."""
    message: str = ""
    to_fill_in: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        name = f"'{self.name}'" if self.name else "a service with no name"
        return f"{name} (id {self.id})" if self.id else f"{name} (no id)"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id": self.id,
            "action": self.action,
            "path": self.path,
            "reason": self.reason,
            "message": self.message,
            "to_fill_in": self.to_fill_in,
            "problems": self.problems,
        }


SKIP_REASONS = {
    "already-there": "already there",
    "inactive": "inactive",
    "repeated": "repeated in the feed",
    "unusable": "unusable",
}


@dataclass
class ImportResult:
    """Every service's outcome, in feed order."""

    feed: Feed
    outcomes: list[Outcome]

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def written(self) -> int:
        return self.count("written") + self.count("updated")

    @property
    def need_attention(self) -> int:
        return sum(1 for o in self.outcomes if o.action != "skipped" and o.to_fill_in)

    @property
    def exit_code(self) -> int:
        """0 when the import ran; 1 when nothing could be imported: no file was written or is
        already there, and some service was unusable (no name, not an object)."""
        unusable = sum(1 for o in self.outcomes if o.reason == "unusable")
        there = sum(1 for o in self.outcomes if o.reason == "already-there")
        return 1 if self.written == 0 and unusable and not there else 0

    def summary(self) -> str:
        skipped = [o for o in self.outcomes if o.action == "skipped"]
        reasons = [
            f"{label}: {n}"
            for reason, label in SKIP_REASONS.items()
            if (n := sum(1 for o in skipped if o.reason == reason))
        ]
        detail = f" ({'; '.join(reasons)})" if reasons else ""
        return (
            f"Wrote {self.written} service{'s' if self.written != 1 else ''}, skipped "
            f"{len(skipped)}{detail}, {self.need_attention} need attention before publishing "
            "(run lo-static check)"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "feed": self.feed.shape,
            "services": [o.as_json() for o in self.outcomes],
            "summary": {
                "written": self.count("written"),
                "updated": self.count("updated"),
                "skipped": self.count("skipped"),
                "need_attention": self.need_attention,
                "skipped_by_reason": {
                    r: sum(1 for o in self.outcomes if o.reason == r) for r in SKIP_REASONS
                },
                "message": self.summary(),
            },
        }


@dataclass
class ImportOptions:
    content_dir: Path
    display_root: str
    today: date
    update: bool = False
    max_months: int = 12


def import_feed(feed: Feed, options: ImportOptions) -> ImportResult:
    """Write one file per active service in `feed` into the content folder's services/."""
    if not options.content_dir.is_dir():
        raise ConfigError(
            f"{options.display_root}: no such content folder; pass --into with the folder that "
            "holds site.yaml and your Markdown files"
        )
    folder = options.content_dir / SERVICES_FOLDER
    existing = (
        [
            _read_existing(p)
            for p in sorted(folder.glob("*.md"))
            if not p.name.endswith(".easy-read.md")
        ]
        if folder.is_dir()
        else []
    )
    by_id = {e.id: e for e in existing if e.id}
    by_path = {e.path.name: e for e in existing}
    claimed: set[str] = set()
    seen_ids: dict[str, str] = {}
    outcomes = []
    for index, item in enumerate(feed.items, 1):
        outcomes.append(
            _import_one(item, index, options, folder, by_id, by_path, claimed, seen_ids)
        )
    return ImportResult(feed, outcomes)


def _display(options: ImportOptions, name: str) -> str:
    root = options.display_root
    rel = f"{SERVICES_FOLDER}/{name}"
    return f"{root}/{rel}" if root not in ("", ".") else rel


def _import_one(
    item: Any,
    index: int,
    options: ImportOptions,
    folder: Path,
    by_id: dict[str, _Existing],
    by_path: dict[str, _Existing],
    claimed: set[str],
    seen_ids: dict[str, str],
) -> Outcome:
    if not isinstance(item, dict):
        return Outcome(
            "",
            "",
            "skipped",
            reason="unusable",
            message=(f"item {index} in the feed is not a service; fix the feed"),
        )
    name, ident = plain(item.get("name")), plain(item.get("id"))
    status = plain(item.get("status")).lower()
    if not name:
        return Outcome(
            "",
            ident,
            "skipped",
            reason="unusable",
            message=(
                f"item {index} in the feed has no name, so it was not imported; give it a name in "
                "the directory, or add it by hand with lo-static new service"
            ),
        )
    if status and status != "active":
        return Outcome(
            name,
            ident,
            "skipped",
            reason="inactive",
            message=f"its status in the feed is '{status}', not active",
        )
    if ident and ident in seen_ids:
        return Outcome(
            name,
            ident,
            "skipped",
            reason="repeated",
            message=(
                f"the feed lists this id more than once; only the first ('{seen_ids[ident]}') was "
                "imported: give each service its own id in the directory"
            ),
        )
    if ident:
        seen_ids[ident] = name
    mapped = map_service(item, options.today, options.max_months)
    if not status:
        mapped.notes.append("status: the feed gives no status, so it was taken to be active")
    if len(name) > NAME_LONG:
        mapped.notes.append(
            f"title: the name is {len(name)} characters long; a shorter title "
            "reads better in lists and search results"
        )
    path, existing, conflict = _choose_file(mapped, folder, by_id, by_path, claimed)
    claimed.add(path.name)
    display = _display(options, path.name)
    if conflict:
        return Outcome(
            name,
            ident,
            "skipped",
            display,
            "already-there",
            (
                f"already there as {display}, which has no id; if it is the same service, add "
                f"'id: {ident}' to it so --update can refresh it, or rename it"
            ),
        )
    if existing is not None and not options.update:
        return Outcome(
            name,
            ident,
            "skipped",
            display,
            "already-there",
            f"already there as {display}; run with --update to replace it",
        )
    action = "written"
    if existing is not None:
        kept = merge_existing(mapped, existing)
        action = "updated"
        if kept:
            mapped.notes.append("kept from the existing file: " + ", ".join(kept))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(render_file(mapped.front, mapped.body), encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise OutputError(f"{display}: cannot be written ({error.strerror or error})") from None
    return Outcome(name, ident, action, display, "", "", mapped.placeholders, mapped.notes)


def _choose_file(
    mapped: Mapped,
    folder: Path,
    by_id: dict[str, _Existing],
    by_path: dict[str, _Existing],
    claimed: set[str],
) -> tuple[Path, _Existing | None, bool]:
    """The file for a service: the one with its id, else a free `<slug>.md`, `<slug>-2.md`...
    A file of the same name without an id may be a hand-written page for the same service:
    it is never taken over (the third value is True), and the editor is told how to link
    them."""
    if mapped.id and mapped.id in by_id:
        existing = by_id[mapped.id]
        return existing.path, existing, False
    slug = make_slug(mapped.name)
    number = 1
    while True:
        filename = f"{slug}.md" if number == 1 else f"{slug}-{number}.md"
        number += 1
        if filename in claimed:
            continue
        existing = by_path.get(filename)
        if existing is None:
            return folder / filename, None, False
        if existing.id and existing.id != mapped.id:
            continue  # another service of the same name
        return existing.path, existing, bool(mapped.id)


# --- Reporting ----------------------------------------------------------------------------------


def format_text(result: ImportResult, display: str) -> str:
    """The per-service report for people (the summary line is printed separately)."""
    lines = [
        f"Read {display}: {result.feed.description} with {len(result.feed.items)} "
        f"entr{'y' if len(result.feed.items) == 1 else 'ies'}."
    ]
    for outcome in result.outcomes:
        if outcome.action == "skipped":
            lines.append(f"skipped {outcome.label}: {outcome.message}")
            continue
        lines.append(f"{outcome.path}: {outcome.action} {outcome.label}")
        if outcome.to_fill_in:
            lines.append(
                "  - to fill in (marked TODO: in the file): " + ", ".join(outcome.to_fill_in)
            )
        lines += [f"  - {problem}" for problem in outcome.problems]
    return "\n".join(lines) + "\n"

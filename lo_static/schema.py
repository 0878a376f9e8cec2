"""The content model: every front-matter field, for every kind of page. One source of truth.

This table drives the validator (`validate.py`), the JSON Schemas published under
`checks/schema/` (so editors' editors can autocomplete front matter), and the field reference in
`docs/content-model.md`. Change a field here, then run `lo-static schema --write` to regenerate
both; a test fails while they are out of date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

KINDS = ("page", "service", "feedback", "news", "leaflet")
KIND_FOLDERS = {
    "services": "service",
    "feedback": "feedback",
    "news": "news",
    "leaflets": "leaflet",
}
KIND_PLURALS = {
    "page": "pages",
    "service": "services",
    "feedback": "feedback entries",
    "news": "news items",
    "leaflet": "leaflets",
}

AGE_GROUPS = ("0-5", "5-11", "11-16", "16-25")
NEED_TYPES = (
    "communication-and-interaction",
    "cognition-and-learning",
    "social-emotional-and-mental-health",
    "sensory-and-physical",
)
TOPICS = (
    "education",
    "health",
    "social-care",
    "preparing-for-adulthood",
    "leisure",
    "advice-and-support",
    "transport",
    "childcare",
)
SERVICE_LEVELS = ("universal", "targeted", "specialist")
COVERAGE = ("in-area", "out-of-area", "regional", "national")
FEEDBACK_THEMES = ("content", "accessibility", "development")
FEEDBACK_STATUSES = ("planned", "in-progress", "done")
LEAFLET_SIZES = ("A5", "DL")
SUMMARY_MAX = 160

ValueType = Literal[
    "text", "date", "bool", "int", "list", "mapping", "email", "phone", "url", "postcode"
]

ALL = frozenset(KINDS)
REVIEWED = frozenset({"page", "service", "leaflet"})
DATED = frozenset({"feedback", "news"})
PAGES_AND_SERVICES = frozenset({"page", "service"})
SERVICE = frozenset({"service"})
FEEDBACK = frozenset({"feedback"})
LEAFLET = frozenset({"leaflet"})


@dataclass(frozen=True)
class Field:
    """One front-matter field: its type, which kinds require or allow it, and how to fill it."""

    name: str
    type: ValueType
    description: str
    hint: str
    required: frozenset[str] = frozenset()
    allowed: frozenset[str] | None = None
    """Kinds that may use the field; by default the kinds that require it (or every kind)."""
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    example: str = ""
    fields: tuple[Field, ...] = ()
    one_of: tuple[str, ...] = ()
    citation: str = ""

    def is_required(self, kind: str) -> bool:
        return kind in self.required

    def is_allowed(self, kind: str) -> bool:
        if self.allowed is None:
            return kind in self.required if self.required else True
        return kind in self.allowed or kind in self.required


ADDRESS = Field(
    "address",
    "mapping",
    "Where the service is delivered. `name` (optional), `street`, `town` and `postcode`.",
    "give the street, town and postcode",
    allowed=SERVICE,
    fields=(
        Field(
            "name",
            "text",
            "The building or venue, if it has a name.",
            "name the venue",
            allowed=SERVICE,
        ),
        Field("street", "text", "Street address.", "give the street", required=SERVICE),
        Field("town", "text", "Town.", "give the town", required=SERVICE),
        Field("postcode", "postcode", "A UK postcode.", "give the postcode", required=SERVICE),
    ),
    example="street: 12 Mill Lane\ntown: Ashdown\npostcode: AV1 2BD",
)

CONTACT = Field(
    "contact",
    "mapping",
    "How families reach the service: at least one of `phone`, `email`, `website`; "
    "optionally an `address`.",
    "give at least a phone number, an email address or a website",
    required=SERVICE,
    allowed=SERVICE,
    fields=(
        Field(
            "phone",
            "phone",
            "A UK phone number, like 01632 960123.",
            "give the number",
            allowed=SERVICE,
        ),
        Field("email", "email", "An email address.", "give the email address", allowed=SERVICE),
        Field(
            "website",
            "url",
            "A full web address starting https://.",
            "give the address",
            allowed=SERVICE,
        ),
        ADDRESS,
    ),
    one_of=("phone", "email", "website"),
    example="phone: 01632 960123\nemail: team@council.gov.uk",
    citation="CoP 4.30",
)

FIELDS: tuple[Field, ...] = (
    Field(
        "title",
        "text",
        "The page's heading and the name shown in lists and search results.",
        "give the page a short, plain heading",
        required=ALL,
        example="Speech and language therapy",
    ),
    Field(
        "summary",
        "text",
        f"One plain sentence, at most {SUMMARY_MAX} characters, shown in listings, search "
        "results and the page description.",
        f"describe the page in one sentence of at most {SUMMARY_MAX} characters",
        required=ALL,
        max_length=SUMMARY_MAX,
        example="NHS therapists who help children with talking and understanding.",
    ),
    Field(
        "last_reviewed",
        "date",
        "The date someone last checked the page was right (YYYY-MM-DD).",
        "give the date the page was last checked, like 2026-09-30",
        required=REVIEWED,
        allowed=ALL,
        example="2026-10-14",
        citation="CoP 4.7",
    ),
    Field(
        "review_by",
        "date",
        "The date by which the page must be checked again, at most `review.max_months` "
        "(12 by default) after `last_reviewed`. After it the build fails.",
        "give the date the page must be checked again by, like 2027-09-30",
        required=REVIEWED,
        allowed=ALL,
        example="2027-09-30",
        citation="CoP 4.7",
    ),
    Field(
        "owner",
        "text",
        "The team accountable for keeping the page right.",
        "name the team responsible for this page",
        required=ALL,
        example="SEND Assessment Team",
    ),
    Field(
        "statutory",
        "list",
        "Ids of the requirements in checks/statutory.yaml that this page meets.",
        "list requirement ids from checks/statutory.yaml",
        allowed=PAGES_AND_SERVICES,
        example="[requesting-ehc-assessment]",
    ),
    Field(
        "age_groups",
        "list",
        "The ages the page or service is for.",
        "list the age groups it is for, from " + ", ".join(AGE_GROUPS),
        required=SERVICE,
        allowed=ALL,
        choices=AGE_GROUPS,
        example="[0-5, 5-11]",
    ),
    Field(
        "need_types",
        "list",
        "The four broad areas of need (CoP 6.28–6.35) the page or service is for.",
        "list the areas of need it is for",
        choices=NEED_TYPES,
        example="[communication-and-interaction]",
    ),
    Field(
        "topics",
        "list",
        "The topics it belongs to; drives the topic pages.",
        "list its topics",
        choices=TOPICS,
        example="[health]",
    ),
    Field(
        "draft",
        "bool",
        "`true` keeps the page out of the published site (it is still checked).",
        "write true or false",
        example="false",
    ),
    Field(
        "order",
        "int",
        "A whole number to order pages within a listing (lower first; then by title).",
        "write a whole number, like 10",
        allowed=PAGES_AND_SERVICES,
        example="10",
    ),
    Field(
        "provider",
        "text",
        "The organisation that runs the service.",
        "name the organisation that runs this service",
        required=SERVICE,
        example="Ashdown Vale Children's Community Health (NHS)",
    ),
    Field(
        "service_level",
        "text",
        "`universal` (open to everyone), `targeted` (for some extra needs) or `specialist` "
        "(complex needs, usually by referral).",
        "say whether it is universal, targeted or specialist",
        required=SERVICE,
        choices=SERVICE_LEVELS,
        example="specialist",
        citation="CoP 4.31",
    ),
    Field(
        "coverage",
        "text",
        "Where the service is: `in-area`, `out-of-area` (a neighbouring area), `regional` or "
        "`national`.",
        "say whether it is in-area, out-of-area, regional or national",
        required=SERVICE,
        choices=COVERAGE,
        example="in-area",
        citation="CoP 4.4",
    ),
    Field(
        "eligibility",
        "text",
        "Who can use the service.",
        "say who can use this service",
        required=SERVICE,
        example="Children aged 0 to 19 with an Ashdown Vale GP.",
    ),
    Field(
        "how_to_access",
        "text",
        "How to get the service: self-referral, referral by a professional, a form.",
        "say how families get this service",
        required=SERVICE,
        example="Phone us to refer your child yourself.",
    ),
    Field(
        "cost",
        "text",
        "What it costs families, or `Free`.",
        "say what it costs, or write Free",
        required=SERVICE,
        example="Free",
    ),
    CONTACT,
    Field(
        "opening_hours",
        "text",
        "When the service is open.",
        "say when it is open",
        allowed=SERVICE,
        example="Monday to Friday, 9am to 5pm",
    ),
    Field(
        "accessibility",
        "text",
        "Physical access, languages and communication support.",
        "describe access, languages and communication support",
        allowed=SERVICE,
        example="Step-free entrance. Interpreters on request.",
    ),
    Field(
        "id",
        "text",
        "A stable id for the Open Referral export: a UUID, used as it is, or any text, made "
        "into one. Without it, the id comes from the file's path; set it to keep the id when "
        "the file is renamed.",
        "give a UUID, like 3f7b145d-84af-42d7-8fae-eaca714b02b2",
        allowed=SERVICE,
        example="3f7b145d-84af-42d7-8fae-eaca714b02b2",
    ),
    Field(
        "date",
        "date",
        "For feedback, the date the comment was received; for news, the date published.",
        "give the date, like 2026-09-30",
        required=DATED,
        example="2026-09-30",
    ),
    Field(
        "theme",
        "text",
        "What the comment was about: `content`, `accessibility` or `development` (how the "
        "Local Offer was developed).",
        "say whether it is about content, accessibility or development",
        required=FEEDBACK,
        choices=FEEDBACK_THEMES,
        example="content",
        citation="CoP 4.22",
    ),
    Field(
        "you_said",
        "text",
        "What families said, in words that identify nobody.",
        "sum up what families said, without naming anyone",
        required=FEEDBACK,
        citation="CoP 4.24",
    ),
    Field(
        "we_did",
        "text",
        "What the council did, or will do, in response.",
        "say what was done or will be done",
        required=FEEDBACK,
        citation="CoP 4.26",
    ),
    Field(
        "status",
        "text",
        "`planned`, `in-progress` or `done`.",
        "say whether the action is planned, in-progress or done",
        allowed=FEEDBACK,
        choices=FEEDBACK_STATUSES,
        example="done",
    ),
    Field(
        "size",
        "text",
        "Leaflet size: `A5` or `DL`.",
        "say A5 or DL",
        required=LEAFLET,
        choices=LEAFLET_SIZES,
        example="A5",
    ),
    Field(
        "pages",
        "list",
        "Content paths whose key facts the leaflet carries, in order.",
        "list the content files it covers, like services/speech-therapy.md",
        required=LEAFLET,
        example="[services/speech-and-language-therapy.md]",
    ),
    Field(
        "qr",
        "text",
        "The content file the leaflet's QR code opens (default: the home page).",
        "give a content file, like index.md",
        allowed=LEAFLET,
        example="index.md",
    ),
    Field(
        "easy_read",
        "bool",
        "`true` for an easy-read leaflet.",
        "write true or false",
        allowed=LEAFLET,
        example="false",
    ),
)

FIELDS_BY_NAME = {f.name: f for f in FIELDS}


def fields_for(kind: str) -> list[Field]:
    """The fields a kind may use, in the table's order."""
    return [f for f in FIELDS if f.is_allowed(kind)]


# --- JSON Schema -----------------------------------------------------------------------------

_JSON_TYPES: dict[str, dict[str, object]] = {
    "text": {"type": ["string", "number"]},
    "date": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"},
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "email": {"type": "string", "format": "email"},
    "phone": {"type": "string", "pattern": r"^(\+44|0)[0-9 ()-]+$"},
    "url": {"type": "string", "format": "uri", "pattern": "^https?://"},
    "postcode": {"type": "string"},
}


def _field_schema(spec: Field, kind: str) -> dict[str, object]:
    schema: dict[str, object] = {"description": spec.description}
    if spec.type == "list":
        items: dict[str, object] = {"type": "string"}
        if spec.choices:
            items["enum"] = list(spec.choices)
        schema.update({"type": "array", "items": items, "uniqueItems": True})
    elif spec.type == "mapping":
        schema.update(_object_schema(spec.fields, kind))
        if spec.one_of:
            schema["anyOf"] = [{"required": [name]} for name in spec.one_of]
    else:
        schema.update(_JSON_TYPES[spec.type])
        if spec.choices:
            schema = {"description": spec.description, "enum": list(spec.choices)}
    if spec.max_length:
        schema["maxLength"] = spec.max_length
    if spec.example and spec.type not in ("mapping", "list"):
        schema["examples"] = [spec.example]
    return schema


def _object_schema(fields: tuple[Field, ...] | list[Field], kind: str) -> dict[str, object]:
    return {
        "type": "object",
        "properties": {f.name: _field_schema(f, kind) for f in fields},
        "required": [f.name for f in fields if f.is_required(kind)],
        "additionalProperties": False,
    }


def json_schema(kind: str) -> dict[str, object]:
    """A JSON Schema (draft 2020-12) for one kind's front matter."""
    schema: dict[str, object] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://lo-static.invalid/schema/{kind}.schema.json",
        "title": f"lo-static front matter: {kind}",
        "description": f"Front matter of a {kind} in a lo-static Local Offer. Generated from "
        "lo_static/schema.py; do not edit by hand.",
    }
    schema.update(_object_schema(fields_for(kind), kind))
    return schema


def json_schema_files() -> dict[str, str]:
    """File name → JSON text, for every kind."""
    return {
        f"{kind}.schema.json": json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
        for kind in KINDS
    }


# --- Docs table --------------------------------------------------------------------------------

DOCS_BEGIN = "<!-- fields:begin (generated by `lo-static schema --write`; do not edit) -->"
DOCS_END = "<!-- fields:end -->"


def _kinds_cell(spec: Field) -> tuple[str, str]:
    required = [k for k in KINDS if spec.is_required(k)]
    optional = [k for k in KINDS if spec.is_allowed(k) and not spec.is_required(k)]
    return ", ".join(required) or "—", ", ".join(optional) or "—"


def _values_cell(spec: Field) -> str:
    if spec.choices:
        return " \\| ".join(f"`{c}`" for c in spec.choices)
    names = {
        "text": "text",
        "date": "date YYYY-MM-DD",
        "bool": "`true` or `false`",
        "int": "whole number",
        "list": "list",
        "mapping": "mapping",
        "email": "email address",
        "phone": "UK phone number",
        "url": "web address",
        "postcode": "UK postcode",
    }
    value = names[spec.type]
    if spec.max_length:
        value += f", ≤ {spec.max_length} characters"
    return value


def docs_table() -> str:
    """The Markdown reference table of every field."""
    rows = [
        "| field | required for | optional for | value | what it is for |",
        "| --- | --- | --- | --- | --- |",
    ]

    def add(spec: Field, prefix: str = "") -> None:
        required, optional = _kinds_cell(spec)
        description = spec.description.replace("|", "\\|")
        if spec.citation:
            description += f" ({spec.citation})"
        rows.append(
            f"| `{prefix}{spec.name}` | {required} | {optional} | {_values_cell(spec)} "
            f"| {description} |"
        )
        for child in spec.fields:
            add(child, f"{prefix}{spec.name}.")

    for spec in FIELDS:
        add(spec)
    return "\n".join(rows) + "\n"


def update_docs(text: str) -> str:
    """`text` with the generated table placed between the markers."""
    start, end = text.index(DOCS_BEGIN), text.index(DOCS_END)
    return text[: start + len(DOCS_BEGIN)] + "\n\n" + docs_table() + "\n" + text[end:]

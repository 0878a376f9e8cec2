"""The Open Referral UK (ORUK 3.0, the UK profile of HSDS 3.0) export: every published service
as open data, written with the site on every build.

Pure functions: a `SiteModel` (or the checked pages and settings) in, `{output path: bytes}` out.
Nothing reads the clock, so the same content gives the same bytes; every id is a UUID derived
with uuid5 from a fixed namespace, so ids survive rebuilds (and, with an `id` field, renames).

`export_services()` and `check_open_referral()` run at check time: a service that cannot be
exported validly is a content error (`open-referral`) naming the file. It checks the required
fields and formats this module relies on with a small built-in table, so the build never depends
on the ORUK schema files (the tests validate the output against them). See docs/open-referral.md
for the mapping.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import mmap
import re
import uuid
from array import array
from collections import Counter
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from .cache import BuildCache, key_of
from .config import SiteConfig
from .content import Page, output_path
from .diagnostics import Diagnostic
from .markdown import Document, Markdown
from .packed import Packed
from .parallel import fork_map
from .rules import problem
from .schema import AGE_GROUPS, NEED_TYPES, SERVICE_LEVELS, TOPICS
from .site import AGE_LABELS, LEVEL_LABELS, NEED_LABELS, TOPIC_LABELS, SiteModel
from .values import email_problem, url_problem

FOLDER = "openreferral"
SERVICES = f"{FOLDER}/services.json"
TAXONOMIES = f"{FOLDER}/taxonomies.json"
TAXONOMY_TERMS = f"{FOLDER}/taxonomy_terms.json"
ORGANIZATIONS = f"{FOLDER}/organizations.json"
BUNDLE = "open-referral"
"""The build cache's bundle of exported services."""
LAYOUT = "services list"
"""The build cache's kind for where each record's entry is in a services.json a build wrote
(`ListLayout`), by the file's key (`list_key`)."""

NAMESPACE = uuid.UUID("9f8a9d74-7aaa-50c4-bb11-f87053c6a206")
"""uuid5(NAMESPACE_URL, "https://lo-static.invalid/open-referral"): the root of every id.
Never change it: every published id would change with it."""

AGE_SPANS = {"0-5": (0, 5), "5-11": (5, 11), "11-16": (11, 16), "16-25": (16, 25)}
"""Each age group's youngest and oldest age, in years."""

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""A UUID as Open Referral writes it: lower case (match the whole text)."""
_FREE = re.compile(r"^free(?:\s*\([^()]*\))?\.?$", re.I)
_COUNCIL_WORDS = re.compile(
    r"\s+(?:(?:metropolitan\s+)?(?:county|city|borough|district)\s+)?council$", re.I
)


def service_id(page: Page) -> str:
    """The service's Open Referral id: its `id` field as is when that is a UUID (lower-cased),
    else uuid5 of the `id` field, else uuid5 of the content path (`services/name.md`)."""
    given = page.meta.get("id")
    if given is not None and str(given).strip():
        text = str(given).strip()
        if _UUID.fullmatch(text.lower()):
            return text.lower()
        return str(uuid.uuid5(NAMESPACE, text))
    return str(uuid.uuid5(NAMESPACE, page.standard_rel))


@functools.cache
def organization_id(name: str) -> str:
    """One id per provider, whatever the capitals and spacing."""
    return str(uuid.uuid5(NAMESPACE, "organization:" + _normal(name)))


@functools.cache
def taxonomy_id(field: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"taxonomy:{field}"))


@functools.cache
def term_id(field: str, value: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"taxonomy:{field}/{value}"))


def uuid5(namespace: uuid.UUID, name: str) -> str:
    """`str(uuid.uuid5(namespace, name))`, several times quicker: an export makes some fifty of
    these per service (a test holds it to the standard library's answer)."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def age_span(groups: Any) -> tuple[int, int] | None:
    """The youngest and oldest age the selected groups cover: [0-5, 5-11] → (0, 11)."""
    spans = [AGE_SPANS[g] for g in list(groups or []) if g in AGE_SPANS]
    if not spans:
        return None
    return min(low for low, _ in spans), max(high for _, high in spans)


def is_free(cost: object) -> bool:
    """True when the cost is simply free: `Free`, `free.`, `Free (NHS)`. A cost with
    conditions ("Free for students aged 16 to 18 ...") is not."""
    return bool(_FREE.match(str(cost or "").strip()))


def area_name(council: str) -> str:
    """The area a council serves, from its name: `Ashdown Vale Council` → `Ashdown Vale`,
    `Kent County Council` → `Kent`, `London Borough of Camden` → `Camden`."""
    name = _COUNCIL_WORDS.sub("", council.strip())
    name = re.sub(r"^(?:the\s+)?london\s+borough\s+of\s+", "", name, flags=re.I)
    return name.strip() or council.strip()


def provider_is_council(provider: object, council: str) -> bool:
    """True when the council runs the service itself: the provider is the council's name, or
    starts with it (`Ashdown Vale Council Youth Service`, `Ashdown Vale Council (Oakwood)`)."""
    name, council_name = _normal(str(provider or "")), _normal(council)
    if not council_name:
        return False
    return name == council_name or name.startswith((council_name + " ", council_name + "("))


def page_url(config: SiteConfig, page: Page) -> str:
    """The page's absolute web address (its canonical URL), or "" without `base_url`."""
    if not config.base_url:
        return ""
    return config.base_url + output_path(page.rel).removesuffix("index.html")


# --- Taxonomies ---------------------------------------------------------------------------------


TAXONOMY_TABLE: tuple[tuple[str, str, str, tuple[str, ...], dict[str, str]], ...] = (
    ("age_groups", "SEND Local Offer age groups", "The ages a service is for, in years.",
     AGE_GROUPS, AGE_LABELS),
    ("need_types", "SEND Local Offer types of need",
     "The four broad areas of special educational need (SEND Code of Practice 6.28 to 6.35).",
     NEED_TYPES, NEED_LABELS),
    ("topics", "SEND Local Offer topics", "What a service is about.", TOPICS, TOPIC_LABELS),
    ("service_level", "SEND Local Offer service levels",
     "Who a service is open to: everyone, children and young people with some extra needs, or "
     "complex needs, usually by referral (SEND Code of Practice 4.31).",
     SERVICE_LEVELS, LEVEL_LABELS),
)
"""(front-matter field, taxonomy name, its description, its terms, each term's label). The
same in every lo-static Local Offer, so the ids mean the same thing in every council's data."""


def taxonomies() -> list[dict[str, Any]]:
    return [
        {"id": taxonomy_id(field), "name": name, "description": about}
        for field, name, about, _values, _labels in TAXONOMY_TABLE
    ]


def taxonomy_terms() -> dict[tuple[str, str], dict[str, Any]]:
    """Every taxonomy term, by (field, value), in a fixed order."""
    return dict(_taxonomy_terms())


@functools.cache
def _taxonomy_terms() -> dict[tuple[str, str], dict[str, Any]]:
    terms: dict[tuple[str, str], dict[str, Any]] = {}
    for field, name, _about, values, labels in TAXONOMY_TABLE:
        for value in values:
            terms[(field, value)] = {
                "id": term_id(field, value),
                "name": labels[value].split(":", 1)[0],
                "description": labels[value],
                "taxonomy": name,
                "taxonomy_id": taxonomy_id(field),
                "term": value,
            }
    return terms


# --- One service --------------------------------------------------------------------------------


def _organization(name: str, config: SiteConfig) -> dict[str, Any]:
    return {
        "id": organization_id(name),
        "name": name,
        "description": f"{name} provides services listed in the {config.title}.",
    }


def _sub_id(service: str, *parts: str) -> str:
    """Ids of the objects inside a service, derived from the service's id."""
    return uuid5(_namespace(service), "/".join(parts))


@functools.lru_cache(maxsize=64)
def _namespace(service: str) -> uuid.UUID:
    return uuid.UUID(service)


def service_document(
    page: Page, config: SiteConfig, providers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A service as a full ORUK `service`. `providers` gives each provider's name as the
    export spells it (see `provider_names()`)."""
    meta = page.meta
    sid = service_id(page)
    contact = meta.get("contact") or {}
    provider = _spelling(page, providers or {})
    span = age_span(meta.get("age_groups"))
    owner = str(meta.get("owner", "")).strip()
    reviewed = meta.get("last_reviewed")
    document: dict[str, Any] = {
        "id": sid,
        "organization_id": organization_id(provider),
        "name": page.title,
        "description": description(page),
        "url": page_url(config, page),
        "email": str(contact.get("email", "")).strip(),
        "status": "active",
        "minimum_age": span[0] if span else None,
        "maximum_age": span[1] if span else None,
        "eligibility_description": str(meta.get("eligibility", "")).strip(),
        "application_process": str(meta.get("how_to_access", "")).strip(),
        "assured_date": reviewed.isoformat() if isinstance(reviewed, date) else "",
        "assurer_email": owner if owner and email_problem(owner) is None else "",
        "organization": _organization(provider, config),
        "schedules": _schedules(sid, meta),
        "service_at_locations": _locations(sid, meta),
        "cost_options": _cost_options(sid, meta),
        "contacts": _contacts(sid, contact),
        "attributes": _attributes(sid, meta),
    }
    return _drop_empty(document)


def _schedules(sid: str, meta: dict[str, Any]) -> list[dict[str, Any]]:
    hours = str(meta.get("opening_hours", "")).strip()
    if not hours:
        return []
    return [{"id": _sub_id(sid, "schedule"), "service_id": sid, "description": hours}]


def _cost_options(sid: str, meta: dict[str, Any]) -> list[dict[str, Any]]:
    cost = str(meta.get("cost", "")).strip()
    if not cost:
        return []
    option: dict[str, Any] = {"id": _sub_id(sid, "cost"), "service_id": sid, "option": cost}
    if is_free(cost):
        option.update(amount=0, currency="GBP")
    return [option]


def _contacts(sid: str, contact: dict[str, Any]) -> list[dict[str, Any]]:
    phone = str(contact.get("phone", "")).strip()
    email = str(contact.get("email", "")).strip()
    if not (phone or email):
        return []
    cid = _sub_id(sid, "contact")
    return [_drop_empty({
        "id": cid,
        "service_id": sid,
        "email": email,
        "phones": [{"id": _sub_id(sid, "phone"), "contact_id": cid, "number": phone}]
        if phone else [],
    })]


def _locations(sid: str, meta: dict[str, Any]) -> list[dict[str, Any]]:
    address = (meta.get("contact") or {}).get("address")
    if not address:
        return []
    parts = [str(address.get(k, "")).strip() for k in ("name", "street", "town", "postcode")]
    location = str(uuid.uuid5(NAMESPACE, "location:" + "|".join(_normal(p) for p in parts)))
    accessibility = str(meta.get("accessibility", "")).strip()
    return [{
        "id": _sub_id(sid, "at", location),
        "service_id": sid,
        "location_id": location,
        "location": _drop_empty({
            "id": location,
            "location_type": "physical",
            "name": parts[0],
            "addresses": [{
                "id": _sub_id(location, "address"),
                "location_id": location,
                "address_1": parts[1],
                "city": parts[2],
                "state_province": "",
                "postal_code": parts[3].upper(),
                "country": "GB",
                "address_type": "physical",
            }],
            "accessibility": [{
                "id": _sub_id(sid, "accessibility"),
                "location_id": location,
                "description": accessibility,
            }] if accessibility else [],
        }),
    }]


def _attributes(sid: str, meta: dict[str, Any]) -> list[dict[str, Any]]:
    terms = taxonomy_terms()
    links = []
    for field, *_rest in TAXONOMY_TABLE:
        value = meta.get(field)
        values = [value] if isinstance(value, str) else list(value or ())
        for item in values:
            term = terms.get((field, str(item)))
            if term is None:
                continue
            links.append({
                "id": _sub_id(sid, "attribute", term["id"]),
                "link_id": sid,
                "link_type": field,
                "link_entity": "service",
                "taxonomy_term_id": term["id"],
                "taxonomy_term": term,
            })
    return links


# --- Description: summary, then the body as plain text ---------------------------------------

_PLAIN = Markdown()


def description(page: Page) -> str:
    """The summary, a blank line, then the page's Markdown as plain text (headings, paragraphs,
    `- ` list items, `a | b` table rows; links keep their words, images their alt text).

    Uses the plain text the build's analysis already took from the body when there is one, so
    a body is not parsed again for the export."""
    summary = str(page.meta.get("summary", "")).strip()
    body = page.plain_body.text() if page.plain_body is not None else plain_text(page.body)
    return f"{summary}\n\n{body}" if body else summary


def plain_text(markdown: str) -> str:
    return plain_text_of(_PLAIN.parse(markdown))


def plain_text_of(document: Document) -> str:
    """A parsed body as plain text: made by the parser's one pass (see `markdown.Document`)."""
    return document.plain


# --- The whole export ---------------------------------------------------------------------------


def exported_services(pages: list[Page]) -> list[Page]:
    """The services the export publishes: published standard (not easy-read) services."""
    return [
        p for p in pages
        if p.kind == "service" and p.readable and p.published and not p.is_easy_read
    ]


@dataclass(frozen=True)
class ExportedService:
    """One service as the export writes it, made once per build (and kept in the build cache)."""

    rel: str
    """The service's content path."""
    id: str
    problems: tuple[tuple[str, str], ...]
    """(field path, what is wrong) for each required field or format it lacks."""
    item: Packed
    """Its entry in services.json, as JSON indented to its place there (see `_dump_list`)."""
    data: Packed
    """Its own file, openreferral/services/<id>.json."""
    key: str = ""
    """The build cache's key of this record: everything it is made from ("" without a cache).
    Its own file is made from it alone, so while the key is the same, so is the file."""


def export_services(
    pages: list[Page], config: SiteConfig, workers: int = 1, cache: BuildCache | None = None
) -> list[ExportedService]:
    """Every exported service's record, in page order, made on `workers` processes (see
    parallel.fork_map). A service whose file, settings and provider spelling are unchanged since
    the last build comes from the `cache`."""
    services = exported_services(pages)
    names = provider_names(services)
    made: dict[int, ExportedService] = {}
    keys: list[str] = []
    if cache is not None:
        # A page's source key covers its path and every byte of its file.
        settings = key_of("open-referral", repr(config))
        keys = [key_of(settings, page.source_key, _spelling(page, names)) for page in services]
        for index, key in enumerate(keys):
            stored = cache.get_in(BUNDLE, key)
            if isinstance(stored, ExportedService):
                made[index] = stored
    todo = [index for index in range(len(services)) if index not in made]

    def one(n: int) -> ExportedService:
        document = service_document(services[todo[n]], config, providers=names)
        problems = tuple(_unique(document_problems(document)))
        return ExportedService(
            services[todo[n]].rel,
            str(document.get("id", "")),
            problems,
            Packed.of(_item_json(_list_item(document))),
            Packed.of(_dump(document)),
            keys[todo[n]] if keys else "",
        )

    made.update(zip(todo, fork_map(one, len(todo), workers), strict=True))
    exported = [made[index] for index in range(len(services))]
    if cache is not None:
        cache.keep_bundle(BUNDLE, dict(zip(keys, exported, strict=True)))
    return exported


def _spelling(page: Page, names: dict[str, str]) -> str:
    """The provider's name as the export spells it for this service (see `provider_names`)."""
    provider = " ".join(str(page.meta.get("provider", "")).split())
    return names.get(_normal(provider), provider)


def open_referral_files(
    model: SiteModel,
    workers: int = 1,
    exported: list[ExportedService] | None = None,
    skip: Container[str] = (),
    cache: BuildCache | None = None,
    last: LastList | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Every file of the export but those in `skip`: (output path, bytes), in a fixed order,
    each made as it is asked for. `exported` is what `export_services` made for the model's
    services at check time; without it, it is made here. `cache` and `last`: see
    `services_list`."""
    config = model.config
    services = model.services
    names = provider_names(services)
    if exported is None:
        exported = export_services(services, config, workers)
    else:
        exported = in_site_order(model, exported)
    if SERVICES not in skip:
        yield SERVICES, services_list(exported, cache, last)
    for path, service in service_files(exported).items():
        if path not in skip:
            yield path, service.data.unpacked()
    yield TAXONOMIES, _dump(_page(taxonomies()))
    yield TAXONOMY_TERMS, _dump(_page(list(taxonomy_terms().values())))
    yield ORGANIZATIONS, _dump(_page([_organization(names[key], config) for key in sorted(names)]))


def in_site_order(model: SiteModel, exported: list[ExportedService]) -> list[ExportedService]:
    """The records `export_services` made in the content's order, in the site's (the export's)
    order."""
    by_rel = {service.rel: service for service in exported}
    return [by_rel[page.rel] for page in model.services]


def service_files(exported: list[ExportedService]) -> dict[str, ExportedService]:
    """Each service's own file (openreferral/services/<id>.json) and the record it is made
    from: one file per id, the last service's should two share one."""
    return {f"{FOLDER}/services/{service.id}.json": service for service in exported}


def list_key(exported: Sequence[ExportedService]) -> str:
    """The build cache's key of services.json: the keys of the records it lists, in order
    (each covers everything its record is made from); "" when one has none (no cache)."""
    if not exported or not all(service.key for service in exported):
        return ""
    return key_of("services list", *(service.key for service in exported))


@dataclass(frozen=True)
class LastList:
    """The services.json the last build wrote, as it wrote it (the caller has checked it is
    the same file), and its `list_key`."""

    path: str
    key: str


@dataclass(frozen=True)
class ListLayout:
    """Where the entries are in a services.json: the key of each record it lists, in order, the
    length of each entry (`array("Q")`), and where the first begins."""

    keys: tuple[str, ...]
    lengths: bytes
    start: int


def services_list(
    exported: Sequence[ExportedService],
    cache: BuildCache | None = None,
    last: LastList | None = None,
) -> bytes:
    """services.json: every record's entry, in a paginated response (`_dump_list`). Entries
    of records the `last` file holds are copied from it, in runs, rather than unpacked one by
    one (after an edit to one service of 5,000, 31 MB in three copies instead of 5,000
    unpackings); where each entry is in the new file is kept in the `cache` for the next build."""
    key = list_key(exported)
    known = cache.get(LAYOUT, last.key) if cache is not None and last is not None else None
    if not key or last is None or not isinstance(known, ListLayout):
        lengths = array("Q")
        data = _dump_list([service.item for service in exported], lengths)
        if cache is not None and key:
            cache.put(LAYOUT, key, _layout(exported, lengths))
        return data
    separator = b"," + _ITEM_INDENT.encode()
    where: dict[str, tuple[int, int]] = {}
    offset = known.start
    for old_key, length in zip(known.keys, array("Q", known.lengths), strict=True):
        where[old_key] = (offset, length)
        offset += length + len(separator)
    try:
        with open(last.path, "rb") as stream:
            old = memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError):  # gone since it was checked, or empty
        return services_list(exported, cache)
    if offset - len(separator) > len(old):  # not the file the layout was made for
        old.release()
        return services_list(exported, cache)
    try:
        head, tail = _list_ends(len(exported))
        joined = io.BytesIO()
        joined.write(head)
        lengths = array("Q")
        run: tuple[int, int] | None = None  # a stretch of the old file still to copy
        for number, service in enumerate(exported):
            found = where.get(service.key)
            if found is not None:
                lengths.append(found[1])
                start, end = found[0], found[0] + found[1]
                if run is not None and run[1] + len(separator) == start:
                    run = (run[0], end)  # the next entry of the old file: the run goes on
                    continue
            if run is not None:
                joined.write(old[run[0] : run[1]])
                run = None
            if number:
                joined.write(separator)
            if found is not None:
                run = (start, end)
            else:
                item = service.item.unpacked()
                lengths.append(len(item))
                joined.write(item)
        if run is not None:
            joined.write(old[run[0] : run[1]])
        joined.write(tail)
    finally:
        old.release()
    assert cache is not None
    cache.put(LAYOUT, key, _layout(exported, lengths))
    return joined.getvalue()


def keep_layout(cache: BuildCache, key: str) -> None:
    """Keep the layout of the services.json of `key` for the next build (see `services_list`):
    a build that leaves the file as it is does not make it, and so would not use it."""
    cache.get(LAYOUT, key)


def _layout(exported: Sequence[ExportedService], lengths: array[int]) -> ListLayout:
    """Where the entries of `exported`, of these lengths, are in their services.json."""
    head, _ = _list_ends(len(exported))
    return ListLayout(tuple(service.key for service in exported), lengths.tobytes(), len(head))


def _list_item(document: dict[str, Any]) -> dict[str, Any]:
    """A full service as a `service_list` item: its one-to-one fields and its organization."""
    return {key: value for key, value in document.items() if not isinstance(value, list)}


def file_count(model: SiteModel) -> int:
    return 4 + len(model.services)


def provider_names(services: list[Page]) -> dict[str, str]:
    """One organization per distinct provider, capitals and spacing ignored: its key → the
    spelling most services use (of equally common ones, the first in code-point order)."""
    spellings: dict[str, Counter[str]] = {}
    for page in services:
        name = " ".join(str(page.meta.get("provider", "")).split())
        spellings.setdefault(_normal(name), Counter())[name] += 1
    return {
        key: min(counts, key=lambda name: (-counts[name], name))
        for key, counts in spellings.items()
    }


def _page(contents: list[dict[str, Any]]) -> dict[str, Any]:
    """An ORUK paginated response holding everything on one page."""
    return {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }


def _dump(document: dict[str, Any]) -> bytes:
    return _indented(document) + b"\n"


_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
"""Indented, and dates and dataclasses refused as json.dumps refuses them (rather than written)."""


def _indented(value: Any) -> bytes:
    """`json.dumps(value, indent=2, ensure_ascii=False)` in UTF-8, made by orjson, which
    writes the same bytes ten times as fast; json.dumps for what orjson refuses (keys that are
    not text, integers past 64 bits: the export makes neither, and YAML here has no floats)."""
    try:
        return orjson.dumps(value, option=_ORJSON)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")


_ITEM_INDENT = "\n    "
"""How deep an item of a paginated response's `contents` sits in `_dump`'s output."""


def _item_json(item: dict[str, Any]) -> bytes:
    """`item` as `_dump` writes it inside a paginated response's `contents` (JSON strings hold
    no raw line breaks, so every line break is where `_dump` would indent)."""
    return _indented(item).replace(b"\n", _ITEM_INDENT.encode())


def _dump_list(items: Sequence[bytes | Packed], lengths: array[int] | None = None) -> bytes:
    """`_dump(_page(contents))` for contents already made by `_item_json`: the same bytes,
    without encoding thousands of records again when most are unchanged. Packed items are
    unpacked one at a time into the result (services.json is 120 MB at 20,000 services).
    Each item's length is added to `lengths`, if given."""
    if not items:
        return _dump(_page([]))
    head, tail = _list_ends(len(items))
    joined = io.BytesIO()
    joined.write(head)
    separator = b"," + _ITEM_INDENT.encode()
    for number, item in enumerate(items):
        if number:
            joined.write(separator)
        data = item.unpacked() if isinstance(item, Packed) else item
        joined.write(data)
        if lengths is not None:
            lengths.append(len(data))
    joined.write(tail)
    return joined.getvalue()


def _list_ends(count: int) -> tuple[bytes, bytes]:
    """What comes before and after the entries in services.json listing `count` records."""
    marker = "\0contents\0"
    page = _page([marker] * count)
    page["contents"] = [marker]
    head, tail = _dump(page).split(json.dumps(marker).encode(), 1)
    return head, tail


def _drop_empty(document: dict[str, Any]) -> dict[str, Any]:
    """Without the fields that have no value (None, "" or []), except `state_province`,
    which ORUK requires and UK addresses do not have."""
    return {
        key: value
        for key, value in document.items()
        if key == "state_province" or value not in (None, "", [])
    }


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


# --- The check-time guard: required fields and formats --------------------------------------

_REQUIRED = {
    "service": ("id", "name", "status"),
    "organization": ("id", "name", "description"),
    "location": ("id", "location_type"),
    "addresses": ("id", "address_1", "city", "state_province", "postal_code", "country",
                  "address_type"),
    "taxonomy_term": ("id", "name", "description"),
    "phones": ("id", "number"),
    "attributes": ("id", "taxonomy_term_id"),
}
"""Required fields of the objects this export writes (ORUK UK profile 3.0, and HSDS 3.0 for
`phones` and `taxonomy_term_id`); every other object needs an `id`."""
_ENUMS = {
    "status": ("active", "inactive", "defunct", "temporarily closed"),
    "location_type": ("physical", "postal", "virtual"),
    "address_type": ("physical", "postal", "virtual"),
}
_EMAILS = ("email", "assurer_email")
_URIS = ("url", "term_uri", "website", "uri")
_NUMBERS = ("minimum_age", "maximum_age", "amount")
_FIELD_OF = {
    "id": ("id",),
    "name": ("title",),
    "description": ("summary",),
    "email": ("contact", "email"),
    "assurer_email": ("owner",),
    "assured_date": ("last_reviewed",),
    "minimum_age": ("age_groups",),
    "maximum_age": ("age_groups",),
    "eligibility_description": ("eligibility",),
    "organization_id": ("provider",),
    "organization": ("provider",),
    "schedules": ("opening_hours",),
    "cost_options": ("cost",),
    "contacts": ("contact",),
    "service_at_locations": ("contact", "address"),
    "attributes": ("age_groups",),
}
"""Where in the front matter each exported field comes from, to point at the right line."""


def document_problems(document: dict[str, Any], kind: str = "service") -> list[tuple[str, str]]:
    """(field path, what is wrong) for every required field or format this export relies on."""
    found: list[tuple[str, str]] = []
    _walk(document, kind, kind, found)
    if kind == "service":
        low, high = document.get("minimum_age"), document.get("maximum_age")
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            found.append(("minimum_age", f"minimum_age {low} is above maximum_age {high}"))
        if "assured_date" in document and not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", str(document["assured_date"])
        ):
            found.append(("assured_date", "assured_date is not a date written YYYY-MM-DD"))
    return found


def _walk(value: Any, kind: str, path: str, found: list[tuple[str, str]]) -> None:
    if isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, kind, f"{path}[{index}]", found)
        return
    if not isinstance(value, dict):
        return
    for key in _REQUIRED.get(kind, ("id",)):
        present = key in value and value[key] is not None
        if not present or (key != "state_province" and not str(value[key]).strip()):
            found.append((f"{path}.{key}", f"{path} has no {key}"))
    for key, item in value.items():
        if isinstance(item, dict | list):
            _walk(item, key, f"{path}.{key}", found)
            continue
        wrong = _value_problem(key, item)
        if wrong is not None:  # the path is spelt out only for a problem (22 values a record)
            where = f"{path}.{key}"
            found.append((where, f"{where} {wrong}"))


def _value_problem(key: str, item: Any) -> str | None:
    """What is wrong with the value of `key` (after its path in the message), if anything."""
    if key == "id" or key.endswith("_id"):
        if isinstance(item, str) and _UUID.fullmatch(item):
            return None
        return f"'{item}' is not a UUID"
    if key in _EMAILS:
        return None if email_problem(str(item)) is None else f"'{item}' is not an email address"
    if key in _URIS:
        return None if url_problem(str(item)) is None else f"'{item}' is not a full web address"
    if key in _NUMBERS:
        if isinstance(item, bool) or not isinstance(item, int | float):
            return f"'{item}' is not a number"
        return None
    if key in _ENUMS:
        return None if item in _ENUMS[key] else f"'{item}' is not one of {', '.join(_ENUMS[key])}"
    if not isinstance(item, str | int | float | bool):
        return "is not text or a number"
    return None


def check_open_referral(
    pages: list[Page], exported: list[ExportedService]
) -> list[Diagnostic]:
    """Each published service can be exported as a valid ORUK service, with an id no other
    service has. Problems point at the front-matter field the bad value comes from. `exported`
    is `export_services(pages, ...)`."""
    found: list[Diagnostic] = []
    owners: dict[str, Page] = {}
    services = exported_services(pages)
    for page, service in zip(services, exported, strict=True):
        for path, message in service.problems:
            top = re.split(r"[.\[]", path.removeprefix("service."), maxsplit=1)[0]
            line = page.line_of(*_FIELD_OF[top]) if top in _FIELD_OF else 0
            found.append(problem(
                "open-referral", page.display, line,
                f"this service cannot be published as Open Referral data: {message}",
            ))
        if service.id in owners:
            line = page.line_of("id") if "id" in page.meta else 0
            found.append(problem(
                "open-referral", page.display, line,
                f"this service and '{owners[service.id].display}' would have the same Open "
                f"Referral id {service.id}; give each service its own 'id' (or remove a copied "
                "one)",
            ))
        else:
            owners[service.id] = page
    return found


def _unique(items: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item

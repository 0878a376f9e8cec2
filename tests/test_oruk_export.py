"""The Open Referral UK export: every document validates against the ORUK 3.0 UK profile (and
the schemas the official validator uses), the mapping, stable ids, and the build-time guard.

The ORUK schemas are CC BY-SA test data, read from shared/oruk (see tests/conftest.py ORUK); they
are never copied into the project. $refs resolve from a local registry only: no network."""

from __future__ import annotations

import json
import re
import uuid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from lo_static.cache import BuildCache
from lo_static.oruk_export import (
    NAMESPACE,
    ExportedService,
    LastList,
    _dump,
    _dump_list,
    _item_json,
    _page,
    age_span,
    area_name,
    document_problems,
    is_free,
    list_key,
    plain_text,
    provider_is_council,
    services_list,
)
from lo_static.packed import Packed
from tests.conftest import (
    ORUK,
    REPO,
    TODAY,
    SiteDir,
    assert_only_error,
    check_json,
    problems_of,
    run,
)

LOCAL = "https://oruk.invalid/"
"""Where the local registry files the reference schemas (nothing is ever fetched)."""
PAGE_FIELDS = ("total_items", "total_pages", "page_number", "size", "first_page", "last_page",
               "empty", "contents")
SPEECH = "services/speech-therapy.md"


@cache
def registry() -> Registry:
    resources = []
    for folder in ("schema", "validator-schema"):
        for path in sorted((ORUK / folder).glob("*.json")):
            contents = json.loads(path.read_text())
            resource = Resource.from_contents(contents, default_specification=DRAFT202012)
            resources.append((f"{LOCAL}{folder}/{path.name}", resource))
            if folder == "validator-schema":
                # The validator's OpenAPI document names its schemas by their GitHub address.
                resources.append((
                    "https://raw.githubusercontent.com/tpximpact/OpenReferralApi/refs/heads/"
                    f"main/OpenReferralApi/Schemas/V3.0-UK/{path.name}",
                    resource,
                ))
    return Registry().with_resources(resources)


def format_checker() -> FormatChecker:
    """Every format jsonschema knows, plus `uri` and `date-time` (their optional checkers are
    not installed): an absolute address with a scheme and host, an RFC 3339 time."""
    checker = FormatChecker()

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and parts.netloc) and not re.search(r"\s", value)

    @checker.checks("date-time")
    def is_date_time(value: object) -> bool:
        return not isinstance(value, str) or bool(
            re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value)
        )

    return checker


def errors(document: Any, schema_name: str) -> list[str]:
    """Every way `document` breaks `schema_name` (like "schema/service.json")."""
    schema = registry().contents(f"{LOCAL}{schema_name}")
    validator = Draft202012Validator(
        schema, registry=registry(), format_checker=format_checker()
    )
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def page_errors(document: Any) -> list[str]:
    """The paging fields of a list response. The validator's list schemas put them under an
    `allOf` entry jsonschema cannot apply ({"Page": {...}}), so they are checked here."""
    page = registry().contents(f"{LOCAL}validator-schema/service_list.json")["allOf"][0]["Page"]
    schema = {**page, "required": list(PAGE_FIELDS)}
    found = [e.message for e in Draft202012Validator(schema).iter_errors(document)]
    contents = document.get("contents", [])
    if document.get("total_items") != len(contents) or document.get("size") != len(contents):
        found.append("total_items and size must count the contents")
    if (document.get("total_pages"), document.get("page_number")) != (1, 1):
        found.append("everything is on page 1 of 1")
    if document.get("empty") != (not contents):
        found.append("empty must say whether there are contents")
    return found


def all_export_errors(folder: Path) -> dict[str, list[str]]:
    """Every exported document checked against every schema that applies to it."""
    found: dict[str, list[str]] = {}

    def add(name: str, problems: list[str]) -> None:
        if problems:
            found.setdefault(name, []).extend(problems)

    services = json.loads((folder / "services.json").read_text())
    add("services.json", page_errors(services))
    add("services.json", errors(services, "validator-schema/service_list.json"))
    for item in services["contents"]:
        add("services.json", errors(item, "schema/service_list.json"))
    for path in sorted((folder / "services").glob("*.json")):
        service = json.loads(path.read_text())
        add(path.name, errors(service, "schema/service.json"))
        add(path.name, errors(service, "validator-schema/service.json"))
        if path.stem != service["id"]:
            add(path.name, ["the file is not named after the service's id"])
    organizations = json.loads((folder / "organizations.json").read_text())
    add("organizations.json", page_errors(organizations))
    for item in organizations["contents"]:
        add("organizations.json", errors(item, "schema/organization_list.json"))
        add("organizations.json", errors(item, "validator-schema/organization.json"))
    for name, list_schema, item_schema in (
        ("taxonomies.json", "taxonomy_list.json", "taxonomy.json"),
        ("taxonomy_terms.json", "taxonomy_term_list.json", "taxonomy_term.json"),
    ):
        document = json.loads((folder / name).read_text())
        add(name, page_errors(document))
        add(name, errors(document, f"validator-schema/{list_schema}"))
        for item in document["contents"]:
            add(name, errors(item, f"validator-schema/{item_schema}"))
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("oruk") / "dist"
    result = run("build", "--content", str(REPO / "content"), "--out", str(out), "--today", TODAY)
    assert result.exit_code == 0, result.output
    return out


def build(site: SiteDir) -> Path:
    result = run("build", "--today", TODAY)
    assert result.exit_code == 0, result.output
    return site.path.parent / "dist"


def load(dist: Path, rel: str) -> Any:
    return json.loads((dist / rel).read_text(encoding="utf-8"))


def service_named(dist: Path, name: str) -> dict[str, Any]:
    listing = load(dist, "openreferral/services.json")
    (item,) = [s for s in listing["contents"] if s["name"] == name]
    return load(dist, f"openreferral/services/{item['id']}.json")


# --- Validity ---------------------------------------------------------------------------------


def test_every_demo_document_validates_against_the_uk_profile(demo: Path) -> None:
    folder = demo / "openreferral"
    assert all_export_errors(folder) == {}
    services = load(demo, "openreferral/services.json")
    demo_services = list((REPO / "content/services").glob("*.md"))
    drafts = [p for p in demo_services if re.search(r"^draft: true$", p.read_text(), re.M)]
    assert services["total_items"] == len(demo_services) - len(drafts) > 20
    assert len(list((folder / "services").glob("*.json"))) == services["total_items"]


def test_the_schema_check_catches_broken_documents(demo: Path) -> None:
    """The validation above can fail: a broken copy of a real document is refused."""
    service = service_named(demo, "Speech and language therapy")
    assert errors(service, "schema/service.json") == []
    broken = json.loads(json.dumps(service))
    broken["id"] = "not-a-uuid"
    del broken["name"]
    broken["email"] = "nobody"
    broken["url"] = "services/speech-and-language-therapy/"
    broken["service_at_locations"][0]["location"]["addresses"][0].pop("postal_code")
    found = "\n".join(errors(broken, "schema/service.json"))
    for expected in ("'name' is a required property", "'not-a-uuid' is not a 'uuid'",
                     "'nobody' is not a 'email'", "is not a 'uri'",
                     "'postal_code' is a required property"):
        assert expected in found
    listing = load(demo, "openreferral/services.json")
    assert page_errors({**listing, "total_items": 1}) != []
    assert page_errors({k: v for k, v in listing.items() if k != "last_page"}) != []


def test_the_fixture_exports_validly_without_a_base_url(site: SiteDir) -> None:
    site.edit("site.yaml", "base_url: https://localoffer.testshire.example/\n", "")
    dist = build(site)
    assert all_export_errors(dist / "openreferral") == {}
    service = service_named(dist, "Speech therapy")
    assert "url" not in service  # a relative address is not a URI


# --- The mapping ------------------------------------------------------------------------------


def test_a_service_maps_to_open_referral_fields(site: SiteDir) -> None:
    dist = build(site)
    service = service_named(dist, "Speech therapy")
    assert service["name"] == "Speech therapy"
    assert service["status"] == "active"
    assert service["description"] == (
        "Therapists who help children with talking and understanding.\n\n"
        "We help children talk.\n\nWhat happens next\n\nWe phone you within two weeks."
    )
    assert service["url"] == "https://localoffer.testshire.example/services/speech-therapy/"
    assert service["email"] == "slt@testshire.example"
    assert (service["minimum_age"], service["maximum_age"]) == (0, 11)
    assert service["eligibility_description"] == "Children aged 0 to 11 with a Testshire GP."
    assert service["application_process"] == "Ask your GP or school to refer your child."
    assert service["assured_date"] == "2026-10-01"
    assert "assurer_email" not in service  # the owner is a team's name, not an email
    assert service["organization"]["name"] == "Testshire NHS Trust"
    assert service["organization_id"] == service["organization"]["id"]
    sid = service["id"]
    (schedule,) = service["schedules"]
    assert schedule["description"] == "Monday to Friday, 9am to 5pm"
    assert schedule["service_id"] == sid
    (cost,) = service["cost_options"]
    assert (cost["option"], cost["amount"], cost["currency"]) == ("Free", 0, "GBP")
    (contact,) = service["contacts"]
    assert contact["email"] == "slt@testshire.example"
    assert [p["number"] for p in contact["phones"]] == ["01632 960410"]
    assert contact["phones"][0]["contact_id"] == contact["id"]
    (at,) = service["service_at_locations"]
    location = at["location"]
    assert at["location_id"] == location["id"]
    assert (location["name"], location["location_type"]) == ("Child Development Centre",
                                                               "physical")
    (address,) = location["addresses"]
    assert {k: address[k] for k in ("address_1", "city", "postal_code", "country",
                                    "address_type")} == {
        "address_1": "1 Mill Lane", "city": "Testford", "postal_code": "TS1 2AB",
        "country": "GB", "address_type": "physical",
    }
    terms = {(a["link_type"], a["taxonomy_term"]["term"]) for a in service["attributes"]}
    assert terms == {("age_groups", "0-5"), ("age_groups", "5-11"),
                     ("need_types", "communication-and-interaction"), ("topics", "health"),
                     ("service_level", "specialist")}
    assert all(a["link_id"] == sid for a in service["attributes"])


def test_a_cost_that_is_not_free_is_only_words(site: SiteDir) -> None:
    dist = build(site)
    (cost,) = service_named(dist, "Youth club")["cost_options"]
    assert cost["option"] == "£2 a session"
    assert "amount" not in cost and "currency" not in cost
    youth = service_named(dist, "Youth club")
    assert "contacts" not in youth and "service_at_locations" not in youth
    assert "schedules" not in youth


def test_an_owner_that_is_an_email_becomes_the_assurer(site: SiteDir) -> None:
    site.edit(SPEECH, "owner: Children's Health", "owner: slt-lead@testshire.example")
    dist = build(site)
    assert service_named(dist, "Speech therapy")["assurer_email"] == "slt-lead@testshire.example"


def test_taxonomies_terms_and_services_link_up(site: SiteDir) -> None:
    dist = build(site)
    taxonomies = load(dist, "openreferral/taxonomies.json")["contents"]
    terms = load(dist, "openreferral/taxonomy_terms.json")["contents"]
    assert [t["name"] for t in taxonomies] == [
        "SEND Local Offer age groups", "SEND Local Offer types of need",
        "SEND Local Offer topics", "SEND Local Offer service levels",
    ]
    assert {t["taxonomy_id"] for t in terms} == {t["id"] for t in taxonomies}
    assert len(terms) == 4 + 4 + 8 + 3
    assert len({t["id"] for t in terms}) == len(terms)
    by_id = {t["id"]: t for t in terms}
    for item in load(dist, "openreferral/services.json")["contents"]:
        service = load(dist, f"openreferral/services/{item['id']}.json")
        for attribute in service["attributes"]:
            assert by_id[attribute["taxonomy_term_id"]] == attribute["taxonomy_term"]


def test_one_organization_per_provider(site: SiteDir) -> None:
    site.write("services/speech-clinic.md", site.text(SPEECH).replace(
        "title: Speech therapy", "title: Speech clinic").replace(
        "provider: Testshire NHS Trust", "provider: testshire  NHS trust"))
    dist = build(site)
    organizations = load(dist, "openreferral/organizations.json")
    names = [o["name"] for o in organizations["contents"]]
    assert names == ["A national charity", "Testshire NHS Trust", "Testshire Youth Service"]
    assert organizations["total_items"] == 3
    ids = {o["name"]: o["id"] for o in organizations["contents"]}
    clinic = service_named(dist, "Speech clinic")
    assert clinic["organization_id"] == ids["Testshire NHS Trust"]
    services = load(dist, "openreferral/services.json")
    assert [s["name"] for s in services["contents"]] == [
        "National helpline", "Speech clinic", "Speech therapy", "Youth club"]
    assert all("attributes" not in s for s in services["contents"])  # one-to-one fields only


# --- Stable ids -------------------------------------------------------------------------------


def test_ids_come_from_the_path_and_survive_rebuilds(site: SiteDir) -> None:
    first = service_named(build(site), "Speech therapy")
    assert first["id"] == str(uuid.uuid5(NAMESPACE, SPEECH))
    again = service_named(build(site), "Speech therapy")
    assert again == first


def test_an_id_field_keeps_the_id_when_the_file_is_renamed(site: SiteDir) -> None:
    site.edit(SPEECH, "provider:", "id: speech-therapy-2019\nprovider:")
    before = service_named(build(site), "Speech therapy")
    assert before["id"] == str(uuid.uuid5(NAMESPACE, "speech-therapy-2019"))
    site.write("services/speech-and-language.md", site.text(SPEECH))
    site.remove(SPEECH)
    site.write("index.md", site.text("index.md").replace(SPEECH, "services/speech-and-language.md"))
    after = service_named(build(site), "Speech therapy")
    assert after["id"] == before["id"]
    assert after["schedules"][0]["id"] == before["schedules"][0]["id"]


def test_a_uuid_id_is_used_as_it_is(site: SiteDir) -> None:
    site.edit(SPEECH, "provider:", "id: 3F7B145D-84AF-42D7-8FAE-EACA714B02B2\nprovider:")
    dist = build(site)
    assert service_named(dist, "Speech therapy")["id"] == "3f7b145d-84af-42d7-8fae-eaca714b02b2"
    assert (dist / "openreferral/services/3f7b145d-84af-42d7-8fae-eaca714b02b2.json").is_file()


# --- The build-time guard ---------------------------------------------------------------------


def test_two_services_with_one_id_is_an_error(site: SiteDir) -> None:
    site.edit(SPEECH, "provider:", "id: shared\nprovider:")
    site.edit("services/youth-club.md", "provider:", "id: shared\nprovider:")
    assert_only_error("open-referral", "content/services/youth-club.md", 7,
                      message="content/services/speech-therapy.md")


def test_the_guard_names_what_is_wrong() -> None:
    good = {"id": str(uuid.uuid4()), "name": "A", "status": "active", "minimum_age": 0,
            "maximum_age": 5, "email": "a@example.org", "url": "https://example.org/a/"}
    assert document_problems(good) == []
    bad = {**good, "id": "x", "status": "open", "email": "nobody", "url": "a/b",
           "minimum_age": 11, "organization": {"id": str(uuid.uuid4()), "name": "O"},
           "cost_options": [{"id": str(uuid.uuid4()), "amount": "nothing"}]}
    del bad["name"]
    problems = dict(document_problems(bad))
    assert set(problems) == {"service.id", "service.name", "service.status", "service.email",
                             "service.url", "minimum_age", "service.organization.description",
                             "service.cost_options[0].amount"}
    assert problems["service.id"] == "service.id 'x' is not a UUID"
    assert problems["service.status"] == (
        "service.status 'open' is not one of active, inactive, defunct, temporarily closed")
    assert problems["service.email"] == "service.email 'nobody' is not an email address"
    assert problems["service.url"] == "service.url 'a/b' is not a full web address"
    assert problems["service.cost_options[0].amount"] == (
        "service.cost_options[0].amount 'nothing' is not a number")
    odd = {**good, "id": good["id"].upper(), "note": None, "email": None}
    assert dict(document_problems(odd)) == {
        "service.id": f"service.id '{good['id'].upper()}' is not a UUID",
        "service.note": "service.note is not text or a number",
        "service.email": "service.email 'None' is not an email address",
    }


def test_a_service_the_guard_refuses_fails_the_build(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the mapping ever write something invalid, the build stops and names the file
    and the field's line, rather than publishing bad data."""
    from lo_static import oruk_export

    real = oruk_export._cost_options
    monkeypatch.setattr(oruk_export, "_cost_options", lambda sid, meta: [
        {**option, "amount": "nothing"} if "amount" in option else option
        for option in real(sid, meta)
    ])
    exit_code, document = check_json()
    assert exit_code == 1
    assert problems_of(document, "error") == [
        ("open-referral", "content/services/national-helpline.md", 13),
        ("open-referral", "content/services/speech-therapy.md", 15),
    ]
    assert "cost_options[0].amount 'nothing' is not a number" in document["problems"][0][
        "message"]
    assert run("build", "--today", TODAY).exit_code == 1


def test_copied_files_cannot_replace_the_export(site: SiteDir) -> None:
    site.write("openreferral/services.json", "{}")
    assert_only_error("url-collision", "content/openreferral/services.json", 0)


def test_copied_files_cannot_replace_the_api(site: SiteDir) -> None:
    site.write("api/pages.json", "[]")
    assert_only_error("url-collision", "content/api/pages.json", 0)


# --- Helpers ----------------------------------------------------------------------------------


def test_age_spans_cost_council_and_area() -> None:
    assert age_span(["5-11", "0-5"]) == (0, 11)
    assert age_span(["0-5", "16-25"]) == (0, 25)
    assert age_span(["16-25"]) == (16, 25)
    assert age_span([]) is None
    assert [is_free(c) for c in ("Free", "free.", "Free (NHS)", "Free for students aged 16",
                                 "£2 a session", "", None)] == [
        True, True, True, False, False, False, False]
    assert area_name("Ashdown Vale Council") == "Ashdown Vale"
    assert area_name("Kent County Council") == "Kent"
    assert area_name("Leeds City Council") == "Leeds"
    assert area_name("London Borough of Camden") == "Camden"
    council = "Ashdown Vale Council"
    assert provider_is_council("Ashdown Vale Council", council)
    assert provider_is_council("ashdown vale council  Youth Service", council)
    assert provider_is_council("Ashdown Vale Council (Oakwood House)", council)
    assert not provider_is_council("Ashdown Vale Councillors' Fund", council)
    assert not provider_is_council(
        "Ashdown Vale SENDIASS (run at arm's length from Ashdown Vale Council)", council)


def test_plain_text_of_markdown() -> None:
    markdown = (
        "# Title\n\nSome *words* and [a link](../a.md)\nover two lines.\n\n"
        "- one\n- two\n  - nested\n\n1. first\n2. second\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n![A phone](p.svg) Call us.\n\n    code\n"
    )
    assert plain_text(markdown) == (
        "Title\n\nSome words and a link over two lines.\n\n- one\n- two\n  - nested\n\n"
        "1. first\n2. second\n\na | b\n1 | 2\n\nA phone Call us.\n\ncode"
    )


# --- api/pages.json ---------------------------------------------------------------------------

LEAFLET = """---
title: Speech therapy leaflet
summary: Speech therapy on paper.
size: A5
pages: [services/speech-therapy.md]
last_reviewed: 2026-10-02
review_by: 2027-09-01
owner: Children's Health
---

Ask us about speech therapy.
"""


def test_pages_json_lists_every_page_with_its_review_dates(site: SiteDir) -> None:
    site.write("leaflets/speech.md", LEAFLET)
    dist = build(site)
    pages = load(dist, "api/pages.json")["pages"]
    base = "https://localoffer.testshire.example/"
    urls = [entry["url"] for entry in pages]
    assert urls == sorted(urls)
    assert urls[0] == base
    by_url = {entry["url"]: entry for entry in pages}
    assert by_url[base + "services/speech-therapy/"] == {
        "title": "Speech therapy",
        "url": base + "services/speech-therapy/",
        "kind": "service",
        "owner": "Children's Health",
        "last_reviewed": "2026-10-01",
        "review_by": "2027-09-30",
        "easy_read": False,
    }
    assert by_url[base + "easy-read/"]["easy_read"] is True
    assert by_url[base + "about/guide/easy-read/"]["easy_read"] is True
    feedback = by_url[base + "feedback/2026-06-search/"]
    assert (feedback["kind"], feedback["last_reviewed"], feedback["review_by"]) == (
        "feedback", None, None)
    leaflet = by_url[base + "leaflets/speech.pdf"]
    assert (leaflet["kind"], leaflet["review_by"], leaflet["owner"]) == (
        "leaflet", "2027-09-01", "Children's Health")
    kinds = sorted({entry["kind"] for entry in pages})
    assert kinds == ["feedback", "leaflet", "news", "page", "service"]
    sources = list(site.path.rglob("*.md"))
    assert len(pages) == len(sources)  # every page, service, feedback, news item and leaflet


def test_pages_json_without_a_base_url_is_relative_to_the_site(site: SiteDir) -> None:
    site.edit("site.yaml", "base_url: https://localoffer.testshire.example/\n", "")
    pages = load(build(site), "api/pages.json")["pages"]
    urls = [entry["url"] for entry in pages]
    assert urls[0] == "./"
    assert "services/speech-therapy/" in urls
    assert not any(url.startswith(("/", "http")) for url in urls)


def test_pages_json_leaves_out_drafts(site: SiteDir) -> None:
    site.write("services/new-clinic.md", site.text(SPEECH).replace(
        "title: Speech therapy", "title: New clinic\ndraft: true"))
    dist = build(site)
    urls = [entry["url"] for entry in load(dist, "api/pages.json")["pages"]]
    assert "services/speech-therapy/" in "".join(urls)
    assert not any("new-clinic" in url for url in urls)
    names = [s["name"] for s in load(dist, "openreferral/services.json")["contents"]]
    assert names == ["National helpline", "Speech therapy", "Youth club"]


def test_quick_uuid5_is_the_standard_librarys() -> None:
    import uuid

    from lo_static.oruk_export import NAMESPACE, uuid5

    for name in ("", "a", "services/speech-therapy.md", "taxonomy:needs/é", "x" * 500):
        for namespace in (NAMESPACE, uuid.NAMESPACE_URL):
            assert uuid5(namespace, name) == str(uuid.uuid5(namespace, name))


@pytest.mark.parametrize("count", [0, 1, 3])
def test_services_json_is_joined_from_records_exactly_as_json_writes_it(count: int) -> None:
    """services.json is joined from each record's stored JSON (so unchanged records are not
    encoded again); the bytes must be those of encoding the whole list at once."""
    items = [
        {"id": f"s{n}", "name": 'Café "Sunbeam"\nnext line', "nested": {"list": [1, None, {}]},
         "empty": [], "emoji": "\u2603", "number": 1.5}
        for n in range(count)
    ]
    assert _dump_list([_item_json(item) for item in items]) == _dump(_page(items))
    assert _dump_list([Packed.of(_item_json(item)) for item in items]) == _dump(_page(items))


def _record(name: str, version: int = 0) -> ExportedService:
    """A service's record as the export makes it; `version` changes its text and its key."""
    item = {"id": name, "name": f"Service {name}", "description": "words " * (3 + version)}
    return ExportedService(f"services/{name}.md", name, (), Packed.of(_item_json(item)),
                           Packed.of(b"{}"), f"key {name} {version}")


LIST_CHANGES = {
    "one record edited": lambda names: [(n, 1 if n == "m" else 0) for n in names],
    "first and last edited": lambda names: [
        (n, 1 if n in (names[0], names[-1]) else 0) for n in names
    ],
    "one added at the start": lambda names: [("new", 0)] + [(n, 0) for n in names],
    "one removed": lambda names: [(n, 0) for n in names if n != "c"],
    "two swapped": lambda names: [(n, 0) for n in [names[1], names[0], *names[2:]]],
    "all new": lambda names: [(n, 2) for n in names],
    "none left": lambda names: [],
    "nothing changed": lambda names: [(n, 0) for n in names],
}


@pytest.mark.parametrize("change", list(LIST_CHANGES))
def test_services_json_after_a_change_copies_the_last_files_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """A rebuild makes services.json from the last one: the entries of records it already
    holds are copied from it, only the others unpacked; the bytes are a full join's."""
    cache = BuildCache(tmp_path / "cache")
    names = [chr(code) for code in range(ord("a"), ord("z") + 1)]
    first = [_record(name) for name in names]
    last = tmp_path / "services.json"
    last.write_bytes(services_list(first, cache))
    assert last.read_bytes() == _dump_list([record.item for record in first])
    listed = LIST_CHANGES[change](names)
    new = [_record(name, version) for name, version in listed]
    unpacked: list[bytes] = []
    real = Packed.unpacked

    def counted(self: Packed) -> bytes:
        unpacked.append(real(self))
        return unpacked[-1]

    monkeypatch.setattr(Packed, "unpacked", counted)
    made = services_list(new, cache, LastList(str(last), list_key(first)))
    monkeypatch.undo()
    assert made == _dump_list([record.item for record in new])
    assert len(unpacked) == sum(version > 0 or name == "new" for name, version in listed)
    # The layout kept this time lets the next build copy from the file just made.
    again = tmp_path / "again.json"
    again.write_bytes(made)
    monkeypatch.setattr(Packed, "unpacked", counted)
    unpacked.clear()
    assert services_list(new, cache, LastList(str(again), list_key(new))) == made
    assert unpacked == []


def test_services_json_is_joined_in_full_without_the_last_files_layout(tmp_path: Path) -> None:
    """Without a record of where the last file's entries are (another cache, or none), or when
    the last file has gone, the list is joined from every record."""
    records = [_record(name) for name in "abc"]
    last = tmp_path / "services.json"
    last.write_bytes(_dump_list([record.item for record in records]))
    edited = [records[0], _record("b", 1), records[2]]
    full = _dump_list([record.item for record in edited])
    remembered = BuildCache(tmp_path / "cache")
    services_list(records, remembered)  # keeps the layout of that list
    assert services_list(edited, BuildCache(tmp_path / "other"), LastList(str(last),
                         list_key(records))) == full
    assert services_list(edited, remembered, LastList(str(tmp_path / "gone"),
                         list_key(records))) == full
    last.write_bytes(last.read_bytes()[:40])  # cut short: shorter than its layout says
    assert services_list(edited, remembered, LastList(str(last), list_key(records))) == full
    assert services_list(edited, None, None) == full


def test_the_json_is_written_as_json_dumps_writes_it() -> None:
    """orjson writes the export (the standard library's indenting encoder is pure Python): the
    same bytes as json.dumps(..., indent=2, ensure_ascii=False), escapes and all; what orjson
    refuses goes to json.dumps, and what json.dumps refuses is still refused."""
    from datetime import date

    text = "".join(map(chr, range(128))) + "\u00a0\u2028\u2029\ufeff\u0085é–😀\U0010ffff"
    document = {
        "id": text, "name": "", "ages": [0, -1, 18, 999_999_999_999_999_999, True, None],
        "empty": {}, "none": [], "nested": [[{"a": []}], {}], "quote": '"\\/',
    }
    expected = json.dumps(document, indent=2, ensure_ascii=False)
    assert _dump(document) == (expected + "\n").encode()
    assert _item_json(document) == expected.replace("\n", "\n    ").encode()
    odd = {1: "a key that is not text", "big": 2**70}
    assert _dump(odd) == (json.dumps(odd, indent=2) + "\n").encode()
    with pytest.raises(TypeError):
        _dump({"assured_date": date(2026, 11, 23)})

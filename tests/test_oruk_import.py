"""`lo-static import oruk`: Open Referral UK feeds in, service files with placeholders out.

The reference documents in shared/oruk (the UK profile's examples and the official validator's
Default, Warn, Fail and Test documents, CC BY-SA) are read where they are, never copied.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lo_static.content import _SAFE_SEGMENT, Page, read_page
from lo_static.markdown import iter_links, make_markdown, parse_page, render_body
from lo_static.oruk_import import (
    age_groups,
    convert_description,
    find_phones,
    first_sentence,
    make_slug,
    map_service,
    shorten,
)
from lo_static.schema import SUMMARY_MAX
from tests.conftest import FIXTURES, ORUK, TODAY, SiteDir, check_json, run

FEEDS = FIXTURES / "oruk"
MESSY = FEEDS / "messy.json"
V1 = FEEDS / "v1_page.json"
REFERENCE = sorted(ORUK.glob("validator-fixtures/*/*.json")) + sorted(ORUK.glob("examples/*.json"))

HOLIDAY = "services/holiday-club.md"
SLT = "services/speech-and-language-therapy.md"
SLT2 = "services/speech-and-language-therapy-2.md"
FORUM = "services/the-testshire-parent-carer-forum-and-family-information.md"
IMPORTED = (HOLIDAY, SLT, SLT2, FORUM)


def import_feed(feed: Path | str, *extra: str) -> Any:
    return run("import", "oruk", str(feed), "--into", "content", "--today", TODAY, *extra)


def front(site: SiteDir, rel: str) -> dict[str, Any]:
    """The file's front matter, read the way the build reads it (YAML 1.2 core schema)."""
    page = Page(rel=rel, display=rel, kind="service")
    assert read_page(site.path / rel, page) == []
    assert isinstance(page.yaml.data, dict)
    return page.yaml.data


def body(site: SiteDir, rel: str) -> str:
    return site.text(rel).split("\n---\n", 1)[1]


def error_codes(document: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item in document["problems"]:
        if item["severity"] == "error":
            found.setdefault(item["path"], set()).add(item["code"])
    return found


FILL = {
    "summary": "A service for families.",
    "last_reviewed": "2026-10-01",
    "review_by": "2027-09-30",
    "owner": "Local Offer Team",
    "provider": "Testshire Council",
    "service_level": "targeted",
    "coverage": "in-area",
    "age_groups": "[5-11]",
    "need_types": "[sensory-and-physical]",
    "topics": "[health]",
    "eligibility": "Any family in Testshire.",
    "how_to_access": "Phone us.",
    "cost": "Free",
    "phone": "01632 960123",
    "email": "team@testshire.example",
    "website": "https://www.testshire.example/",
    "street": "1 High Street",
    "town": "Testford",
    "postcode": "TS1 2AB",
}


def fill_placeholders(site: SiteDir, rel: str) -> int:
    """Do what an editor does: replace every `TODO:` line with a real value."""
    lines = site.text(rel).split("\n")
    filled = 0
    for index, line in enumerate(lines):
        if "TODO:" not in line:
            continue
        match = re.match(r"^(\s*)([a-z_]+): ", line)
        lines[index] = f"{match[1]}{match[2]}: {FILL[match[2]]}" if match else "A description."
        filled += 1
    site.write(rel, "\n".join(lines))
    return filled


# --- The reference documents ----------------------------------------------------------------


def _is_service_document(path: Path) -> bool:
    return path.name.startswith(("service_full", "service_list"))


@pytest.mark.parametrize("path", REFERENCE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_reference_document_imports_without_a_traceback(site: SiteDir, path: Path) -> None:
    result = import_feed(path)  # run() lets exceptions through: a traceback fails the test
    assert "Traceback" not in result.output
    if not _is_service_document(path):
        assert result.exit_code == 2, result.output
        assert result.output.startswith(f"Error: {path.as_posix()}: this is ")
        assert "expected an Open Referral UK services feed" in result.output
        assert not (site.path / "services" / "community-counselling.md").exists()
        return
    assert result.exit_code in (0, 1), result.output
    assert re.search(r"^Wrote \d+ services?, skipped \d+", result.output, re.M)
    written = sorted(p for p in (site.path / "services").glob("*.md") if "counselling" in p.name)
    for file in written:
        data = front(site, f"services/{file.name}")
        assert data["title"] == "Community Counselling"
        assert data["id"] == "ac148810-d857-441c-9679-408f346de14b"
        assert re.fullmatch(r"[a-z0-9-]+\.md", file.name) and _SAFE_SEGMENT.match(file.name)
    if written:
        exit_code, document = check_json()
        assert exit_code == 1
        codes = error_codes(document)
        assert set(codes) == {f"content/services/{f.name}" for f in written}, codes
        assert all(c == {"placeholder"} for c in codes.values()), codes


def test_fail_documents_give_per_service_problems(site: SiteDir) -> None:
    result = import_feed(ORUK / "validator-fixtures/Fail/service_full.json")
    assert result.exit_code == 0
    assert "contact.email: the feed's email 'email-example_com' is not an email address" in (
        result.output
    )
    assert "contact.website: the feed's url 'example/counselling' is not a full web address" in (
        result.output
    )
    contact = front(site, "services/community-counselling.md")["contact"]
    assert contact["email"].startswith("TODO: the feed's email 'email-example_com'")
    assert contact["website"].startswith("TODO: the feed's url 'example/counselling'")

    result = import_feed(ORUK / "validator-fixtures/Fail/service_list.json")
    assert result.exit_code == 1  # nothing could be imported
    assert result.output.count("has no name, so it was not imported") == 4
    assert "Wrote 0 services, skipped 5 (already there: 0" not in result.output
    assert "skipped 4 (unusable: 4)" in result.output


def test_repeated_ids_in_a_feed_are_imported_once(site: SiteDir) -> None:
    result = import_feed(ORUK / "validator-fixtures/Test/service_list.json")
    assert result.exit_code == 0
    assert "Wrote 1 service, skipped 127 (repeated in the feed: 127)" in result.output
    assert [p.name for p in (site.path / "services").glob("community*")] == [
        "community-counselling.md"
    ]


def test_example_service_is_mapped(site: SiteDir) -> None:
    result = import_feed(ORUK / "examples/service_full.json")
    assert result.exit_code == 0, result.output
    data = front(site, "services/community-counselling.md")
    assert data["title"] == "Community Counselling"
    assert data["summary"] == "Counselling Services provided by trained professionals."
    assert data["age_groups"] == ["11-16", "16-25"]  # 12 to 100
    assert data["cost"] == "Under 18s and Over 60s: £35 per 1 hour session"
    assert data["provider"] == "Example Organization Inc."
    assert data["owner"] == "email@example.com"  # assurer_email, as nothing better is known
    assert data["id"] == "ac148810-d857-441c-9679-408f346de14b"
    assert data["opening_hours"].startswith("The service is available from 10 am to 6pm")
    assert data["accessibility"].startswith("The building is equipped with induction loops")
    assert data["contact"]["email"] == "email@example.com"
    assert data["contact"]["website"] == "http://example.com/counselling"
    address = data["contact"]["address"]
    assert (address["name"], address["street"], address["town"]) == (
        "MyCity Civic Center",
        "1-30 Main Street",
        "MyCity",
    )
    # Placeholders: what the feed cannot say, or says wrongly.
    assert address["postcode"].startswith("TODO: the feed's postcode 'ABC 1234'")
    assert data["last_reviewed"].startswith("TODO: the feed says it was last checked on 2005-01-01")
    for name in ("service_level", "coverage", "eligibility", "how_to_access"):
        assert data[name].startswith("TODO:"), name
    assert data["topics"][0].startswith("TODO:")
    assert "Suitable for people with mental health conditions" in body(
        site, "services/community-counselling.md"
    )


# --- A messy feed ---------------------------------------------------------------------------


def test_messy_feed_is_mapped(site: SiteDir) -> None:
    result = import_feed(MESSY)
    assert result.exit_code == 0, result.output
    holiday = front(site, HOLIDAY)
    assert holiday["title"] == "Holiday Club"  # spaces collapsed
    assert holiday["summary"] == (
        "Games, crafts and trips for disabled children in the school holidays."
    )
    assert holiday["age_groups"] == ["5-11"]
    assert holiday["topics"] == ["leisure"]
    assert holiday["cost"] == "£5 a day"
    assert holiday["eligibility"] == "Children aged 5 to 11 with an EHC plan who live in Testshire."
    assert holiday["last_reviewed"] == "2026-06-01"
    assert holiday["review_by"] == "2027-06-01"  # 12 months on
    assert holiday["opening_hours"] == "Monday to Friday, 9am to 3:30pm"
    assert holiday["contact"] == {
        "phone": "01632 960000",  # from "Call 01632 960000 (9-5)"
        "email": "club@testshire.example",
        "address": {
            "name": "Mill Lane Centre",
            "street": "1 Mill Lane",
            "town": "Testford",
            "postcode": "TS1 2AB",
        },
    }
    assert holiday["owner"].startswith("TODO:")

    slt = front(site, SLT)
    assert slt["need_types"] == ["communication-and-interaction"]
    assert slt["topics"] == ["health"]
    assert slt["age_groups"][0].startswith("TODO: the feed gives no ages")
    assert slt["contact"]["website"] == "https://www.testshire.example/slt"
    assert slt["contact"]["phone"].startswith("TODO: the feed's phone number '12345'")
    assert "contact.phone: the feed's phone number '12345' is not a UK phone number" in (
        result.output
    )
    assert slt["last_reviewed"].startswith("TODO: the feed does not say when")

    free = front(site, SLT2)
    assert free["cost"] == "Free"
    assert free["owner"] == "directory@testshire.example"
    assert free["age_groups"] == ["16-25"]


def test_summary_line_and_skipped_services(site: SiteDir) -> None:
    result = import_feed(MESSY)
    assert result.stderr.strip() == (
        "Wrote 4 services, skipped 3 (inactive: 2; unusable: 1), 4 need attention before "
        "publishing (run lo-static check)"
    )
    assert (
        "skipped 'Old Youth Project' (id 0b6d2a4e-1c1a-4f0e-9a51-6f1f3c2a7b05): its status in "
        "the feed is 'inactive', not active"
    ) in result.stdout
    assert "its status in the feed is 'defunct'" in result.stdout
    assert not (site.path / "services/old-youth-project.md").exists()
    assert not (site.path / "services/closed-drop-in.md").exists()
    assert "item 7 in the feed has no name" in result.stdout
    # Each written service says which fields to fill in.
    assert (
        f"content/{HOLIDAY}: written 'Holiday Club' (id 0b6d2a4e-1c1a-4f0e-9a51-6f1f3c2a7b01)\n"
        "  - to fill in (marked TODO: in the file): owner, need_types, service_level, coverage, "
        "how_to_access\n"
    ) in result.stdout


def test_json_format(site: SiteDir) -> None:
    result = import_feed(MESSY, "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["feed"] == "service_list"
    actions = [(s["name"], s["action"], s["reason"]) for s in document["services"]]
    assert actions[:4] == [
        ("Holiday Club", "written", ""),
        ("Speech and language therapy", "written", ""),
        ("Speech and language therapy", "written", ""),
        (actions[3][0], "written", ""),
    ]
    assert [a[2] for a in actions[4:]] == ["inactive", "inactive", "unusable"]
    assert document["services"][0]["to_fill_in"] == [
        "owner", "need_types", "service_level", "coverage", "how_to_access",
    ]  # fmt: skip
    assert document["summary"]["need_attention"] == 4


def test_check_fails_only_on_placeholders_until_they_are_filled(site: SiteDir) -> None:
    assert import_feed(MESSY).exit_code == 0
    exit_code, document = check_json()
    assert exit_code == 1
    codes = error_codes(document)
    assert set(codes) == {f"content/{rel}" for rel in IMPORTED}, codes
    assert all(c == {"placeholder"} for c in codes.values()), codes

    for rel in IMPORTED:
        assert fill_placeholders(site, rel) > 0
    exit_code, document = check_json()
    assert error_codes(document) == {}
    assert exit_code == 0


def test_duplicate_names_get_numbered_files(site: SiteDir) -> None:
    import_feed(MESSY)
    assert front(site, SLT)["id"] == "0b6d2a4e-1c1a-4f0e-9a51-6f1f3c2a7b02"
    assert front(site, SLT2)["id"] == "0b6d2a4e-1c1a-4f0e-9a51-6f1f3c2a7b03"
    assert front(site, SLT)["title"] == front(site, SLT2)["title"]


def test_long_names_make_short_safe_file_names(site: SiteDir) -> None:
    result = import_feed(MESSY)
    name = Path(FORUM).name
    assert len(name) <= 63 and _SAFE_SEGMENT.match(name)
    assert front(site, FORUM)["title"].startswith("The Testshire Parent Carer Forum and Family")
    assert "title: the name is 161 characters long" in result.output


def test_invisible_characters_are_left_out(site: SiteDir) -> None:
    """Zero-width and direction-control characters (which `check` refuses as
    `hidden-characters`) never reach the files."""
    assert "\\u200b" in MESSY.read_text() and "\\u202e" in MESSY.read_text()
    import_feed(MESSY)
    for rel in IMPORTED:
        assert not re.search("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]", site.text(rel))
    assert front(site, HOLIDAY)["title"] == "Holiday Club"
    mapped = map_service(
        {"name": "A\u2060B", "description": "x\x07y \U000e0041z"}, date(2026, 1, 1)
    )
    assert (mapped.front["title"], mapped.body) == ("AB", "xy z")


def test_mojibake_is_repaired(site: SiteDir) -> None:
    import_feed(MESSY)
    assert front(site, SLT)["cost"] == "£5 per session, don’t pay at the door"
    assert "We don’t charge for carers." in body(site, HOLIDAY)
    for rel in IMPORTED:
        assert not re.search("Â|â€", site.text(rel)), rel


def test_html_is_sanitised(site: SiteDir) -> None:
    result = import_feed(MESSY)
    text = body(site, HOLIDAY)
    for bad in ("<", "script", "alert", "onclick", "onmouseover", "steal", "javascript",
                "iframe", "frame text", "color: red", "/local/page"):  # fmt: skip
        assert bad not in text, bad
    assert "## About the club" in text  # the description's h1 sits under the page's title
    assert "- **Bring** a packed lunch\n- *Wear* old clothes" in text
    assert "[the club's page](https://www.testshire.example/holiday-club)" in text
    assert "[email the club](mailto:club@testshire.example)" in text
    assert "this trick, an internal page or" in text  # unsafe and relative links lose the link
    assert "description: had scripts, frames, event handlers or unsafe links" in result.output


@pytest.mark.parametrize(
    "html",
    [
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<svg onload="alert(1)"><text>x</text></svg>',
        '<p style="background:url(javascript:alert(1))">x</p>',
        "<scr<script>ipt>alert(1)</script>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "[x](javascript:alert(1)) <b>bold</b>",
    ],
)
def test_nothing_unsafe_survives(html: str) -> None:
    """Whatever the description holds, the Markdown it becomes renders to no script, no
    event handler and no link other than http(s), mailto and tel."""
    markdown = convert_description(html).markdown
    md = make_markdown()
    page = Page(rel="services/x.md", display="services/x.md", kind="service")
    page.body = markdown
    parse_page(md, page)
    hrefs = [link.target for link in iter_links(page)]  # links and pictures
    assert all(re.match(r"(https?|mailto|tel):", h) for h in hrefs), hrefs
    rendered = render_body(md, page, lambda rel: None)
    for bad in ("<script", "<img", "<svg", "<a ", "onerror=", "onload=", "style="):
        assert bad not in rendered, (bad, rendered)


def test_v1_page(site: SiteDir) -> None:
    result = import_feed(V1)
    assert result.exit_code == 0, result.output
    assert "an Open Referral UK v1 page of services with 2 entries" in result.output
    data = front(site, "services/sensory-play-group.md")
    assert data["id"] == "4121"
    assert data["age_groups"] == ["0-5"]  # from eligibilitys
    assert data["eligibility"] == "Children with sensory needs and their parents or carers."
    assert data["need_types"] == ["sensory-and-physical"]
    assert data["topics"] == ["childcare"]
    assert data["cost"] == "Free"  # amount "0.00"
    assert data["how_to_access"] == "Drop in: no appointment needed."
    assert data["opening_hours"] == "Monday to Friday, 9am to 5pm"
    assert data["accessibility"] == "Step-free entrance. Languages: English, Polish."
    assert data["contact"]["phone"] == "01632 960111"  # "+44 (0)1632 960 111"
    assert data["contact"]["address"]["postcode"] == "TS2 3BD"
    assert data["contact"]["address"]["name"] == "Northgate Family Hub"
    assert body(site, "services/sensory-play-group.md").strip() == "We meet in the family hub."
    assert "skipped 'Closed group' (id 4122): its status in the feed is 'inactive'" in (
        result.output
    )


# --- Never overwriting, and --update ----------------------------------------------------------


def test_existing_files_are_never_overwritten_without_update(site: SiteDir) -> None:
    import_feed(MESSY)
    site.edit(HOLIDAY, "summary: Games, crafts", "summary: Edited games, crafts")
    before = {rel: site.text(rel) for rel in IMPORTED}
    result = import_feed(MESSY)
    assert result.exit_code == 0
    assert {rel: site.text(rel) for rel in IMPORTED} == before
    assert f"already there as content/{HOLIDAY}; run with --update to replace it" in result.stdout
    assert "Wrote 0 services, skipped 7 (already there: 4; inactive: 2; unusable: 1)" in (
        result.stderr
    )


def test_update_rewrites_only_that_service_and_keeps_what_editors_wrote(site: SiteDir) -> None:
    import_feed(MESSY)
    site.edit(HOLIDAY, "summary: Games, crafts", "summary: Edited games, crafts")
    site.edit(
        HOLIDAY,
        'service_level: "TODO: say whether it is universal, targeted or specialist"',
        "service_level: targeted",
    )
    site.edit(
        HOLIDAY,
        'owner: "TODO: name the team responsible for this service (the feed does not say)"',
        "owner: Play Team",
    )
    (site.path / HOLIDAY).rename(site.path / "services/summer-club.md")  # renamed: found by id
    untouched = site.text("services/speech-therapy.md")
    result = import_feed(MESSY, "--update")
    assert result.exit_code == 0, result.output
    assert not (site.path / HOLIDAY).exists()
    data = front(site, "services/summer-club.md")
    assert data["summary"].startswith("Games, crafts")  # the feed's value again
    assert (data["service_level"], data["owner"]) == ("targeted", "Play Team")  # kept
    assert "kept from the existing file: owner, service_level" in result.output
    assert "content/services/summer-club.md: updated 'Holiday Club'" in result.output
    assert site.text("services/speech-therapy.md") == untouched


def test_a_file_of_the_same_name_without_an_id_is_left_alone(site: SiteDir) -> None:
    feed = {"contents": [{"id": "7a1c", "name": "Speech therapy", "status": "active"}]}
    site.write("../feed.json", json.dumps(feed))
    before = site.text("services/speech-therapy.md")
    for extra in ((), ("--update",)):
        result = run("import", "oruk", "feed.json", "--into", "content", *extra)
        assert result.exit_code == 0
        assert site.text("services/speech-therapy.md") == before
        assert (
            "already there as content/services/speech-therapy.md, which has no id; if it is "
            "the same service, add 'id: 7a1c' to it" in result.output
        )
    site.edit(
        "services/speech-therapy.md", "title: Speech therapy", "id: 7a1c\ntitle: Speech therapy"
    )
    result = run("import", "oruk", "feed.json", "--into", "content", "--update")
    assert "content/services/speech-therapy.md: updated 'Speech therapy'" in result.output
    data = front(site, "services/speech-therapy.md")
    assert data["provider"] == "Testshire NHS Trust"  # kept: the feed has no organization
    assert "We help children talk." in body(site, "services/speech-therapy.md")  # kept too


# --- Unusable input: exit status 2 ------------------------------------------------------------


def test_invalid_json_says_where(site: SiteDir) -> None:
    site.write("../broken.json", '{"contents": [\n  {"name": "Club",}\n]}\n')
    result = run("import", "oruk", "broken.json", "--into", "content")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: broken.json:2:19: not valid JSON at line 2, column 19")
    assert "Traceback" not in result.output
    result = run("import", "oruk", "broken.json", "--into", "content", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["ok"] is False
    assert "line 2, column 19" in json.loads(result.stdout)["error"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"hello": "world"}', "this is not a services feed"),
        ("[1, 2, 3]", "found a list with no services"),
        ('"services"', "found a string"),
        ('{"contents": [{"id": "1", "name": "Term", "term": "x"}]}', "something other than"),
        ("<html><body>Not found</body></html>", "it looks like a web page, not JSON"),
        ("", "the file is empty"),
    ],
)
def test_unknown_shapes_exit_2(site: SiteDir, text: str, words: str) -> None:
    site.write("../feed.json", text)
    result = run("import", "oruk", "feed.json", "--into", "content")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: feed.json") and words in result.stderr, result.stderr
    assert not any((site.path / "services").glob("term*"))


def test_missing_feed_or_folder_exit_2(site: SiteDir) -> None:
    result = run("import", "oruk", "nowhere.json", "--into", "content")
    assert result.exit_code == 2
    assert "nowhere.json: no such file" in result.stderr
    result = run("import", "oruk", str(MESSY), "--into", "no-such-folder")
    assert result.exit_code == 2
    assert "no-such-folder: no such content folder" in result.stderr


def test_not_utf8_exit_2(site: SiteDir) -> None:
    site.write("../latin1.json", '{"contents": []}\n{"name": "Caf\xe9"}'.encode("latin-1"))
    result = run("import", "oruk", "latin1.json", "--into", "content")
    assert result.exit_code == 2
    assert "latin1.json:2: not UTF-8 text" in result.stderr


def test_empty_feed_writes_nothing(site: SiteDir) -> None:
    site.write("../empty.json", '{"total_items": 0, "contents": []}')
    result = run("import", "oruk", "empty.json", "--into", "content")
    assert result.exit_code == 0
    assert "Wrote 0 services, skipped 0, 0 need attention" in result.stderr


# --- The mapping functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Call 01632 960000 (9-5)", ["01632 960000"]),
        ("+44 (0)20 7946 0000", ["020 7946 0000"]),
        ("0161 496 0000 or mobile 07700-900123", ["0161 496 0000", "07700 900123"]),
        ("Freephone 0808 800 0000 ext 2", ["0808 800 0000"]),
        ("01632960111", ["01632 960111"]),
        ("12345", []),
        ("Open 9-5, Mon-Fri", []),
        ("+1 555 0100 2000", []),
        ("Case ref 16329600001", []),
        ("International 0012 345 6789", []),
    ],
)
def test_phone_numbers_from_free_text(text: str, numbers: list[str]) -> None:
    assert find_phones(text) == numbers


@pytest.mark.parametrize(
    ("low", "high", "groups"),
    [
        (12, 100, ["11-16", "16-25"]),
        (0, 11, ["0-5", "5-11"]),  # what the export writes for [0-5, 5-11]
        (16, 25, ["16-25"]),
        (0, 25, ["0-5", "5-11", "11-16", "16-25"]),
        (5, 5, ["0-5", "5-11"]),
        (None, 4, ["0-5"]),
        (18, None, ["16-25"]),
        (30, 65, []),
    ],
)
def test_age_ranges_become_age_groups(low: float, high: float, groups: list[str]) -> None:
    assert age_groups(low, high) == groups


def test_missing_ages_are_a_placeholder_and_one_missing_age_a_note() -> None:
    today = date.fromisoformat(TODAY)
    none = map_service({"id": "a", "name": "A", "status": "active"}, today)
    assert none.front["age_groups"][0].startswith("TODO: the feed gives no ages")
    only_max = map_service({"id": "b", "name": "B", "maximum_age": 4}, today)
    assert only_max.front["age_groups"] == ["0-5"]
    assert any("gives only a maximum age" in note for note in only_max.notes)
    adults = map_service({"id": "c", "name": "C", "minimum_age": 30, "maximum_age": 65}, today)
    assert adults.front["age_groups"][0].startswith("TODO: the feed's ages (30 to 65)")


def test_summary_is_the_first_sentence_within_the_limit() -> None:
    assert first_sentence("Dr. Lee helps, e.g. with talking. Then more.") == (
        "Dr. Lee helps, e.g. with talking."
    )
    assert first_sentence("No full stop at all") == "No full stop at all"
    long = "Word " * 60 + "end."
    short = shorten(first_sentence(long), SUMMARY_MAX)
    assert len(short) <= SUMMARY_MAX and short.endswith("…") and "  " not in short
    mapped = map_service({"id": "x", "name": "X", "description": long}, date(2026, 1, 1))
    assert mapped.front["summary"] == short
    assert any("cut to 160" in note for note in mapped.notes)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Speech & language therapy!", "speech-language-therapy"),
        ("Children’s Centre", "childrens-centre"),
        ("Ysgol Gymraeg Ŵyr", "ysgol-gymraeg-wyr"),
        ("Index", "index-service"),
        ("!!!", "untitled"),
        ("A" * 80, "a" * 60),
    ],
)
def test_slugs_are_safe_file_names(name: str, slug: str) -> None:
    assert make_slug(name) == slug
    assert _SAFE_SEGMENT.match(f"{slug}.md")


def test_own_export_taxonomy_is_read_back() -> None:
    """The export links service_level, need_types and topics as attributes whose link_type is
    the field and whose term is the value: importing them gives the values back."""
    service = {
        "id": "d", "name": "D", "status": "active",
        "attributes": [
            {"link_type": "service_level", "taxonomy_term": {"term": "specialist"}},
            {"link_type": "need_types", "taxonomy_term": {"term": "cognition-and-learning"}},
            {"link_type": "topics", "taxonomy_term": {"term": "education"}},
        ],
        "description": "Help with learning.\n\nMore about it.",
        "cost_options": [{"option": "Free", "amount": 0, "currency": "GBP"}],
    }  # fmt: skip
    mapped = map_service(service, date(2026, 1, 1))
    assert mapped.front["service_level"] == "specialist"
    assert mapped.front["need_types"] == ["cognition-and-learning"]
    assert mapped.front["topics"] == ["education"]
    assert mapped.front["cost"] == "Free"
    assert mapped.body == "More about it."  # the summary is not repeated in the body

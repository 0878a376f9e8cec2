"""Front-matter rules: each case breaks exactly one rule in a valid site and names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from lo_static.cache import BuildCache
from lo_static.content import discover
from lo_static.validate import validate_pages
from tests.conftest import MINIMAL, SiteDir, assert_only_error, assert_only_warning

SVC = "services/speech-therapy.md"


@pytest.mark.parametrize(
    ("old", "new", "code", "line", "message"),
    [
        (
            "eligibility: Children aged 0 to 11 with a Testshire GP.\n",
            "",
            "missing-field",
            24,
            "services need 'eligibility': say who can use this service",
        ),
        ("title: Speech therapy", 'title: ""', "empty-value", 2, "'title' is empty"),
        ("cost: Free", "cost: [free]", "wrong-type", 15, "'cost' should be text"),
        ("cost: Free", "cost: false", "wrong-type", 15, 'put it in quotes, like cost: "No"'),
        (
            "service_level: specialist",
            "service_level: specalist",
            "bad-value",
            8,
            "did you mean 'specialist'?",
        ),
        ("age_groups: [0-5, 5-11]", "age_groups: [0-5, 5-12]", "bad-value", 10, "'5-12'"),
        ("coverage: in-area", "coverage: local", "bad-value", 9, "use one of in-area"),
        (
            "last_reviewed: 2026-10-01",
            "last_reviewed: 2026-02-30",
            "invalid-date",
            4,
            "not a real date",
        ),
        ("review_by: 2027-09-30", "review_by: 30/09/2027", "invalid-date", 5, "YYYY-MM-DD"),
        ("email: slt@testshire.example", "email: slt-at-testshire", "invalid-email", 18, ""),
        (
            "phone: 01632 960410",
            "phone: 01632 960410 (textphone)",
            "invalid-phone",
            17,
            "phone number only",
        ),
        ("phone: 01632 960410", "phone: 12345", "invalid-phone", 17, "not a UK phone number"),
        ("postcode: TS1 2AB", "postcode: TS12", "invalid-postcode", 23, "not a UK postcode"),
        (
            "summary: Therapists who help children with talking and understanding.",
            "summary: " + "x" * 161,
            "summary-too-long",
            3,
            "161 characters",
        ),
        ("owner: Children's Health", 'owner: "TODO: name the team"', "placeholder", 6, ""),
        ("We help children talk.", "TODO: write this part", "placeholder", 27, ""),
        ("cost: Free", "cost: Free\ncost: Nothing", "duplicate-key", 16, "written twice"),
        ("cost: Free", "cost: Free\n\tnote: x", "yaml-syntax", 16, "not tabs"),
        ("cost: Free", "cost: Free: for all", "yaml-syntax", 15, "quotes"),
        (
            "contact:\n  phone: 01632 960410\n  email: slt@testshire.example\n",
            "contact:\n",
            "missing-field",
            16,
            "",
        ),
        (
            "    postcode: TS1 2AB\n",
            "",
            "missing-field",
            19,
            "'contact.address' need 'contact.address.postcode'",
        ),
    ],
)
def test_service_field_rules(
    site: SiteDir, old: str, new: str, code: str, line: int, message: str
) -> None:
    site.edit(SVC, old, new)
    assert_only_error(code, f"content/{SVC}", line, message=message)


def test_contact_needs_a_way_to_get_in_touch(site: SiteDir) -> None:
    site.edit(
        SVC,
        "  phone: 01632 960410\n  email: slt@testshire.example\n",
        "",
    )
    assert_only_error(
        "missing-field", f"content/{SVC}", 16, message="needs at least one of phone, email"
    )


def test_website_must_be_a_full_address(site: SiteDir) -> None:
    site.edit(
        "services/youth-club.md",
        "website: https://www.testshire.example/youth",
        "website: www.testshire.example/youth",
    )
    assert_only_error("invalid-url", "content/services/youth-club.md", 15)


def test_unknown_field_is_a_warning_with_a_suggestion(site: SiteDir) -> None:
    site.edit(SVC, "cost: Free", "cost: Free\nopening_hour: Mondays")
    document = assert_only_warning("unknown-field", f"content/{SVC}", 16)
    assert "did you mean 'opening_hours'?" in document["problems"][0]["message"]


def test_field_of_another_kind_says_where_it_belongs(site: SiteDir) -> None:
    site.edit("about/guide.md", "owner: Local Offer Team", "owner: Local Offer Team\ncost: Free")
    document = assert_only_warning("unknown-field", "content/about/guide.md", 7)
    assert "only used on services" in document["problems"][0]["message"]


def test_unknown_requirement_id(site: SiteDir) -> None:
    site.edit("index.md", "statutory: [send-provision", "statutory: [send-provison, send-provision")
    document = assert_only_error("unknown-requirement", "content/index.md", 7)
    assert "did you mean 'send-provision'?" in document["problems"][0]["message"]


def test_draft_must_be_true_or_false(site: SiteDir) -> None:
    site.edit("about/guide.md", "owner: Local Offer Team", "owner: Local Offer Team\ndraft: yes")
    assert_only_error("wrong-type", "content/about/guide.md", 7, message="true or false")


def test_feedback_needs_its_own_fields(site: SiteDir) -> None:
    site.edit("feedback/2026-06-search.md", "theme: accessibility\n", "")
    assert_only_error(
        "missing-field",
        "content/feedback/2026-06-search.md",
        9,
        message="feedback entries need 'theme'",
    )


def test_news_needs_a_date(site: SiteDir) -> None:
    site.edit("news/2026-10-new-site.md", "date: 2026-10-01\n", "")
    assert_only_error(
        "missing-field", "content/news/2026-10-new-site.md", 5, message="news items need 'date'"
    )


def test_front_matter_that_is_not_a_mapping(site: SiteDir) -> None:
    site.write("about/list.md", "---\n- a\n- b\n---\nText\n")
    assert_only_error("wrong-type", "content/about/list.md", 2, message="'field: value'")


def test_yaml_1_1_surprises_do_not_happen(site: SiteDir) -> None:
    """`No` stays a word, phone numbers keep their leading 0, dates are checked not crashed."""
    site.edit(SVC, "cost: Free", "cost: No")
    site.edit(SVC, "phone: 01632 960410", "phone: 01632960410")
    from tests.conftest import check_json

    exit_code, document = check_json()
    assert exit_code == 0, document


def test_a_cached_check_is_made_again_for_another_checklist(tmp_path: Path) -> None:
    """A page's checked front matter is kept in the build cache by its file, and by the
    checklist, whose requirement ids its `statutory` field must name."""
    tree = discover(MINIMAL, "content")
    home = [page for page in tree.pages if page.rel == "index.md"]
    ids = {str(item) for item in home[0].yaml.data["statutory"]}
    cache = BuildCache(tmp_path / "cache")
    assert validate_pages(home, ids, cache) == []
    cache.save()
    again = BuildCache(tmp_path / "cache")
    assert validate_pages(home, ids, again) == []
    assert again.counts["valid hit"] == 1
    fewer = ids - {"early-years"}
    found = validate_pages(home, fewer, BuildCache(tmp_path / "cache"))
    assert [(d.code, "early-years" in d.message) for d in found] == [("unknown-requirement", True)]

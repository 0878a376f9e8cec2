"""Statutory coverage: a Local Offer the law would find incomplete does not build."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lo_static.content import Page
from lo_static.errors import ConfigError
from lo_static.statutory import Requirement, compute_coverage, is_in_date, load_checklist
from tests.conftest import (
    REPO,
    SiteDir,
    assert_only_error,
    assert_only_warning,
    checklist_line,
    run,
)

CHECKLIST = "checks/statutory.yaml"

MUST_IDS = [
    "send-provision",
    "requesting-ehc-assessment",
    "identifying-assessing-sen",
    "other-educational-provision",
    "post-16",
    "apprenticeships-internships",
    "preparing-for-adulthood",
    "travel-transport",
    "transport-policy-statement",
    "moving-between-phases",
    "information-advice-support",
    "childcare",
    "leisure",
    "higher-education-dsa",
    "disagreements-mediation-complaints",
    "tribunal-appeals",
    "accessibility-strategy",
    "section-41-institutions",
    "looked-after-children",
    "school-sen-information",
    "funding-arrangements",
    "health-provision",
    "social-care",
    "adult-care-information",
    "short-breaks-statement",
    "parent-carer-support",
    "personal-budgets",
    "involvement-coproduction",
    "how-to-comment",
    "comments-and-response",
    "without-internet",
    "accessibility-statement",
]
SHOULD_IDS = ["early-years", "released-from-custody"]


def test_checklist_has_every_required_id_with_citation() -> None:
    requirements = load_checklist(REPO / CHECKLIST)
    by_id = {r.id: r for r in requirements}
    assert [r.id for r in requirements if r.level == "must"] == MUST_IDS
    assert [r.id for r in requirements if r.level == "should"] == SHOULD_IDS
    assert all(r.citation and r.description and r.title for r in requirements)
    assert "4.57" in by_id["requesting-ehc-assessment"].citation
    easy = {r.id for r in requirements if r.easy_read}
    assert {
        "requesting-ehc-assessment",
        "information-advice-support",
        "disagreements-mediation-complaints",
        "preparing-for-adulthood",
        "how-to-comment",
    } <= easy


def test_missing_must_requirement_names_id_and_citation(site: SiteDir) -> None:
    site.edit("index.md", "send-provision, ", "")
    document = assert_only_error("statutory-missing", CHECKLIST, checklist_line("send-provision"))
    message = document["problems"][0]["message"]
    assert "'send-provision'" in message and "CoP 4.30, 4.32" in message


def test_missing_should_requirement_is_a_warning(site: SiteDir) -> None:
    site.edit("index.md", "early-years, ", "")
    assert_only_warning("statutory-should", CHECKLIST, checklist_line("early-years"))


def test_draft_pages_do_not_meet_requirements(site: SiteDir) -> None:
    site.edit("index.md", "owner: Local Offer Team", "owner: Local Offer Team\ndraft: true")
    result = run("check", "--today", "2026-11-23")
    assert result.exit_code == 1
    assert "no published page meets 'send-provision'" in result.output


def test_a_service_for_every_age_group(site: SiteDir) -> None:
    site.edit("services/youth-club.md", "age_groups: [11-16, 16-25]", "age_groups: [16-25]")
    assert_only_error("coverage-age-group", CHECKLIST, 0, message="age group 11-16")


def test_provision_outside_the_area(site: SiteDir) -> None:
    site.edit("services/national-helpline.md", "coverage: national", "coverage: in-area")
    assert_only_error("coverage-out-of-area", CHECKLIST, 0, message="CoP 4.4")


def test_service_levels_is_a_warning(site: SiteDir) -> None:
    site.edit("services/youth-club.md", "service_level: universal", "service_level: targeted")
    assert_only_warning("coverage-service-level", CHECKLIST, 0)


def test_comments_must_be_from_the_last_12_months(site: SiteDir) -> None:
    site.edit("feedback/2026-06-search.md", "date: 2026-06-01", "date: 2025-11-22")
    assert_only_error("comments-not-published", CHECKLIST, checklist_line("comments-and-response"))


def test_comments_exactly_12_months_old_still_count(site: SiteDir) -> None:
    site.edit("feedback/2026-06-search.md", "date: 2026-06-01", "date: 2025-11-23")
    assert run("check", "--today", "2026-11-23").exit_code == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("requirements: []\n", "non-empty 'requirements'"),
        ("requirements:\n  - id: a\n    title: A\n", "needs id, title, citation, level"),
        (
            "requirements:\n  - id: a\n    title: A\n    citation: x\n    level: maybe\n",
            "level other than must/should",
        ),
        ("requirements: [\n", "cannot be read"),
    ],
)
def test_broken_checklist_is_a_configuration_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "statutory.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_checklist(path)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a.md", "b.md", "c.easy-read.md", "d/e.md", "f.md"]),
            st.one_of(
                st.none(),
                st.lists(st.sampled_from(["post-16", "send-provision", "nope", 7, "post-16"])),
                st.sampled_from(["post-16", "send-provision post-16", ""]),
            ),
            st.booleans(),
            st.sampled_from([None, date(2026, 1, 1), date(2027, 1, 1)]),
        ),
        max_size=8,
        unique_by=lambda item: item[0],
    )
)
def test_coverage_is_every_in_date_page_claiming_each_requirement(
    specs: list[tuple[str, object, bool, date | None]],
) -> None:
    """compute_coverage looks at each page once; the same as asking, for each requirement, which
    published pages in date name it (easy reads last, then by path)."""
    requirements = [
        Requirement(i, "t", "CoP 4.1", "must", "", False, 1)
        for i in ("post-16", "send-provision", "without-internet")
    ]
    pages = []
    for rel, claimed, draft, review_by in specs:
        meta: dict[str, object] = {"draft": draft}
        if claimed is not None:
            meta["statutory"] = claimed
        if review_by is not None:
            meta["review_by"] = review_by
        pages.append(Page(rel, rel, "page", meta=meta))
    today = date(2026, 6, 1)
    coverage = compute_coverage(requirements, pages, today)
    for requirement in requirements:
        expected = sorted(
            (
                page for page in pages
                if is_in_date(page, today) and requirement.id in page.meta.get("statutory", ())
            ),
            key=lambda page: (page.is_easy_read, page.rel),
        )
        assert [p.rel for p in coverage.pages[requirement.id]] == [p.rel for p in expected]
        assert coverage.met[requirement.id] == bool(expected)

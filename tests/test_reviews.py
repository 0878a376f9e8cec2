"""Review-date rules (CoP 4.7): the Local Offer must be kept up to date."""

from __future__ import annotations

from datetime import date

import pytest

from lo_static.values import add_months
from tests.conftest import SiteDir, assert_only_error, assert_only_warning, run

SVC = "services/speech-therapy.md"


def test_review_by_must_follow_last_reviewed(site: SiteDir) -> None:
    site.edit(SVC, "last_reviewed: 2026-10-01", "last_reviewed: 2026-11-23")
    site.edit(SVC, "review_by: 2027-09-30", "review_by: 2026-11-23")
    assert_only_error("review-order", f"content/{SVC}", 5, message="must be after")


def test_review_by_at_most_max_months_later(site: SiteDir) -> None:
    site.edit(SVC, "review_by: 2027-09-30", "review_by: 2027-10-02")
    assert_only_error("review-too-far", f"content/{SVC}", 5, message="set it to 2027-10-01")


def test_max_months_comes_from_site_yaml(site: SiteDir) -> None:
    from tests.conftest import check_json

    site.write("site.yaml", site.text("site.yaml") + "review:\n  max_months: 6\n")
    site.edit(SVC, "review_by: 2027-09-30", "review_by: 2027-04-01")
    exit_code, document = check_json()
    too_far = {p["path"] for p in document["problems"] if p["code"] == "review-too-far"}
    assert exit_code == 1
    assert f"content/{SVC}" not in too_far  # exactly 6 months is allowed
    assert "content/about/guide.md" in too_far  # 12 months no longer is


def test_last_reviewed_cannot_be_in_the_future(site: SiteDir) -> None:
    site.edit(SVC, "last_reviewed: 2026-10-01", "last_reviewed: 2026-11-24")
    assert_only_error("reviewed-in-future", f"content/{SVC}", 4)


def test_overdue_page_fails_the_build(site: SiteDir) -> None:
    site.edit(SVC, "review_by: 2027-09-30", "review_by: 2026-11-22")
    assert_only_error("review-overdue", f"content/{SVC}", 5, message="1 day ago")
    result = run("build", "--today", "2026-11-23")
    assert result.exit_code == 1


def test_due_soon_is_a_warning(site: SiteDir) -> None:
    site.edit(SVC, "review_by: 2027-09-30", "review_by: 2026-12-23")
    assert_only_warning("review-due-soon", f"content/{SVC}", 5)


def test_due_soon_window_comes_from_site_yaml(site: SiteDir) -> None:
    site.write("site.yaml", site.text("site.yaml") + "review:\n  warn_days: 60\n")
    site.edit(SVC, "review_by: 2027-09-30", "review_by: 2027-01-10")
    assert_only_warning("review-due-soon", f"content/{SVC}", 5)


def test_overdue_statutory_page_no_longer_meets_the_requirement(site: SiteDir) -> None:
    """Only in-date pages count for coverage: an out-of-date page is not a lawful offer."""
    from tests.conftest import check_json

    site.edit("index.md", "review_by: 2027-09-30", "review_by: 2026-11-01")
    exit_code, document = check_json()
    codes = {p["code"] for p in document["problems"]}
    assert exit_code == 1
    assert {"review-overdue", "statutory-missing"} <= codes


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 10, 1), 12, date(2027, 10, 1)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected

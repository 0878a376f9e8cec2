"""Review-date rules: the Local Offer must be kept up to date (CoP 4.7).

A page whose `review_by` has passed stops the build; one due soon is a warning, so teams get
notice. `--today` fixes the date so builds and tests are reproducible.
"""

from __future__ import annotations

from datetime import date

from .config import ReviewPolicy
from .content import Page
from .diagnostics import Diagnostic
from .rules import problem
from .values import add_months


def check_reviews(page: Page, policy: ReviewPolicy, today: date) -> list[Diagnostic]:
    """Problems with one page's `last_reviewed` and `review_by` dates."""
    last = page.meta.get("last_reviewed")
    due = page.meta.get("review_by")
    found: list[Diagnostic] = []
    if isinstance(last, date) and last > today:
        found.append(
            problem(
                "reviewed-in-future",
                page.display,
                page.line_of("last_reviewed"),
                f"'last_reviewed' is {last.isoformat()}, after today ({today.isoformat()}); "
                "use the date the page was actually checked",
            )
        )
    if not isinstance(due, date):
        return found
    if isinstance(last, date):
        latest = add_months(last, policy.max_months)
        if due <= last:
            found.append(
                problem(
                    "review-order",
                    page.display,
                    page.line_of("review_by"),
                    f"'review_by' ({due.isoformat()}) must be after 'last_reviewed' "
                    f"({last.isoformat()})",
                )
            )
        elif due > latest:
            found.append(
                problem(
                    "review-too-far",
                    page.display,
                    page.line_of("review_by"),
                    f"'review_by' ({due.isoformat()}) is more than {policy.max_months} months "
                    f"after 'last_reviewed'; set it to {latest.isoformat()} or earlier",
                )
            )
    if due < today:
        days = (today - due).days
        found.append(
            problem(
                "review-overdue",
                page.display,
                page.line_of("review_by"),
                f"this page was due for review on {due.isoformat()} ({_days(days)} ago); "
                f"{page.meta.get('owner', 'its owner')} should check it, then update "
                "'last_reviewed' and 'review_by'",
            )
        )
    elif (due - today).days <= policy.warn_days:
        found.append(
            problem(
                "review-due-soon",
                page.display,
                page.line_of("review_by"),
                f"review due on {due.isoformat()}, in {_days((due - today).days)}",
            )
        )
    return found


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"

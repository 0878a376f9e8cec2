"""The "You said, we did" page (CoP 4.21–4.26) and the how-to-comment page's feedback link."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import TODAY, SiteDir, run

ENTRY = """---
title: {title}
summary: A summary of what families said.
owner: Local Offer Team
date: {date}
theme: {theme}
you_said: {you_said}
we_did: {we_did}
{status}---

More detail.
"""


def entry(site: SiteDir, name: str, date: str, theme: str, status: str = "") -> None:
    site.write(
        f"feedback/{name}.md",
        ENTRY.format(
            title=f"Comment {name}",
            date=date,
            theme=theme,
            you_said=f"Families said {name}.",
            we_did=f"We did {name}.",
            status=f"status: {status}\n" if status else "",
        ),
    )


def build(site: SiteDir) -> Path:
    out = site.path.parent / "dist"
    result = run("build", "--content", "content", "--out", str(out), "--today", TODAY)
    assert result.exit_code == 0, result.output
    return out


def text_of(html: str) -> str:
    """The page's words, one space between them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def rows(html: str, caption: str) -> list[tuple[str, str]]:
    """The (row heading, count) pairs of the table with this caption."""
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td>', table)


def test_summary_says_which_dates_it_covers(site: SiteDir) -> None:
    html = (build(site) / "feedback/index.html").read_text()
    assert "Comments received from 23 November 2025 to 23 November 2026." in html
    assert "We published 1 response to them." in html


def test_counts_per_theme_and_status_cover_only_the_last_12_months(site: SiteDir) -> None:
    entry(site, "old", "2025-11-22", "content", "done")  # one day too old
    entry(site, "first-day", "2025-11-23", "content", "planned")
    entry(site, "development", "2026-02-01", "development", "in-progress")
    entry(site, "no-status", "2026-03-01", "development")
    html = (build(site) / "feedback/index.html").read_text()
    assert "We published 4 responses to them." in html
    assert rows(html, "Responses by theme") == [
        ("What the Local Offer says", "1"),
        ("How easy it is to use", "1"),
        ("How the Local Offer is developed", "2"),
    ]
    assert rows(html, "Responses by status") == [
        ("Planned", "1"),
        ("In progress", "1"),
        ("Done", "1"),
        ("Not given", "1"),
    ]
    # Older comments are still listed, under their year.
    assert '<h2 id="year-2025">2025</h2>' in html
    assert "Families said old." in html


def test_each_entry_says_what_families_said_what_we_did_and_its_status(site: SiteDir) -> None:
    entry(site, "planned-one", "2026-08-01", "content", "planned")
    words = text_of((build(site) / "feedback/index.html").read_text())
    assert (
        "Comment planned-one You said Families said planned-one. We did We did planned-one. "
        "Status Planned Received 1 August 2026"
    ) in words
    assert (
        "Search was hard to use You said Search was hard to use on a phone. "
        "We did We made the search box bigger. Status Done Received 1 June 2026"
    ) in words


def test_entries_are_grouped_by_year_then_theme(site: SiteDir) -> None:
    entry(site, "older", "2025-03-01", "development", "done")
    html = (build(site) / "feedback/index.html").read_text()
    order = [
        html.index('id="year-2026"'),
        html.index('id="year-2026-accessibility"'),
        html.index('id="year-2025"'),
        html.index('id="year-2025-development"'),
    ]
    assert order == sorted(order)


# --- How to comment -------------------------------------------------------------------------

FORM = "https://www.testshire.example/local-offer-feedback"


def claim_how_to_comment(site: SiteDir) -> None:
    site.edit(
        "about/guide.md",
        "owner: Local Offer Team",
        "owner: Local Offer Team\nstatutory: [how-to-comment]",
    )


def test_how_to_comment_page_links_the_feedback_route(site: SiteDir) -> None:
    claim_how_to_comment(site)
    site.write("site.yaml", site.text("site.yaml") + f"feedback:\n  url: {FORM}\n")
    out = build(site)
    html = (out / "about/guide/index.html").read_text()
    assert f'<a href="{FORM}">Tell us what you think of the Local Offer</a>' in html
    assert "Testshire Council's online form" in html
    # Only the page that says how to comment carries it.
    assert FORM not in (out / "services/speech-therapy/index.html").read_text()


def test_no_feedback_url_no_link(site: SiteDir) -> None:
    claim_how_to_comment(site)
    html = (build(site) / "about/guide/index.html").read_text()
    assert 'id="comment-online"' not in html

"""Easy read and plain language: versions where required, short sentences, alt text, scores."""

from __future__ import annotations

import json

from lo_static.plain_language import sentences, syllables
from tests.conftest import SiteDir, assert_only_error, assert_only_warning, run

EASY = "about/guide.easy-read.md"


def test_required_easy_read_version_is_missing(site: SiteDir) -> None:
    site.remove("index.easy-read.md")
    document = assert_only_error("easy-read-missing", "content/index.md", 7)
    message = document["problems"][0]["message"]
    assert "'requesting-ehc-assessment'" in message and "add index.easy-read.md" in message


def test_a_draft_easy_read_version_does_not_count(site: SiteDir) -> None:
    site.edit("index.easy-read.md", "owner:", "draft: true\nowner:")
    assert_only_error("easy-read-missing", "content/index.md", 7)


def test_easy_read_older_than_its_page_has_drifted(site: SiteDir) -> None:
    site.edit("about/guide.md", "last_reviewed: 2026-10-01", "last_reviewed: 2026-11-01")
    assert_only_warning("easy-read-drift", f"content/{EASY}", 4)


def test_long_sentence_in_easy_read(site: SiteDir) -> None:
    site.edit(EASY, "Ask us.", "You can ask us about anything at all that you want to know about "
              "help for your child.")
    document = assert_only_warning("easy-read-sentence", f"content/{EASY}", 14)
    assert "18 words" in document["problems"][0]["message"]


def test_long_paragraph_in_easy_read(site: SiteDir) -> None:
    site.edit(EASY, "Ask us.", "Ask us. Phone us. Email us. Visit us.")
    assert_only_warning("easy-read-paragraph", f"content/{EASY}", 14)


def test_standard_pages_are_not_held_to_easy_read_limits(site: SiteDir) -> None:
    site.edit("about/guide.md", "Start here.", "Start here. " * 5 + "This sentence is long "
              "enough to break the easy read limit of fifteen words by quite a way.")
    assert run("check", "--today", "2026-11-23").exit_code == 0
    assert "easy-read" not in run("check", "--today", "2026-11-23").output


def test_image_without_alt_text(site: SiteDir) -> None:
    site.edit("about/guide.md", "![A family at the centre]", "![]")
    assert_only_error("image-alt", "content/about/guide.md", 25, message="has no description")


def test_picture_beside_text_in_easy_read(site: SiteDir) -> None:
    assert run("build", "--today", "2026-11-23").exit_code == 0
    html = (site.path.parent / "dist/easy-read/index.html").read_text()
    assert '<p class="app-picture-block"><img src="../images/family.png" alt="A phone"' in html
    assert 'class="app-prose app-prose--easy-read"' in html


def test_sentence_splitting() -> None:
    assert sentences("Phone us. We help! Is it free? Yes.") == [
        "Phone us.", "We help!", "Is it free?", "Yes."
    ]
    assert sentences("Open 9am to 5p.m. on weekdays.") == ["Open 9am to 5p.m. on weekdays."]


def test_syllables() -> None:
    assert syllables("the") == 1
    assert syllables("assessment") == 3


def test_readability_report(site: SiteDir) -> None:
    result = run("report", "readability", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["pages"]
    assert {r["path"] for r in rows} >= {"content/about/guide.md", f"content/{EASY}"}
    assert all(isinstance(r["flesch"], float) for r in rows)
    flesch = [r["flesch"] for r in rows]
    assert flesch == sorted(flesch)  # hardest first
    text = run("report", "readability").output
    assert "reading ease" in text and "(easy read)" in text and "average reading ease" in text


def test_readability_report_needs_a_site(site: SiteDir) -> None:
    site.remove("site.yaml")
    assert run("report", "readability").exit_code == 2

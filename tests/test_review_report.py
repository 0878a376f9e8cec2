"""`lo-static report reviews`: review dates by owning team, overdue first, in four formats."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from tests.conftest import SiteDir, run

TODAY = "2027-06-01"
SPEECH = "content/services/speech-therapy.md"
HELPLINE = "content/services/national-helpline.md"
GUIDE = "content/about/guide.md"
GUIDE_EASY = "content/about/guide.easy-read.md"
YOUTH = "content/services/youth-club.md"
LEAFLET = "content/leaflets/guide.md"
HOME = "content/index.md"
HOME_EASY = "content/index.easy-read.md"

LEAFLET_TEXT = """---
title: A guide leaflet
summary: The guide on paper.
size: A5
pages: [about/guide.md]
last_reviewed: 2026-10-01
review_by: 2027-06-21
owner: local offer team
---

The guide, printed.
"""


def set_review_by(site: SiteDir, rel: str, day: str) -> None:
    site.edit(rel, "review_by: 2027-09-30", f"review_by: {day}")


@pytest.fixture
def dated(site: SiteDir) -> SiteDir:
    """Two overdue, four due within 60 days (one a draft, one a leaflet), two ok; three teams."""
    set_review_by(site, "services/speech-therapy.md", "2027-05-20")  # Children's Health, -12
    set_review_by(site, "services/national-helpline.md", "2027-05-01")  # Local Offer Team, -31
    set_review_by(site, "about/guide.md", "2027-06-11")  # 10
    set_review_by(site, "about/guide.easy-read.md", "2027-07-21")  # 50
    set_review_by(site, "services/youth-club.md", "2027-06-02")  # Youth Service, 1
    site.edit("services/youth-club.md", "owner: Youth Service", "owner: Youth Service\ndraft: true")
    site.write("leaflets/guide.md", LEAFLET_TEXT)  # 20, owner written in lower case
    return site


def report_json(*args: str) -> dict[str, Any]:
    result = run("report", "reviews", "--format", "json", "--today", TODAY, *args)
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def paths(document: dict[str, Any]) -> list[str]:
    return [item["path"] for item in document["items"]]


def test_default_lists_overdue_then_due_soon_grouped_by_owner(dated: SiteDir) -> None:
    document = report_json()
    assert [(i["owner"], i["path"], i["days_left"], i["status"]) for i in document["items"]] == [
        ("Children's Health", SPEECH, -12, "overdue"),
        ("Local Offer Team", HELPLINE, -31, "overdue"),
        ("Local Offer Team", GUIDE, 10, "due-soon"),
        ("Local Offer Team", LEAFLET, 20, "due-soon"),
        ("Local Offer Team", GUIDE_EASY, 50, "due-soon"),
        ("Youth Service", YOUTH, 1, "due-soon"),
    ]
    assert document["today"] == TODAY and document["within"] == 60
    assert document["summary"]["overdue"] == 2
    assert document["summary"]["due_soon"] == 4
    assert document["summary"]["teams"] == 3


def test_every_reviewed_kind_and_each_field(dated: SiteDir) -> None:
    document = report_json("--all")
    items = {item["path"]: item for item in document["items"]}
    assert items[GUIDE_EASY]["easy_read"] is True and items[GUIDE]["easy_read"] is False
    assert items[YOUTH]["draft"] is True and items[SPEECH]["draft"] is False
    assert items[SPEECH] == {
        "owner": "Children's Health",
        "path": SPEECH,
        "title": "Speech therapy",
        "kind": "service",
        "easy_read": False,
        "draft": False,
        "last_reviewed": "2026-10-01",
        "review_by": "2027-05-20",
        "days_left": -12,
        "status": "overdue",
        "status_text": "overdue",
        "notes": [],
    }
    assert items[GUIDE]["status_text"] == "due within 60 days"
    assert items[LEAFLET]["kind"] == "leaflet" and items[LEAFLET]["days_left"] == 20
    # Feedback and news have no review dates, so they are not listed.
    assert not any("/feedback/" in p or "/news/" in p for p in items)


def test_owner_groups_ignore_case_and_sort_alphabetically(dated: SiteDir) -> None:
    dated.edit("index.md", "owner: Local Offer Team", "owner: a Team")
    document = report_json("--all")
    owners = [item["owner"] for item in document["items"]]
    # The leaflet's 'local offer team' joins the team under its most used spelling.
    assert list(dict.fromkeys(owners)) == [
        "a Team",
        "Children's Health",
        "Local Offer Team",
        "Youth Service",
    ]
    assert owners.count("Local Offer Team") == 5


def test_all_adds_pages_not_due(dated: SiteDir) -> None:
    document = report_json("--all")
    items = {item["path"]: item for item in document["items"]}
    assert items[HOME]["status"] == "ok" and items[HOME]["days_left"] == 121
    assert items[HOME_EASY]["status"] == "ok"
    assert document["summary"]["ok"] == 2
    assert HOME not in paths(report_json())
    text = run("report", "reviews", "--today", TODAY, "--all").stdout
    assert text.splitlines()[0] == f"Content reviews on {TODAY}: all review dates"
    assert text.splitlines()[-1] == "2 overdue, 4 due within 60 days, 2 ok, across 3 teams"


def test_within_changes_what_is_due_soon(dated: SiteDir) -> None:
    document = report_json("--within", "15")
    assert paths(document) == [SPEECH, HELPLINE, GUIDE, YOUTH]  # the leaflet, in 20, is not
    assert document["within"] == 15
    items = {item["path"]: item for item in report_json("--within", "15", "--all")["items"]}
    assert items[GUIDE_EASY]["status"] == "ok"
    assert items[GUIDE]["status_text"] == "due within 15 days"


def test_due_today_is_due_not_overdue(dated: SiteDir) -> None:
    set_review_by(dated, "index.md", TODAY)
    items = {item["path"]: item for item in report_json()["items"]}
    assert items[HOME]["days_left"] == 0 and items[HOME]["status"] == "due-soon"


def test_owner_filter_is_case_insensitive(dated: SiteDir) -> None:
    document = report_json("--owner", "YOUTH service")
    assert paths(document) == [YOUTH]
    assert document["owner"] == "Youth Service"
    assert document["summary"]["teams"] == 1


def test_unknown_owner_is_a_usage_error_listing_the_teams(dated: SiteDir) -> None:
    result = run("report", "reviews", "--today", TODAY, "--owner", "Youth Servce")
    assert result.exit_code == 2
    assert "--owner 'Youth Servce': no page has this owner" in result.stderr
    assert "Youth Service" in result.stderr
    assert "Traceback" not in result.output


def test_text_has_a_table_per_owner_and_a_summary(dated: SiteDir) -> None:
    result = run("report", "reviews", "--today", TODAY)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"Content reviews on {TODAY}: reviews overdue or due within 60 days"
    headings = [lines[i - 1] for i, line in enumerate(lines) if line and set(line) == {"-"}]
    assert headings == ["Children's Health", "Local Offer Team", "Youth Service"]
    helpline = next(line for line in lines if HELPLINE in line)
    assert helpline.split()[:5] == ["overdue", "-31", "2027-05-01", "2026-10-01", "service"]
    youth = next(line for line in lines if YOUTH in line)
    assert youth.endswith("Youth club (draft)")
    assert lines.index(helpline) < next(i for i, line in enumerate(lines) if GUIDE in line)
    assert lines[-1] == "2 overdue, 4 due within 60 days, across 3 teams"


def test_text_says_when_nothing_is_due(site: SiteDir) -> None:
    result = run("report", "reviews", "--today", TODAY)
    assert result.exit_code == 0
    assert "Nothing is overdue or due for review within 60 days." in result.stdout
    assert result.stdout.splitlines()[-1] == "0 overdue, 0 due within 60 days, across 0 teams"


def test_csv_is_rfc_4180_sorted_by_owner_then_days_left(dated: SiteDir) -> None:
    title = 'title: "Speech, and \\"talk\\""'
    dated.edit("services/speech-therapy.md", "title: Speech therapy", title)
    result = run("report", "reviews", "--format", "csv", "--today", TODAY)
    assert result.exit_code == 0
    text = result.stdout_bytes.decode("utf-8")
    assert text.startswith("owner,path,title,kind,easy_read,draft,")
    assert text.count("\r\n") == 7 and "\n" not in text.replace("\r\n", "")
    assert '"Speech, and ""talk"""' in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(r["owner"], r["path"], r["days_left"]) for r in rows] == [
        ("Children's Health", SPEECH, "-12"),
        ("Local Offer Team", HELPLINE, "-31"),
        ("Local Offer Team", GUIDE, "10"),
        ("Local Offer Team", LEAFLET, "20"),
        ("Local Offer Team", GUIDE_EASY, "50"),
        ("Youth Service", YOUTH, "1"),
    ]
    assert rows[0]["title"] == 'Speech, and "talk"'
    assert rows[0]["status"] == "overdue" and rows[-1]["draft"] == "yes"
    assert rows[2]["status_text"] == "due within 60 days"


def test_markdown_has_a_heading_and_table_per_owner(dated: SiteDir) -> None:
    result = run("report", "reviews", "--format", "markdown", "--today", TODAY)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"## Content reviews on {TODAY}: reviews overdue or due within 60 days"
    assert "2 overdue, 4 due within 60 days, across 3 teams." in lines
    assert [line for line in lines if line.startswith("### ")] == [
        "### Children's Health",
        "### Local Offer Team",
        "### Youth Service",
    ]
    start = lines.index("### Local Offer Team")
    table = lines[start + 2 : start + 8]
    assert table[0] == "| Status | Days left | Review by | Last reviewed | Kind | Page | Title |"
    assert table[1] == "| --- | ---: | --- | --- | --- | --- | --- |"
    assert table[2] == (
        f"| overdue | -31 | 2027-05-01 | 2026-10-01 | service | `{HELPLINE}` | National helpline |"
    )
    due = "| due within 60 days |"
    assert table[3].startswith(f"{due} 10 | 2027-06-11 | 2026-10-01 | page | `{GUIDE}`")
    assert table[4].startswith(f"{due} 20 | 2027-06-21 | 2026-10-01 | leaflet | `{LEAFLET}`")
    assert table[5].startswith("| due within 60 days | 50 |")
    assert "| Youth club (draft) |" in result.stdout


def test_markdown_escapes_table_characters(dated: SiteDir) -> None:
    dated.edit("services/speech-therapy.md", "title: Speech therapy", "title: Speech | *talk*")
    result = run("report", "reviews", "--format", "markdown", "--today", TODAY)
    assert "| Speech \\| \\*talk\\* |" in result.stdout


def test_invalid_date_is_listed_with_the_reason(dated: SiteDir) -> None:
    dated.edit("about/guide.md", "review_by: 2027-06-11", "review_by: 2027-02-30")
    dated.edit("index.md", "last_reviewed: 2026-10-01\n", "")
    document = report_json()
    items = {item["path"]: item for item in document["items"]}
    guide = items[GUIDE]
    assert guide["status"] == "dates-invalid"
    assert guide["status_text"] == "dates missing or invalid"
    assert guide["review_by"] is None and guide["days_left"] is None
    assert guide["notes"] == [
        "line 5: 'review_by': '2027-02-30' is not a real date (check the day and month)"
    ]
    home = items[HOME]
    assert home["status"] == "dates-invalid" and home["days_left"] == 121
    assert home["notes"] and "'last_reviewed'" in home["notes"][0]
    # Within its team, a page whose dates cannot be read comes first.
    team = [item["path"] for item in document["items"] if item["owner"] == "Local Offer Team"]
    assert team[:3] == [HOME, GUIDE, HELPLINE]
    assert document["summary"]["dates_invalid"] == 2


def test_unreadable_page_is_listed_not_fatal(dated: SiteDir) -> None:
    dated.write("about/broken.md", "title: no front matter\n")
    dated.write("services/bad-yaml.md", "---\ntitle: [unclosed\nowner: X\n---\n")
    result = run("report", "reviews", "--today", TODAY)
    assert result.exit_code == 0
    assert "Traceback" not in result.output
    document = report_json()
    broken = next(item for item in document["items"] if item["path"] == "content/about/broken.md")
    assert broken["owner"] == "(no owner)" and broken["status"] == "dates-invalid"
    assert broken["notes"][0].startswith("line 1: the file must start with front matter")
    bad = next(i for i in document["items"] if i["path"] == "content/services/bad-yaml.md")
    assert bad["status"] == "dates-invalid" and bad["notes"]
    assert document["items"][-1]["owner"] == "(no owner)"  # teams first, the unowned last
    text = result.stdout
    assert "dates missing or invalid" in text
    assert "    note: line 1: the file must start with front matter" in text
    assert text.splitlines()[-1] == (
        "2 with dates missing or invalid, 2 overdue, 4 due within 60 days, across 4 teams"
    )


def test_broken_review_rule_is_shown_even_when_not_due(dated: SiteDir) -> None:
    dated.edit("index.md", "last_reviewed: 2026-10-01", "last_reviewed: 2026-06-01")
    items = {item["path"]: item for item in report_json()["items"]}
    assert items[HOME]["status"] == "ok"
    assert "more than 12 months after 'last_reviewed'" in items[HOME]["notes"][0]


def test_fail_on_overdue(dated: SiteDir) -> None:
    result = run("report", "reviews", "--today", TODAY, "--fail-on-overdue")
    assert result.exit_code == 1
    assert "2 overdue" in result.stderr
    assert run("report", "reviews", "--today", TODAY).exit_code == 0
    youth = run(
        "report", "reviews", "--today", TODAY, "--fail-on-overdue", "--owner", "youth service"
    )
    assert youth.exit_code == 0


def test_missing_site_yaml_is_a_configuration_error(site: SiteDir) -> None:
    site.remove("site.yaml")
    result = run("report", "reviews", "--today", TODAY)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: content/site.yaml: not found")
    assert "Traceback" not in result.output


def test_missing_content_folder_is_a_configuration_error(site: SiteDir) -> None:
    result = run("report", "reviews", "--content", "nowhere", "--format", "csv")
    assert result.exit_code == 2
    assert "nowhere: no such content folder" in result.stderr
    json_result = run("report", "reviews", "--content", "nowhere", "--format", "json")
    assert json_result.exit_code == 2
    assert "no such content folder" in json.loads(json_result.stdout)["config_error"]


def test_misspelt_date_field_says_what_was_meant(dated: SiteDir) -> None:
    dated.edit("services/youth-club.md", "review_by: 2027-06-02", "reviewby: 2027-06-02")
    items = {item["path"]: item for item in report_json()["items"]}
    assert items[YOUTH]["status"] == "dates-invalid"
    assert items[YOUTH]["notes"][0] == "line 5: unknown field 'reviewby': did you mean 'review_by'?"
    assert "services need 'review_by'" in items[YOUTH]["notes"][1]

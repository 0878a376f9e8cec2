"""The anonymity guard (CoP 4.24): published comments must not identify anyone.

A corpus of small feedback entries lives in tests/fixtures/anonymity: each file in `must_fail/`
says in a YAML comment which problem it must produce, on which line, what the message shows of
the personal data (masked) and what it must never show; each file in `must_pass/` must produce
no problem at all. Each is copied into the minimal site and checked like an editor would.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from lo_static import anonymity
from lo_static.anonymity import find_identifying, mask, nhs_number_valid
from lo_static.diagnostics import Severity
from lo_static.rules import RULES
from tests.conftest import FIXTURES, SiteDir, assert_only_error, assert_only_warning, check_json

CORPUS = FIXTURES / "anonymity"
MUST_FAIL = sorted((CORPUS / "must_fail").glob("*.md"))
MUST_PASS = sorted((CORPUS / "must_pass").glob("*.md"))
EXPECT = re.compile(r'^# expect: ([a-z-]+), line (\d+), shows "([^"]+)", hides "([^"]+)"$', re.M)
ADVICE = "remove it: published comments must not identify anyone (CoP 4.24)"


def expectation(path: Path) -> tuple[str, int, str, str]:
    """(code, line, what the message shows, what it must not show) from the file's comment."""
    match = EXPECT.search(path.read_text(encoding="utf-8"))
    assert match, f'{path.name} needs a \'# expect: code, line N, shows "..", hides ".."\' line'
    return match[1], int(match[2]), match[3], match[4]


def copy_in(site: SiteDir, path: Path) -> str:
    """Copy a corpus entry into the site's feedback folder; return its path as reported."""
    shutil.copy(path, site.path / "feedback" / path.name)
    return f"content/feedback/{path.name}"


def test_rules_are_registered() -> None:
    assert RULES["identifiable-feedback"].severity is Severity.ERROR
    assert RULES["possible-name"].severity is Severity.WARNING
    assert "CoP 4.24" in RULES["identifiable-feedback"].purpose


def test_the_corpus_covers_every_category() -> None:
    assert len(MUST_FAIL) >= 15 and len(MUST_PASS) >= 5
    names = " ".join(p.stem for p in MUST_FAIL)
    for category in (
        "email",
        "phone",
        "postcode",
        "nhs-number",
        "dob",
        "title-and-name",
        "two-capitalised-words",
        "draft",
    ):
        assert category in names, category


@pytest.mark.parametrize("path", MUST_FAIL, ids=lambda p: p.stem)
def test_must_fail(site: SiteDir, path: Path) -> None:
    code, line, shows, hides = expectation(path)
    where = copy_in(site, path)
    if RULES[code].severity is Severity.ERROR:
        document = assert_only_error(code, where, line)
    else:
        document = assert_only_warning(code, where, line)
    assert [(p["code"], p["path"], p["line"]) for p in document["problems"]] == [
        (code, where, line)
    ], document["problems"]
    message = document["problems"][0]["message"]
    assert f"({shows})" in message
    assert hides not in message
    assert "CoP 4.24" in message
    if code == "identifiable-feedback":
        assert ADVICE in message


@pytest.mark.parametrize("path", MUST_PASS, ids=lambda p: p.stem)
def test_must_pass(site: SiteDir, path: Path) -> None:
    assert "# expect: no problems" in path.read_text(encoding="utf-8")
    copy_in(site, path)
    exit_code, document = check_json()
    assert document["problems"] == []
    assert exit_code == 0


def test_every_field_and_the_body_are_read(site: SiteDir) -> None:
    site.edit(
        "feedback/2026-06-search.md",
        "we_did: We made the search box bigger.",
        "we_did: We made the search box bigger for sam@example.org.",
    )
    assert_only_error("identifiable-feedback", "content/feedback/2026-06-search.md", 8)


def test_body_lines_are_file_lines(site: SiteDir) -> None:
    text = site.text("feedback/2026-06-search.md")
    site.write("feedback/2026-06-search.md", text + "\nFirst.\n\nSecond.\n\nCall 07700 900123.\n")
    # 10 front-matter lines, then a blank line, First, blank, Second, blank, Call.
    assert_only_error("identifiable-feedback", "content/feedback/2026-06-search.md", 16)


def test_other_pages_may_give_contact_details(site: SiteDir) -> None:
    """The guard is for comments: services publish their phone numbers and postcodes."""
    assert "01632 960410" in site.text("services/speech-therapy.md")
    exit_code, document = check_json()
    assert (exit_code, document["problems"]) == (0, [])


# --- site.yaml feedback.redact_names -------------------------------------------------------


def redact(site: SiteDir, names: str) -> None:
    site.write("site.yaml", site.text("site.yaml") + f"feedback:\n  redact_names: {names}\n")


@pytest.mark.parametrize(
    "written", ["Alex", "alex", "ALEX", "Alex's", "Alex’s", "(Alex)"], ids=repr
)
def test_redacted_names_in_any_case_and_possessive(site: SiteDir, written: str) -> None:
    redact(site, "[Alex, Sam Patel]")
    site.edit(
        "feedback/2026-06-search.md",
        "you_said: Search was hard to use on a phone.",
        f"you_said: Search was hard to use on a phone, said {written} mum.",
    )
    document = assert_only_error("identifiable-feedback", "content/feedback/2026-06-search.md", 7)
    message = document["problems"][0]["message"]
    assert "feedback.redact_names" in message
    assert written.strip("()") not in message


def test_redacted_names_of_two_words(site: SiteDir) -> None:
    redact(site, "[Sam Patel]")
    site.write(
        "feedback/2026-06-search.md",
        site.text("feedback/2026-06-search.md") + "\nThank you to sam  patel for this.\n",
    )
    assert_only_error("identifiable-feedback", "content/feedback/2026-06-search.md", 12)


def test_redacted_names_are_whole_words(site: SiteDir) -> None:
    redact(site, "[Al, Sam]")
    site.edit(
        "feedback/2026-06-search.md",
        "you_said: Search was hard to use on a phone.",
        "you_said: Almost all parents found search hard on a phone, at the Samphire Centre.",
    )
    exit_code, document = check_json()
    assert (exit_code, document["problems"]) == (0, [])


# --- The detectors on their own --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "what", "found"),
    [
        ("write to jo@example.org today", "an email address", "jo@example.org"),
        ("call 01632 960123", "a phone number", "01632 960123"),
        ("call 01632960123.", "a phone number", "01632960123"),
        ("ring (01632) 960123", "a phone number", "(01632) 960123"),
        ("ring 020 7946 0000", "a phone number", "020 7946 0000"),
        ("free on 0800 123 456", "a phone number", "0800 123 456"),
        ("mobile +44 (0)7700 900123", "a phone number", "+44 (0)7700 900123"),
        ("mobile +447700900123", "a phone number", "+447700900123"),
        ("in 2026 01632 960123 2027", "a phone number", "01632 960123"),
        ("[call us](tel:07700900123)", "a phone number", "07700900123"),
        ("near AV1 2BD", "a postcode", "AV1 2BD"),
        ("near SW1A 1AA", "a postcode", "SW1A 1AA"),
        ("near sw1a 1aa", "a postcode", "sw1a 1aa"),
        ("near AV12BD", "a postcode", "AV12BD"),
        ("number 943 476 5919", "an NHS number", "943 476 5919"),
        ("number 9434765919", "an NHS number", "9434765919"),
        ("DOB: 12-03-2015", "a date of birth", "12-03-2015"),
        ("D.O.B. 12.03.2015", "a date of birth", "12.03.2015"),
        ("born on the 12th of March 2015", "a date of birth", "12th of March 2015"),
        ("her birthday, March 12, 2015, is soon", "a date of birth", "March 12, 2015"),
        ("2015-03-12 is his date of birth", "a date of birth", "2015-03-12"),
    ],
)
def test_identifying_details(text: str, what: str, found: str) -> None:
    findings = find_identifying(text)
    assert [(f.what, f.found) for f in findings] == [(what, found)]


@pytest.mark.parametrize(
    "text",
    [
        "£250 a year",
        "£1,250.00",
        "12 months",
        "3 weeks",
        "Year 9",
        "2026",
        "16 to 25",
        "0 to 25",
        "9am to 5pm",
        "07:30 to 09:00",
        "0123 456",
        "01632 9601",
        "call 999 or 111",
        "10 working days",
        "1,000 families",
        "0.5% of them",
        "2025-2026",
        "01-03-2015",
        "We met on 12/03/2015 at the hub.",
        "Some were born early. On 12/03/2015 we met.",
        "born in 2015",
        "943 476 5918",
        "1234567890",
        "KS2 2nd year",
        "the 2nd and 3rd of them",
    ],
    ids=repr,
)
def test_ordinary_numbers_and_words(text: str) -> None:
    assert find_identifying(text) == []


def test_nhs_check_digit() -> None:
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("943476591")


def test_mask_never_shows_the_whole_value() -> None:
    assert mask("sam.patel@example.com") == "sa***"
    assert mask("07700 900123") == "07***"
    assert mask("Sam Patel") == "S*** Pa***"
    assert mask("Jo") == "J***"


# --- the build cache ---------------------------------------------------------------------------


def test_findings_are_reused_only_while_the_text_they_read_is_unchanged(
    site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A place the feedback names is known from the first pages whose text uses it; editing
    any other page's text leaves the findings as they were (the guard is not run again), and
    editing one of those pages runs it again."""
    monkeypatch.delenv("LO_STATIC_NO_CACHE", raising=False)  # set for the other tests
    cache = ("--cache-dir", str(tmp_path / "cache"))
    site.edit("feedback/2026-06-search.md", "bigger.", "bigger after a meeting at Brook Hall.")
    site.edit("about/guide.md", "\n## ", "\nSessions also run at Brook Hall each week.\n\n## ")

    def possible_names() -> list[tuple[str, str]]:
        exit_code, document = check_json(*cache)
        assert exit_code == 0, document["problems"]
        return [(p["code"], p["path"]) for p in document["problems"]]

    assert possible_names() == []
    runs: list[int] = []
    known_names = anonymity.known_names
    monkeypatch.setattr(anonymity, "known_names", lambda *a: runs.append(1) or known_names(*a))
    site.edit("services/youth-club.md", "Games, trips", "Games, quizzes, trips")
    assert possible_names() == [] and runs == []  # not read for the findings: reused
    site.edit("about/guide.md", "also run at Brook Hall", "also run in the hall")
    assert possible_names() == [("possible-name", "content/feedback/2026-06-search.md")]
    assert runs == [1]
    assert check_json()[1]["problems"] == check_json(*cache)[1]["problems"]  # as without a cache

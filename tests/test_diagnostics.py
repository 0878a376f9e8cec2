"""Formatting problems for people, for tools and for GitHub Actions."""

from __future__ import annotations

from lo_static.diagnostics import Diagnostic, Report, Severity, format_github, format_text
from lo_static.rules import RULES, problem


def test_text_line_shape() -> None:
    d = problem("missing-field", "content/services/a.md", 7, "services need 'eligibility': x")
    assert d.format() == (
        "content/services/a.md:7: error[missing-field]: services need 'eligibility': x"
    )


def test_file_level_problems_have_no_line() -> None:
    d = problem("url-collision", "content/a.md", 0, "clash")
    assert d.format() == "content/a.md: error[url-collision]: clash"


def test_github_escapes_workflow_command_syntax() -> None:
    report = Report([Diagnostic("a,b:c.md", 3, "x", Severity.WARNING, "50% done\nnext::line")])
    first = format_github(report).splitlines()[0]
    assert first == "::warning file=a%2Cb%3Ac.md,line=3,title=x::50%25 done%0Anext::line"


def test_report_is_sorted_and_counted() -> None:
    report = Report()
    report.add(problem("review-due-soon", "b.md", 5, "soon"))
    report.add(problem("broken-link", "a.md", 9, "x"))
    report.add(problem("broken-link", "a.md", 2, "y"))
    assert [d.line for d in report] == [2, 9, 5]
    assert format_text(report).splitlines()[-1] == "2 errors, 1 warning"


def test_every_rule_has_a_purpose() -> None:
    assert all(rule.purpose.endswith(".") for rule in RULES.values())

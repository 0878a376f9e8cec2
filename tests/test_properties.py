"""Property-based tests (hypothesis): whatever text or data editors write, reading and checking it
never raises anything but the project's own errors, and every problem has a file and a line.

Deterministic (`derandomize=True`, no example database), so CI sees the same examples each run.
"""

from __future__ import annotations

import string
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lo_static.content import Page, read_page, split_front_matter
from lo_static.diagnostics import Diagnostic
from lo_static.markdown import check_links, make_markdown, parse_page, render_body
from lo_static.rules import RULES
from lo_static.schema import FIELDS, KIND_PLURALS
from lo_static.validate import check_body_placeholders, validate_page
from lo_static.yamlfile import YamlDocument, YamlProblem, load_yaml

PROPERTIES = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FEWER = settings(PROPERTIES, max_examples=60)

REQUIREMENTS = {"send-provision", "information-advice-support", "without-internet"}
FIELD_NAMES = [field.name for field in FIELDS] + ["contact", "address", "phone", "email"]
MD = make_markdown()

# Text made of the characters that matter to YAML, Markdown and our own checks, so examples
# reach the interesting paths far more often than arbitrary Unicode would.
SYNTAX = (
    list("-:[]{}&*!|>'\"#%@`,?.\\<>()=~_/ \n\t")
    + list(string.ascii_letters[:6] + string.digits[:3])
    + ["---", "...", "  ", "- ", ": ", "\r\n", "\ufeff", "\u202e", "\u200b", "\x00", "\x07",
       "\x85", "\u2028", "&#8238;", "%E2%80%AE", "TODO:", "javascript:", "https://a.example/",
       "../", ".md", "#", "](", "![", "\u00e9", "\U0001f600", "!!int ", "!!bool ", "!!float ",
       "!!timestamp ", "!!binary ", "!!set ", "!!python/name:os.system ", "!x ", "&a ", "*a",
       "<<: ", "2026-02-30", "%YAML 1.1\n"]
)
syntax_text = st.lists(st.sampled_from(SYNTAX), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=200), syntax_text)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    syntax_text,
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=12), st.integers(), st.booleans())
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)
    ),
    max_leaves=25,
)
front_matters = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=12), values,
                                max_size=12)


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def assert_diagnostics(found: list[Diagnostic], path: str) -> None:
    assert isinstance(found, list)
    for item in found:
        assert isinstance(item, Diagnostic)
        assert item.path == path
        assert type(item.line) is int and item.line >= 0
        assert item.code in RULES
        assert isinstance(item.message, str) and item.message


def assert_loaded(text: str, first_line: int = 1) -> YamlDocument | None:
    """load_yaml returns a document or raises YamlProblem with a line in the text; nothing else."""
    try:
        document = load_yaml(text, first_line)
    except YamlProblem as problem:
        assert problem.code == "yaml-syntax"
        assert type(problem.line) is int
        breaks = sum(text.count(c) for c in "\n\r\x85\u2028\u2029")  # YAML's line breaks
        assert first_line <= problem.line <= first_line + breaks + 1
        assert problem.message.startswith("not valid YAML")
        return None
    assert isinstance(document, YamlDocument)
    assert all(type(line) is int and line >= first_line for line in document.key_lines.values())
    assert all(type(line) is int for _, line in document.duplicate_keys)
    return document


def page_for(kind: str) -> Page:
    folder = {"page": "about", "service": "services", "feedback": "feedback", "news": "news",
              "leaflet": "leaflets"}.get(kind, "about")
    return Page(rel=f"{folder}/x.md", display=f"content/{folder}/x.md", kind=kind)


def check_page(page: Page) -> None:
    """Everything that reads one page: fields, placeholders, Markdown, links, rendering."""
    if not page.readable:
        return
    assert_diagnostics(validate_page(page, REQUIREMENTS), page.display)
    assert_diagnostics(check_body_placeholders(page), page.display)
    parse_page(MD, page)
    assert_diagnostics(check_links(page, {page.rel: page}, set()), page.display)
    assert isinstance(render_body(MD, page, lambda rel: None), str)


@PROPERTIES
@given(any_text)
def test_load_yaml_never_raises_anything_else(text: str) -> None:
    assert_loaded(text, 2)


@PROPERTIES
@given(values)
def test_load_yaml_reads_any_dumped_data(data: Any) -> None:
    assert_loaded(dump(data))


@PROPERTIES
@given(any_text, st.sampled_from(sorted(KIND_PLURALS)))
def test_split_front_matter_never_raises(text: str, kind: str) -> None:
    page = page_for(kind)
    found = split_front_matter(text, page)
    assert_diagnostics(found, page.display)
    assert type(page.body_line) is int and type(page.fm_end_line) is int
    check_page(page)


@PROPERTIES
@given(front_matters, any_text, st.sampled_from(sorted(KIND_PLURALS)))
def test_validate_page_reports_every_problem_with_a_line(
    data: dict[Any, Any], body: str, kind: str
) -> None:
    page = page_for(kind)
    found = split_front_matter(f"---\n{dump(data)}---\n{body}", page)
    assert_diagnostics(found, page.display)
    check_page(page)


@FEWER
@given(st.binary(max_size=300) | any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
       st.sampled_from(["", "\ufeff", "---\n", "\ufeff---\r\n"]))
def test_read_page_never_raises_on_any_bytes(raw: bytes, prefix: str) -> None:
    page = page_for("page")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.md"
        path.write_bytes(prefix.encode() + raw)
        found = read_page(path, page)
    assert_diagnostics(found, page.display)
    check_page(page)


@FEWER
@given(front_matters, st.sampled_from(sorted(KIND_PLURALS)))
def test_validate_page_on_any_data_without_front_matter_text(
    data: dict[Any, Any], kind: str
) -> None:
    """validate_page on data that did not come from text at all (no key lines)."""
    page = page_for(kind)
    page.yaml = YamlDocument(data=data)
    assert_diagnostics(validate_page(page, REQUIREMENTS), page.display)


PATH_PARTS = st.sampled_from(["a", "b", "index.html", "x.y", "..", ".", "", "x y", "é"])


@PROPERTIES
@given(
    st.lists(PATH_PARTS, min_size=1, max_size=4),
    st.lists(PATH_PARTS, min_size=1, max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_relative_links_match_relpath(
    start: list[str], target: list[str], start_slash: bool, target_slash: bool
) -> None:
    """site.relative() takes a quick route for plain paths; it must always give relpath's
    answer (or its error)."""
    import posixpath

    from lo_static.site import relative

    from_url = "/".join(start) + ("/" if start_slash else "")
    to_url = "/".join(target) + ("/" if target_slash else "")
    try:
        expected = posixpath.relpath(to_url, posixpath.dirname(from_url) or ".")
    except ValueError:
        expected = "ValueError"
    try:
        got = relative(from_url, to_url)
    except ValueError:
        got = "ValueError"
    assert got == expected

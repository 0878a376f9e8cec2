"""site.yaml: missing or malformed settings are configuration errors (exit 2) that say what to
write; unknown keys are warnings."""

from __future__ import annotations

import pytest

from tests.conftest import SiteDir, assert_only_warning, run


def test_missing_site_yaml(site: SiteDir) -> None:
    site.remove("site.yaml")
    result = run("check")
    assert result.exit_code == 2
    assert "content/site.yaml: not found" in result.output
    assert "council: Ashdown Vale Council" in result.output  # says what to write


def test_missing_content_folder(site: SiteDir) -> None:
    result = run("check", "--content", "nowhere")
    assert result.exit_code == 2
    assert "nowhere: no such content folder" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: X\n", "content/site.yaml:1: 'council' is missing"),
        ("council: [1\n", "content/site.yaml:2: not valid YAML"),
        ("- council\n", "must be 'key: value' lines"),
        ("council: C\ntitle: T\nbase_url: localoffer\n", "content/site.yaml:3: 'base_url'"),
        ("council: C\ntitle: T\nlanguage: English\n", "not a language tag"),
        ("council: C\ntitle: T\nreview:\n  max_months: twelve\n", "content/site.yaml:4:"),
        ("council: C\ntitle: T\nreview: 12\n", "'review' must be indented"),
        ("council: C\ntitle: T\ntheme:\n  primary_colour: blue\n", "not a colour"),
        (
            "council: C\ntitle: T\ninformation_advice_support:\n  phone: call us\n",
            "phone number only",
        ),
        ("council: C\ntitle: T\ncouncil: D\n", "content/site.yaml:3: 'council' is written twice"),
    ],
)
def test_malformed_site_yaml(site: SiteDir, text: str, message: str) -> None:
    site.write("site.yaml", text)
    result = run("check")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_unknown_key_is_a_warning_with_suggestion(site: SiteDir) -> None:
    site.write("site.yaml", site.text("site.yaml") + "titel: Oops\n")
    document = assert_only_warning("site-config", "content/site.yaml", 8)
    assert "did you mean 'title'?" in document["problems"][0]["message"]


def test_unknown_nested_key_is_a_warning(site: SiteDir) -> None:
    site.write("site.yaml", site.text("site.yaml") + "review:\n  max_month: 6\n")
    document = assert_only_warning("site-config", "content/site.yaml", 9)
    assert "'review.max_month'" in document["problems"][0]["message"]


def test_every_site_yaml_key_is_documented() -> None:
    from lo_static.config import SCHEMA
    from tests.conftest import REPO

    doc = (REPO / "docs/content-model.md").read_text()
    for key, spec in SCHEMA.items():
        assert f"\n{key}:" in doc, key
        if isinstance(spec, dict):
            for child in spec:
                assert f"\n  {child}:" in doc, f"{key}.{child}"

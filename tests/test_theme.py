"""Council colours: contrast checks that fail the build, and the stylesheet they produce."""

from __future__ import annotations

import pytest

from lo_static.theme import contrast
from tests.conftest import SiteDir, run


def test_contrast_matches_wcag_examples() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54
    assert round(contrast("#ffffff", "#ffffff"), 1) == 1.0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('  primary_colour: "#6fa8dc"', "white header text on it"),
        ('  primary_colour: "#767676"', "light grey navigation bar"),
        ('  focus_colour: "#1d4f91"', "dark text on the focus highlight"),
    ],
)
def test_low_contrast_theme_fails_the_build(site: SiteDir, setting: str, message: str) -> None:
    from tests.conftest import check_json

    site.write("site.yaml", site.text("site.yaml") + "theme:\n" + setting + "\n")
    exit_code, document = check_json()
    assert exit_code == 1
    assert {(p["code"], p["path"], p["line"]) for p in document["problems"]} == {
        ("theme-contrast", "content/site.yaml", 9)
    }
    assert any(message in p["message"] and ":1" in p["message"] for p in document["problems"])
    assert run("build", "--today", "2026-11-23").exit_code == 1


def test_focus_highlight_must_stand_out_on_the_header(site: SiteDir) -> None:
    site.write("site.yaml", site.text("site.yaml") + 'theme:\n  primary_colour: "#0b0c0c"\n'
               '  focus_colour: "#3d4a4f"\n')
    from tests.conftest import check_json

    exit_code, document = check_json()
    messages = [p["message"] for p in document["problems"]]
    assert exit_code == 1
    assert any("against the header" in m for m in messages), messages


def test_theme_colours_reach_the_stylesheet(site: SiteDir) -> None:
    site.write("site.yaml", site.text("site.yaml") + 'theme:\n  primary_colour: "#00703c"\n')
    assert run("build", "--today", "2026-11-23").exit_code == 0
    (stylesheet,) = (site.path.parent / "dist/assets").glob("site.*.css")
    css = stylesheet.read_text()
    assert css.startswith(":root {\n  --app-primary: #00703c;\n  --app-focus: #ffdd00;\n}\n")


def test_logo_must_be_a_file_in_the_content_folder(site: SiteDir) -> None:
    site.write("site.yaml", site.text("site.yaml") + "theme:\n  logo: images/missing.svg\n")
    result = run("check")
    assert result.exit_code == 2
    assert "content/site.yaml:9: theme.logo 'images/missing.svg' is not a file" in result.output


def test_logo_is_shown_in_the_header(site: SiteDir) -> None:
    site.write("site.yaml", site.text("site.yaml") + "theme:\n  logo: images/family.png\n")
    assert run("build", "--today", "2026-11-23").exit_code == 0
    html = (site.path.parent / "dist/services/youth-club/index.html").read_text()
    assert '<img class="app-header__logo" src="../../images/family.png" alt="">' in html

"""schema.org JSON-LD on service pages: the properties, GovernmentService or Service, and
escaping that no content can break out of."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lo_static.structured_data import script_json
from tests.conftest import REPO, TODAY, SiteDir, run

BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
SPEECH = "services/speech-therapy.md"
BASE = "https://localoffer.testshire.example/"


def build(site: SiteDir) -> Path:
    result = run("build", "--today", TODAY)
    assert result.exit_code == 0, result.output
    return site.path.parent / "dist"


def json_ld(html: str) -> dict[str, Any]:
    (block,) = BLOCK.findall(html)
    return json.loads(block)


def page(dist: Path, name: str) -> str:
    return (dist / f"services/{name}/index.html").read_text(encoding="utf-8")


def test_a_service_page_describes_the_service(site: SiteDir) -> None:
    html = page(build(site), "speech-therapy")
    assert json_ld(html) == {
        "@context": "https://schema.org",
        "@type": "Service",
        "name": "Speech therapy",
        "description": "Therapists who help children with talking and understanding.",
        "url": BASE + "services/speech-therapy/",
        "provider": {"@type": "Organization", "name": "Testshire NHS Trust"},
        "areaServed": "Testshire",
        "audience": {"@type": "PeopleAudience", "suggestedMinAge": 0, "suggestedMaxAge": 11},
        "availableChannel": {
            "@type": "ServiceChannel",
            "servicePhone": {"@type": "ContactPoint", "telephone": "01632 960410",
                             "email": "slt@testshire.example"},
        },
        "hoursAvailable": {"@type": "OpeningHoursSpecification",
                           "description": "Monday to Friday, 9am to 5pm"},
        "offers": {"@type": "Offer", "price": 0, "priceCurrency": "GBP"},
    }
    # The canonical link stays, and names the same address.
    assert f'<link rel="canonical" href="{BASE}services/speech-therapy/">' in html
    # In the head, compact: one line, no indentation.
    head = html.split("</head>")[0]
    assert head.count('<script type="application/ld+json">{"@context"') == 1


def test_only_what_is_known_is_said(site: SiteDir) -> None:
    data = json_ld(page(build(site), "youth-club"))
    assert data["availableChannel"] == {
        "@type": "ServiceChannel", "serviceUrl": "https://www.testshire.example/youth"}
    assert "offers" not in data  # "£2 a session" is not free
    assert "hoursAvailable" not in data
    assert data["audience"]["suggestedMinAge"] == 11
    assert data["audience"]["suggestedMaxAge"] == 25


def test_a_council_service_is_a_government_service(site: SiteDir) -> None:
    site.edit("services/youth-club.md", "provider: Testshire Youth Service",
              "provider: Testshire Council Youth Service")
    dist = build(site)
    assert json_ld(page(dist, "youth-club"))["@type"] == "GovernmentService"
    assert json_ld(page(dist, "national-helpline"))["@type"] == "Service"
    site.edit("services/youth-club.md", "provider: Testshire Council Youth Service",
              "provider: testshire council")
    assert json_ld(page(build(site), "youth-club"))["@type"] == "GovernmentService"


HOSTILE = '</script><script>alert(1)</script><!-- & "quoted"'


def test_content_can_never_close_the_script(site: SiteDir) -> None:
    site.edit(SPEECH, "title: Speech therapy", f"title: '{HOSTILE}'")
    site.edit(SPEECH, "opening_hours: Monday to Friday, 9am to 5pm",
              "opening_hours: 9am </SCRIPT > & <b>5pm</b>")
    html = page(build(site), "speech-therapy")
    (block,) = BLOCK.findall(html)
    assert not re.search(r"[<>&]", block)
    assert "\\u003c/script\\u003e" in block
    data = json.loads(block)
    assert data["name"] == HOSTILE
    assert data["hoursAvailable"]["description"] == "9am </SCRIPT > & <b>5pm</b>"
    assert "<script>alert(1)" not in html
    assert len(re.findall(r"<script\b", html)) == html.count("</script>")


def test_script_json_escapes_what_html_would_read() -> None:
    text = str(script_json({"a": "</script>&<!--\u2028\u2029é"}))
    assert text == '{"a":"\\u003c/script\\u003e\\u0026\\u003c!--\\u2028\\u2029é"}'
    assert json.loads(text) == {"a": "</script>&<!--\u2028\u2029é"}


def test_without_a_base_url_there_is_no_url(site: SiteDir) -> None:
    site.edit("site.yaml", "base_url: https://localoffer.testshire.example/\n", "")
    html = page(build(site), "speech-therapy")
    data = json_ld(html)
    assert "url" not in data
    assert 'rel="canonical"' not in html


def test_only_service_pages_carry_json_ld(site: SiteDir) -> None:
    dist = build(site)
    for path in sorted(dist.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        rel = path.relative_to(dist).as_posix()
        is_service = rel.startswith("services/") and rel != "services/index.html"
        assert len(BLOCK.findall(html)) == (1 if is_service else 0), rel


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("json-ld") / "dist"
    result = run("build", "--content", str(REPO / "content"), "--out", str(out), "--today", TODAY)
    assert result.exit_code == 0, result.output
    return out


def test_every_demo_service_has_the_required_properties(demo: Path) -> None:
    pages = sorted((demo / "services").glob("*/index.html"))
    assert len(pages) > 20
    kinds = set()
    for path in pages:
        data = json_ld(path.read_text(encoding="utf-8"))
        kinds.add(data["@type"])
        assert data["@context"] == "https://schema.org"
        assert data["name"] and data["description"] and data["provider"]["name"]
        assert data["url"] == (
            "https://localoffer.ashdownvale.example/"
            + path.parent.relative_to(demo).as_posix() + "/"
        )
        assert data["areaServed"] == "Ashdown Vale"
        assert 0 <= data["audience"]["suggestedMinAge"] < data["audience"]["suggestedMaxAge"]
        assert data["availableChannel"]["@type"] == "ServiceChannel"
    assert kinds == {"GovernmentService", "Service"}

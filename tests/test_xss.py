"""Content can never run script (issue 7). A site is built from tests/fixtures/minimal with an
attack in every text field of every kind of page (page, service, feedback, news, the home page),
in glossary.yaml and in site.yaml, and in Markdown bodies; then every built page is loaded in
headless Chromium, with the Content-Security-Policy enforced and with it switched off (escaping
alone must hold), and nothing may run, appear, open a dialog or reach another address.
Attacks the checks refuse (script links, however disguised) must stop the build instead."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
import yaml
from click.testing import CliRunner
from playwright.sync_api import Browser, Route

from lo_static.cli import main
from lo_static.content import Page
from lo_static.markdown import make_markdown, parse_page, render_body
from lo_static.serve import serve_folder
from lo_static.yamlfile import load_yaml
from tests.browser_helpers import browser
from tests.conftest import MINIMAL, TODAY, SiteDir, check_json, problems_of

__all__ = ["browser"]  # fixture used by the tests below

# Each would, if it ran or became HTML, set window.__pwned, open a dialog, add an element with
# a data-pwned attribute, change the page's title to PWNED or fetch from pwned.example.
PAYLOADS = [
    "<script>window.__pwned = 'script'; alert('pwned')</script>",
    '"><img src="https://pwned.example/i.png" onerror="window.__pwned = \'img\'" data-pwned>',
    "'><svg onload=\"window.__pwned = 'svg'\" data-pwned></svg>",
    "</script><script>window.__pwned = 'end-script'</script><!--",
    "</title><script>document.title = 'PWNED'</script><title>",
    "<iframe src=\"javascript:top.__pwned = 'iframe'\" data-pwned></iframe>",
    "<a href=\"javascript:window.__pwned = 'a'\" data-pwned>Open</a> <b data-pwned>bold</b>",
    "{{ 7 * 7 }} {% if true %}ran{% endif %} {{ config }} {{ self.__init__ }} {# hidden #}",
    '<style>body { display: none }</style><meta http-equiv="refresh" content="0; url=https://pwned.example/">',
    '<base href="https://pwned.example/"><form action="https://pwned.example/"><button data-pwned>',
    "&lt;script&gt;alert(1)&lt;/script&gt; &#106;avascript: <!-- ]]> <![CDATA[ x ]]> \\ ` \" '",
    "<object data=\"javascript:alert('pwned')\" data-pwned></object><embed src=\"https://pwned.example/e\">",
]
URL_PAYLOADS = [
    "https://pwned.example/\"><script>window.__pwned='url'</script>",
    "https://pwned.example/'onmouseover='window.__pwned=1'data-pwned='",
    "https://pwned.example/{{7*7}}/<img/src/onerror=alert(1)>",
]
EMAIL_PAYLOAD = "o'neil&x={{7*7}}@testshire.example"
PUBLISHED = "https://localoffer.testshire.example/"
"""The minimal site's base_url."""

BODY = """
<script>window.__pwned = "body-script"</script>

<img src="https://pwned.example/b.png" onerror="alert('body')" data-pwned>

Inline <b data-pwned onclick="alert(1)">raw HTML</b> and {{ 7 * 7 }} and {% raw %} stay text.

[Our partner site](https://www.testshire.example/partners){onclick="alert(1)" data-pwned=1}
and *emphasis*{onmouseover="alert(1)"} keep their braces as text (no attributes plugin).

[<img src=x onerror=alert(1) data-pwned> guide](ROOTabout/guide.md "t\\" onmouseover=\\"x")

![A family " onerror="alert(1)" data-pwned="](ROOTimages/family.png "t\\"onload=\\"x")

<https://www.testshire.example/"onmouseover="alert(1)>

## Heading <img src=x onerror=alert(1) data-pwned>

| <script>alert(1)</script> | cell |
| --- | --- |
| `</code><script>alert(1)</script>` | <b data-pwned>x</b> |

```html
</code></pre><script>alert('pwned')</script>
```

    </pre><script>alert('pwned')</script>

XSS is explained in the glossary.
"""


def front_matter(text: str) -> tuple[dict[str, Any], str]:
    _, head, body = text.split("---\n", 2)
    data = load_yaml(head).data
    assert isinstance(data, dict)
    return data, body


def write_page(site: SiteDir, rel: str, changes: dict[str, Any], extra_body: str = "") -> None:
    data, body = front_matter(site.text(rel))

    def merge(into: dict[str, Any], changed: dict[str, Any]) -> None:
        for key, value in changed.items():
            if isinstance(value, dict):
                merge(into.setdefault(key, {}), value)
            else:
                into[key] = value

    merge(data, changes)
    depth = rel.count("/")
    body += BODY.replace("ROOT", "../" * depth) if extra_body == "BODY" else extra_body
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000)
    site.write(rel, f"---\n{dumped}---\n{body}")


def make_xss_site(site: SiteDir) -> None:
    """Every text field of every kind carries an attack; so do glossary.yaml and site.yaml."""
    payloads = iter(PAYLOADS * 10)

    def text() -> str:
        return next(payloads)

    common = {"title": text(), "summary": text(), "owner": text()}
    write_page(site, "index.md", common, "\n\nXSS: " + text())
    write_page(site, "about/guide.md", {"title": text(), "summary": text(), "owner": text()},
               "BODY")
    write_page(
        site,
        "services/speech-therapy.md",
        {
            "title": text(), "summary": text(), "owner": text(), "provider": text(),
            "eligibility": text(), "how_to_access": text(), "cost": text(),
            "opening_hours": text(), "accessibility": text(),
            "contact": {
                "email": EMAIL_PAYLOAD,
                "website": URL_PAYLOADS[0],
                "address": {"name": text(), "street": text(), "town": text()},
            },
        },
        "BODY",
    )
    write_page(site, "services/youth-club.md",
               {"title": text(), "summary": text(), "contact": {"website": URL_PAYLOADS[1]}})
    write_page(site, "news/2026-10-new-site.md", {"title": text(), "summary": text()}, "BODY")
    write_page(
        site,
        "feedback/2026-06-search.md",
        {"title": text(), "summary": text(), "you_said": text(), "we_did": text()},
        "\n" + text() + "\n",
    )
    glossary = yaml.safe_load(site.text("glossary.yaml"))
    glossary.append({"term": "XSS", "expansion": text(), "explanation": text()})
    site.write("glossary.yaml", yaml.safe_dump(glossary, allow_unicode=True, width=1_000_000))
    config = load_yaml(site.text("site.yaml")).data
    config["title"] = text()
    config["council"] = text()
    config["information_advice_support"].update(
        {"name": text(), "email": EMAIL_PAYLOAD, "website": URL_PAYLOADS[2]}
    )
    config["feedback"] = {"url": URL_PAYLOADS[1]}
    site.write("site.yaml", yaml.safe_dump(config, allow_unicode=True, sort_keys=False,
                                           width=1_000_000))


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xss")
    shutil.copytree(MINIMAL, root / "content")
    make_xss_site(SiteDir(root / "content"))
    result = CliRunner().invoke(
        main,
        ["build", "--content", str(root / "content"), "--out", str(root / "www/site"),
         "--today", TODAY, "--format", "json"],
        catch_exceptions=False,
    )
    document = json.loads(result.stdout)
    assert [p for p in document["problems"] if p["severity"] == "error"] == [], result.stdout
    assert result.exit_code == 0
    return root / "www"


@pytest.fixture(scope="module")
def xss_server(xss_site: Path) -> Iterator[str]:
    with serve_folder(xss_site) as base:
        yield f"{base}/site/"


def html_pages(xss_site: Path) -> list[str]:
    root = xss_site / "site"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.html"))


class _Tags(HTMLParser):
    """Every start tag and its attributes, and the text of each <script> element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def test_every_built_file_keeps_the_attacks_as_text(xss_site: Path) -> None:
    root = xss_site / "site"
    pages = html_pages(xss_site)
    assert len(pages) > 20
    seen_payload = False
    for rel in pages:
        html = (root / rel).read_text(encoding="utf-8")
        parser = _Tags()
        parser.feed(html)
        for tag, attrs in parser.tags:
            assert "data-pwned" not in attrs, (rel, tag, attrs)
            assert not [a for a in attrs if a.startswith("on")], (rel, tag, attrs)
            assert tag not in ("iframe", "object", "embed", "base", "style"), (rel, tag)
            assert "pwned" not in attrs.get("action", ""), (rel, tag, attrs)  # our search form
            if tag == "meta":
                assert attrs.get("http-equiv", "").lower() != "refresh", rel
            for name in ("href", "src", "action", "data"):
                value = re.sub(r"[\x00-\x20]", "", attrs.get(name, "")).lower()
                assert not value.startswith(("javascript:", "vbscript:", "data:")), (rel, attrs)
            if tag == "script":
                assert "src" in attrs or attrs.get("type") == "application/ld+json", (rel, attrs)
        for script in parser.scripts:
            if script:
                json.loads(script)  # only JSON-LD data blocks, which stay valid JSON
        seen_payload |= "&lt;script&gt;window.__pwned" in html
    assert seen_payload
    service = (root / "services/speech-therapy/index.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(service)
    (ld,) = [s for s in parser.scripts if s]
    data = json.loads(ld)
    assert data["name"] in PAYLOADS  # the attack survives as data, exactly
    assert "{{ 7 * 7 }} {% if true %}ran{% endif %}" in service.replace("&#39;", "'")
    feed = ElementTree.parse(root / "news/feed.xml").getroot()  # still well-formed XML
    assert not [e for e in feed.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "img")]
    json.loads((root / "manifest.webmanifest").read_text(encoding="utf-8"))
    ElementTree.parse(root / "sitemap.xml")


@pytest.mark.parametrize("policy", ["enforced", "bypassed"])
def test_no_attack_runs_in_a_real_browser_on_any_page(
    browser: Browser, xss_site: Path, xss_server: str, policy: str
) -> None:
    """Loads every page; with the policy bypassed, escaping alone has to keep them safe."""
    context = browser.new_context(bypass_csp=policy == "bypassed")
    context.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    own = "{0.scheme}://{0.netloc}".format(urlsplit(xss_server))
    elsewhere: list[str] = []

    def guard(route: Route) -> None:
        url = route.request.url
        if url.startswith(own):
            route.continue_()
        elif url.startswith(PUBLISHED):  # the real host, for the 404 page
            target = xss_site / "site" / url[len(PUBLISHED):].split("?")[0]
            target = target / "index.html" if target.is_dir() else target
            route.fulfill(path=str(target if target.is_file() else xss_site / "site/404.html"))
        else:
            elsewhere.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(f"{message.text} ({page.url})")
        if message.type == "error" else None,
    )
    found: dict[str, Any] = {}
    for rel in html_pages(xss_site):
        # The 404 page links to the published address: it is served there, at any depth.
        page.goto(PUBLISHED + "no/such/page/" if rel == "404.html" else xss_server + rel)
        page.evaluate(  # handlers that wait for the pointer or the keyboard
            """() => document.querySelectorAll('body *').forEach(el => {
              el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
              el.dispatchEvent(new FocusEvent('focus'));
            })"""
        )
        state = page.evaluate(
            """() => ({
              pwned: window.__pwned === undefined ? null : String(window.__pwned),
              injected: document.querySelectorAll('[data-pwned], iframe, object, embed, base, '
                + 'form[action*="pwned"], meta[http-equiv=refresh]').length,
              title: document.title,
              hidden: getComputedStyle(document.body).display === 'none',
              violations: window.__violations,
            })"""
        )
        if state["pwned"] or state["injected"] or state["title"] == "PWNED" or state["hidden"]:
            found[rel] = state
        if state["violations"]:
            found[rel] = state
    page.goto(xss_server + "search/index.html?q=speech")
    page.wait_for_function(
        "() => document.getElementById('search-status').textContent.includes('result')"
    )
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#search-results [data-pwned]").count() == 0
    context.close()
    assert found == {}
    assert dialogs == []
    assert elsewhere == []
    assert errors == []


def test_payloads_show_as_the_text_that_was_written(
    browser: Browser, xss_site: Path, xss_server: str
) -> None:
    page = browser.new_page()
    page.goto(xss_server + "services/speech-therapy/index.html")
    source = front_matter((xss_site.parent / "content/services/speech-therapy.md").read_text())[0]
    assert page.locator("h1").inner_text() == source["title"].strip()
    assert page.get_by_text(source["eligibility"].strip(), exact=True).count() >= 1
    assert page.locator(".app-header__title").inner_text().strip() == (
        load_yaml((xss_site.parent / "content/site.yaml").read_text()).data["title"].strip()
    )
    page.close()


# --- Attacks the checks refuse -------------------------------------------------------------------

SCRIPT_LINKS = [
    "[Open](javascript:alert(1))",
    "[Open](JaVaScRiPt:alert(1))",
    "[Open](&#106;avascript:alert(1))",
    "[Open](&#x6A;&#x61;vascript:alert(1))",
    "[Open](javascript&colon;alert(1))",
    "[Open](<java\tscript:alert(1)>)",
    "[Open](java&#9;script:alert(1))",
    "[Open](java&Tab;script:alert(1))",
    "[Open](   javascript:alert(1))",
    "[Open](<  javascript:alert(1)>)",
    "[Open](jav%61script:alert(1))",
    "[Open](%20javascript:alert(1))",
    "<javascript:alert(1)>",
    "[Open][ref]\n\n[ref]: javascript:alert(1)",
    "![A picture](javascript:alert(1))",
    "[Open](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![A picture](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[Open](vbscript:msgbox(1))",
    "[Open](VBScript:msgbox(1))",
]


@pytest.mark.parametrize("link", SCRIPT_LINKS, ids=range(len(SCRIPT_LINKS)))
def test_script_links_however_disguised_stop_the_build(site: SiteDir, link: str) -> None:
    site.edit("about/guide.md", "Start here.", f"Start here.\n\n{link}")
    code, document = check_json()
    assert problems_of(document, "error") == [("unsafe-link", "content/about/guide.md", 14)]
    assert code == 1


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JAVASCRIPT://www.testshire.example/%0aalert(1)",
     "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//pwned.example/"],
)
def test_script_addresses_in_web_address_fields_stop_the_build(site: SiteDir, url: str) -> None:
    site.edit("services/youth-club.md", "https://www.testshire.example/youth", json.dumps(url))
    code, document = check_json()
    assert problems_of(document, "error") == [("invalid-url", "content/services/youth-club.md", 15)]
    assert code == 1


def test_script_links_are_never_written_even_unchecked() -> None:
    """The renderer drops what the checks refuse, should a check ever be skipped."""
    md = make_markdown()
    page = Page(rel="about/x.md", display="about/x.md", kind="page")
    page.body = "\n\n".join(SCRIPT_LINKS)
    parse_page(md, page)
    html = render_body(md, page, lambda rel: "../" + rel)
    parser = _Tags()
    parser.feed(html)
    links = [attrs for tag, attrs in parser.tags if tag in ("a", "img")]
    assert len(links) == len(SCRIPT_LINKS)
    for attrs in links:
        for name in ("href", "src"):
            value = re.sub(r"[\x00-\x20]", "", attrs.get(name, "")).lower()
            assert "script:" not in value and not value.startswith("data:"), attrs


def test_template_syntax_in_content_is_never_evaluated(site: SiteDir) -> None:
    site.edit("about/guide.md", "Start here.", "Start here. {{ 7 * 7 }} {% for x in [1] %}{{ x }}"
              "{% endfor %} {{ ''.__class__.__mro__ }}")
    site.edit("about/guide.md", "title: A guide for families", 'title: "{{ 6 * 7 }} guide"')
    result = CliRunner().invoke(main, ["build", "--today", TODAY], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    html = (site.path.parent / "dist/about/guide/index.html").read_text(encoding="utf-8")
    assert "<h1>{{ 6 * 7 }} guide</h1>" in html
    assert "{{ 7 * 7 }} {% for x in [1] %}{{ x }}{% endfor %}" in html
    assert "<h1>42 guide</h1>" not in html and "49 {" not in html and "mro" in html

"""The registry of every rule the build enforces: a stable code, a default severity, a purpose.

Codes are part of the public contract (CI annotations, `--format json`, the docs table), so a
rule is only ever added here, never renamed. Checks create diagnostics through `problem()` so an
unknown code fails loudly in tests rather than slipping through.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Diagnostic, Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    purpose: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in [
        # Reading files
        Rule("encoding", E, "Files must be UTF-8 text."),
        Rule("front-matter", E, "Markdown files start with YAML front matter between `---` lines."),
        Rule("yaml-syntax", E, "Front matter and site.yaml must be valid YAML."),
        Rule("duplicate-key", E, "A field may appear only once in a file's front matter."),
        Rule("file-too-large", E, "A Markdown file is at most 1 MB."),
        Rule("unreadable-file", E, "Every file in the content folder can be read."),
        Rule(
            "unreadable-markdown",
            E,
            "The Markdown reader can read every page's text (a failure is a fault in lo-static).",
        ),
        Rule(
            "hidden-characters",
            E,
            "No invisible characters (bidirectional controls, zero-width spaces, invisible "
            "separators) that can disguise text or links (Trojan Source).",
        ),
        # Fields
        Rule("missing-field", E, "Every required field for the page's kind is present."),
        Rule("wrong-type", E, "Each field holds the right kind of value (text, list, date...)."),
        Rule("bad-value", E, "Fields with a fixed list of values use one of them."),
        Rule("invalid-date", E, "Dates are real calendar dates written YYYY-MM-DD."),
        Rule("invalid-email", E, "Email addresses are well formed."),
        Rule("invalid-phone", E, "Phone numbers are UK numbers written with digits and spaces."),
        Rule("invalid-url", E, "Web addresses start with https:// (or http://) and have a host."),
        Rule("invalid-postcode", E, "Addresses carry a valid UK postcode."),
        Rule("summary-too-long", E, "Summaries are at most 160 characters (search and listings)."),
        Rule("empty-value", E, "Required text fields are not blank."),
        Rule(
            "placeholder", E, "Placeholders left by `lo-static new` are replaced before publishing."
        ),
        Rule("unknown-field", W, "Fields the content model does not know (often a typo)."),
        Rule(
            "unknown-requirement",
            E,
            "`statutory` names only requirements in checks/statutory.yaml.",
        ),
        # Review dates (CoP 4.7: the Local Offer must be up to date)
        Rule("review-order", E, "`review_by` comes after `last_reviewed`."),
        Rule(
            "review-too-far", E, "`review_by` is at most `review.max_months` after `last_reviewed`."
        ),
        Rule("reviewed-in-future", E, "`last_reviewed` is not later than today."),
        Rule("review-overdue", E, "Pages past their `review_by` date must be reviewed."),
        Rule("review-due-soon", W, "Pages due for review within `review.warn_days`."),
        # Links and URLs
        Rule("broken-link", E, "Links to other content files point at files that exist."),
        Rule("broken-anchor", E, "Links to `#anchors` point at headings that exist."),
        Rule("unsafe-link", E, "No `javascript:`, `data:` or `vbscript:` links."),
        Rule("empty-link", E, "Every link has text (or an image with alt text) to read out."),
        Rule("vague-link-text", W, "Link text makes sense on its own, not 'click here'."),
        Rule("link-outside-content", E, "Links do not reach outside the content folder."),
        Rule("url-collision", E, "Two files never map to the same web address."),
        Rule(
            "orphan-easy-read", E, "An easy-read file sits beside the standard page it belongs to."
        ),
        Rule("bad-filename", E, "File and folder names make clean web addresses."),
        Rule(
            "unsafe-file",
            E,
            "Files copied as they are cannot run script: no web pages or programs, and SVG "
            "images without scripts, event handlers, script links or embedded pages.",
        ),
        Rule("missing-home", E, "The content folder has a published `index.md` home page."),
        # Plain language and easy read (CoP 4.7, 4.12)
        Rule("image-alt", E, "Every image has a text description (alt text, WCAG 1.1.1)."),
        Rule("unexplained-acronym", W, "Acronyms are in the glossary (CoP 4.12: explain them)."),
        Rule("glossary", E, "glossary.yaml entries each have a term, expansion and explanation."),
        Rule("easy-read-missing", E, "Pages meeting an `easy_read: required` item have one."),
        Rule("easy-read-drift", W, "An easy-read version is not older than its standard page."),
        Rule("easy-read-sentence", W, "Easy-read sentences have at most 15 words."),
        Rule("easy-read-paragraph", W, "Easy-read paragraphs have at most 3 sentences."),
        Rule("a11y", E, "Pages pass automated WCAG 2.2 AA checks (pa11y-ci: axe and htmlcs)."),
        # Printed leaflets (CoP 4.7 well publicised, 4.62 access without the internet)
        Rule(
            "leaflet-page",
            E,
            "A leaflet's `pages` and `qr` name published pages or services that exist.",
        ),
        Rule(
            "leaflet-too-long",
            E,
            "A DL leaflet fits the 6 panels of one folded A4 sheet.",
        ),
        # The Local Offer as a whole
        Rule("statutory-missing", E, "Every `must` requirement is met by a published page."),
        Rule("statutory-should", W, "Every `should` requirement is met by a published page."),
        Rule(
            "coverage-age-group", E, "At least one service for each age group, 0 to 25 (CoP 4.7)."
        ),
        Rule("coverage-out-of-area", E, "At least one service outside the area (CoP 4.4)."),
        Rule(
            "coverage-service-level", W, "Services at each level: universal, targeted, specialist."
        ),
        Rule(
            "comments-not-published",
            E,
            "Comments and responses from the last 12 months (CoP 4.24).",
        ),
        Rule(
            "identifiable-feedback",
            E,
            "Feedback has no email, phone, postcode, NHS number, date of birth or listed name "
            "(CoP 4.24: no one may be identified).",
        ),
        Rule(
            "possible-name",
            W,
            "Feedback has no words that look like a person's name, like 'Mrs Patel' (CoP 4.24).",
        ),
        # Open data
        Rule(
            "open-referral",
            E,
            "Each service can be published as valid Open Referral UK data, with its own id.",
        ),
        # site.yaml
        Rule("site-config", W, "site.yaml keys the build does not know (often a typo)."),
        Rule("theme-contrast", E, "Theme colours give text 4.5:1 and focus indicators 3:1."),
    ]
}


def problem(code: str, path: str, line: int, message: str) -> Diagnostic:
    """A diagnostic for a registered rule, at its default severity."""
    rule = RULES[code]
    return Diagnostic(path=path, line=line, code=code, severity=rule.severity, message=message)


RULES_BEGIN = "<!-- rules:begin (generated by `lo-static schema --write`; do not edit) -->"
RULES_END = "<!-- rules:end -->"


def docs_table() -> str:
    """The Markdown table of every rule: code, severity, purpose."""
    rows = ["| code | severity | what it checks |", "| --- | --- | --- |"]
    rows += [f"| `{r.code}` | {r.severity.value} | {r.purpose} |" for r in RULES.values()]
    return "\n".join(rows) + "\n"


def update_docs(text: str) -> str:
    """`text` with the generated rules table placed between the markers."""
    start, end = text.index(RULES_BEGIN), text.index(RULES_END)
    return text[: start + len(RULES_BEGIN)] + "\n\n" + docs_table() + "\n" + text[end:]

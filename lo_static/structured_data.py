"""schema.org JSON-LD for service pages, so search engines and assistants can read the facts.

Each service page carries one `<script type="application/ld+json">` data block: a
`GovernmentService` when the council runs the service itself, else a `Service`. Browsers never
run a data block, so a strict Content-Security-Policy (`script-src 'self'`) allows it. The JSON
is kept compact (no indentation, only the properties below) for the page-weight budget, and
`<`, `>` and `&` are written as `\\u003c`, `\\u003e` and `\\u0026` so that no content, such as a
title containing `</script>`, can ever end the script element early.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from .config import SiteConfig
from .content import Page
from .oruk_export import age_span, area_name, is_free, provider_is_council

_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(data: Any) -> Markup:
    """`data` as compact JSON that is safe inside a `<script>` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for character, escaped in _ESCAPES.items():
        text = text.replace(character, escaped)
    # Safe to mark: every character that could end the element or start a comment is escaped.
    return Markup(text)


def service_json_ld(page: Page, config: SiteConfig, url: str) -> dict[str, Any]:
    """The schema.org description of a service page; `url` is its canonical address ("" when
    the site has no `base_url`)."""
    meta = page.meta
    provider = str(meta.get("provider", "")).strip()
    kind = "GovernmentService" if provider_is_council(provider, config.council) else "Service"
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": kind,
        "name": page.title,
        "description": str(meta.get("summary", "")).strip(),
    }
    if url:
        data["url"] = url
    if provider:
        data["provider"] = {"@type": "Organization", "name": provider}
    data["areaServed"] = area_name(config.council)
    span = age_span(meta.get("age_groups"))
    if span:
        data["audience"] = {
            "@type": "PeopleAudience",
            "suggestedMinAge": span[0],
            "suggestedMaxAge": span[1],
        }
    contact = meta.get("contact") or {}
    point = {"@type": "ContactPoint"}
    for key, name in (("phone", "telephone"), ("email", "email")):
        if contact.get(key):
            point[name] = str(contact[key]).strip()
    channel: dict[str, Any] = {"@type": "ServiceChannel"}
    if len(point) > 1:
        channel["servicePhone"] = point
    if contact.get("website"):
        channel["serviceUrl"] = str(contact["website"]).strip()
    if len(channel) > 1:
        data["availableChannel"] = channel
    hours = str(meta.get("opening_hours", "") or "").strip()
    if hours:
        data["hoursAvailable"] = {"@type": "OpeningHoursSpecification", "description": hours}
    if is_free(meta.get("cost")):
        data["offers"] = {"@type": "Offer", "price": 0, "priceCurrency": "GBP"}
    return data

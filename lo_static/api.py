"""`api/pages.json`: every published page, service and leaflet with its owner and review dates,
for dashboards and reminder bots. Pure: a `SiteModel` in, bytes out, the same bytes for the same
content (sorted by URL, no clock)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from .content import Page
from .site import SiteModel

FOLDER = "api"
PAGES = f"{FOLDER}/pages.json"


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, date) else None


def _entry(page: Page, title: str, url: str, kind: str, easy_read: bool) -> dict[str, Any]:
    meta = page.meta
    return {
        "title": title,
        "url": url,
        "kind": kind,
        "owner": str(meta["owner"]) if meta.get("owner") is not None else None,
        "last_reviewed": _iso(meta.get("last_reviewed")),
        "review_by": _iso(meta.get("review_by")),
        "easy_read": easy_read,
    }


def pages_document(model: SiteModel) -> dict[str, Any]:
    """`{"pages": [...]}`: title, URL (absolute with `base_url`, else relative to the site's
    root, the home page being `./`), kind, owner, `last_reviewed`, `review_by` (YYYY-MM-DD or
    null) and whether it is an easy-read version; leaflets are listed by their PDF's URL."""
    base = model.config.base_url

    def address(target: str) -> str:
        pretty = target.removesuffix("index.html")
        return base + pretty if base else pretty or "./"

    entries = [
        _entry(page, page.title, address(page.url), page.kind, page.is_easy_read)
        for page in model.pages
    ]
    entries += [
        _entry(leaflet.source, leaflet.title, address(leaflet.url), "leaflet", leaflet.easy_read)
        for leaflet in model.leaflets
    ]
    return {"pages": sorted(entries, key=lambda entry: (entry["url"], entry["title"]))}


def pages_json(model: SiteModel) -> bytes:
    return (json.dumps(pages_document(model), indent=2, ensure_ascii=False) + "\n").encode()

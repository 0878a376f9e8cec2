"""Open Referral UK round trip: import the validator's documents, fill in what the feed could
not say, build, and check the exported services keep what the content model can carry."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import MINIMAL, ORUK, TODAY, run

FIXTURES = ORUK / "validator-fixtures"
DOCUMENTS = [FIXTURES / "Default" / "service_full.json", FIXTURES / "Test" / "service_list.json"]

FILL = {
    # What an editor writes in place of each placeholder the import leaves.
    "last_reviewed": "2026-10-01",
    "review_by": "2027-09-30",
    "need_types": "[social-emotional-and-mental-health]",
    "topics": "[health]",
    "service_level": "targeted",
    "coverage": "in-area",
    "eligibility": "People aged 12 and over who live in the area.",
    "how_to_access": "Phone or email to book a first appointment.",
    "owner": "Community Health Team",
    "postcode": "AV1 2BD",
    "phone": "01632 960123",
    "email": "team@example.org",
    "website": "https://www.example.org/",
    "street": "1 High Street",
    "town": "Ashdown",
}
PLACEHOLDER_LINE = re.compile(r"^(\s*)(-\s*)?([a-z_]+):\s*(\[)?\s*[\"']TODO:.*$")


def fill_placeholders(path: Path) -> list[str]:
    """Replace every `TODO:` value an import left with a valid one; return the fields filled."""
    filled = []
    lines = path.read_text(encoding="utf-8").split("\n")
    for index, line in enumerate(lines):
        match = PLACEHOLDER_LINE.match(line)
        if match:
            indent, _, key, _ = match.groups()
            lines[index] = f"{indent}{key}: {FILL[key]}"
            filled.append(key)
    path.write_text("\n".join(lines), encoding="utf-8")
    assert "TODO:" not in path.read_text(encoding="utf-8"), path
    return filled


def source_services(document: Path) -> dict[str, dict[str, Any]]:
    data = json.loads(document.read_text(encoding="utf-8"))
    items = data.get("contents", [data]) if isinstance(data, dict) else data
    services: dict[str, dict[str, Any]] = {}
    for item in items:
        if item.get("status", "active") == "active" and item.get("name"):
            services.setdefault(item["id"], item)
    return services


def test_import_fill_build_export_keeps_the_service(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(MINIMAL, tmp_path / "content")
    sources: dict[str, dict[str, Any]] = {}
    for document in DOCUMENTS:
        result = run("import", "oruk", str(document), "--into", "content", "--today", TODAY)
        assert result.exit_code == 0, result.output
        sources.update(source_services(document))
    imported = sorted((tmp_path / "content" / "services").glob("*.md"))
    by_id = {}
    for path in imported:
        match = re.search(r"^id: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        if match:
            by_id[match.group(1).strip().strip("'\"")] = path
    assert set(by_id) == set(sources)  # one file for each distinct active service

    # Before the placeholders are filled, the check refuses to publish them.
    checked = run("check", "--today", TODAY, "--format", "json")
    assert checked.exit_code == 1
    problems = json.loads(checked.stdout)["problems"]
    assert {p["code"] for p in problems if p["severity"] == "error"} == {"placeholder"}

    for path in by_id.values():
        assert fill_placeholders(path)
    built = run("build", "--today", TODAY, "--format", "json")
    assert built.exit_code == 0, built.output

    for service_id, source in sources.items():
        exported = json.loads(
            (tmp_path / "dist" / "openreferral" / "services" / f"{service_id}.json").read_text()
        )
        assert exported["id"] == service_id
        assert exported["name"] == source["name"]
        first_sentence = source["description"].split(". ")[0]
        assert exported["description"].startswith(first_sentence)
        # Ages: the content model keeps age groups (0-5, 5-11, 11-16, 16-25), so the exported
        # range is the smallest span of groups covering the source's range within 0 to 25.
        low, high = source.get("minimum_age"), source.get("maximum_age")
        if low is not None:
            assert exported["minimum_age"] <= low
            assert exported["minimum_age"] > low - 6
        if high is not None:
            assert exported["maximum_age"] >= min(high, 25)
        # Costs keep their wording; contacts keep the email address.
        for option in source.get("cost_options", []):
            wording = [c["option"] for c in exported["cost_options"]]
            assert any(option["option"] in text for text in wording), wording
            assert any(f"£{option['amount']}" in text for text in wording), wording
        emails = {source.get("email")} | {c.get("email") for c in source.get("contacts", [])}
        emails.discard(None)
        if emails:
            assert exported["email"] in emails

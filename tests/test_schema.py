"""One source of truth: the schema drives the validator, the JSON Schemas and the docs table."""

from __future__ import annotations

import json

import jsonschema
import pytest

from lo_static import resources, schema
from lo_static.content import discover
from tests.conftest import REPO, run


def test_generated_files_are_up_to_date() -> None:
    result = run("schema", "--check")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind", schema.KINDS)
def test_json_schema_is_valid_draft_2020_12(kind: str) -> None:
    document = json.loads((resources.SCHEMA_DIR / f"{kind}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(document)


def test_demo_front_matter_matches_the_published_json_schema() -> None:
    tree = discover(REPO / "content", "content")
    validators = {
        kind: jsonschema.Draft202012Validator(schema.json_schema(kind)) for kind in schema.KINDS
    }
    checked = 0
    for page in tree.pages:
        errors = list(validators[page.kind].iter_errors(page.yaml.data))
        assert errors == [], (page.rel, [e.message for e in errors])
        checked += 1
    assert checked >= 60


def test_json_schema_rejects_what_the_validator_rejects() -> None:
    validator = jsonschema.Draft202012Validator(schema.json_schema("service"))
    assert not validator.is_valid({"title": "x"})  # required fields missing
    bad_level = {"service_level": "specalist"}
    assert any(e.validator == "enum" for e in validator.iter_errors(bad_level))


def test_docs_table_lists_every_field() -> None:
    doc = (REPO / "docs/content-model.md").read_text()
    for spec in schema.FIELDS:
        assert f"| `{spec.name}` |" in doc
    assert "| `contact.address.postcode` |" in doc


def test_unknown_fields_are_refused_by_json_schema() -> None:
    assert schema.json_schema("page")["additionalProperties"] is False

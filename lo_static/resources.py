"""Where the project's own files live: templates/ and checks/ at the top of the checkout."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
CHECKS_DIR = PROJECT_ROOT / "checks"
STATUTORY_FILE = CHECKS_DIR / "statutory.yaml"
SCHEMA_DIR = CHECKS_DIR / "schema"
CONTENT_MODEL_DOC = PROJECT_ROOT / "docs" / "content-model.md"

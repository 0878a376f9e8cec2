"""Exceptions that end a run, each mapped to the exit status the CLI contract promises.

Helpers raise; only `cli.py` turns these into output and an exit code.
"""

from __future__ import annotations

from .diagnostics import Report


class LoStaticError(Exception):
    """Base of every error lo-static raises on purpose."""

    exit_code = 1


class ConfigError(LoStaticError):
    """A missing or malformed site.yaml, checklist or option: exit status 2."""

    exit_code = 2


class ContentErrors(LoStaticError):
    """Content has errors: exit status 1. Carries the full report."""

    exit_code = 1

    def __init__(self, report: Report) -> None:
        super().__init__(report.summary())
        self.report = report


class OutputError(LoStaticError):
    """The output folder cannot be written: exit status 2."""

    exit_code = 2

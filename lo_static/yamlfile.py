"""Load YAML safely, remembering the line of every key so problems can point at it.

The loader follows YAML 1.2's core schema rather than PyYAML's YAML 1.1 defaults: only
`true`/`false` are booleans (so `cost: No` stays the word "No"), dates stay text until the
validator checks them (so `2026-02-30` is a clear error, not a crash), and numbers with a leading
zero stay text (so phone numbers keep their 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


# libyaml's parser (C) when PyYAML was built with it: the same documents, several times faster.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CoreLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2 core-schema scalars."""


_CoreLoader.yaml_implicit_resolvers = {}
_CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_CoreLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)

_HINTS = [
    ("'\\t'", "indent with spaces, not tabs"),
    ("tab character", "indent with spaces, not tabs"),
    ("mapping values are not allowed", "put the value in quotes if it contains ': '"),
    ("could not find expected ':'", "each line should be 'field: value'; check the line above"),
    ("found undefined alias", "remove the '*' or put the value in quotes"),
    ("found unhashable key", "a field name must be plain text"),
    ("could not determine a constructor", "remove the '!' tag or put the value in quotes"),
    ("expected <block end>", "check the indentation of this line and the one above"),
    ("found character '@'", "put values that start with '@' or '`' in quotes"),
]

MAX_NESTING = 20


@dataclass
class YamlProblem(Exception):
    """YAML that cannot be read: the line (1-based, in the file) and a message for editors."""

    code: str
    line: int
    message: str


@dataclass
class YamlDocument:
    """Parsed YAML plus where each key was written."""

    data: Any
    key_lines: dict[KeyPath, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[KeyPath, int]] = field(default_factory=list)

    def line_of(self, path: KeyPath, default: int) -> int:
        """The line of a key, or of its nearest written parent, or `default`."""
        while path:
            if path in self.key_lines:
                return self.key_lines[path]
            path = path[:-1]
        return default


def _hint(problem: str, line_text: str = "") -> str:
    if "\t" in line_text and "cannot start any token" in problem:
        return " (indent with spaces, not tabs)"
    for needle, hint in _HINTS:
        if needle in problem:
            return f" ({hint})"
    return ""


def load_yaml(text: str, first_line: int = 1) -> YamlDocument:
    """Parse one YAML document whose first line is line `first_line` of its file.

    Raises `YamlProblem` for anything that is not valid, plain YAML data.
    """
    loader = _CoreLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None)
        document = YamlDocument(data=None)
        _walk(node, (), document, first_line, set(), frozenset(), 0)
        document.data = loader.construct_document(node)
        return document
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + (mark.line if mark else 0)
        problem = str(error.problem or error.context or "unreadable YAML")
        lines = text.split("\n")
        line_text = lines[mark.line] if mark and mark.line < len(lines) else ""
        hint = _hint(problem, line_text)
        raise YamlProblem("yaml-syntax", line, f"not valid YAML: {problem}{hint}") from None
    except yaml.YAMLError as error:
        raise YamlProblem("yaml-syntax", first_line, f"not valid YAML: {error}") from None
    except RecursionError:
        raise YamlProblem("yaml-syntax", first_line, "not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def _walk(
    node: yaml.Node,
    path: KeyPath,
    document: YamlDocument,
    first_line: int,
    seen: set[int],
    ancestors: frozenset[int],
    depth: int,
) -> None:
    """Record key lines and duplicate keys; visit each node once (aliases cannot explode)
    and refuse a value that contains itself."""
    if id(node) in ancestors:
        line = first_line + node.start_mark.line
        raise YamlProblem("yaml-syntax", line, "not valid YAML: a value refers to itself (*alias)")
    if id(node) in seen:
        return
    seen.add(id(node))
    ancestors = ancestors | {id(node)}
    if depth > MAX_NESTING:
        line = first_line + node.start_mark.line
        raise YamlProblem("yaml-syntax", line, "not valid YAML: nested too deeply")
    if isinstance(node, yaml.MappingNode):
        names: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = first_line + key_node.start_mark.line
            if key in names:
                document.duplicate_keys.append(((*path, key), line))
            else:
                names.add(key)
                document.key_lines[(*path, key)] = line
            _walk(value_node, (*path, key), document, first_line, seen, ancestors, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            document.key_lines.setdefault((*path, index), first_line + item.start_mark.line)
            _walk(item, (*path, index), document, first_line, seen, ancestors, depth + 1)

"""Load YAML safely, remembering the line of every key so problems can point at it.

The loader follows YAML 1.2's core schema rather than PyYAML's YAML 1.1 defaults: only
`true`/`false` are booleans (so `cost: No` stays the word "No"), dates stay text until the
validator checks them (so `2026-02-30` is a clear error, not a crash), and numbers with a leading
zero stay text (so phone numbers keep their 0).
"""

from __future__ import annotations

import re
import weakref
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


# libyaml's parser (C) when PyYAML was built with it: the same documents, several times faster.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CoreLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader with YAML 1.2 core-schema scalars."""


_TAG = "tag:yaml.org,2002:"
_SCALARS = {
    # Longer numbers stay text, like phone numbers: Python refuses to read 4,300 digits or more.
    f"{_TAG}bool": re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    f"{_TAG}int": re.compile(r"^[-+]?(?:0|[1-9][0-9]{0,17})$"),
    f"{_TAG}null": re.compile(r"^(?:~|null|Null|NULL|)$"),
}
"""The core schema's implicit scalars; anything else is text."""
_ALLOWED_TAGS = {f"{_TAG}str", f"{_TAG}seq", f"{_TAG}map", *_SCALARS}
"""A value tagged `!!float`, `!!binary`, `!!timestamp`, `!!set` or `!foo` is refused, and one
tagged `!!int`, `!!bool` or `!!null` must be written as that kind of value anyway, so building
the data can never fail half way (`!!int x` would raise ValueError)."""

_CoreLoader.yaml_implicit_resolvers = {}
_CoreLoader.add_implicit_resolver(f"{_TAG}bool", _SCALARS[f"{_TAG}bool"], list("tTfF"))
_CoreLoader.add_implicit_resolver(f"{_TAG}int", _SCALARS[f"{_TAG}int"], list("-+0123456789"))
_CoreLoader.add_implicit_resolver(f"{_TAG}null", _SCALARS[f"{_TAG}null"], ["~", "n", "N", ""])

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
_SURROGATE = re.compile("[\ud800-\udfff]")
SHORT_TEXT = 10_000
"""Each level of nesting takes at least one character, so text this short cannot nest deeper
than libyaml's composer can take (it crashes the interpreter at some 50,000 levels)."""
MAX_VALUES = 100_000
"""The most values a document may hold once every alias (`*name`) is written out in full: a
few lines of aliases can otherwise stand for billions of values ("billion laughs")."""


@dataclass
class YamlProblem(Exception):
    """YAML that cannot be read: the line (1-based, in the file) and a message for editors."""

    code: str
    line: int
    message: str


class _Shape:
    """The keys of a document, in order, shared by every document written with the same ones."""

    __slots__ = ("__weakref__", "index", "paths")

    def __init__(self, paths: tuple[KeyPath, ...]) -> None:
        self.paths = paths
        self.index = {path: number for number, path in enumerate(paths)}


_SHAPES: weakref.WeakValueDictionary[tuple[KeyPath, ...], _Shape] = (
    weakref.WeakValueDictionary()
)


def _shape_of(paths: tuple[KeyPath, ...]) -> _Shape:
    shape = _SHAPES.get(paths)
    if shape is None:
        shape = _SHAPES[paths] = _Shape(paths)
    return shape


class KeyLines(Mapping[KeyPath, int]):
    """Where each key was written (key path → file line), held compactly.

    A build keeps every page's front-matter key lines, to point later problems at their line.
    As a dict with a tuple for each key they took some 4 KB a page (20 MB at 5,000 services);
    here the keys are shared by every document with the same ones, as most services are, and
    the lines are an array of numbers."""

    __slots__ = ("_lines", "_shape")

    def __init__(self, lines: dict[KeyPath, int] | None = None) -> None:
        lines = lines or {}
        self._shape = _shape_of(tuple(lines))
        self._lines = array("I", lines.values())

    def __getitem__(self, path: KeyPath) -> int:
        return self._lines[self._shape.index[path]]

    def __contains__(self, path: object) -> bool:
        return path in self._shape.index

    def __iter__(self) -> Iterator[KeyPath]:
        return iter(self._shape.paths)

    def __len__(self) -> int:
        return len(self._lines)

    def __repr__(self) -> str:
        return f"KeyLines({dict(self.items())!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Unpickled (from a worker or the build cache) onto the shared keys again.
        return (_key_lines, (self._shape.paths, self._lines.tobytes()))


def _key_lines(paths: tuple[KeyPath, ...], lines: bytes) -> KeyLines:
    made = KeyLines.__new__(KeyLines)
    made._shape = _shape_of(paths)
    made._lines = array("I")
    made._lines.frombytes(lines)
    return made


@dataclass
class YamlDocument:
    """Parsed YAML plus where each key was written."""

    data: Any
    key_lines: KeyLines = field(default_factory=KeyLines)
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
    if _SURROGATE.search(text):  # only possible in text made in Python, not read from a file
        raise YamlProblem("yaml-syntax", first_line, "not valid YAML: not Unicode text")
    if len(text) > SHORT_TEXT:
        _refuse_deep_nesting(text, first_line)
    loader = _CoreLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(data=None)
        document = YamlDocument(data=None)
        lines: dict[KeyPath, int] = {}
        _walk(node, (), lines, document.duplicate_keys, first_line, set(), frozenset(), 0)
        _count_values(node, first_line, {})
        document.key_lines = KeyLines(lines)
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
    except yaml.reader.ReaderError as error:
        # A character YAML does not allow, at `position`: in UTF-8 bytes when libyaml read it.
        before = text.encode("utf-8")[: error.position] if _Base is not yaml.SafeLoader else (
            text[: error.position])
        line = first_line + before.count(b"\n" if isinstance(before, bytes) else "\n")
        code = error.character if isinstance(error.character, int) else ord(error.character)
        raise YamlProblem(
            "yaml-syntax",
            line,
            f"not valid YAML: the character U+{code:04X} cannot be used ({error.reason}); "
            "delete it",
        ) from None
    except yaml.YAMLError as error:
        raise YamlProblem("yaml-syntax", first_line, f"not valid YAML: {error}") from None
    except RecursionError:
        raise YamlProblem("yaml-syntax", first_line, "not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()


def _refuse_deep_nesting(text: str, first_line: int) -> None:
    """Read the events only as far as the nesting goes too deep, before anything is built from
    them: thousands of `[` would crash the composer (and slow the scanner down quadratically).
    Other problems are left to the full parse, which reports them with a hint."""
    loader = _CoreLoader(text)
    depth = 0
    try:
        while not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                depth += 1
                if depth > MAX_NESTING + 1:
                    line = first_line + event.start_mark.line
                    raise YamlProblem("yaml-syntax", line, "not valid YAML: nested too deeply")
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def _walk(
    node: yaml.Node,
    path: KeyPath,
    lines: dict[KeyPath, int],
    duplicates: list[tuple[KeyPath, int]],
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
    _check_tag(node, first_line)
    if depth > MAX_NESTING:
        line = first_line + node.start_mark.line
        raise YamlProblem("yaml-syntax", line, "not valid YAML: nested too deeply")
    if isinstance(node, yaml.MappingNode):
        names: set[str] = set()
        for key_node, value_node in node.value:
            _check_tag(key_node, first_line)
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = first_line + key_node.start_mark.line
            if key in names:
                duplicates.append(((*path, key), line))
            else:
                names.add(key)
                lines[(*path, key)] = line
            _walk(
                value_node, (*path, key), lines, duplicates, first_line, seen, ancestors,
                depth + 1,
            )
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*path, index), first_line + item.start_mark.line)
            _walk(
                item, (*path, index), lines, duplicates, first_line, seen, ancestors, depth + 1
            )


def _check_tag(node: yaml.Node, first_line: int) -> None:
    """Refuse tags the data cannot safely be built from (see `_ALLOWED_TAGS`)."""
    pattern = _SCALARS.get(node.tag)
    if node.tag in _ALLOWED_TAGS and (pattern is None or pattern.match(str(node.value))):
        return
    shown = node.tag.replace(_TAG, "!!")
    raise YamlProblem(
        "yaml-syntax",
        first_line + node.start_mark.line,
        f"not valid YAML: the tag '{shown}' cannot be used here (remove the '!' tag or put "
        "the value in quotes)",
    )


def _count_values(node: yaml.Node, first_line: int, counted: dict[int, int]) -> int:
    """How many values `node` holds with every alias written out; refuse more than MAX_VALUES.

    Runs after `_walk`, so the nodes form no loop and are at most MAX_NESTING deep; each node
    is counted once (`counted`), so this is quick however much the aliases would expand."""
    if id(node) in counted:
        return counted[id(node)]
    total = 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            total += _count_values(key_node, first_line, counted)
            total += _count_values(value_node, first_line, counted)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _count_values(item, first_line, counted)
    if total > MAX_VALUES and total > len(counted) + 1:  # more than the nodes written
        raise YamlProblem(
            "yaml-syntax",
            first_line + node.start_mark.line,
            f"not valid YAML: the aliases (*name) here repeat values more than {MAX_VALUES:,} "
            "times; write the values out instead of repeating them with & and *",
        )
    counted[id(node)] = total
    return total

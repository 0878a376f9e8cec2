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
        document.data = _build(node, lines, document.duplicate_keys, first_line)
        document.key_lines = KeyLines(lines)
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


def _build(
    node: yaml.Node,
    lines: dict[KeyPath, int],
    duplicates: list[tuple[KeyPath, int]],
    first_line: int,
) -> Any:
    """The data `node` holds, built in one pass that also records each key's line and every
    duplicate key, and refuses a tag the data cannot safely be built from, a value that
    contains itself, nesting deeper than MAX_NESTING and aliases that repeat more than
    MAX_VALUES values.

    The data is what PyYAML's SafeConstructor builds from the same nodes (a mapping's last
    duplicate key wins, an alias's value is the very object its anchor's is), without its
    general machinery: the core schema's few tags are built here directly. Checking, counting
    and building in three passes took two thirds of reading a page's front matter."""
    done: dict[int, tuple[Any, int]] = {}  # by node: its value and the values it holds
    open_nodes: set[int] = set()  # the nodes being built: one met again contains itself

    def build(node: yaml.Node, path: KeyPath, depth: int) -> tuple[Any, int]:
        key = id(node)
        if key in open_nodes:
            line = first_line + node.start_mark.line
            raise YamlProblem(
                "yaml-syntax", line, "not valid YAML: a value refers to itself (*alias)"
            )
        made = done.get(key)
        if made is not None:  # an alias: its lines were recorded where its anchor is
            return made
        _check_tag(node, first_line)
        if depth > MAX_NESTING:
            line = first_line + node.start_mark.line
            raise YamlProblem("yaml-syntax", line, "not valid YAML: nested too deeply")
        total = 1
        value: Any
        if isinstance(node, yaml.MappingNode):
            open_nodes.add(key)
            value = {}
            names: set[str] = set()
            for key_node, value_node in node.value:
                name_made = done.get(id(key_node))  # keys are counted and kept like values
                if name_made is None:
                    _check_tag(key_node, first_line)
                if not isinstance(key_node, yaml.ScalarNode):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        "found unhashable key", key_node.start_mark,
                    )
                if name_made is None:
                    name_made = done[id(key_node)] = (_scalar(key_node), 1)
                name = str(key_node.value)
                line = first_line + key_node.start_mark.line
                if name in names:
                    duplicates.append(((*path, name), line))
                else:
                    names.add(name)
                    lines[(*path, name)] = line
                item, count = build(value_node, (*path, name), depth + 1)
                value[name_made[0]] = item
                total += 1 + count
            open_nodes.discard(key)
        elif isinstance(node, yaml.SequenceNode):
            open_nodes.add(key)
            value = []
            for index, item_node in enumerate(node.value):
                lines.setdefault((*path, index), first_line + item_node.start_mark.line)
                item, count = build(item_node, (*path, index), depth + 1)
                value.append(item)
                total += count
            open_nodes.discard(key)
        else:
            value = _scalar(node)
        if total > MAX_VALUES and total > len(done) + 1:  # more than the nodes written
            raise YamlProblem(
                "yaml-syntax",
                first_line + node.start_mark.line,
                f"not valid YAML: the aliases (*name) here repeat values more than "
                f"{MAX_VALUES:,} times; write the values out instead of repeating them with & "
                "and *",
            )
        done[key] = (value, total)
        return value, total

    return build(node, (), 0)[0]


def _scalar(node: yaml.Node) -> Any:
    """A scalar's value by its (checked) tag: the core schema's bool, int and null, or text."""
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _INT:
        return int(node.value)
    if tag == _BOOL:
        return node.value.lower() == "true"
    return None


_STR, _INT, _BOOL = f"{_TAG}str", f"{_TAG}int", f"{_TAG}bool"


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

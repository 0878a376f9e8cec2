"""YAML loading: YAML 1.2 core scalars, key lines, duplicates, and hostile documents."""

from __future__ import annotations

import pickle

import pytest

from lo_static.yamlfile import YamlProblem, load_yaml


def test_core_schema_scalars() -> None:
    data = load_yaml(
        "a: No\nb: yes\nc: true\nd: 01632960123\ne: 12\nf: 2026-02-30\ng: ~\nh: 1.5\n"
    ).data
    assert data == {
        "a": "No", "b": "yes", "c": True, "d": "01632960123", "e": 12, "f": "2026-02-30",
        "g": None, "h": "1.5",
    }


def test_key_lines_are_file_lines() -> None:
    document = load_yaml("title: x\ncontact:\n  phone: 1\nlist:\n  - a\n  - b\n", first_line=2)
    assert document.key_lines[("title",)] == 2
    assert document.key_lines[("contact", "phone")] == 4
    assert document.key_lines[("list", 1)] == 7
    assert document.line_of(("contact", "email"), 99) == 3  # nearest written parent


def test_documents_with_the_same_keys_share_them_even_after_pickling() -> None:
    # A build keeps every page's key lines: shared keys hold them in some 150 bytes a page
    # where a dict of tuples took 4 KB.
    first = load_yaml("title: x\ncontact:\n  phone: 1\n")
    second = load_yaml("title: y\n\ncontact:\n  phone: 2\n", first_line=10)
    assert dict(second.key_lines) == {("title",): 10, ("contact",): 12, ("contact", "phone"): 13}
    keys = [next(iter(document.key_lines)) for document in (first, second)]
    assert keys[0] is keys[1]
    copy = pickle.loads(pickle.dumps(second))  # as a worker's result or the build cache's
    assert copy == second and copy.key_lines[("contact", "phone")] == 13
    assert next(iter(copy.key_lines)) is keys[0]
    assert ("contact", "email") not in copy.key_lines
    assert copy.line_of(("contact", "email"), 99) == 12


def test_duplicate_keys_are_found_at_any_depth() -> None:
    document = load_yaml("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert sorted(document.duplicate_keys) == [(("a",), 5), (("b", "c"), 4)]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &x [*x]\n", 1, "refers to itself"),
        ("a: !!python/object/apply:os.system [echo]\n", 1, "remove the '!' tag"),
        ("a:\n\tb: 1\n", 2, "not tabs"),
        ("a: b: c\n", 1, "quotes"),
        ("a: *nothing\n", 1, "alias"),
        ("[" * 50 + "]" * 50 + "\n", 1, "nested too deeply"),
    ],
)
def test_hostile_or_broken_yaml_is_a_clear_problem(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlProblem) as raised:
        load_yaml(text)
    assert raised.value.line == line
    assert message in raised.value.message


def test_alias_bomb_does_not_explode() -> None:
    """Billion-laughs: nine levels of ten aliases each. Counted once per node, not 10^9 times,
    and refused at the line where the values written out would pass 100,000 (a5), because
    every later stage (the validator, the templates) would walk them all."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    with pytest.raises(YamlProblem) as raised:
        load_yaml("\n".join(lines) + "\n")
    assert raised.value.line == 6
    assert "more than 100,000" in raised.value.message


def test_a_few_aliases_are_fine() -> None:
    document = load_yaml("contact: &c {phone: 01632 960100}\nother: *c\nlist: [*c, *c]\n")
    assert document.data["other"] == {"phone": "01632 960100"}
    assert len(document.data["list"]) == 2

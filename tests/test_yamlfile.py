"""YAML loading: YAML 1.2 core scalars, key lines, duplicates, and hostile documents."""

from __future__ import annotations

import pickle

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _safe_constructor_data(text: str) -> object:
    """What PyYAML's SafeConstructor builds from the loader's nodes (load_yaml builds the data
    itself, in the pass that checks the nodes)."""
    from lo_static.yamlfile import _CoreLoader

    loader = _CoreLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**17), 10**17),
    st.sampled_from(["No", "yes", "007", "+5", "-0", "1.5", "2026-02-30", "~", "null", "<<", "",
                     "a: b", "- x", "#", "'", '"', "é", "True", "NULL"]),
    st.text(max_size=8),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.one_of(st.text(max_size=5), st.integers(0, 9), st.booleans()), inner,
                      max_size=4),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(_VALUES, st.booleans())
def test_the_data_is_what_pyyamls_safe_constructor_builds(value: object, flow: bool) -> None:
    """Any document of the core schema's values, with aliases (a value written twice is
    dumped as an anchor and aliases) in block or flow style: the same data as PyYAML's."""
    text = yaml.safe_dump({"v": value, "again": value}, default_flow_style=flow,
                          allow_unicode=True)
    assert load_yaml(text).data == _safe_constructor_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "x: &a {k: 1}\ny: *a\nz: [*a, *a]\n",  # an alias is its anchor's very value
        "a: 1\na: 2\n",  # the last of duplicate keys wins
        "&k key: 1\n*k : 2\n",  # a key written as an alias
        "1: a\n'1': b\ntrue: c\n~: d\n<<: {e: 1}\n",  # keys of every kind; no merge keys
        "a: &s x\nb: {*s : 1}\n",
        # Tags, and the cases of the core schema's words.
        "a: True\nb: FALSE\nc: !!bool TRUE\nd: !!int -0\ne: !!null ~\nf: !!str 1\n",
    ],
)
def test_aliases_duplicates_and_keys_are_built_as_pyyaml_builds_them(text: str) -> None:
    document = load_yaml(text)
    assert document.data == _safe_constructor_data(text)
    if "z:" in text:
        assert document.data["y"] is document.data["x"] is document.data["z"][1]


def test_a_key_that_is_an_alias_of_a_list_is_a_clear_problem() -> None:
    with pytest.raises(YamlProblem, match="found unhashable key"):
        load_yaml("a: &x [1]\n*x : 2\n")

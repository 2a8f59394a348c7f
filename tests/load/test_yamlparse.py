"""load/yamlparse.py: the strict parse of an environment file. Every key keeps its line, and what
PyYAML would accept silently or without bound (duplicate keys, anchors and aliases, merge keys,
deep nesting, huge numbers, non-string keys) is one problem with a line instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.errors import LoadError
from generator.load import environment, yamlparse
from tests.support.project import env_file

SHOWN = "environments/dev.yaml"


def _problems(text: str) -> list[str]:
    return [str(p) for p in yamlparse.parse(text, SHOWN)[2]]


def test_every_key_keeps_its_line() -> None:
    data, marks, problems, refused = yamlparse.parse("a: 1\nb:\n  c: [x, {d: 2}]\n", SHOWN)
    assert data == {"a": 1, "b": {"c": ["x", {"d": 2}]}} and (problems, refused) == ([], set())
    assert {path: (o.file, o.line) for path, o in marks.items()} == {
        ("a",): (SHOWN, 1), ("b",): (SHOWN, 2), ("b", "c"): (SHOWN, 3), ("b", "c", "1", "d"): (SHOWN, 3)}


@pytest.mark.parametrize(("text", "expected"), [
    ("a: 1\nb: 2\na: 3\n", f"{SHOWN}:3: a: duplicate key (first set on line 1); remove one"),
    ("a: 1\n<<: {b: 2}\n", f"{SHOWN}:2: YAML merge keys (<<) are not supported here; write the keys out"),
    ("1: a\n", f"{SHOWN}:1: keys must be plain strings, got '1'"),
    ("a: " + "9" * 21 + "\n", f"{SHOWN}:1: a: invalid value: a number of 21 digits; expected at most 20"),
    ("- a\n", f"{SHOWN}:1: expected a mapping of setting: value at the top level"),
    ("a: [1, 2\nb: 3\n", f"{SHOWN}:2: invalid YAML: expected ',' or ']', but got ':' "
                           "(while parsing a flow sequence started on line 1)"),
])
def test_what_pyyaml_would_accept_silently_is_one_problem_with_its_line(text: str, expected: str) -> None:
    assert _problems(text) == [expected]


def test_an_empty_file_sets_nothing() -> None:
    assert yamlparse.parse("# nothing here\n", SHOWN) == ({}, {}, [], set())


def test_too_many_values_is_refused_before_they_are_read() -> None:
    text = "a: [" + ", ".join(["1"] * (yamlparse.MAX_NODES + 1)) + "]\n"
    (problem,) = _problems(text)
    assert f"more than {yamlparse.MAX_NODES} values in one file" in problem


def test_pathologically_deep_yaml_is_an_error_not_a_crash(bare_project: Path) -> None:
    env_file(bare_project, "dev").write_text("env: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(LoadError) as caught:
        environment.load(bare_project, "dev")
    assert [str(p) for p in caught.value.problems] == [
        "environments/dev.yaml:1: invalid YAML: nested more than 20 levels deep"]


def test_alias_bomb_is_refused_without_expanding(bare_project: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    env_file(bare_project, "dev").write_text("\n".join(lines) + "\n")
    with pytest.raises(LoadError) as caught:
        environment.load(bare_project, "dev")
    # One line for the file (its first anchor, and how many more), none per alias; nothing expanded.
    assert [str(p) for p in caught.value.problems] == [
        "environments/dev.yaml:1: YAML anchor &a0 (and 8 more anchors) is not supported here (an alias uses it "
        "on line 2); remove it and write values out"]

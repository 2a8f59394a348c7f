"""load/yamlreader.py: the strict reader of environment files (lines kept; duplicate keys, anchors,
size and deep nesting refused)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.errors import LoadError
from generator.load import environment
from tests.support.cli import tree
from tests.support.project import env_file


def test_oversized_file(bare_project: Path, cli) -> None:
    env_file = bare_project / "environments" / "dev.yaml"
    env_file.write_text(env_file.read_text() + "# padding\n" * 120_000)
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert (ran.code, ran.err) == (2, "error: environments/dev.yaml: file is larger than 1048576 bytes\n")
    assert tree(bare_project) == before


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

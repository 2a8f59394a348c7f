"""Loading environment files: merge over _common.yaml, lines kept, hostile YAML refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.errors import LoadError, UsageError
from generator.load import discovery, environment


def write(root: Path, name: str, text: str) -> None:
    (root / "environments" / f"{name}.yaml").write_text(text)


def test_environment_overrides_common_and_keeps_lines(bare_project: Path) -> None:
    env = environment.load(bare_project, "prod")
    assert env.settings["prefix"] == "twofa"  # from _common.yaml
    assert env.settings["image_tag"] == "redis-8.4.0"  # prod.yaml overrides _common.yaml
    assert env.locate(("image_tag",)).file == "environments/prod.yaml"
    assert env.locate(("prefix",)).file == "environments/_common.yaml"
    assert env.locate(("resources", "limits", "cpu")) == environment.Origin("environments/prod.yaml", 16)


def test_nested_mappings_merge_and_lists_replace(bare_project: Path) -> None:
    write(bare_project, "_common", (bare_project / "environments" / "_common.yaml").read_text()
          + "resources:\n  requests:\n    cpu: 10m\n    memory: 10Mi\n")
    write(bare_project, "dev", "env: dev\nresources:\n  requests:\n    cpu: 20m\n")
    env = environment.load(bare_project, "dev")
    assert env.settings["resources"] == {"requests": {"cpu": "20m", "memory": "10Mi"}}
    assert env.locate(("resources", "requests", "cpu")).file == "environments/dev.yaml"
    assert env.locate(("resources", "requests", "memory")).file == "environments/_common.yaml"


def test_known_environments_skip_the_shared_file_and_odd_names(bare_project: Path) -> None:
    write(bare_project, "Bad_Name", "env: x\n")
    (bare_project / "environments" / "notes.txt").write_text("not an environment")
    assert discovery.known_environments(bare_project) == ["dev", "prod", "staging"]


@pytest.mark.parametrize(
    "name", ["../dev", "dev/../prod", "/etc/passwd", "DEV", "dev.yaml", "-dev", "a" * 64, "_common", ""])
def test_non_plain_names_are_refused_before_any_file_is_read(bare_project: Path, name: str) -> None:
    with pytest.raises(UsageError, match="is not an environment name"):
        environment.load(bare_project, name)


def test_pathologically_deep_yaml_is_an_error_not_a_crash(bare_project: Path) -> None:
    write(bare_project, "dev", "env: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(LoadError) as caught:
        environment.load(bare_project, "dev")
    assert [str(p) for p in caught.value.problems] == [
        "environments/dev.yaml:1: invalid YAML: nested more than 20 levels deep"]


def test_alias_bomb_is_refused_without_expanding(bare_project: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    write(bare_project, "dev", "\n".join(lines) + "\n")
    with pytest.raises(LoadError) as caught:
        environment.load(bare_project, "dev")
    # One line for the file (its first anchor, and how many more), none per alias; nothing expanded.
    assert [str(p) for p in caught.value.problems] == [
        "environments/dev.yaml:1: YAML anchor &a0 (and 8 more anchors) is not supported here (an alias uses it "
        "on line 2); remove it and write values out"]


def test_unreadable_file(bare_project: Path) -> None:
    path = bare_project / "environments" / "dev.yaml"
    path.unlink()
    path.mkdir()
    with pytest.raises(LoadError, match=r"environments/dev\.yaml: not a regular file \(a directory\)"):
        environment.load(bare_project, "dev")

"""Loading environment files: merge over _common.yaml, lines kept, hostile YAML refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.errors import LoadError, UsageError
from generator.load import environment
from tests.support.project import env_file


def test_environment_overrides_common_and_keeps_lines(bare_project: Path) -> None:
    env = environment.load(bare_project, "prod")
    assert env.settings["prefix"] == "twofa"  # from _common.yaml
    assert env.settings["image_tag"] == "redis-8.4.0"  # prod.yaml overrides _common.yaml
    assert env.locate(("image_tag",)).file == "environments/prod.yaml"
    assert env.locate(("prefix",)).file == "environments/_common.yaml"
    assert env.locate(("resources", "limits", "cpu")) == environment.Origin("environments/prod.yaml", 16)


def test_nested_mappings_merge_and_lists_replace(bare_project: Path) -> None:
    env_file(bare_project, "_common").write_text((bare_project / "environments" / "_common.yaml").read_text()
          + "resources:\n  requests:\n    cpu: 10m\n    memory: 10Mi\n")
    env_file(bare_project, "dev").write_text("env: dev\nresources:\n  requests:\n    cpu: 20m\n")
    env = environment.load(bare_project, "dev")
    assert env.settings["resources"] == {"requests": {"cpu": "20m", "memory": "10Mi"}}
    assert env.locate(("resources", "requests", "cpu")).file == "environments/dev.yaml"
    assert env.locate(("resources", "requests", "memory")).file == "environments/_common.yaml"


@pytest.mark.parametrize(
    "name", ["../dev", "dev/../prod", "/etc/passwd", "DEV", "dev.yaml", "-dev", "a" * 64, "_common", ""])
def test_non_plain_names_are_refused_before_any_file_is_read(bare_project: Path, name: str) -> None:
    with pytest.raises(UsageError, match="is not an environment name"):
        environment.load(bare_project, name)


def test_unreadable_file(bare_project: Path) -> None:
    path = bare_project / "environments" / "dev.yaml"
    path.unlink()
    path.mkdir()
    with pytest.raises(LoadError, match=r"environments/dev\.yaml: not a regular file \(a directory\)"):
        environment.load(bare_project, "dev")

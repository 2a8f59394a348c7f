"""load/discovery.py: which environments a project has, and the settings-like files no environment reads."""

from __future__ import annotations

from pathlib import Path

from generator.load import discovery
from tests.support.cli import tree
from tests.support.project import env_file


def test_misnamed_environment_files_are_reported(bare_project: Path, cli) -> None:
    envs = bare_project / "environments"
    for name in ("Staging.yaml", "qa.yml", "_comon.yaml"):
        (envs / name).write_text("env: qa\n")
    (envs / "README.md").write_text("notes are fine here\n")
    before = tree(bare_project)
    ran = cli(bare_project, "check")
    assert ran.code == 2
    assert ran.err.splitlines() == [
        "error: environments/Staging.yaml: 'Staging' is not an environment name (lowercase letters, digits "
        "and '-'); rename the file",
        "error: environments/_comon.yaml: only _common.yaml is shared; rename it or merge it there",
        "error: environments/qa.yml: environment files end in .yaml; rename it",
    ]
    assert tree(bare_project) == before


def test_known_environments_skip_the_shared_file_and_odd_names(bare_project: Path) -> None:
    env_file(bare_project, "Bad_Name").write_text("env: x\n")
    (bare_project / "environments" / "notes.txt").write_text("not an environment")
    assert discovery.known_environments(bare_project) == ["dev", "prod", "staging"]


def test_no_environments_directory(tmp_path: Path, cli) -> None:
    ran = cli(tmp_path, "build", "dev")
    assert ran.code == 2
    assert ran.err == (f"error: environments/: no such directory under {tmp_path} "
                       "(run from the project root or pass --root)\n")

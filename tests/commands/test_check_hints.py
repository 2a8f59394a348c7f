"""`check`'s stale-file messages name the exact command that fixes them, and that command,
run as printed, makes `check` pass."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

HINT = re.compile(r"run `python -m generator ([^`]+)`")


def _fix_as_printed(cli, root: Path, err: str) -> list[str]:
    """Run every command the messages name (once each); return them."""
    commands = list(dict.fromkeys(HINT.findall(err)))
    for command in commands:
        assert cli(root, *shlex.split(command)).code == 0, command
    return commands


def test_a_stale_values_file_names_its_environments_build(bare_project: Path, cli) -> None:
    with open(bare_project / "environments" / "prod.yaml", "a", encoding="utf-8") as f:
        f.write("monitoring_namespace: observability\n")
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: chart/values-prod.yaml: stale; run `python -m generator build prod`:" in ran.err
    assert _fix_as_printed(cli, bare_project, ran.err) == ["build prod"]
    assert cli(bare_project, "check").code == 0


def test_a_stale_shared_file_names_build_all(bare_project: Path, cli) -> None:
    chart = bare_project / "chart" / "Chart.yaml"
    chart.write_text(chart.read_text().replace("version: 1.0.0", "version: 1.0.1"))
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: chart/Chart.yaml: stale; run `python -m generator build --all`:" in ran.err
    assert _fix_as_printed(cli, bare_project, ran.err) == ["build --all"]
    assert cli(bare_project, "check").code == 0


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_a_stale_or_missing_application_names_its_build(bare_project: Path, cli, env: str) -> None:
    app = bare_project / "argocd" / f"{env}.yaml"
    if env == "dev":
        app.unlink()
        want = f"error: argocd/{env}.yaml: missing; run `python -m generator build {env}`"
    else:
        app.write_text(app.read_text().replace("targetRevision: main", "targetRevision: old"))
        want = f"error: argocd/{env}.yaml: stale; run `python -m generator build {env}`:"
    ran = cli(bare_project, "check")
    assert ran.code == 1 and want in ran.err, ran.err
    assert _fix_as_printed(cli, bare_project, ran.err) == [f"build {env}"]
    assert cli(bare_project, "check").code == 0


def test_a_new_environment_not_built_yet(bare_project: Path, cli) -> None:
    """The operator's routine change: a new environment, committed before building it."""
    staging = (bare_project / "environments" / "staging.yaml").read_text()
    # Its own namespace: two environments deploying into one place are refused (check's destinations).
    (bare_project / "environments" / "qa.yaml").write_text(staging.replace("env: staging", "env: qa\nnamespace: qa"))
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "error: chart/values-qa.yaml: missing; run `python -m generator build qa`" in ran.err
    assert "error: argocd/qa.yaml: missing; run `python -m generator build qa`" in ran.err
    assert _fix_as_printed(cli, bare_project, ran.err) == ["build qa"]
    assert cli(bare_project, "check").code == 0

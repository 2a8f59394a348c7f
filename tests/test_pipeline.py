"""pipeline.py: the stages strung together; what reaches the user when one fails (never the password,
never a traceback), and in which order: a shared setting that disagrees is the error first, before
any output, though a single environment's build checks it while helm renders. Builds end to end:
tests/e2e/test_build.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.cli import tree
from tests.support.project import set_settings

PASSWORD = "correct-horse-battery"


def test_invalid_manifest_error_does_not_show_the_password(
    bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Our Secret template made invalid so that the schema error quotes the encoded password.
    secret = bare_project / "chart" / "templates" / "secret.yaml"
    broken = "type: Opaque\nimmutable: {{ .Values.secret.password | b64enc | quote }}"
    secret.write_text(secret.read_text().replace("type: Opaque", broken))
    dev = bare_project / "environments" / "dev.yaml"
    assert "secret_mode: render" in dev.read_text()  # the only mode that renders our Secret
    monkeypatch.setenv("REDIS_PASSWORD", "hunter2-hunter2")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 1
    assert "Secret/redis-secret: immutable: '********' is not of type 'boolean'" in ran.err
    assert "hunter2" not in ran.err and "aHVudGVyMi1odW50ZXIy" not in ran.err


def test_missing_templates_are_explained_not_a_traceback(bare_project: Path, cli) -> None:
    shutil.rmtree(bare_project / "chart" / "templates")
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "error: chart/templates/: missing; our Helm templates are committed" in ran.err
    assert "Traceback" not in ran.err
    assert tree(bare_project) == before


def test_helm_failure_does_not_echo_the_password(
    bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "helm"
    fake.write_text('#!/bin/sh\necho "Error: values: $*" >&2\ncat "$(echo "$@" | tr " " "\\n" | tail -1)" >&2\n'
                    "exit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("HELM", str(fake))
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    set_settings(bare_project, "dev", secret_mode="render")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 1
    assert "helm failed (exit 1)" in ran.err
    assert PASSWORD not in ran.err and "********" in ran.err


def _conflict(root: Path) -> None:
    """staging pins another chart version than the one every environment shares."""
    set_settings(root, "staging", chart_version="23.0.0")


@pytest.mark.parametrize("also", ["nothing else", "a short password", "no templates", "no subchart, required"])
def test_a_shared_setting_that_disagrees_is_reported_first_with_nothing_printed(
        bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, also: str) -> None:
    """One environment's build reads the others while helm renders (pipeline.build): whatever
    else is wrong, the disagreement is still the error, before any line on stdout."""
    _conflict(bare_project)
    # dev's secret_mode render reads the password; one under 8 characters is an error of its own.
    monkeypatch.setenv("REDIS_PASSWORD", "short" if also == "a short password" else PASSWORD)
    if also == "no templates":
        shutil.rmtree(bare_project / "chart" / "templates")
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev", *(["--require-subchart"] if also == "no subchart, required" else []))
    assert (ran.code, ran.out) == (2, "")
    assert "environments/staging.yaml:" in ran.err and "chart_version: '23.0.0' disagrees with" in ran.err, ran.err
    assert ran.err.count("\n") == 1 and "Traceback" not in ran.err
    assert tree(bare_project) == before


def test_the_same_environments_without_the_disagreement_build_and_say_where_ecr_is(
        bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[0].startswith("dev: ECR 123456789012.dkr.ecr.us-east-1.amazonaws.com/")

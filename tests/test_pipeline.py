"""pipeline.py: the stages strung together; what reaches the user when one fails (never the password,
never a traceback). Builds end to end: tests/e2e/test_build.py."""

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

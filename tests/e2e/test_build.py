"""`build` end to end through the CLI, on a private copy of the project: what it writes, the same
bytes on every build, and a failure at any stage leaving chart/ and build/ as they were."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
import yaml

from tests.support.cli import tree
from tests.support.paths import CHECKOUT
from tests.support.project import commit_all, git


def test_build_dev_writes_chart_and_bundle(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 0, ran.err
    assert "subchart not present" in ran.out
    values = yaml.safe_load((bare_project / "chart" / "values-dev.yaml").read_text())
    assert values["redis"]["image"]["registry"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    bundle = bare_project / "build" / "dev" / "manifests.yaml"
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600
    kinds = [d["kind"] for d in yaml.safe_load_all(bundle.read_text()) if d]
    assert "NetworkPolicy" in kinds


def test_bad_input_writes_nothing(bare_project: Path, cli) -> None:
    before = tree(bare_project)
    (bare_project / "environments" / "dev.yaml").write_text("env: dev\nstorage_size: 1 GB\n")
    changed = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "error: environments/dev.yaml:2: storage_size: '1 GB' is not a Kubernetes quantity" in ran.err
    assert "Traceback" not in ran.err
    assert tree(bare_project) == changed != before


def outputs(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(root).items() if k.startswith(("chart/", "build/"))}


def assert_deterministic(root: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "a-fixed-password")
    for env in ("dev", "staging", "prod"):
        assert cli(root, "build", env).code == 0
    first = outputs(root)
    for env in ("prod", "dev", "staging"):  # another order: the result must not depend on it
        assert cli(root, "build", env).code == 0
    assert outputs(root) == first
    assert {"build/dev/manifests.yaml", "build/staging/manifests.yaml", "build/prod/manifests.yaml"} <= set(first)


def test_build_twice_is_byte_identical(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_deterministic(bare_project, cli, monkeypatch)


def test_build_twice_is_byte_identical_with_subchart(
    with_subchart: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_deterministic(with_subchart, cli, monkeypatch)


def test_committed_chart_is_what_build_produces(project: Path, cli, tmp_path: Path) -> None:
    """Build every environment in a git copy of the project: nothing to commit afterwards."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.copy(CHECKOUT / ".gitignore", project / ".gitignore")
    commit_all(project)
    for env in ("dev", "staging", "prod"):
        ran = cli(project, "build", env)
        assert ran.code == 0, ran.err
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert (project / "build" / "dev" / "manifests.yaml").exists()  # written, and ignored


def test_bad_settings_write_nothing(bare_project: Path, cli) -> None:
    (bare_project / "environments" / "dev.yaml").write_text("env: dev\nregion: nowhere\n")
    before = tree(bare_project)
    assert cli(bare_project, "build", "dev").code == 2
    assert tree(bare_project) == before


def test_helm_failure_writes_nothing(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert cli(bare_project, "build", "dev").code == 0  # so that build/ exists and must survive too
    fake = tmp_path / "helm"
    fake.write_text("#!/bin/sh\necho 'Error: something broke' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("HELM", str(fake))
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 1
    assert f"error: helm failed (exit 1): {fake} " in ran.err
    assert ": Error: something broke" in ran.err
    assert "Traceback" not in ran.err
    assert tree(bare_project) == before


def test_missing_helm_is_explained(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELM", "/nonexistent/helm")
    ran = cli(bare_project, "build", "dev")
    assert (ran.code, ran.err) == (1, "error: HELM='/nonexistent/helm' is not an executable\n")


def test_invalid_manifest_writes_nothing(bare_project: Path, cli) -> None:
    # A template of ours that renders an object the Kubernetes schema refuses.
    (bare_project / "chart" / "templates" / "broken.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata:\n  key: 1\nbogus: true\n")
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 1
    assert "error: dev: rendered objects are invalid:" in ran.err
    assert "ConfigMap/broken: (object): Additional properties are not allowed ('bogus' was unexpected)" in ran.err
    assert "ConfigMap/broken: data.key: 1 is not of type 'string'" in ran.err
    assert tree(bare_project) == before

"""Same input, same bytes; and a failure at any stage leaves chart/ and build/ as they were."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from generator import pipeline
from generator.core import atomic, passwords
from generator.core.errors import RenderError
from generator.render import write
from tests.conftest import ROOT, tree


@pytest.fixture(autouse=True)
def _no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in passwords.PASSWORD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


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
    shutil.copy(ROOT / ".gitignore", project / ".gitignore")

    def git(*args: str) -> str:
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull}
        done = subprocess.run(["git", "-C", str(project), *args], capture_output=True, text=True, env=env,
                              check=True, timeout=60)
        return done.stdout

    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "snapshot")
    for env in ("dev", "staging", "prod"):
        ran = cli(project, "build", env)
        assert ran.code == 0, ran.err
    assert git("status", "--porcelain", "--untracked-files=all") == ""
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


def test_failed_chart_rename_writes_nothing(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli(bare_project, "build", "dev").code == 0
    (bare_project / "environments" / "dev.yaml").write_text(
        (bare_project / "environments" / "dev.yaml").read_text().replace("1Gi", "2Gi"))
    before = tree(bare_project)

    def fail(staged: Path, directory: Path) -> None:
        raise RenderError(f"cannot write {directory}: Read-only file system")

    monkeypatch.setattr(atomic, "replace", fail)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "Read-only file system" in ran.err
    assert tree(bare_project) == before
    assert [p.name for p in bare_project.iterdir() if p.name.startswith(".")] == [], "staging left behind"


@pytest.mark.parametrize("error", [
    OSError(28, "No space left on device"),
    RenderError("cannot write build/dev"),  # what atomic.replace raises, from its OSError
])
def test_failed_bundle_rename_restores_chart(
    bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    assert cli(bare_project, "build", "dev").code == 0
    (bare_project / "environments" / "dev.yaml").write_text(
        (bare_project / "environments" / "dev.yaml").read_text().replace("1Gi", "2Gi"))
    before = tree(bare_project)
    if isinstance(error, RenderError):
        error.__cause__ = OSError(28, "No space left on device")

    def fail(bundle: Path, target: Path) -> None:
        raise error

    monkeypatch.setattr(write, "_install_bundle", fail)
    ran = cli(bare_project, "build", "dev")
    assert (ran.code, ran.err) == (2, "error: cannot write build/dev/: No space left on device; "
                                      "nothing was written (chart/, argocd/ and build/ are as they were)\n")
    assert tree(bare_project) == before
    assert [p.name for p in bare_project.iterdir() if p.name.startswith(".")] == []


def test_replace_without_renameat2_can_be_undone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    live, staged = tmp_path / "chart", tmp_path / "stage"
    live.mkdir()
    staged.mkdir()
    (live / "f").write_text("old")
    (staged / "f").write_text("new")
    atomic.replace(staged, live)
    assert ((live / "f").read_text(), (staged / "f").read_text()) == ("new", "old")
    atomic.replace(staged, live)
    assert ((live / "f").read_text(), (staged / "f").read_text()) == ("old", "new")


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


def test_concurrent_builds_lose_no_update(bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two builds at once (two terminals, two CI jobs) must both land in chart/.

    Each build copies chart/, adds its values file and swaps the copy in. The two are held
    right after taking their copy until both got there (or 3 s passed): without the lock both
    copies predate either swap, and the second swap drops the first build's file.
    """
    envs = bare_project / "environments"
    for env in ("dev", "prod"):
        text = (envs / f"{env}.yaml").read_text()
        (envs / f"{env}.yaml").write_text(re.sub(r"(?m)^storage_size: .*$", "storage_size: 5Gi", text))
    meet = threading.Barrier(2, timeout=3)
    original = atomic.staged_copy

    @contextlib.contextmanager
    def held(directory: Path) -> Iterator[Path]:
        with original(directory) as staged:
            with contextlib.suppress(threading.BrokenBarrierError):
                meet.wait()
            yield staged

    monkeypatch.setattr(atomic, "staged_copy", held)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(pipeline.build, bare_project, env, False, lambda _: None) for env in ("dev", "prod")]:
            done.result()
    for env in ("dev", "prod"):
        assert "size: 5Gi" in (bare_project / "chart" / f"values-{env}.yaml").read_text(), env


def test_missing_templates_are_explained_not_a_traceback(bare_project: Path, cli) -> None:
    shutil.rmtree(bare_project / "chart" / "templates")
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert "error: chart/templates/: missing; our Helm templates are committed" in ran.err
    assert "Traceback" not in ran.err
    assert tree(bare_project) == before

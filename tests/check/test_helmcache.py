"""check/helmcache.py: a cached `helm lint` is keyed on every input -- each changed in turn
misses -- and a hit gives exactly what helm gives; what reads the password is never keyed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.check import helm, helmcache
from generator.core import cache
from generator.core.errors import ToolError
from generator.render.chart import strip_dependencies
from tests.support.paths import pinned_tool

HELM = str(pinned_tool("helm"))
HELM3 = str(pinned_tool("helm3"))


def _stage(project: Path, into: Path) -> Path:
    """The chart as pipeline stages it: a private copy, dependency stripped without the archive."""
    stage = into / "chart"
    shutil.copytree(project / "chart", stage, symlinks=True)
    if not list((stage / "charts").glob("redis-*.tgz")):
        strip_dependencies(stage)
    return stage


def _spec(stage: Path, **changes: object) -> helm.Render:
    fields: dict[str, object] = {"release": "redis", "namespace": "redis", "kube_version": "1.33",
                                 "values": (stage / "values-dev.yaml",), "api_versions": ()}
    fields.update(changes)
    return helm.Render(**fields)  # type: ignore[arg-type]


def _digest(stage: Path, args: list[str] | None = None, binary: str = HELM) -> str:
    key = helmcache.key("helm", args or helm.lint_args(stage, _spec(stage)), stage, binary)
    assert key is not None
    return key.hexdigest()


def test_every_input_of_a_lint_is_in_its_key(bare_project: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    stage = _stage(bare_project, tmp_path)
    seen: dict[str, str] = {"baseline": _digest(stage)}

    def differs(what: str, digest: str | None = None) -> None:
        digest = digest or _digest(stage)
        assert digest not in seen.values(), f"{what}: same key as {[k for k, v in seen.items() if v == digest]}"
        seen[what] = digest

    def edit(rel: str, change: Callable[[bytes], bytes]) -> None:
        path = stage / rel
        path.write_bytes(change(path.read_bytes()))

    edit("templates/networkpolicy.yaml", lambda b: b + b"\n{{/* a comment */}}\n")
    differs("a template's bytes")
    edit("values-dev.yaml", lambda b: b.replace(b"64Mi", b"65Mi"))
    differs("the environment's values file")
    edit("values.yaml", lambda b: b + b"\n# shared\n")
    differs("the shared values.yaml")
    edit("Chart.yaml", lambda b: b.replace(b"version: 1.0.0", b"version: 1.0.1"))
    differs("Chart.yaml")
    (stage / "charts").mkdir(exist_ok=True)
    (stage / "charts" / "redis-23.1.1.tgz").write_bytes(b"an archive")
    differs("a subchart archive added")
    (stage / "charts" / "redis-23.1.1.tgz").write_bytes(b"another archive")
    differs("the archive's bytes")
    (stage / ".helmignore").write_text("*.bak\n")
    differs("a new file in the chart")
    (stage / ".helmignore").rename(stage / ".helmignore2")
    differs("a file renamed")
    for what, spec in {
        "--kube-version": _spec(stage, kube_version="1.32"),
        "--namespace": _spec(stage, namespace="other"),
        "another values file": _spec(stage, values=(stage / "values-dev.yaml", stage / "values.yaml")),
    }.items():
        differs(what, _digest(stage, helm.lint_args(stage, spec)))
    template = _spec(stage)
    differs("helm template instead of lint", _digest(stage, helm.template_args(stage, template)))
    differs("--api-versions", _digest(stage, helm.template_args(
        stage, _spec(stage, api_versions=("monitoring.coreos.com/v1",)))))
    differs("without --strict", _digest(stage, [a for a in helm.lint_args(stage, _spec(stage)) if a != "--strict"]))
    differs("another helm binary (Helm 3)", _digest(stage, binary=HELM3))
    other = tmp_path / "bin" / "helm"
    other.parent.mkdir()
    shutil.copy2(HELM, other)
    differs("the same helm bytes, reinstalled elsewhere", _digest(stage, binary=str(other)))
    os.utime(other, ns=(1, 1))
    differs("helm reinstalled (modification time)", _digest(stage, binary=str(other)))
    monkeypatch.setenv("HELM_DEBUG", "true")
    differs("a HELM_* variable")
    monkeypatch.delenv("HELM_DEBUG")
    code = tmp_path / "package"
    shutil.copytree(cache.PACKAGE / "check", code / "check")
    monkeypatch.setattr(cache, "PACKAGE", code)
    assert _digest(stage) == seen["a file renamed"], "the key reads the code's bytes, not its location"
    (code / "check" / "helm.py").write_text((code / "check" / "helm.py").read_text() + "\n# changed\n")
    differs("the generator's code calling helm")
    monkeypatch.setattr(cache, "__version__", "9.9.9")
    differs("the generator's version")


def test_the_same_chart_in_another_temporary_folder_has_the_same_key(bare_project: Path, tmp_path: Path) -> None:
    one = _stage(bare_project, tmp_path / "one")
    two = _stage(bare_project, tmp_path / "two")
    assert _digest(one) == _digest(two)


def test_reading_the_password_file_or_stdin_gets_no_key(bare_project: Path, tmp_path: Path) -> None:
    stage = _stage(bare_project, tmp_path)
    secret = tmp_path / "secret-values.yaml"  # outside the chart, as pipeline writes it
    secret.write_text("secret: {password: not-a-real-one}\n")
    with_file = helm.lint_args(stage, _spec(stage, values=(stage / "values-dev.yaml", secret)))
    assert helmcache.key("helm", with_file, stage, HELM) is None
    assert helmcache.key("helm", [*helm.lint_args(stage, _spec(stage)), "--values", "-"], stage, HELM) is None


def test_a_hit_gives_what_a_fresh_lint_gives_without_running_helm(bare_project: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    stage = _stage(bare_project, tmp_path)
    args = helm.lint_args(stage, _spec(stage))
    args = [a for a in args if a != "--quiet"]  # so that lint prints something to compare
    first = helmcache.run(args, stage, bare_project)
    fresh = helm.run(args, HELM)
    assert first == fresh and "1 chart(s) linted, 0 chart(s) failed" in fresh
    entries = list((cache.directory() / "helm").iterdir())
    assert len(entries) == 1

    def no_helm(*_: object, **__: object) -> str:
        raise AssertionError("helm ran on a hit")

    monkeypatch.setattr(helm, "run", no_helm)
    assert helmcache.run(args, stage, bare_project) == fresh


def test_a_failing_lint_is_never_cached(bare_project: Path, tmp_path: Path) -> None:
    stage = _stage(bare_project, tmp_path)
    # A finding of --strict: a name Kubernetes refuses, which neither render nor schema catch.
    broken = stage / "templates" / "broken.yaml"
    broken.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Broken_Name\n")
    args = helm.lint_args(stage, _spec(stage))
    for _ in range(2):  # the second failure comes from helm again, message and all
        with pytest.raises(ToolError, match="Broken_Name"):
            helmcache.run(args, stage, bare_project)
    assert not (cache.directory() / "helm").exists()
    broken.unlink()
    helmcache.run(args, stage, bare_project)
    assert len(list((cache.directory() / "helm").iterdir())) == 1


def test_a_tree_digest_handed_in_is_the_one_the_key_would_hash(bare_project: Path, tmp_path: Path) -> None:
    """Callers that key several runs on one staged tree hash it once (check/renders.py)."""
    stage = _stage(bare_project, tmp_path)
    args = helm.lint_args(stage, _spec(stage))
    own, given = helmcache.key("helm", args, stage, HELM), helmcache.key("helm", args, stage, HELM,
                                                                          helmcache.tree(stage))
    assert own is not None and given is not None and own.hexdigest() == given.hexdigest()
    other = helmcache.key("helm", args, stage, HELM, helmcache.tree(bare_project / "chart"))
    assert other is not None and other.hexdigest() != own.hexdigest()

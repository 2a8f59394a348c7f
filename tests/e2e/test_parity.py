"""Render parity with Argo CD: the helm call it makes, the same bytes on every render, and the
same bytes under both Helm lines it ships (Helm 3 up to Argo CD 3.4, Helm 4 from 3.5)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from generator import pipeline
from generator.check import helm, renders
from generator.core.paths import CHART_DIR
from generator.render.chart import strip_dependencies
from tests.support import fixture_project
from tests.support.fixture_project import SKIP_NO_SUBCHART
from tests.support.paths import helm_line, pinned_tool

PASSWORD = "correct-horse-battery"
ENVS = ("dev", "staging", "prod")  # the tests' own project (tests/fixtures/)


@pytest.fixture
def staged(request: pytest.FixtureRequest) -> Iterator[tuple[Path, bool]]:
    """chart/ as Argo CD sees it (the values files build wrote in the tests' project) beside its
    argocd/, with the subchart when asked for."""
    want_subchart = request.param
    source = fixture_project.template(want_subchart)
    if source is None:
        pytest.skip(SKIP_NO_SUBCHART)
    with tempfile.TemporaryDirectory() as tmp:
        chart = Path(tmp) / "chart"
        shutil.copytree(source / "chart", chart)
        shutil.copytree(source / "argocd", Path(tmp) / "argocd")
        if not want_subchart:
            strip_dependencies(chart)
        yield chart, want_subchart


def argo_render(chart: Path, env: str, line: str) -> str:
    """`helm template` exactly as argocd/<env>.yaml beside chart/ makes Argo CD call it."""
    app = yaml.safe_load((chart.parent / "argocd" / f"{env}.yaml").read_text())
    h = app["spec"]["source"]["helm"]
    spec = helm.Render(h["releaseName"], app["spec"]["destination"]["namespace"], h["kubeVersion"],
                       tuple(chart / v for v in h["valueFiles"]), tuple(h.get("apiVersions", ())))
    return helm.run(helm.template_args(chart, spec), helm_line(line))


@pytest.mark.parametrize("staged", [False, pytest.param(True, marks=pytest.mark.subchart)], indirect=True,
                         ids=["our-templates", "with-subchart"])
@pytest.mark.parametrize("env", ENVS)
def test_helm3_and_helm4_render_the_same_bytes(staged: tuple[Path, bool], env: str) -> None:
    chart, with_subchart = staged
    three = argo_render(chart, env, "helm3")
    four = argo_render(chart, env, "helm4")
    assert three == four
    kinds = {d["kind"] for d in yaml.safe_load_all(four) if d}
    assert "NetworkPolicy" in kinds
    assert ("StatefulSet" in kinds) == with_subchart


@pytest.mark.parametrize("staged", [False, pytest.param(True, marks=pytest.mark.subchart)], indirect=True,
                         ids=["our-templates", "with-subchart"])
@pytest.mark.parametrize("line", ["helm3", "helm4"])
def test_two_renders_are_byte_identical(staged: tuple[Path, bool], line: str) -> None:
    chart, _ = staged
    for env in ENVS:
        assert argo_render(chart, env, line) == argo_render(chart, env, line)


def test_the_build_renders_what_argo_cd_renders(bare_project: Path) -> None:
    """The values and Application build wrote give the very bytes the build checked."""
    prepared = pipeline.prepare(bare_project, "staging")
    (result,) = renders.render_checked(bare_project, [prepared.settings], [prepared.env.file])
    with tempfile.TemporaryDirectory() as tmp:
        chart = Path(tmp) / "chart"
        shutil.copytree(bare_project / CHART_DIR, chart)
        shutil.copytree(bare_project / "argocd", Path(tmp) / "argocd")
        strip_dependencies(chart)
        argo = argo_render(chart, "staging", "helm4")
    assert argo == result.rendered


@pytest.mark.skipif(not pinned_tool("helm3").exists(), reason="helm 3 is not installed (scripts/setup)")
@pytest.mark.parametrize("env", ["dev", "prod"])
def test_helm3_renders_what_helm4_renders(
    with_subchart: Path, cli, monkeypatch: pytest.MonkeyPatch, env: str
) -> None:
    """Argo CD's repo-server runs helm 3; build runs the pinned helm 4. Same bytes either way."""
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    bundle = with_subchart / "build" / env / "manifests.yaml"
    rendered = {}
    for line in ("helm", "helm3"):
        monkeypatch.setenv("HELM", str(pinned_tool(line)))
        assert cli(with_subchart, "build", env).code == 0
        rendered[line] = bundle.read_bytes()
    assert rendered["helm"] == rendered["helm3"]

"""Render parity with Argo CD: the helm call it makes, the same bytes on every render, and the
same bytes under both Helm lines it ships (Helm 3 up to Argo CD 3.4, Helm 4 from 3.5)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from generator import pipeline
from generator.check import guard, helm
from generator.core import paths
from generator.core.paths import CHART_DIR
from generator.render.chart import strip_dependencies
from tests import fixture_project
from tests.conftest import ROOT, SKIP_NO_SUBCHART

ENVS = ("dev", "staging", "prod")  # the tests' own project (tests/fixtures/)


def binary(line: str) -> str:
    path = ROOT / paths.TOOLS_BIN / helm.PINNED_LINES[line]
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} missing: scripts/setup installs both pinned Helm lines (tools.lock)")
    return str(path)


def test_both_pinned_lines_are_the_ones_argo_cd_ships() -> None:
    assert helm.run(["version", "--short"], binary("helm3")).startswith("v3.17.")
    assert helm.run(["version", "--short"], binary("helm4")).startswith("v4.")


def test_template_args_are_argo_cds() -> None:
    spec = helm.Render("redis", "redis", "1.33", (Path("v.yaml"),), ("apps/v1", "external-secrets.io/v1"))
    assert helm.template_args(Path("chart"), spec) == [
        "template", "redis", "chart", "--namespace", "redis", "--kube-version", "1.33", "--include-crds",
        "--api-versions", "apps/v1", "--api-versions", "external-secrets.io/v1", "--values", "v.yaml",
    ]


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
    return helm.run(helm.template_args(chart, spec), binary(line))


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
    (result,) = pipeline.render_checked(bare_project, [prepared.settings], [prepared.env.file])
    with tempfile.TemporaryDirectory() as tmp:
        chart = Path(tmp) / "chart"
        shutil.copytree(bare_project / CHART_DIR, chart)
        shutil.copytree(bare_project / "argocd", Path(tmp) / "argocd")
        strip_dependencies(chart)
        argo = argo_render(chart, "staging", "helm4")
    assert argo == result.rendered


def test_guard_finds_functions_that_differ_between_renders(bare_project: Path) -> None:
    assert guard.unstable_functions(bare_project) == []
    template = bare_project / "chart" / "templates" / "secret.yaml"
    template.write_text(template.read_text() + '\n{{/* now is fine in a comment */}}\nx: {{ randAlphaNum 10 }}\n'
                        'y: {{ (lookup "v1" "Secret" "redis" "redis-secret").data }}\n')
    found = guard.unstable_functions(bare_project)
    assert len(found) == 2
    assert found[0].startswith("error: chart/templates/secret.yaml:") and "randAlphaNum: differs" in found[0]
    assert "lookup: differs" in found[1]

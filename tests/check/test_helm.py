"""check/helm.py: helm run as Argo CD runs it (the pinned Helm lines, the same arguments)."""

from __future__ import annotations

from pathlib import Path

from generator.check import helm
from tests.support.paths import helm_line


def test_both_pinned_lines_are_the_ones_argo_cd_ships() -> None:
    assert helm.run(["version", "--short"], helm_line("helm3")).startswith("v3.17.")
    assert helm.run(["version", "--short"], helm_line("helm4")).startswith("v4.")


def test_template_args_are_argo_cds() -> None:
    spec = helm.Render("redis", "redis", "1.33", (Path("v.yaml"),), ("apps/v1", "external-secrets.io/v1"))
    assert helm.template_args(Path("chart"), spec) == [
        "template", "redis", "chart", "--namespace", "redis", "--kube-version", "1.33", "--include-crds",
        "--api-versions", "apps/v1", "--api-versions", "external-secrets.io/v1", "--values", "v.yaml",
    ]

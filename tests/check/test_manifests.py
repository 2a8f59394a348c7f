"""check/manifests.py: rendered objects parsed and validated against the strict Kubernetes JSON schemas
and schemas/crds/."""

from __future__ import annotations

from pathlib import Path

from generator.check import manifests
from tests.support.project import application


def test_validation_counts_custom_resources_and_skips_unknown_kinds(fixture_root: Path) -> None:
    app = application(fixture_root, "dev")
    unknown = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "x"}}
    summary = manifests.validate([app, unknown], "1.33")
    assert (summary.validated, summary.custom, summary.skipped) == (1, 1, ("ServiceMonitor",))
    assert "1 of them custom resources against schemas/crds/, 1 skipped (ServiceMonitor)" in summary.line("dev")

"""check/manifests.py: rendered objects parsed and validated against the strict Kubernetes JSON schemas
and schemas/crds/."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.check import manifests
from generator.core.errors import CheckError
from tests.support.project import application


def test_validation_counts_custom_resources_and_skips_unknown_kinds(fixture_root: Path) -> None:
    app = application(fixture_root, "dev")
    unknown = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "x"}}
    summary = manifests.validate([app, unknown], "1.33")
    assert (summary.validated, summary.custom, summary.skipped) == (1, 1, ("ServiceMonitor",))
    assert "1 of them a custom resource against schemas/crds/, 1 skipped (ServiceMonitor)" in summary.line("dev")


def test_a_stream_parses_to_objects_lists_unfolded_empty_documents_dropped() -> None:
    stream = ("---\n# Source: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
              "---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: b\n")
    found = [(o["kind"], o["metadata"]["name"]) for o in manifests.parse(stream)]
    assert found == [("ConfigMap", "a"), ("Secret", "b")]
    with pytest.raises(CheckError, match="not a Kubernetes object"):
        manifests.parse("just: data\n")
    with pytest.raises(CheckError, match="not valid YAML"):
        manifests.parse("a: [\n")


def test_an_object_the_strict_schema_refuses_is_named_with_the_field() -> None:
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": 1}, "bogus": True}
    summary = manifests.validate([bad], "1.33")
    assert summary.validated == 1 and len(summary.errors) == 2
    assert summary.errors == ("ConfigMap/c: (object): Additional properties are not allowed ('bogus' was unexpected)",
                              "ConfigMap/c: data.k: 1 is not of type 'string', 'null'")
    assert summary.line("dev").endswith(": 2 invalid")

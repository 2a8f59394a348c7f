"""`build` end to end through the CLI, on a private copy of the project."""

from __future__ import annotations

import stat
from pathlib import Path

import yaml

from tests.support.cli import tree


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

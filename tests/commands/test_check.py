"""commands/check.py: `check`, where its report and its progress go, and its exit status."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.support.project import open_network_policy
from tests.support.sarif import SARIF_SCHEMA


@pytest.mark.skipif(not SARIF_SCHEMA.exists(), reason="run scripts/setup: no SARIF schema in .tools/sarif/")
def test_sarif_output_file(bare_project: Path, cli, tmp_path: Path) -> None:
    open_network_policy(bare_project)
    target = tmp_path / "out" / "check.sarif"
    ran = cli(bare_project, "check", "--format", "sarif", "--output", str(target))
    assert ran.code == 1 and ran.out == ""
    doc = json.loads(target.read_text())
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(doc)
    assert [r["ruleId"] for r in doc["runs"][0]["results"]] == ["TR-NET-001"] * 3

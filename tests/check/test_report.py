"""Reports: text for people, JSON, and SARIF 2.1.0 valid by the official schema and Microsoft's validator."""

from __future__ import annotations

import json
import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from generator.check import policy, report
from tests.support.policy_objects import Case
from tests.support.sarif import MULTITOOL, NO_SARIF, SARIF_SCHEMA


def _reports() -> list[policy.EnvReport]:
    """One environment with a finding, one with a suppressed finding, one evaluated only in part."""
    broken = Case()
    broken.policy["ingress"][0]["from"].append({"namespaceSelector": {}})
    waived = Case(settings={"env": "dev", "policy_exceptions": [
        {"rule": "TR-PSS-013", "reason": "the exporter image runs as 10001"}]})
    next(c for c in waived.pod["containers"] if c["name"] == "metrics")["securityContext"]["runAsUser"] = 10001
    partial = Case(settings={"env": "prod", "image_tag": "redis-8.4.0", "metrics_image_tag": "exporter-1.76.0"},
                   subchart=False)
    return [policy.evaluate(c.context()) for c in (broken, waived, partial)]


def test_text_one_line_per_finding_and_a_summary_per_environment() -> None:
    lines = report.text(_reports())
    assert lines[0].startswith("error: staging: TR-NET-001 NetworkPolicy/redis-backend-access spec.ingress[0].from[1]:")
    assert "fix:" in lines[0]
    assert lines[1].startswith("staging: policy: 31 rules, 1 error,")
    assert lines[2].startswith("suppressed: dev: TR-PSS-013 StatefulSet/redis-master")
    assert "(reason: the exporter image runs as 10001)" in lines[2]
    assert lines[3].startswith("dev: policy: 31 rules, 0 errors, 0 warnings, 1 suppressed")
    assert lines[4].startswith("prod: policy: 31 rules, 0 errors, 0 warnings, 0 suppressed; ")
    assert "evaluated only in part (subchart objects not rendered)" in lines[4] and "TR-AUTH-001" in lines[4]
    assert len(lines) == 5


def test_json_report() -> None:
    doc = json.loads(report.as_json(_reports()))
    assert doc["failed"] is True
    assert [r["id"] for r in doc["rules"]] == [r.id for r in policy.RULES]
    staging, dev, prod = doc["environments"]
    assert staging["errors"] == 1 and staging["findings"][0]["field"] == "spec.ingress[0].from[1]"
    assert dev["findings"] == [] and dev["suppressed"][0]["suppressed"] == "the exporter image runs as 10001"
    assert prod["coverage"]["TR-NET-001"]["coverage"] == "partial" and prod["coverage"]["TR-NET-001"]["unseen"]
    assert prod["coverage"]["TR-IMG-002"] == {"coverage": "not applicable", "unseen": "require_image_digest is false"}


def test_failed_only_on_error_findings_in_force() -> None:
    reports = _reports()
    assert report.failed(reports)
    assert not report.failed(reports[1:])


@cache
def _sarif_validator() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.skipif(not SARIF_SCHEMA.exists(), reason=NO_SARIF)
def test_sarif_is_valid_against_the_official_schema() -> None:
    doc = json.loads(report.sarif(_reports()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _sarif_validator().iter_errors(doc)]
    assert errors == []
    run = doc["runs"][0]
    results = run["results"]
    assert [(r["ruleId"], r["level"], "suppressions" in r) for r in results] == [
        ("TR-NET-001", "error", False), ("TR-PSS-013", "error", True)]
    assert results[1]["suppressions"][0]["justification"] == "the exporter image runs as 10001"
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "chart/templates/networkpolicy.yaml")
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert {n["associatedRule"]["id"] for n in notes} >= {"TR-AUTH-001", "TR-NET-001"}


@pytest.mark.skipif(not SARIF_SCHEMA.exists(), reason=NO_SARIF)
def test_schema_check_catches_a_broken_document() -> None:
    doc = json.loads(report.sarif(_reports()))
    del doc["runs"][0]["tool"]["driver"]["name"]
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert len(list(_sarif_validator().iter_errors(doc))) == 2


def multitool_errors(path: Path, tmp: Path) -> list[str]:
    """Error-level results of `Sarif.Multitool validate` (it exits 0 either way)."""
    out = tmp / f"{path.stem}.validation.sarif"
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1", "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    done = subprocess.run([str(MULTITOOL), "validate", str(path), "-o", str(out), "--quiet"], capture_output=True,
                          text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    validation = json.loads(out.read_text())
    return [f"{r['ruleId']}: {' '.join(r['message'].get('arguments', [r['message'].get('text', '')]))}"
            for r in validation["runs"][0]["results"] if r.get("level") == "error"]


@pytest.mark.skipif(not MULTITOOL.exists(), reason=NO_SARIF)
def test_sarif_passes_microsofts_validator(tmp_path: Path) -> None:
    good = tmp_path / "check.sarif"
    report.write(good, report.sarif(_reports()))
    assert multitool_errors(good, tmp_path) == []
    broken = json.loads(good.read_text())
    del broken["runs"][0]["tool"]["driver"]["name"]
    bad = tmp_path / "broken.sarif"
    bad.write_text(json.dumps(broken))
    assert multitool_errors(bad, tmp_path) == ["JSON1002: runs[0].tool.driver name"]


def test_an_unwritable_output_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    from generator.core.errors import RenderError

    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(RenderError, match=r"cannot write the report"):
        report.write(blocker / "sub" / "x.sarif", "{}")
    assert blocker.read_text() == "not a directory"

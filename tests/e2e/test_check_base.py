"""`check --base REF` in CI: the plan runs on the renders check has just made and checked, and its
findings join the report (a second SARIF run, a `plan` key in JSON, the plan's text)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support import plan as support
from tests.support.sarif import SARIF_SCHEMA


@functools.cache
def sarif_errors() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> support.Repo:
    (version,) = support.versions(1)
    return support.make(tmp_path, monkeypatch, version, build=True)


def test_check_base_fails_on_a_forbidden_change_and_reports_it_in_sarif(repo: support.Repo, cli: Any) -> None:
    assert cli(repo.root, "check", "--base", "HEAD").code == 0
    repo.set_line("prod", "storage_size", "16Gi")
    repo.build("prod")
    out = repo.root.parent / "check.sarif"
    ran = cli(repo.root, "check", "--require-subchart", "--base", "HEAD", "--format", "sarif", "--output", str(out))
    assert ran.code == 1, ran.err
    doc = json.loads(out.read_text())
    if SARIF_SCHEMA.exists():
        assert [e.message for e in sarif_errors().iter_errors(doc)] == []
    policy_run, plan_run = doc["runs"]
    assert policy_run["tool"]["driver"]["name"] == "twofa-redis check"
    assert plan_run["tool"]["driver"]["name"] == "twofa-redis plan"
    (result,) = [r for r in plan_run["results"] if r["level"] == "error"]
    assert result["ruleId"] == "PLAN-FORBIDDEN"
    assert plan_run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "PLAN-FORBIDDEN"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "environments/prod.yaml"
    assert result["message"]["text"].startswith("prod: StatefulSet/redis/redis-master: the API server refuses")


def test_an_acknowledged_finding_is_a_suppressed_result(repo: support.Repo, cli: Any) -> None:
    repo.set_line("prod", "storage_size", "16Gi")
    repo.set("prod", plan_acknowledgements=[{"finding": "forbidden", "object": "StatefulSet/redis-master",
                                            "reason": "expanded by hand"}])
    repo.build("prod")
    ran = cli(repo.root, "check", "--base", "HEAD", "--format", "json")
    assert ran.code == 0, ran.err
    doc = json.loads(ran.out)
    assert doc["failed"] is False and doc["plan"]["blocked"] is False
    prod = next(e for e in doc["plan"]["environments"] if e["env"] == "prod")
    (finding,) = [f for f in prod["findings"] if f["kind"] == "forbidden"]
    assert finding["acknowledged"] == "expanded by hand"
    ran = cli(repo.root, "plan", "prod", "--format", "sarif")
    (result,) = [r for r in json.loads(ran.out)["runs"][0]["results"] if r["ruleId"] == "PLAN-FORBIDDEN"]
    assert result["suppressions"] == [{"kind": "inSource", "status": "accepted", "justification": "expanded by hand"}]


def test_plan_sarif_is_valid(repo: support.Repo, cli: Any) -> None:
    if not SARIF_SCHEMA.exists():
        pytest.skip("the SARIF schema is not in .tools/sarif/: run scripts/setup")
    repo.set_line("_common", "release_name", "twofa")
    ran = cli(repo.root, "plan", "--format", "sarif")
    assert ran.code == 1
    doc = json.loads(ran.out)
    assert [e.message for e in sarif_errors().iter_errors(doc)] == []
    rules = {r["ruleId"] for r in doc["runs"][0]["results"]}
    assert {"PLAN-DATA-AT-RISK", "PLAN-OUTPUTS", "PLAN-DELETE"} <= rules

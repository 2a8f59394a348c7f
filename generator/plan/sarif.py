"""The plan as a SARIF 2.1.0 run, for pull-request annotations: one rule per kind of finding, each
finding located at the environment file whose change causes it; an acknowledged finding is a
result with an accepted suppression carrying the written reason. `plan --format sarif` writes it
alone; `check --base REF --format sarif` adds it as a second run beside the policy rules."""

from __future__ import annotations

import json
from typing import Any

from generator import __version__
from generator.plan.model import CONFLICT, DATA_AT_RISK, FORBIDDEN, NOT_COMPARED, OUTPUTS, REMOVAL, RESTART, Plan
from generator.plan.report import TOOL

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# kind -> (rule id, name, level, what it means)
RULES = {
    FORBIDDEN: ("PLAN-FORBIDDEN", "forbidden-update", "error",
                "The Kubernetes API server refuses this update: the Argo CD sync fails part way."),
    DATA_AT_RISK: ("PLAN-DATA-AT-RISK", "data-at-risk", "error",
                   "The PVC holding Redis's RDB file is abandoned or deleted: the live OTP codes are lost."),
    CONFLICT: ("PLAN-CONFLICT", "shared-destination", "error",
               "Two environments deploy into one place and would overwrite each other."),
    OUTPUTS: ("PLAN-OUTPUTS", "outputs-change", "warning",
              "redis_host, the connection URL or another output changes: the backend must change with it."),
    RESTART: ("PLAN-RESTART", "redis-restart", "note", "The Redis pods are replaced: OTP logins pause."),
    REMOVAL: ("PLAN-DELETE", "object-deleted", "note", "An object leaves the render: pruned, or left running."),
    NOT_COMPARED: ("PLAN-NOT-COMPARED", "not-compared", "warning",
                   "Objects that could not be compared: a side had no subchart archive."),
}
_IDS = list(RULES)


def _result(kind: str, env: str, obj: str, message: str, file: str, acknowledged: str = "") -> dict[str, Any]:
    rule_id, _, level, _ = RULES[kind]
    result: dict[str, Any] = {
        "ruleId": rule_id, "ruleIndex": _IDS.index(kind), "level": level,
        "message": {"text": f"{env}: {obj}: {message}"},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": file, "uriBaseId": "SRCROOT"}, "region": {"startLine": 1}},
            "logicalLocations": [{"fullyQualifiedName": f"{env}/{obj}", "kind": "object"}],
        }],
        "partialFingerprints": {"twofaPlan/v1": "|".join((rule_id, env, obj))},
        "properties": {"environment": env, "object": obj},
    }
    if acknowledged:
        result["suppressions"] = [{"kind": "inSource", "status": "accepted", "justification": acknowledged}]
    return result


def run(plan: Plan) -> dict[str, Any]:
    results = []
    for e in plan.envs:
        for f in e.findings:
            text = "; ".join([f.title, *f.detail[:3]] + ([f"runbook: {' / '.join(f.runbook)}"] if f.runbook else []))
            results.append(_result(f.kind, e.env, f.object, text, f.file, f.acknowledged))
        results.extend(_result(NOT_COMPARED, e.env, "subchart", n, e.file) for n in e.not_compared)
        if e.values_changed:
            results.append(_result(NOT_COMPARED, e.env, "subchart values", "the subchart's values change but its "
                                   "objects were not rendered: " + "; ".join(e.values_changed), e.file))
    return {
        "tool": {"driver": {
            "name": TOOL, "version": __version__,
            "rules": [{"id": rid, "name": name, "shortDescription": {"text": summary},
                       "fullDescription": {"text": summary}, "defaultConfiguration": {"level": level},
                       "properties": {"tags": ["deployment", "kubernetes"]}}
                      for rid, name, level, summary in RULES.values()],
        }},
        "originalUriBaseIds": {"SRCROOT": {"description": {"text": "The twofa-redis repository root"}}},
        "invocations": [{"executionSuccessful": True, "properties": {
            "base": plan.base.label, "new": plan.new.label}}],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }


def sarif(plan: Plan) -> str:
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run(plan)]}, indent=2) + "\n"

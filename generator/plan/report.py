"""The plan for people (text) and machines (JSON; SARIF in plan/sarif.py).

Text reads like `terraform plan`: the sides compared, a summary line per environment, every
changed object, the findings with the API server's words and a runbook under each forbidden or
risky one, and last the per-object diffs.
"""

from __future__ import annotations

import json
from typing import Any

from generator import __version__
from generator.plan.model import BLOCKING, Change, EnvPlan, Finding, Plan, SideInfo

TOOL = "twofa-redis plan"


def _side(info: SideInfo) -> str:
    if not info.chart_version:
        return f"{info.label}: no environment"
    subchart = f"subchart {info.subchart}" if info.subchart else "NO subchart archive for that version"
    return f"{info.label}: chart_version {info.chart_version}, {subchart}"


def _headline(e: EnvPlan) -> str:
    if e.status == "unchanged":
        return f"{e.env}: no changes" + ("; NOT compared: see below" if e.not_compared else "")
    if e.values_changed and not e.changes:
        return f"{e.env}: the subchart's values change; its objects NOT compared: see below"
    prefix = {"added": "new environment: ", "removed": "environment removed: "}.get(e.status, "")
    return f"{e.env}: {prefix}{e.summary().line()}"


def _object_line(c: Change, moved: bool) -> str:
    what = "FORBIDDEN" if c.forbidden else c.action
    note = "  (restarts Redis)" if c.restart and not c.forbidden and c.key[2] == "StatefulSet" else ""
    where = f"  (on {c.key[0]})" if moved and c.action != "update" and c.key[2] != "Application" else ""
    return f"    {what:<9} {c.label}{where}{note}"


def _finding(f: Finding) -> list[str]:
    mark = f.kind.upper() if f.kind in BLOCKING else f.kind
    about = "" if f.object == f.kind else f" {f.object}"
    lines = [f"{f.env}: {mark}{about}: {f.title}"]
    lines += [f"    {d}" for d in f.detail]
    if f.acknowledged:
        lines.append(f"    acknowledged in {f.file}: {f.acknowledged}")
    if f.runbook:
        lines.append("    runbook:")
        lines += [f"      {i}. {step}" for i, step in enumerate(f.runbook, 1)]
    return lines


def text(plan: Plan, details: bool = True) -> str:
    lines = [f"plan: {plan.base.label} -> {plan.new.label}", f"  base: {_side(plan.base)}",
             f"  new:  {_side(plan.new)}", ""]
    lines += [_headline(e) for e in plan.envs]
    for e in plan.envs:
        lines += [f"{e.env}: NOT compared: {n}" for n in e.not_compared]
        if e.values_changed:
            lines.append(f"{e.env}: the subchart's values change, so its objects change too (a StatefulSet update "
                         "may be refused): render with the archive to know what the sync does")
            lines += [f"    {v}" for v in e.values_changed]
        if e.moved:
            lines.append(f"{e.env}: moves from {e.moved[0]} to {e.moved[1]}: every object is created there and "
                         "left running, no longer managed, on the old cluster")
        if e.changes:
            lines.append(f"{e.env}: objects")
            lines += [_object_line(c, bool(e.moved)) for c in e.changes]
        for f in e.findings:
            lines += _finding(f)
        lines += [f"{e.env}: acknowledgement matches no finding (remove it once synced): {u}"
                  for u in e.unused_acknowledgements]
    blocking = [f for e in plan.envs for f in e.findings if f.blocking]
    lines.append("")
    if blocking:
        lines.append(f"plan: {len(blocking)} forbidden, data-at-risk or conflicting change(s) not acknowledged: "
                     "follow the runbooks, or acknowledge them in the environment file (plan_acknowledgements)")
    else:
        # Never a verdict on what was not compared (a side without its subchart archive).
        compared = "" if not any(e.not_compared for e in plan.envs) else " among the objects compared"
        unchanged = all(e.status == "unchanged" or not (e.changes or e.findings) for e in plan.envs)
        verdict = f"no changes{compared}" if unchanged else f"every change{compared} can be synced as is"
        unknown = [e.env for e in plan.envs if e.values_changed]
        if unknown:
            verdict += (f"; NOT known for {', '.join(unknown)}: the subchart's values change but its objects were not "
                        "rendered (no archive)")
        lines.append(f"plan: {verdict}")
    if details and any(e.diffs for e in plan.envs):
        lines += ["", "detail: per-object diffs (Secret data masked)"]
        for e in plan.envs:
            lines += [d.rstrip("\n") for d in e.diffs]
    return "\n".join(lines) + "\n"


def _change(c: Change) -> dict[str, Any]:
    out: dict[str, Any] = {"object": c.label, "action": c.action, "forbidden": c.forbidden}
    if c.restart:
        out["restart"] = c.restart
    if c.removal:
        out["removal"] = c.removal
    if c.violations:
        out["refusals"] = [{"message": v.message, "field": v.field, "rule": v.rule, "source": v.source,
                            "certain": v.certain, "verified": v.verified} for v in c.violations]
    return out


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": f.kind, "object": f.object, "title": f.title, "detail": list(f.detail),
                           "runbook": list(f.runbook), "file": f.file, "blocking": f.blocking}
    if f.acknowledged:
        out["acknowledged"] = f.acknowledged
    return out


def as_dict(plan: Plan) -> dict[str, Any]:
    return {
        "tool": TOOL, "version": __version__,
        "base": plan.base.__dict__, "new": plan.new.__dict__,
        "environments": [{
            "env": e.env, "status": e.status, "file": e.file, "summary": e.summary().as_dict(),
            "moved": list(e.moved) if e.moved else None,
            "not_compared": e.not_compared, "values_changed": e.values_changed,
            "changes": [_change(c) for c in e.changes],
            "findings": [finding_dict(f) for f in e.findings],
            "outputs": [{"output": k, "old": a, "new": b} for k, a, b in e.outputs],
            "unused_acknowledgements": e.unused_acknowledgements, "diffs": e.diffs,
        } for e in plan.envs],
        "blocked": plan.blocked,
    }


def as_json(plan: Plan) -> str:
    return json.dumps(as_dict(plan), indent=2) + "\n"

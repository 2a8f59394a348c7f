"""Acknowledged findings: a forbidden or data-at-risk change an environment file accepts, with
the written reason the report shows (`plan_acknowledgements`, designed like policy_exceptions).

An item names the finding's kind and its object, Kind/name or Kind/namespace/name. In
_common.yaml an item may name an `environment`: the only place to acknowledge what the removal
of an environment file does. An item that matches nothing is reported, so it can be removed once
the change has been synced.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from generator.core.paths import COMMON_FILE, ENV_DIR
from generator.core.settings import PlanAcknowledgement
from generator.load.yamlreader import read_yaml
from generator.plan.model import ACKNOWLEDGEABLE, Finding


def _matches(item: PlanAcknowledgement, env: str, finding: Finding) -> bool:
    if item.environment and item.environment != env:
        return False
    if item.finding != finding.kind or finding.kind not in ACKNOWLEDGEABLE:
        return False
    parts = finding.object.split("/")
    short = f"{parts[0]}/{parts[-1]}"  # Kind/name, the namespace left out
    return item.object in (finding.object, short)


def apply(env: str, findings: Sequence[Finding], items: Sequence[PlanAcknowledgement]) -> tuple[list[Finding],
                                                                                                list[str]]:
    """(findings with their acknowledgement, items that matched none, described)."""
    used: set[int] = set()
    out = []
    for f in findings:
        match = next((i for i, item in enumerate(items) if _matches(item, env, f)), None)
        if match is None:
            out.append(f)
            continue
        used.add(match)
        out.append(dataclasses.replace(f, acknowledged=items[match].reason.strip()))
    unused = [f"{item.finding} {item.object}" for i, item in enumerate(items)
              if i not in used and (not item.environment or item.environment == env)]
    return out, unused


def from_common(root: Path) -> tuple[PlanAcknowledgement, ...]:
    """The items of the work tree's _common.yaml: what a removed environment (no file left to
    hold them) is acknowledged by. Every remaining environment reads the same list through its
    merge and validates it; an item of the wrong shape is left out here."""
    path = root / ENV_DIR / COMMON_FILE
    if not path.is_file():
        return ()
    data, _, _, _ = read_yaml(path, f"{ENV_DIR}/{COMMON_FILE}")
    items = data.get("plan_acknowledgements") if isinstance(data, dict) else None
    keys = ("finding", "object", "reason", "environment")
    return tuple(PlanAcknowledgement(**{k: v for k, v in item.items() if k in keys}) for item in items or []
                 if isinstance(item, dict) and all(isinstance(item.get(k, ""), str) for k in keys)
                 and {"finding", "object", "reason"} <= set(item))

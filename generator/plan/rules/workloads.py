"""StatefulSet, Deployment, DaemonSet and ReplicaSet: what an update may change, and the claims a
StatefulSet's controller makes (the PVCs that hold Redis's RDB file)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from generator.core.k8s import dig
from generator.plan.rules import sources
from generator.plan.rules.base import FIELD_IMMUTABLE, Obj, Version, Violation, diff_paths, normalize, violation


@dataclass(frozen=True)
class MutableField:
    name: str
    since: Version
    verified: bool
    why: str


# ValidateStatefulSetUpdate copies these from the old spec before comparing the rest: they are the
# only mutable spec fields. Everything else (selector, serviceName, podManagementPolicy,
# volumeClaimTemplates: size, class, access modes, names, count) is frozen at creation in every
# supported version; KEP-4650 (updatable volumeClaimTemplates) is not alpha before 1.38.
STS_MUTABLE: tuple[MutableField, ...] = (
    MutableField("replicas", (1, 25), True, "since StatefulSet updates (1.7)"),
    MutableField("template", (1, 25), True, "since 1.7"),
    MutableField("updateStrategy", (1, 25), True, "since 1.7"),
    MutableField("minReadySeconds", (1, 25), True, "StatefulSetMinReadySeconds, GA 1.25"),
    MutableField("persistentVolumeClaimRetentionPolicy", (1, 25), True,
                 "StatefulSetAutoDeletePVC: alpha 1.23 (field dropped when the gate is off), beta 1.27, GA 1.32"),
    MutableField("ordinals", (1, 26), True,
                 "StatefulSetStartOrdinal alpha 1.26 (#112744), gate check removed from validation in 1.27 and "
                 "1.26.3 (#116027), beta 1.27, GA 1.31"),
    MutableField("revisionHistoryLimit", (1, 34), False,
                 "in the API server's message in reports from 2025-2026, not in 1.31 (issue #130263); the "
                 "release was not read in source"),
)
# Server-side defaults a render may or may not spell out: filled in on both sides.
STS_DEFAULTS = {"podManagementPolicy": "OrderedReady", "revisionHistoryLimit": 10}
_MESSAGE_ORDER = ("replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
                  "persistentVolumeClaimRetentionPolicy", "minReadySeconds")


def sts_forbidden_message(version: Version) -> str:
    """The detail of the API server's refusal, in the wording of that version."""
    names = {f.name for f in STS_MUTABLE if version >= f.since}
    listed = [f"'{n}'" for n in _MESSAGE_ORDER if n in names]
    return f"updates to statefulset spec for fields other than {', '.join(listed[:-1])} and {listed[-1]} are forbidden"


def _frozen_spec(obj: Obj, version: Version) -> dict[str, Any]:
    """What the API server compares: the spec minus that version's mutable fields, defaults filled."""
    mutable = {f.name for f in STS_MUTABLE if version >= f.since}
    spec = {k: copy.deepcopy(v) for k, v in dict(obj.get("spec") or {}).items() if k not in mutable}
    for key, default in STS_DEFAULTS.items():
        if key not in mutable and spec.get(key) is None:
            spec[key] = default
    templates = []
    for t in spec.get("volumeClaimTemplates") or []:
        t = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", **dict(t)}
        t.pop("status", None)
        t["spec"] = {"volumeMode": "Filesystem", **dict(t.get("spec") or {})}
        templates.append(t)
    spec["volumeClaimTemplates"] = templates
    return dict(normalize(spec, ("spec",)))


def statefulset_rules(old: Obj, new: Obj, version: Version) -> list[Violation]:
    a, b = _frozen_spec(old, version), _frozen_spec(new, version)
    if a == b:
        return []
    rhl = next(f for f in STS_MUTABLE if f.name == "revisionHistoryLimit")
    changed = diff_paths(a, b, "spec")
    only_rhl = all(p.startswith("spec.revisionHistoryLimit") for p, _, _ in changed)
    fields = ", ".join(p for p, _, _ in changed) or "spec"
    # A revisionHistoryLimit change alone is refused only before 1.34, a boundary not read in source.
    return [violation(new, fields, "spec", "Forbidden", sts_forbidden_message(version), "statefulset-spec-immutable",
                      f"{sources.STATEFULSET}; 1.25-1.37", verified=not only_rhl or rhl.verified)]


def _ordinals(sts: Obj) -> range:
    replicas = dig(sts, "spec", "replicas")
    start = int(dig(sts, "spec", "ordinals", "start") or 0)
    return range(start, start + (1 if replicas is None else int(replicas)))


def claim_names(sts: Obj) -> list[str]:
    """The PVCs the StatefulSet controller creates: <claim template>-<statefulset>-<ordinal>."""
    name = dig(sts, "metadata", "name")
    return [f"{dig(t, 'metadata', 'name')}-{name}-{i}"
            for t in (dig(sts, "spec", "volumeClaimTemplates") or []) for i in _ordinals(sts)]


def claims(sts: Obj, bound: bool = True) -> list[dict[str, Any]]:
    """The PVC objects the controller makes from the claim templates (the template's metadata and
    spec, in the StatefulSet's namespace), taken as Bound with status.capacity = the request, so
    that `forbidden(old_claim, new_claim)` tells whether a `kubectl patch pvc` will be accepted."""
    out = []
    name, namespace = dig(sts, "metadata", "name"), dig(sts, "metadata", "namespace")
    for t in dig(sts, "spec", "volumeClaimTemplates") or []:
        for i in _ordinals(sts):
            spec = copy.deepcopy(dict(t.get("spec") or {}))
            storage = dig(spec, "resources", "requests", "storage")
            out.append({
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": f"{dig(t, 'metadata', 'name')}-{name}-{i}", "namespace": namespace,
                             "labels": dict(dig(t, "metadata", "labels") or {})},
                "spec": spec,
                "status": {"phase": "Bound" if bound else "Pending",
                           "capacity": {"storage": storage} if storage is not None else {}},
            })
    return out


def selector_rules(old: Obj, new: Obj) -> list[Violation]:
    """Deployment, DaemonSet, ReplicaSet (apps/v1): spec.selector is immutable."""
    a, b = normalize(dig(old, "spec", "selector")), normalize(dig(new, "spec", "selector"))
    if a == b:
        return []
    return [violation(new, "spec.selector", "spec.selector", "Invalid", FIELD_IMMUTABLE, "selector-immutable",
                      f"{sources.SELECTOR}; 1.25-1.37 (apps/v1)", value=b)]

"""PersistentVolumeClaim updates: the spec is frozen but for a storage increase (only for Bound
claims, and only where the StorageClass allows expansion) and volumeAttributesClassName.

The plan never renders a PVC (the StatefulSet's controller makes them): these rules judge the
runbook's `kubectl patch pvc` step on the claims workloads.claims() synthesises.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from generator.core.k8s import dig
from generator.plan.rules import sources
from generator.plan.rules.base import Obj, Version, Violation, diff_paths, normalize, violation

# RecoverVolumeExpansionFailure: alpha 1.23, beta (on by default) 1.32, GA 1.34. With it the shrink
# check compares with status.capacity instead of the old request. Boundary from release notes,
# not read in source (only the gate's two branches were).
RECOVER_EXPANSION_SINCE: Version = (1, 32)
# VolumeAttributesClass: alpha 1.29, beta 1.31 (off by default), GA 1.34 (on). The immutable-spec
# message names volumeAttributesClassName from 1.29 on.
VAC_MESSAGE_SINCE: Version = (1, 29)
VAC_GA: Version = (1, 34)
_SRC = f"{sources.PVC}; 1.25-1.37"
_STORAGE = "spec.resources.requests.storage"


def _comparable(ospec: dict[str, Any], nspec: dict[str, Any], bound: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both specs with what an update may change taken out of the comparison."""
    oc, nc = copy.deepcopy(ospec), copy.deepcopy(nspec)
    if not oc.get("volumeName"):  # the binder sets it once: a first value is not a change
        oc.pop("volumeName", None)
        nc.pop("volumeName", None)
    if oc.get("storageClassName") is None and nc.get("storageClassName") is not None:
        # validateStorageClassUpgradeFromNil: nil -> a class is allowed (the DefaultStorageClass
        # admission plugin fills it at creation anyway, so a live claim has one).
        oc["storageClassName"] = nc["storageClassName"]
    if bound and isinstance(nc.get("resources"), Mapping):
        nc["resources"] = copy.deepcopy(nc["resources"])
        nc["resources"].setdefault("requests", {})["storage"] = dig(ospec, "resources", "requests", "storage")
    for c in (oc, nc):
        c.pop("volumeAttributesClassName", None)
    return oc, nc


def _size_rules(old: Obj, new: Obj, version: Version, a_req: Any, b_req: Any, bound: bool,
                storage_classes: Mapping[str, bool] | None) -> list[Violation]:
    if not (isinstance(a_req, Decimal) and isinstance(b_req, Decimal)) or a_req == b_req:
        return []
    if b_req < a_req:
        if version < RECOVER_EXPANSION_SINCE:
            return [violation(new, _STORAGE, _STORAGE, "Forbidden", "field can not be less than previous value",
                              "pvc-no-shrink", f"{_SRC}; 1.25-1.31")]
        # Recovery may lower a request only to above the recorded capacity; a claim never expanded
        # beyond its request has capacity == request, so a shrink is refused.
        cap = dig(normalize(old.get("status") or {}, ("status",)), "capacity", "storage")
        if isinstance(cap, Decimal) and b_req > cap:
            return []
        return [violation(new, _STORAGE, _STORAGE, "Forbidden", "field can not be less than status.capacity",
                          "pvc-no-shrink", f"{_SRC}; RecoverVolumeExpansionFailure on (1.32+)", verified=False)]
    if not bound:
        return [_admission(new, "Only bound persistent volume claims can be expanded", True)]
    cls = dig(new, "spec", "storageClassName") or dig(old, "spec", "storageClassName") or ""
    allowed = None if storage_classes is None else storage_classes.get(str(cls))
    if allowed is True:
        return []
    return [_admission(new, "only dynamically provisioned pvc can be resized and the storageclass that provisions "
                       "the pvc must support resize", allowed is False)]


def _attributes_class_rules(new: Obj, a_vac: Any, b_vac: Any, version: Version) -> list[Violation]:
    if a_vac == b_vac or version < VAC_MESSAGE_SINCE:
        return []
    src = f"{_SRC}; VolumeAttributesClass gate (off by default before 1.34)"
    field = "spec.volumeAttributesClassName"
    if version < VAC_GA:
        return [violation(new, field, field, "Forbidden",
                          "update is forbidden when the VolumeAttributesClass feature gate is disabled", "pvc-vac",
                          src, certain=False, verified=False)]
    if a_vac is not None and b_vac is None:
        return [violation(new, field, field, "Forbidden", "update from non-nil value to nil is forbidden", "pvc-vac",
                          src, verified=False)]
    if a_vac is not None and b_vac == "":
        return [violation(new, field, field, "Forbidden", "update from non-nil value to an empty string is forbidden",
                          "pvc-vac", src, verified=False)]
    return []


def pvc_rules(old: Obj, new: Obj, version: Version, storage_classes: Mapping[str, bool] | None) -> list[Violation]:
    """storage_classes: StorageClass name -> allowVolumeExpansion ("" the cluster default); None:
    unknown, and a storage increase is then reported with certain=False."""
    ospec = {"volumeMode": "Filesystem", **dict(normalize(old.get("spec") or {}, ("spec",)))}
    nspec = {"volumeMode": "Filesystem", **dict(normalize(new.get("spec") or {}, ("spec",)))}
    bound = dig(old, "status", "phase") in (None, "Bound")  # a render has no status: the usual, Bound
    out: list[Violation] = []
    oc, nc = _comparable(ospec, nspec, bound)
    if oc != nc:
        tail = " and volumeAttributesClassName" if version >= VAC_MESSAGE_SINCE else ""
        changed = ", ".join(p for p, _, _ in diff_paths(oc, nc, "spec"))
        # The API server appends a cmp.Diff of the two specs after a newline; left out here.
        out.append(violation(new, changed, "spec", "Forbidden",
                             f"spec is immutable after creation except resources.requests{tail} for bound claims",
                             "pvc-spec-immutable", _SRC))
    out.extend(_size_rules(old, new, version, dig(ospec, "resources", "requests", "storage"),
                           dig(nspec, "resources", "requests", "storage"), bound, storage_classes))
    out.extend(_attributes_class_rules(new, ospec.get("volumeAttributesClassName"),
                                       nspec.get("volumeAttributesClassName"), version))
    return out


def _admission(new: Obj, detail: str, certain: bool) -> Violation:
    """The resize admission plugin answers 403 Forbidden, worded unlike validation:
    persistentvolumeclaims "<name>" is forbidden: <detail>"""
    v = violation(new, _STORAGE, _STORAGE, "Forbidden", detail, "pvc-expansion-needs-class",
                  f"{sources.PVC_RESIZE}; 1.25-1.37", certain=certain)
    name = dig(new, "metadata", "name")
    return Violation(**{**v.__dict__, "message": f'persistentvolumeclaims "{name}" is forbidden: {detail}'})

"""Job updates: the selector, the pod template and the completion settings are frozen at creation.
We render no Job today; a hook or migration Job would be judged here."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from generator.plan.rules import sources
from generator.plan.rules.base import FIELD_IMMUTABLE, Obj, Version, Violation, diff_paths, normalize, violation

# Fields of a Job spec frozen at creation, with the release each appeared in (ValidateJobSpecUpdate).
JOB_IMMUTABLE: tuple[tuple[str, Version], ...] = (
    ("selector", (1, 25)), ("completionMode", (1, 25)), ("podFailurePolicy", (1, 26)),
    ("backoffLimitPerIndex", (1, 28)), ("managedBy", (1, 30)), ("successPolicy", (1, 30)),
)
# JobMutableNodeSchedulingDirectives (GA 1.27): a suspended Job that never started may change these.
JOB_SCHEDULING_FIELDS = (("spec", "nodeSelector"), ("spec", "affinity"), ("spec", "tolerations"),
                         ("metadata", "labels"), ("metadata", "annotations"), ("spec", "schedulingGates"))
_SRC = f"{sources.JOB}; 1.25-1.37"


def job_rules(old: Obj, new: Obj, version: Version, storage_classes: Mapping[str, bool] | None) -> list[Violation]:
    out = []
    ospec, nspec = old.get("spec") or {}, new.get("spec") or {}
    for key, since in JOB_IMMUTABLE:
        if version >= since and normalize(ospec.get(key)) != normalize(nspec.get(key)):
            out.append(violation(new, f"spec.{key}", f"spec.{key}", "Invalid", FIELD_IMMUTABLE, "job-spec-immutable",
                                 _SRC, value=nspec.get(key)))
    if ospec.get("completions") != nspec.get("completions"):
        indexed = nspec.get("completionMode") == "Indexed"
        # ElasticIndexedJob (beta 1.27, GA 1.31): an Indexed Job may change completions together with
        # parallelism (equal to it); every other Job keeps its completions.
        if not (indexed and nspec.get("completions") == nspec.get("parallelism")):
            detail = "can only be modified in tandem with spec.parallelism" if indexed else FIELD_IMMUTABLE
            out.append(violation(new, "spec.completions", "spec.completions", "Invalid", detail, "job-completions",
                                 _SRC, value=nspec.get("completions")))
    ot, nt = normalize(ospec.get("template") or {}), normalize(nspec.get("template") or {})
    if ot != nt:
        # What may differ for a suspended, never-started Job; offline we cannot know it never started.
        masked_o, masked_n = copy.deepcopy(ot), copy.deepcopy(nt)
        for top, key in JOB_SCHEDULING_FIELDS:
            for t in (masked_o, masked_n):
                (t.get(top) or {}).pop(key, None)
        scheduling_only = masked_o == masked_n and nspec.get("suspend") is True
        changed = ", ".join(p for p, _, _ in diff_paths(ot, nt, "spec.template"))
        out.append(violation(new, changed, "spec.template", "Invalid", FIELD_IMMUTABLE, "job-template-immutable",
                             _SRC, value="core.PodTemplateSpec{...}", certain=not scheduling_only))
    return out

"""The Kubernetes API server's update rules: which changes a sync cannot make in place.

`forbidden(old, new, kube_version, storage_classes)`: when Argo CD applies `new` over a live
object rendered as `old`, every refusal the API server of that version answers, worded as it
answers. Written from the Go sources, not copied: each rule names its source and the versions
it holds for (rules/sources.py; the project supports Kubernetes 1.25 to 1.37).

Two renders are compared, not a live object: server-side defaults a render may or may not spell
out (podManagementPolicy, revisionHistoryLimit, volumeMode, a Service's allocated clusterIP) are
filled in on both sides, so starting or stopping to spell one out is not a change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from generator.plan.rules.base import Obj, Version, Violation, identity, metadata_rules, parse_version
from generator.plan.rules.config import configmap_rules, secret_rules
from generator.plan.rules.job import job_rules
from generator.plan.rules.service import service_rules
from generator.plan.rules.storage import pvc_rules
from generator.plan.rules.workloads import claim_names, claims, selector_rules, statefulset_rules

__all__ = ["MUTABLE_KINDS", "Violation", "claim_names", "claims", "forbidden", "identity", "parse_version"]

Rules = Callable[[Obj, Obj, Version, "Mapping[str, bool] | None"], list[Violation]]

KIND_RULES: dict[tuple[str, str], Rules] = {
    ("apps", "StatefulSet"): lambda o, n, v, s: statefulset_rules(o, n, v),
    ("apps", "Deployment"): lambda o, n, v, s: selector_rules(o, n),
    ("apps", "DaemonSet"): lambda o, n, v, s: selector_rules(o, n),
    ("apps", "ReplicaSet"): lambda o, n, v, s: selector_rules(o, n),
    ("", "Service"): lambda o, n, v, s: service_rules(o, n),
    ("", "PersistentVolumeClaim"): pvc_rules,
    ("", "ConfigMap"): lambda o, n, v, s: configmap_rules(o, n),
    ("", "Secret"): lambda o, n, v, s: secret_rules(o, n),
    ("batch", "Job"): job_rules,
}
# Kinds we render whose every spec field may change in 1.25-1.37, listed so that "no rule" is a
# statement, not an omission: PodDisruptionBudget (sources.PDB), NetworkPolicy (sources.NETPOL),
# ServiceAccount (metadata only), Namespace, and ExternalSecret (the external-secrets.io/v1 CRD
# schema has no x-kubernetes-validations transition rule), the Argo CD Application.
MUTABLE_KINDS = {("policy", "PodDisruptionBudget"), ("networking.k8s.io", "NetworkPolicy"), ("", "ServiceAccount"),
                 ("", "Namespace"), ("external-secrets.io", "ExternalSecret"), ("argoproj.io", "Application")}


def forbidden(old: Obj, new: Obj, kube_version: str,
              storage_classes: Mapping[str, bool] | None = None) -> list[Violation]:
    """Every refusal the API server of `kube_version` answers when `new` is applied over `old`.

    Pairs of another kind or group are a ValueError. A different name or namespace gives the
    metadata refusal, but Argo CD syncs those as a create plus a prune: pair by identity() first.
    storage_classes: StorageClass name -> allowVolumeExpansion, "" for the cluster's default
    class; None: unknown (a storage increase is then reported with certain=False).
    """
    version = parse_version(kube_version)
    og, ok, _, _ = identity(old)
    ng, nk, _, _ = identity(new)
    if (og, ok) != (ng, nk):
        raise ValueError(f"not the same kind: {ok}.{og} vs {nk}.{ng}")
    out = metadata_rules(old, new)
    rules = KIND_RULES.get((ng, nk))
    if rules is not None:
        out.extend(rules(old, new, version, storage_classes))
    return out

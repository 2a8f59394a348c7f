"""Kubernetes objects: their names, pod templates, containers, label selectors, schema files."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# Kinds that carry a pod template, and where it sits: the one list every rule and the image
# check read. An object of another kind with a pod template at spec.template (a custom workload)
# counts too.
_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "PodTemplate": ("template",),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def dig(data: Any, *path: str, default: Any = None) -> Any:
    """The value at `path` in nested mappings (an object, chart values), `default` where the
    path does not exist."""
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return default
        data = data[key]
    return data


def trunc(name: str) -> str:
    """Helm's `trunc 63 | trimSuffix "-"`, the length of a DNS label: trimSuffix removes one
    dash, not all of them."""
    return name[:63].removesuffix("-")


def name_of(obj: Mapping[str, Any]) -> str:
    """Kind/name, the way findings and messages name an object."""
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{meta.get('name', '?')}"


def schema_file(obj: Mapping[str, Any]) -> str:
    """The JSON schema file of an object's kind (kubernetes-validate's names, also ours in
    schemas/crds/): rbac.authorization.k8s.io/v1 -> rbac-v1; v1 -> v1."""
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", str(obj["apiVersion"]))
    return f"{str(obj['kind']).lower()}-{api}.json"


def namespace_of(obj: Mapping[str, Any], default: str) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or default)


# Kinds that live outside any namespace (a namespace in their metadata means nothing).
CLUSTER_SCOPED = {("", "Namespace"), ("", "PersistentVolume"), ("storage.k8s.io", "StorageClass"),
                  ("rbac.authorization.k8s.io", "ClusterRole"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
                  ("apiextensions.k8s.io", "CustomResourceDefinition"), ("external-secrets.io", "ClusterSecretStore")}


def api_group(api_version: str) -> str:
    """apps/v1 -> apps; v1 (the core group) -> ''."""
    return api_version.split("/")[0] if "/" in api_version else ""


def identity(obj: Mapping[str, Any], default_namespace: str) -> tuple[str, str, str, str]:
    """(group, kind, namespace, name) as the API server knows the object once applied: a
    namespaced object without a namespace lands in the namespace it is applied to (Argo CD's
    destination namespace); the version is not part of it."""
    grp, kind = api_group(str(obj.get("apiVersion", ""))), str(obj.get("kind", ""))
    namespace = "" if (grp, kind) in CLUSTER_SCOPED else namespace_of(obj, default_namespace)
    return grp, kind, namespace, str((obj.get("metadata") or {}).get("name") or "")


@dataclass(frozen=True)
class PodTemplate:
    owner: dict[str, Any]  # the workload object
    path: str  # JSON path of the template inside it ("spec.template")
    metadata: dict[str, Any]
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return name_of(self.owner)

    @property
    def labels(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.metadata.get("labels") or {}).items()}

    def at(self, *parts: str) -> str:
        return ".".join(p for p in (self.path, *parts) if p)


@dataclass(frozen=True)
class Container:
    pod: PodTemplate
    kind: str  # containers, initContainers, ephemeralContainers
    index: int
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.spec.get("name", f"#{self.index}"))

    def at(self, *parts: str) -> str:
        return self.pod.at("spec", f"{self.kind}[{self.index}]", *parts)

    @property
    def security(self) -> dict[str, Any]:
        return dict(self.spec.get("securityContext") or {})


def pod_templates(objects: Iterator[dict[str, Any]] | list[dict[str, Any]] | tuple[dict[str, Any], ...]
                  ) -> list[PodTemplate]:
    out = []
    for obj in objects:
        parts = _TEMPLATE_PATHS.get(str(obj.get("kind")))
        if parts is None and isinstance(dig(obj, "spec", "template", "spec", "containers"), list):
            parts = ("spec", "template")
        if parts is None:
            continue
        node: Any = obj
        for p in parts:
            node = node.get(p) if isinstance(node, dict) else None
        if isinstance(node, dict):
            out.append(PodTemplate(obj, ".".join(parts), dict(node.get("metadata") or {}),
                                   dict(node.get("spec") or {})))
    return out


def containers(pod: PodTemplate) -> list[Container]:
    out = []
    for kind in CONTAINER_LISTS:
        for i, spec in enumerate(pod.spec.get(kind) or []):
            if isinstance(spec, dict):
                out.append(Container(pod, kind, i, spec))
    return out


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Kubernetes LabelSelector semantics; an empty selector matches everything."""
    if selector is None:
        return True
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(str(key)) != str(value):
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op = str(expr.get("key")), str(expr.get("operator"))
        values = [str(v) for v in expr.get("values") or []]
        present = key in labels
        if op == "In" and not (present and labels[key] in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def requirements(selector: Mapping[str, Any] | None) -> dict[str, frozenset[str]]:
    """Label values a selector pins: key -> the only values it admits (matchLabels, In)."""
    pinned: dict[str, frozenset[str]] = {}
    if not selector:
        return pinned
    for key, value in (selector.get("matchLabels") or {}).items():
        pinned[str(key)] = pinned.get(str(key), frozenset([str(value)])) & {str(value)}
    for expr in selector.get("matchExpressions") or []:
        if expr.get("operator") == "In":
            key = str(expr.get("key"))
            values = frozenset(str(v) for v in expr.get("values") or [])
            pinned[key] = pinned[key] & values if key in pinned else values
    return pinned


def show_selector(selector: Mapping[str, Any] | None) -> str:
    if not selector:
        return "{}"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        values = ",".join(str(v) for v in expr.get("values") or [])
        parts.append(f"{expr.get('key')} {expr.get('operator')}{f' ({values})' if values else ''}")
    return "{" + ", ".join(parts) + "}"

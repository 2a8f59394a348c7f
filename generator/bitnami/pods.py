"""The Redis master pod as Bitnami's templates render it from the values, for when they cannot run.

Without the archive the chart renders only our objects. Rather than pass silently, the policy
rules then read this likeness of the master StatefulSet: the container security contexts minus
`enabled`, the optional root init containers, the image string rule, the ports. Rules that
read it say their evaluation was partial.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.bitnami import METRICS_PORT, REDIS_PORT, names
from generator.core.k8s import dig

# Bitnami's values.yaml defaults of what the pod's security contexts render from: Helm merges our
# values over them.
_SECURE = {"enabled": True, "seLinuxOptions": {}, "runAsUser": 1001, "runAsGroup": 1001, "runAsNonRoot": True,
           "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
           "seccompProfile": {"type": "RuntimeDefault"}, "capabilities": {"drop": ["ALL"]}}
DEFAULTS: dict[str, Any] = {
    "master": {"podSecurityContext": {"enabled": True, "fsGroupChangePolicy": "Always", "sysctls": [],
                                      "supplementalGroups": [], "fsGroup": 1001},
               "containerSecurityContext": _SECURE},
    "metrics": {"containerSecurityContext": _SECURE},
    "volumePermissions": {"containerSecurityContext": {"seLinuxOptions": {}, "runAsUser": 0}},
}


def _under(defaults: Mapping[str, Any], ours: Mapping[str, Any]) -> dict[str, Any]:
    """`ours` merged over `defaults` as Helm merges values: mappings key by key."""
    out = dict(defaults)
    for key, value in ours.items():
        base = out.get(key)
        out[key] = _under(base, value) if isinstance(base, Mapping) and isinstance(value, Mapping) else value
    return out


def subchart_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The subchart's part (`redis:`) of the umbrella chart's values."""
    found = values.get("redis")
    return found if isinstance(found, dict) else {}


def image(values: Mapping[str, Any], image_values: Any) -> str:
    """`common.images.image`: global.imageRegistry wins; a digest replaces the tag."""
    own = image_values if isinstance(image_values, dict) else {}
    registry = (dig(values, "global", "imageRegistry") or dig(subchart_values(values), "global", "imageRegistry")
                or own.get("registry") or "")
    name = f"{registry}/{own.get('repository', '')}" if registry else str(own.get("repository", ""))
    if own.get("digest"):
        return f"{name}@{own['digest']}"
    return f"{name}:{own.get('tag', '')}"


def security_context(section: Any) -> dict[str, Any]:
    """`common.compatibility.renderSecurityContext`: the section without `enabled`, or nothing."""
    ctx = dict(section) if isinstance(section, dict) else {}
    if not ctx.pop("enabled", True):
        return {}
    return ctx


def redis_port(r: Mapping[str, Any]) -> int:
    return int(dig(r, "master", "containerPorts", "redis", default=REDIS_PORT))


def metrics_port(r: Mapping[str, Any]) -> int:
    return int(dig(r, "metrics", "containerPorts", "http", default=METRICS_PORT))


def master_statefulset(values: Mapping[str, Any], release: str, namespace: str) -> dict[str, Any]:
    """The master StatefulSet (the parts the rules read) that `values` would render."""
    r = _under(DEFAULTS, subchart_values(values))
    master = dig(r, "master", default={}) or {}
    redis: dict[str, Any] = {"name": "redis", "image": image(values, r.get("image")),
                             "securityContext": security_context(master.get("containerSecurityContext")),
                             "ports": [{"name": "redis", "containerPort": redis_port(r)}]}
    containers = [redis]
    if dig(r, "metrics", "enabled"):
        containers.append({"name": "metrics", "image": image(values, dig(r, "metrics", "image")),
                           "securityContext": security_context(dig(r, "metrics", "containerSecurityContext")),
                           "ports": [{"name": "metrics", "containerPort": metrics_port(r)}]})
    init = []
    volumes: list[dict[str, Any]] = [{"name": "config", "configMap": {}}, {"name": "empty-dir", "emptyDir": {}},
                                     {"name": "redis-password", "secret": {}}]
    if dig(r, "volumePermissions", "enabled"):
        init.append({"name": "volume-permissions", "image": image(values, dig(r, "volumePermissions", "image")),
                     "securityContext": security_context(dig(r, "volumePermissions", "containerSecurityContext"))})
    if dig(r, "sysctl", "enabled"):
        init.append({"name": "init-sysctl", "image": image(values, dig(r, "sysctl", "image")),
                     "securityContext": {"privileged": True, "runAsUser": 0}})
        if dig(r, "sysctl", "mountHostSys"):
            volumes.append({"name": "host-sys", "hostPath": {"path": "/sys"}})
    spec: dict[str, Any] = {"securityContext": security_context(master.get("podSecurityContext")),
                            "containers": containers, "volumes": volumes}
    if init:
        spec["initContainers"] = init
    full = names.fullname(release, subchart_values(values))
    return {"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": names.master(full), "namespace": namespace},
            "spec": {"template": {"metadata": {"labels": names.pod_labels(release, subchart_values(values))},
                                  "spec": spec}}}

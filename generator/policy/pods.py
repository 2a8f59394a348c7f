"""The Redis pods a rule inspects: rendered ones, or, without the subchart, their likeness from values.

Without the Bitnami archive the chart renders only our objects. Rather than pass silently, the
rules then read a pod synthesized from the subchart values the way Bitnami 23.x renders them
(container security contexts minus `enabled`, the optional root init containers, the image
string rule), and say that the evaluation was partial.
"""

from __future__ import annotations

from typing import Any

from generator.core.k8s import PodTemplate, pod_templates
from generator.policy import topology
from generator.policy.model import Context
from generator.policy.topology import dig

ASSUMED = ("subchart objects not rendered: evaluated on a pod synthesized from the chart values "
           "(Bitnami's templates unseen)")


def image(ctx: Context, image_values: Any) -> str:
    """Bitnami's `common.images.image`: global.imageRegistry wins; a digest replaces the tag."""
    values = image_values if isinstance(image_values, dict) else {}
    registry = dig(ctx.values, "global", "imageRegistry") or dig(topology.redis_values(ctx), "global",
                                                                  "imageRegistry") or values.get("registry") or ""
    name = f"{registry}/{values.get('repository', '')}" if registry else str(values.get("repository", ""))
    if values.get("digest"):
        return f"{name}@{values['digest']}"
    return f"{name}:{values.get('tag', '')}"


def _security(section: Any) -> dict[str, Any]:
    ctx = dict(section) if isinstance(section, dict) else {}
    if not ctx.pop("enabled", True):
        return {}
    return ctx


def synthesized(ctx: Context) -> list[PodTemplate]:
    r = topology.redis_values(ctx)
    master = dig(r, "master", default={}) or {}
    redis: dict[str, Any] = {"name": "redis", "image": image(ctx, r.get("image")),
                             "securityContext": _security(master.get("containerSecurityContext")),
                             "ports": [{"name": "redis", "containerPort": topology.redis_port(ctx)}]}
    containers = [redis]
    if dig(r, "metrics", "enabled"):
        containers.append({"name": "metrics", "image": image(ctx, dig(r, "metrics", "image")),
                           "securityContext": _security(dig(r, "metrics", "containerSecurityContext")),
                           "ports": [{"name": "metrics", "containerPort": topology.metrics_port(ctx)}]})
    init = []
    volumes: list[dict[str, Any]] = [{"name": "config", "configMap": {}}, {"name": "empty-dir", "emptyDir": {}},
                                     {"name": "redis-password", "secret": {}}]
    if dig(r, "volumePermissions", "enabled"):
        init.append({"name": "volume-permissions", "image": image(ctx, dig(r, "volumePermissions", "image")),
                     "securityContext": _security(dig(r, "volumePermissions", "containerSecurityContext",
                                                       default={"runAsUser": 0}))})
    if dig(r, "sysctl", "enabled"):
        init.append({"name": "init-sysctl", "image": image(ctx, dig(r, "sysctl", "image")),
                     "securityContext": {"privileged": True, "runAsUser": 0}})
        if dig(r, "sysctl", "mountHostSys"):
            volumes.append({"name": "host-sys", "hostPath": {"path": "/sys"}})
    spec: dict[str, Any] = {"securityContext": _security(master.get("podSecurityContext")),
                            "containers": containers, "volumes": volumes}
    if init:
        spec["initContainers"] = init
    workload = {"apiVersion": "apps/v1", "kind": "StatefulSet",
                "metadata": {"name": f"{topology.fullname(ctx)}-master", "namespace": ctx.settings.namespace},
                "spec": {"template": {"metadata": {"labels": topology.pod_selector(ctx)}, "spec": spec}}}
    return pod_templates([workload])


def redis_pods(ctx: Context) -> tuple[list[PodTemplate], bool]:
    """Every pod template rendered (ours has none), or the synthesized one; and whether they were seen."""
    rendered = pod_templates(list(ctx.objects))
    if ctx.subchart:
        return rendered, True
    return rendered + synthesized(ctx), False

"""What an environment deploys, as the rules see it: its topology comes from the settings, its
names, ports and pods from the values, as Bitnami's templates derive them (generator/bitnami/)."""

from __future__ import annotations

from typing import Any

from generator.bitnami import SENTINEL_PORT, names, pods
from generator.check.policy.model import Context
from generator.core.k8s import PodTemplate, dig, pod_templates

COMPONENT = names.COMPONENT_LABEL


ASSUMED = ("subchart objects not rendered: evaluated on a pod synthesized from the chart values "
           "(Bitnami's templates unseen)")


def redis_values(ctx: Context) -> dict[str, Any]:
    return pods.subchart_values(ctx.values)


def architecture(ctx: Context) -> str:
    return ctx.settings.architecture


def sentinel(ctx: Context) -> bool:
    return ctx.settings.sentinel_enabled


def replicated(ctx: Context) -> bool:
    return architecture(ctx) == "replication"


def metrics(ctx: Context) -> bool:
    return ctx.settings.metrics_enabled


def redis_port(ctx: Context) -> int:
    return pods.redis_port(redis_values(ctx))


def metrics_port(ctx: Context) -> int:
    return pods.metrics_port(redis_values(ctx))


def sentinel_port(ctx: Context) -> int:
    return int(dig(redis_values(ctx), "sentinel", "containerPorts", "sentinel", default=SENTINEL_PORT))


def fullname(ctx: Context) -> str:
    return names.fullname(ctx.settings.release_name, redis_values(ctx))


def pod_selector(ctx: Context) -> dict[str, str]:
    """The labels Bitnami puts on every Redis pod of the release (master, replicas, sentinel nodes)."""
    return names.pod_labels(ctx.settings.release_name, redis_values(ctx))


def components(ctx: Context) -> list[str]:
    if not replicated(ctx):
        return ["master"]
    return ["node"] if sentinel(ctx) else ["master", "replica"]


def is_production(ctx: Context) -> bool:
    return ctx.env in ("prod", "production")


def redis_pods(ctx: Context) -> tuple[list[PodTemplate], bool]:
    """Every pod template rendered (ours has none), or the one Bitnami's would render from the
    values (generator/bitnami/pods.py); and whether they were seen."""
    rendered = pod_templates(list(ctx.objects))
    if ctx.subchart:
        return rendered, True
    synthesized = pods.master_statefulset(ctx.values, ctx.settings.release_name, ctx.settings.namespace)
    return rendered + pod_templates([synthesized]), False

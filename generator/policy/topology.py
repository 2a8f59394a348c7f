"""What this environment runs: its topology comes from the settings, ports from the values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.bitnami import METRICS_PORT, REDIS_PORT, SENTINEL_PORT, names
from generator.policy.model import Context

COMPONENT = names.COMPONENT_LABEL


def dig(data: Any, *path: str, default: Any = None) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return default
        data = data[key]
    return data


def redis_values(ctx: Context) -> dict[str, Any]:
    found = ctx.values.get("redis")
    return found if isinstance(found, dict) else {}


def architecture(ctx: Context) -> str:
    return ctx.settings.architecture


def sentinel(ctx: Context) -> bool:
    return ctx.settings.sentinel_enabled


def replicated(ctx: Context) -> bool:
    return architecture(ctx) == "replication"


def metrics(ctx: Context) -> bool:
    return ctx.settings.metrics_enabled


def redis_port(ctx: Context) -> int:
    return int(dig(redis_values(ctx), "master", "containerPorts", "redis", default=REDIS_PORT))


def metrics_port(ctx: Context) -> int:
    return int(dig(redis_values(ctx), "metrics", "containerPorts", "http", default=METRICS_PORT))


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

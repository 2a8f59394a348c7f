"""The values of the umbrella chart: what every environment shares (`chart/values.yaml`, a
static file: generator/render/templates/values.yaml) and each environment's own
(`chart/values-<env>.yaml`, from its settings).

Only what differs between environments is generated; keys under `redis:` go to the Bitnami
subchart (generator/render/redis_values.py builds them), so each must exist in its values.yaml
(checked when the subchart is present).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from typing import Any

from generator.core import names, paths, yamlio
from generator.core.settings import Settings
from generator.render import redis_values

SHARED_FILE = "values.yaml"  # in chart/ and in generator/render/templates/


@functools.cache
def shared_text() -> str:
    """chart/values.yaml, as build writes it."""
    return (paths.TEMPLATES / SHARED_FILE).read_text(encoding="utf-8")


@functools.cache
def _shared() -> dict[str, Any]:
    data: dict[str, Any] = yamlio.load(shared_text())
    return data


def shared() -> dict[str, Any]:
    """chart/values.yaml as data, read once per process; a copy the caller may change."""
    return copy.deepcopy(_shared())


def env_values(settings: Settings) -> dict[str, Any]:
    """The values file of one environment, in a stable key order."""
    if not settings.enable_redis:
        return {"redis": {"enabled": False}}
    return {
        "redis": redis_values.section(settings),
        "networkPolicy": {
            "backendNamespace": settings.backend_namespace,
            "monitoringNamespace": settings.monitoring_namespace,
        },
        "secret": secret_values(settings),
    }


def secret_values(settings: Settings) -> dict[str, Any]:
    """How the password Secret comes to be (secret_mode); never the password itself."""
    if settings.secret_mode != "external":
        return {"mode": settings.secret_mode}
    return {
        "mode": "external",
        "external": {
            "remoteKey": names.aws_secret_name(settings),
            "storeName": settings.secret_store_name,
            "storeKind": settings.secret_store_kind,
        },
    }


def deep_update(into: dict[str, Any], other: Mapping[str, Any]) -> None:
    """Merge `other` into `into` as Helm merges values files: mappings key by key, the rest replaced."""
    for key, value in other.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            deep_update(into[key], value)
        else:
            into[key] = value


def chart_values(files: Mapping[str, str], env: str) -> dict[str, Any]:
    """The values Helm renders one environment with: chart/values.yaml, values-<env>.yaml over it."""
    merged: dict[str, Any] = {}
    for name in (SHARED_FILE, f"values-{env}.yaml"):
        deep_update(merged, yamlio.load(files.get(name, "")) or {})
    return merged


def subchart_values(settings: Settings) -> dict[str, Any]:
    """What the Bitnami subchart receives for one environment (the `redis:` section of the
    values Helm renders with), built from data: nothing is rendered or parsed."""
    merged = shared()
    deep_update(merged, copy.deepcopy(env_values(settings)))
    redis: dict[str, Any] = merged.get("redis") or {}
    return redis

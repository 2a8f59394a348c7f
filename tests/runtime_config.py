"""The redis configuration a pod receives, for the runtime tests: from the real subchart's render
when the archive is present, else our own equivalent built from the same values."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from generator import naming, pipeline, redisconf
from generator.settings import Settings
from tests.conftest import ARCHIVES, ROOT


@functools.cache
def settings(env: str, **changes: Any) -> Settings:
    base = pipeline.prepare(ROOT, env).settings
    return dataclasses.replace(base, **changes) if changes else base


def equivalent(s: Settings) -> dict[str, str]:
    return redisconf.configmap(redisconf.subchart_values(s), naming.bitnami_fullname(s.release_name), s.namespace)


@functools.cache
def rendered(env: str) -> dict[str, str] | None:
    """The data of `<fullname>-configuration` as helm renders it with the real subchart, or None."""
    if not ARCHIVES:
        return None
    prepared = pipeline.prepare(ROOT, env)
    (result,) = pipeline.render_checked(ROOT, [prepared.settings], [prepared.env.file])
    name = f"{naming.bitnami_fullname(prepared.settings.release_name)}-configuration"
    for obj in result.objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == name:
            return {k: str(v) for k, v in obj["data"].items()}
    raise AssertionError(f"{env}: no ConfigMap {name} in the render")


def for_env(env: str) -> tuple[str, dict[str, str]]:
    """(where it came from, the files) for one committed environment."""
    real = rendered(env)
    if real is not None:
        return "subchart render", real
    return "our equivalent", equivalent(settings(env))

"""The redis configuration a pod receives, for the runtime tests: from the real subchart's render
when the archive is present, else our own equivalent built from the same values.

Every helper reads the project at `root`: by default the tests' own project (tests/fixture_project.py,
its standalone environments, with the subchart archive when there is one), or a copy made by
tests/ha.py for the HA variant."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

from generator import pipeline
from generator.bitnami import archive as subchart
from generator.bitnami import config
from generator.bitnami import names as bitnami_names
from generator.check import renders
from generator.core.settings import Settings
from generator.render import values
from tests.support import fixture_project


def settings(env: str, root: Path | None = None, **changes: Any) -> Settings:
    return _settings(env, root or fixture_project.default_root(), **changes)


@functools.cache
def _settings(env: str, root: Path, **changes: Any) -> Settings:
    base = pipeline.prepare(root, env).settings
    return dataclasses.replace(base, **changes) if changes else base


def equivalent(s: Settings) -> dict[str, str]:
    return config.configmap(values.subchart_values(s), bitnami_names.fullname(s.release_name), s.namespace)


def rendered(env: str, root: Path | None = None) -> dict[str, str] | None:
    """The data of `<fullname>-configuration` as helm renders it with the real subchart from
    root's chart/, or None when root has no subchart archive."""
    return _rendered(env, root or fixture_project.default_root())


@functools.cache
def _rendered(env: str, root: Path) -> dict[str, str] | None:
    if subchart.find(root / "chart") is None:
        return None
    prepared = pipeline.prepare(root, env)
    (result,) = renders.render_checked(root, [prepared.settings], [prepared.env.file])
    name = f"{bitnami_names.fullname(prepared.settings.release_name)}-configuration"
    for obj in result.objects:
        if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == name:
            return {k: str(v) for k, v in obj["data"].items()}
    raise AssertionError(f"{env}: no ConfigMap {name} in the render")


def for_env(env: str, root: Path | None = None) -> tuple[str, dict[str, str]]:
    """(where it came from, the files) for one environment of root."""
    root = root or fixture_project.default_root()
    real = rendered(env, root)
    if real is not None:
        return "subchart render", real
    return "our equivalent", equivalent(settings(env, root))

"""Real renders of the tests' prod and its variants, made once per session with the real helm and
Bitnami subchart (never stored: rendered into a temporary copy of the tests' project).

Each variant is prod's settings with a few replaced, under its own environment name so that all
render in one pool (the values file is per environment); the AWS secret name is pinned so that
the ExternalSecret does not differ by name alone.
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import tempfile
from pathlib import Path
from typing import Any

from generator import pipeline
from generator.check import renders as checked_renders
from generator.core.settings import ResourceList, Resources, Settings
from generator.plan.rules import identity
from tests.support import fixture_project
from tests.support import plan as support

HA: dict[str, Any] = {"architecture": "replication", "sentinel_enabled": True, "replica_count": 3,
      "sentinel_image_tag": "redis-sentinel-8.4.0"}
VARIANTS: dict[str, dict[str, Any]] = {
    "base": {},
    "storage_up": {"storage_size": "16Gi"},
    "storage_down": {"storage_size": "4Gi"},
    "storage_class": {"storage_class_name": "io2"},
    "storage_class_default": {"storage_class_name": ""},
    "resources": {"resources": Resources(ResourceList("250m", "384Mi"), ResourceList("1", "768Mi"))},
    "image_tag": {"image_tag": "redis-8.4.1"},
    "rdb_save": {"rdb_save": "300 1 60 100"},
    "no_metrics": {"metrics_enabled": False},
    "release_rename": {"release_name": "twofa"},
    "namespace": {"namespace": "redis-prod"},
    "persistence_off": {"persistence_enabled": False},
    "ha": HA,
    "ha_storage_up": {**HA, "storage_size": "16Gi"},
}
Renders = dict[str, dict[tuple[str, str, str, str], dict[str, Any]]]


def _render(root: Path, settings: list[Settings], env_file: str) -> list[checked_renders.Result]:
    return checked_renders.render_checked(root, settings, [env_file] * len(settings), lint_each=False)


@functools.cache
def renders() -> tuple[str, str | None, Renders]:
    """(the archive version of the variants, the lower version rendered as `old_chart` and
    `ha_old_chart` when a second archive exists, variant -> objects by identity)."""
    found = support.versions(1)[0]  # skips the test, saying why, without an archive
    versions = list(support.archives())
    older = versions[-2] if len(versions) > 1 else None
    tmp = Path(tempfile.mkdtemp(prefix="twofa-redis.plan-renders."))
    try:
        root = fixture_project.copy(tmp / "project", subchart=False)
        (root / "chart" / "charts").mkdir(exist_ok=True)
        for version in [found, *([older] if older else [])]:
            shutil.copyfile(support.archives()[version], root / "chart" / "charts" / f"redis-{version}.tgz")
        prod = pipeline.prepare(root, "prod", resolve_ecr=False)
        base = dataclasses.replace(prod.settings, chart_version=found, aws_secret_name="twofa/prod/redis-password")
        variants = [dataclasses.replace(base, env=name.replace("_", "-"), **changes)
                    for name, changes in VARIANTS.items()]
        results = _render(root, variants, prod.env.file)
        if older is not None:
            old = [dataclasses.replace(base, env="old-chart", chart_version=older),
                   dataclasses.replace(base, env="ha-old-chart", chart_version=older, **HA)]
            results += _render(root, old, prod.env.file)
        out: Renders = {}
        for r in results:
            assert r.subchart is not None, f"{r.settings.env}: rendered without the subchart"
            out[r.settings.env.replace("-", "_")] = {identity(o): o for o in r.objects}
        return found, older, out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

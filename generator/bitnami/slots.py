"""Every image the Bitnami chart can pull, with the switch in its values that turns it on
(bitnami/redis values.yaml and the templates' conditions). `images` and `mirror` list what these
switches turn on; tests/e2e/test_bitnami.py checks them against what the real render pulls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Values = dict[str, Any]


@dataclass(frozen=True)
class Slot:
    path: tuple[str, ...]  # where the image sits in the redis subchart's values
    name: str  # the Bitnami image name: source default and ECR tag prefix
    used: Callable[[Values], bool]


def _on(values: Values, *path: str, default: bool = False) -> bool:
    """A switch of the values; `default` is Bitnami's, for a switch our values do not set."""
    node: Any = values
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return bool(node)


def _sentinel(v: Values) -> bool:
    """Bitnami's default architecture is replication; sentinel renders only there."""
    return v.get("architecture", "replication") == "replication" and _on(v, "sentinel", "enabled")


def _volume_permissions(v: Values) -> bool:
    """The init container renders for a component with persistence and both security contexts
    on (master/application.yaml, replicas/application.yaml: `$needsVolumePermissions`)."""
    components = ["master"] + (["replica"] if v.get("architecture") == "replication" else [])
    return _on(v, "volumePermissions", "enabled") and any(
        all(_on(v, c, k, "enabled", default=True) for k in ("persistence", "podSecurityContext",
                                                              "containerSecurityContext"))
        for c in components)


# Bitnami redis 23.x/24.x: every image the chart can render (bitnami/redis values.yaml).
SLOTS = (
    Slot(("image",), "redis", lambda v: True),
    Slot(("sentinel", "image"), "redis-sentinel", _sentinel),
    Slot(("metrics", "image"), "redis-exporter", lambda v: _on(v, "metrics", "enabled")),
    Slot(("volumePermissions", "image"), "os-shell", _volume_permissions),
    Slot(("sysctl", "image"), "os-shell", lambda v: _on(v, "sysctl", "enabled")),
    Slot(("kubectl", "image"), "kubectl",
         lambda v: _sentinel(v) and (_on(v, "sentinel", "masterService", "enabled")
                                     or _on(v, "sentinel", "service", "createMaster"))),
)

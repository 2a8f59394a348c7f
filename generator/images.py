"""The images an environment's deployment pulls, read from the very values the chart renders.

Each Bitnami image slot is listed with the switch that makes the chart use it; the list is
whatever slots the rendered values turn on. So `images` and `mirror` cannot disagree with the
chart, and a helper image turned on without being pointed at ECR is refused, not pulled from
Docker Hub behind our back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator import render
from generator.core.errors import CheckError, ValidationError
from generator.core.settings import Settings
from generator.imageref import Reference, parse_reference

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


@dataclass(frozen=True)
class Image:
    name: str
    registry: str
    repository: str
    tag: str
    digest: str | None  # pinned in the environment (image.digest), if any
    source: Reference  # where `mirror` copies it from

    @property
    def ref(self) -> str:
        return f"{self.registry}/{self.repository}:{self.tag}"


def redis_values(settings: Settings) -> Values:
    """The redis subchart's values as the chart sees them: values.yaml under values-<env>.yaml."""
    return render.redis_values(settings)


def default_source(name: str, tag: str) -> str:
    """Bitnami on Docker Hub, version taken from the ECR tag: redis-8.4.0 -> bitnami/redis:8.4.0."""
    return f"docker.io/bitnami/{name}:{tag.removeprefix(name + '-')}"


def images(settings: Settings) -> list[Image]:
    """Every image the environment's deployment pulls, once each, in chart order."""
    if not settings.enable_redis:
        return []
    values = redis_values(settings)
    found: dict[str, Image] = {}
    for slot in SLOTS:
        if not slot.used(values):
            continue
        node: Any = values
        for key in slot.path:
            node = node.get(key) if isinstance(node, dict) else None
        node = node if isinstance(node, dict) else {}
        where = "redis." + ".".join(slot.path)
        if node.get("registry") != settings.ecr_registry or node.get("repository") != settings.ecr_repository:
            raise CheckError(f"{settings.env}: {where} is turned on but does not point at "
                             f"{settings.ecr_registry}/{settings.ecr_repository}: it would be pulled from "
                             f"{node.get('registry') or 'docker.io'} instead of ECR")
        tag = str(node.get("tag") or "")
        config = settings.images.get(slot.name, {})
        text = config.get("source") or default_source(slot.name, tag)
        try:
            source = parse_reference(text)
        except ValueError as e:
            raise ValidationError(f"{settings.env}: images.{slot.name}.source: {e}") from None
        image = Image(slot.name, settings.ecr_registry, settings.ecr_repository, tag,
                      str(node.get("digest") or "") or None, source)
        found.setdefault(image.ref, image)
    return list(found.values())


def pulled(objects: list[dict[str, Any]]) -> list[str]:
    """Every container image a rendered set of objects pulls, sorted, once each."""
    found: set[str] = set()
    for obj in objects:
        spec = (obj.get("spec") or {}) if isinstance(obj, dict) else {}
        pod = ((spec.get("template") or {}).get("spec") or {}) if obj.get("kind") != "Pod" else spec
        for key in ("initContainers", "containers", "ephemeralContainers"):
            for container in pod.get(key) or []:
                if isinstance(container, dict) and container.get("image"):
                    found.add(str(container["image"]))
    return sorted(found)


def check_rendered(settings: Settings, objects: list[dict[str, Any]]) -> None:
    """The render pulls exactly what `images` lists (as Bitnami writes it: @digest replaces the tag)."""
    listed = {f"{i.registry}/{i.repository}@{i.digest}" if i.digest else i.ref for i in images(settings)}
    stray = [image for image in pulled(objects) if image not in listed]
    if stray:
        raise CheckError(f"{settings.env}: the chart pulls images that are not mirrored to ECR: {', '.join(stray)}")

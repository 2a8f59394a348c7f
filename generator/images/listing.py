"""The images an environment's deployment pulls, read from the very values the chart renders.

Each Bitnami image slot (generator/bitnami/slots.py) comes with the switch that makes the chart
use it; the list is whatever slots the rendered values turn on. So `images` and `mirror` cannot
disagree with the chart, and a helper image turned on without being pointed at ECR is refused,
not pulled from Docker Hub behind our back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.bitnami.slots import SLOTS, Values
from generator.core.errors import CheckError, ValidationError
from generator.core.k8s import containers, pod_templates
from generator.core.settings import Settings
from generator.images.refs import Reference, parse_reference
from generator.render import values as render_values


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


def default_source(name: str, tag: str) -> str:
    """Bitnami on Docker Hub, version taken from the ECR tag: redis-8.4.0 -> bitnami/redis:8.4.0."""
    return f"docker.io/bitnami/{name}:{tag.removeprefix(name + '-')}"


def images(settings: Settings) -> list[Image]:
    """Every image the environment's deployment pulls, once each, in chart order."""
    if not settings.enable_redis:
        return []
    values: Values = render_values.subchart_values(settings)
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
    return sorted({str(c.spec["image"]) for pod in pod_templates(objects) for c in containers(pod)
                   if c.spec.get("image")})


def check_rendered(settings: Settings, objects: list[dict[str, Any]]) -> None:
    """The render pulls exactly what `images` lists (as Bitnami writes it: @digest replaces the tag)."""
    listed = {f"{i.registry}/{i.repository}@{i.digest}" if i.digest else i.ref for i in images(settings)}
    stray = [image for image in pulled(objects) if image not in listed]
    if stray:
        raise CheckError(f"{settings.env}: the chart pulls images that are not mirrored to ECR: {', '.join(stray)}")

"""The validated settings of one environment, as a typed record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResourceList:
    cpu: str | None = None
    memory: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("cpu", self.cpu), ("memory", self.memory)) if v is not None}


@dataclass(frozen=True)
class Resources:
    requests: ResourceList
    limits: ResourceList

    def as_dict(self) -> dict[str, dict[str, str]]:
        out = {"requests": self.requests.as_dict(), "limits": self.limits.as_dict()}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Settings:
    """Every setting of the schema, defaults applied. Field names are the schema's."""

    env: str
    region: str
    prefix: str
    enable_redis: bool
    namespace: str
    release_name: str
    secret_name: str
    chart_version: str
    chart_repository: str
    storage_class_name: str
    storage_size: str
    persistence_enabled: bool
    rdb_save: str
    stop_writes_on_bgsave_error: bool
    resources: Resources
    metrics_enabled: bool
    metrics_image_tag: str
    monitoring_namespace: str
    ecr_registry: str
    ecr_repository: str
    image_tag: str
    backend_namespace: str
    kube_version: str
    # Empty ecr_registry/ecr_repository are resolved from ecr_source before rendering (generator/ecr.py).
    ecr_source: Mapping[str, Any] | None = None
    images: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        values = dict(data)
        values.setdefault("ecr_registry", "")
        values.setdefault("ecr_repository", "")
        res = values.get("resources") or {}
        values["resources"] = Resources(
            requests=ResourceList(**res.get("requests", {})),
            limits=ResourceList(**res.get("limits", {})),
        )
        return cls(**values)

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
class ArgoCD:
    """Where Argo CD finds this repository and how it syncs one environment (argocd/<env>.yaml).
    Defaults equal the schema's (tests/core/test_settings.py checks that)."""

    repo_url: str
    target_revision: str = "HEAD"
    project: str = "default"
    namespace: str = "argocd"
    destination_server: str = "https://kubernetes.default.svc"
    automated: bool = False
    prune: bool = False
    self_heal: bool = False
    chart_role_arn: str = ""  # IRSA role for the ECR chart token (chart_repository on ECR)


@dataclass(frozen=True)
class PolicyException:
    """A policy rule switched off for one environment, with the written reason reports show."""

    rule: str
    reason: str


@dataclass(frozen=True)
class PlanAcknowledgement:
    """A `plan` finding (forbidden, data-at-risk) this environment accepts, with the written reason."""

    finding: str
    object: str
    reason: str
    environment: str = ""  # in _common.yaml: the environment it applies to (a removed one)


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
    # GitOps (issue 4): how the password reaches the cluster, what Argo CD renders with.
    secret_mode: str = "existing"
    aws_secret_name: str = ""
    secret_store_name: str = "aws-secrets-manager"
    secret_store_kind: str = "ClusterSecretStore"
    api_versions: tuple[str, ...] = ()
    argocd: ArgoCD | None = None
    # Runtime promises and production options (issue 5); defaults are the schema's.
    otp_ttl_seconds: int = 300
    architecture: str = "standalone"
    replica_count: int = 3
    sentinel_enabled: bool = False
    sentinel_master_set: str = "mymaster"
    sentinel_down_after_milliseconds: int = 10000
    sentinel_image_tag: str = "redis-sentinel-latest"
    acl_enabled: bool = False
    acl_username: str = "twofa-backend"
    acl_secret_name: str = "redis-backend-acl"
    policy_exceptions: tuple[PolicyException, ...] = ()
    plan_acknowledgements: tuple[PlanAcknowledgement, ...] = ()
    require_image_digest: bool = False
    # Memory under load (issue 12): maxmemory given as a quantity, else derived from the memory
    # limit (generator/render/memory.py); what Redis does when it is reached.
    maxmemory: str | None = None
    maxmemory_policy: str = "volatile-ttl"
    # Empty ecr_registry/ecr_repository are resolved from ecr_source before rendering (generator/resolve/ecr.py).
    ecr_source: Mapping[str, Any] | None = None
    images: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The chart's supply chain (issue 13): the archive pin, and where `mirror` copies the chart from.
    chart_digest: str = ""
    chart_source: str = "oci://registry-1.docker.io/bitnamicharts"

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
        if "api_versions" in values:
            values["api_versions"] = tuple(values["api_versions"])
        if values.get("argocd") is not None:
            values["argocd"] = ArgoCD(**values["argocd"])
        values["policy_exceptions"] = tuple(PolicyException(**e) for e in values.get("policy_exceptions") or ())
        values["plan_acknowledgements"] = tuple(PlanAcknowledgement(**a) for a in values.get("plan_acknowledgements")
                                                or ())
        return cls(**values)

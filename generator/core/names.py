"""Names a user sees: the Terraform module's outputs, our own objects, the AWS secret, the keys.

The render (values, Argo CD manifests) and `outputs` both call these, so the host name a
backend is told and the Service the chart creates cannot drift apart. What Bitnami names is
generator/bitnami/names.py.
"""

from __future__ import annotations

import re
from typing import Any

from generator.bitnami import REDIS_PORT, SENTINEL_PORT
from generator.bitnami import names as bitnami
from generator.core.k8s import trunc
from generator.core.settings import Settings

PASSWORD_KEY = "redis-password"  # the key of the password in secret_name (Bitnami's existingSecretPasswordKey)
ACL_PASSWORD_KEY = "backend-password"  # key of the backend ACL user's password (generator/render/acl.py)
CLUSTER_DOMAIN = "cluster.local"
# An ECR registry host: <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn].
ECR_HOST = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")


def network_policy(settings: Settings) -> str:
    """Our own NetworkPolicy; must match `twofa-redis.fullname` in chart/templates/_helpers.tpl."""
    return trunc(f"{settings.release_name}-backend-access")


def aws_secret_name(settings: Settings) -> str:
    """The Secrets Manager secret the ExternalSecret reads and `secret put` writes."""
    return settings.aws_secret_name or f"{settings.prefix}/{settings.env}/redis-password"


def application(settings: Settings) -> str:
    """The Argo CD Application of one environment (argocd/<env>.yaml)."""
    return trunc(f"{settings.prefix}-redis-{settings.env}")


def chart_repository(settings: Settings) -> str:
    """The Argo CD repository Secret for the chart in ECR, and the ESO objects that refresh it."""
    return trunc(f"{application(settings)}-chart-repo")


def outputs(settings: Settings) -> dict[str, Any]:
    """The Terraform module's outputs, same names and meaning."""
    if not settings.enable_redis:
        return {
            "redis_enabled": False, "redis_host": None, "redis_port": None,
            "redis_namespace": None, "redis_password_secret_name": None,
            "redis_password_secret_key": None, "redis_connection_url": None,
        }
    host = f"{bitnami.master_service(settings)}.{settings.namespace}.svc.{CLUSTER_DOMAIN}"
    url = f"redis://{host}:{REDIS_PORT}"
    extra: dict[str, Any] = {}
    if settings.sentinel_enabled:
        # No master Service in Sentinel mode: the Service <fullname> reaches every node on
        # the Redis and the Sentinel port, and clients ask Sentinel which node is the master.
        host = f"{bitnami.fullname(settings.release_name)}.{settings.namespace}.svc.{CLUSTER_DOMAIN}"
        url = f"redis+sentinel://{host}:{SENTINEL_PORT}/{settings.sentinel_master_set}"
        extra.update(redis_sentinel_host=host, redis_sentinel_port=SENTINEL_PORT,
                     redis_sentinel_master_set=settings.sentinel_master_set)
    if settings.acl_enabled:
        extra.update(redis_acl_username=settings.acl_username, redis_acl_password_secret_name=settings.acl_secret_name,
                     redis_acl_password_secret_key=ACL_PASSWORD_KEY)
    return {
        "redis_enabled": True,
        "redis_host": host,
        "redis_port": REDIS_PORT,
        "redis_namespace": settings.namespace,
        "redis_password_secret_name": settings.secret_name,
        "redis_password_secret_key": PASSWORD_KEY,
        "redis_connection_url": url,
        **extra,
    }

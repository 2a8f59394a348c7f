"""Names of the deployed objects, derived the way the charts derive them.

The render (values, Argo CD manifests) and `outputs` both call these, so the host name a
backend is told and the Service the chart creates cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from generator.settings import Settings

SUBCHART = "redis"  # the Bitnami chart's name, which its resource names embed
PASSWORD_KEY = "redis-password"  # the key Bitnami reads from an existing Secret
REDIS_PORT = 6379
METRICS_PORT = 9121
CLUSTER_DOMAIN = "cluster.local"
SENTINEL_PORT = 26379
ACL_PASSWORD_KEY = "backend-password"  # key of the backend ACL user's password (generator/acl.py)


def _trunc(name: str) -> str:
    # Helm's `trunc 63 | trimSuffix "-"`: trimSuffix removes one dash, not all of them.
    return name[:63].removesuffix("-")


def bitnami_fullname(release: str) -> str:
    """Bitnami's `common.names.fullname`: the release name if it already contains 'redis'."""
    return _trunc(release if SUBCHART in release else f"{release}-{SUBCHART}")


def master_service(settings: Settings) -> str:
    # Bitnami: printf "%s-master" fullname, not truncated (schema.py keeps it short enough).
    return f"{bitnami_fullname(settings.release_name)}-master"


def master_pod(settings: Settings) -> str:
    return f"{master_service(settings)}-0"


def network_policy(settings: Settings) -> str:
    """Our own NetworkPolicy; must match `twofa-redis.fullname` in chart/templates/_helpers.tpl."""
    return _trunc(f"{settings.release_name}-backend-access")


def aws_secret_name(settings: Settings) -> str:
    """The Secrets Manager secret the ExternalSecret reads and `secret put` writes."""
    return settings.aws_secret_name or f"{settings.prefix}/{settings.env}/redis-password"


def application(settings: Settings) -> str:
    """The Argo CD Application of one environment (argocd/<env>.yaml)."""
    return _trunc(f"{settings.prefix}-redis-{settings.env}")


def outputs(settings: Settings) -> dict[str, Any]:
    """The Terraform module's outputs, same names and meaning."""
    if not settings.enable_redis:
        return {
            "redis_enabled": False, "redis_host": None, "redis_port": None,
            "redis_namespace": None, "redis_password_secret_name": None,
            "redis_password_secret_key": None, "redis_connection_url": None,
        }
    host = f"{master_service(settings)}.{settings.namespace}.svc.{CLUSTER_DOMAIN}"
    url = f"redis://{host}:{REDIS_PORT}"
    extra: dict[str, Any] = {}
    if settings.sentinel_enabled:
        # No master Service in Sentinel mode: the Service <fullname> reaches every node on
        # 6379 and 26379, and clients ask Sentinel which node is the master.
        host = f"{bitnami_fullname(settings.release_name)}.{settings.namespace}.svc.{CLUSTER_DOMAIN}"
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

"""The names Bitnami's templates give the objects of a release (`common.names.*`).

Our outputs (redis_host), the Argo CD manifests, the policy rules and chart/templates/
_helpers.tpl (`twofa-redis.bitnamiFullname`) all rely on these; tests/e2e/test_bitnami.py checks
them against the real render.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.bitnami import CHART
from generator.core.k8s import trunc
from generator.core.settings import Settings

NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"
COMPONENT_LABEL = "app.kubernetes.io/component"


def name(values: Mapping[str, Any] | None = None) -> str:
    """`common.names.name`: the chart's name unless nameOverride says otherwise."""
    return trunc(str((values or {}).get("nameOverride") or CHART))


def fullname(release: str, values: Mapping[str, Any] | None = None) -> str:
    """`common.names.fullname`: fullnameOverride, else the release name if it already contains
    the chart's name, else `<release>-redis`."""
    override = (values or {}).get("fullnameOverride")
    if override:
        return trunc(str(override))
    chart = name(values)
    return trunc(release if chart in release else f"{release}-{chart}")


def pod_labels(release: str, values: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The labels Bitnami puts on every Redis pod of the release (master, replicas, sentinel nodes)."""
    return {NAME_LABEL: name(values), INSTANCE_LABEL: release}


def master(full: str) -> str:
    """The master's StatefulSet and Service: `printf "%s-master"`, not truncated (the schema
    keeps release_name short enough)."""
    return f"{full}-master"


def headless(full: str) -> str:
    return f"{full}-headless"


def scripts(full: str) -> str:
    """The ConfigMap of start scripts (start-master.sh, ...)."""
    return f"{full}-scripts"


def configuration(full: str) -> str:
    """The ConfigMap of redis.conf, master.conf, replica.conf (and sentinel.conf)."""
    return f"{full}-configuration"


def master_service(settings: Settings) -> str:
    return master(fullname(settings.release_name))


def master_pod(settings: Settings) -> str:
    return f"{master_service(settings)}-0"

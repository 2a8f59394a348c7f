"""Subchart values for what grows beyond the seed's single Redis: disabled commands in every
role, replication with Sentinel, and the backend's ACL user. Merged into values-<env>.yaml by
generator/values.py; the rules these settings obey across fields are in
generator/validate/crossfield.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator import acl, redisconf
from generator.bitnami import REDIS_PORT, SENTINEL_PORT, names
from generator.core.settings import Settings

SENTINEL_QUORUM = 2
SENTINEL_FAILOVER_TIMEOUT_MS = 60_000
# Bitnami's replica/sentinel defaults already match these; written out so that no chart upgrade
# can loosen them unnoticed (the master's are in values.yaml).
CONTAINER_SECURITY = {
    "enabled": True, "runAsUser": 1001, "runAsGroup": 1001, "runAsNonRoot": True,
    "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"},
}


def subchart_values(
    settings: Settings,
    resources: dict[str, Any],
    persistence: dict[str, Any],
    image: Callable[[str, str], dict[str, str]],
) -> dict[str, Any]:
    """The keys under `redis:` that this module owns, for one enabled environment.
    `image(name, tag)` gives an image's values, so digests and pull policy are set in one place."""
    disabled = list(redisconf.DISABLED_COMMANDS)
    # Bitnami renames commands per role file: master.conf in standalone/replication, but in
    # Sentinel mode every node reads replica.conf only. The same list goes to both.
    master: dict[str, Any] = {"disableCommands": disabled}
    replica: dict[str, Any] = {"disableCommands": disabled}
    out: dict[str, Any] = {"master": master, "replica": replica}
    if settings.architecture == "replication":
        out["architecture"] = "replication"
        replica.update(
            replicaCount=settings.replica_count,
            resources=resources,
            persistence=persistence,
            automountServiceAccountToken=False,
            podSecurityContext={"enabled": True, "fsGroup": 1001},
            containerSecurityContext=CONTAINER_SECURITY,
            pdb={"create": True, "minAvailable": "", "maxUnavailable": 1},
            podAntiAffinityPreset="soft",
            topologySpreadConstraints=_spread(settings),
        )
        if settings.sentinel_enabled:
            out["sentinel"] = {
                "enabled": True,
                "image": image("redis-sentinel", settings.sentinel_image_tag),
                "masterSet": settings.sentinel_master_set,
                "quorum": SENTINEL_QUORUM,
                "downAfterMilliseconds": settings.sentinel_down_after_milliseconds,
                # Bitnami's 180 s would also make a second failover of the same master wait 6 min.
                "failoverTimeout": SENTINEL_FAILOVER_TIMEOUT_MS,
                "parallelSyncs": 1,
                "containerPorts": {"sentinel": SENTINEL_PORT},
                "service": {"type": "ClusterIP", "ports": {"redis": REDIS_PORT, "sentinel": SENTINEL_PORT}},
                "containerSecurityContext": CONTAINER_SECURITY,
            }
    if settings.acl_enabled:
        for role in (master, replica):
            role.update(
                preExecCmds=[acl.start_script(settings.acl_username)],
                extraVolumes=[acl.volume(settings.acl_secret_name)],
                extraVolumeMounts=[acl.volume_mount()],
            )
    return out


def _spread(settings: Settings) -> list[dict[str, Any]]:
    """One Redis per node while there are nodes enough, and across zones where possible."""
    component = "node" if settings.sentinel_enabled else "replica"
    selector = {"matchLabels": {**names.pod_labels(settings.release_name), names.COMPONENT_LABEL: component}}
    # nodeTaintsPolicy Honor: tainted nodes the pods cannot use (control planes) must not count as
    # empty domains, or a hard spread over two workers and a control plane would refuse pod three.
    return [
        {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule",
         "nodeTaintsPolicy": "Honor", "labelSelector": selector},
        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
         "nodeTaintsPolicy": "Honor", "labelSelector": selector},
    ]

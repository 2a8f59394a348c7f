"""Bitnami's templates/configmap.yaml: the ConfigMap `<fullname>-configuration` rebuilt from the
values we give the subchart (redis.conf, master.conf, replica.conf, users.acl, sentinel.conf).

The runtime tests start a real redis-server on these files, archive or not;
tests/e2e/test_bitnami.py compares them byte for byte with the real subchart's render.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.bitnami import REDIS_PORT, names
from generator.core.names import CLUSTER_DOMAIN

# With a master Service, Sentinel calls this script of Bitnami's on each failover (indented so in 23.x).
PUSH_MASTER_LABEL = "/opt/bitnami/scripts/start-scripts/push-master-label.sh"
DATA_PATH = "/data"  # Bitnami's master/replica.persistence.path
# Bitnami's default commonConfiguration (values.yaml): AOF on, RDB snapshots off; ours replaces it.
DEFAULT_COMMON_CONFIGURATION = ("# Enable AOF https://redis.io/topics/persistence#append-only-file\nappendonly yes\n"
                                '# Disable RDB persistence, AOF persistence already enabled.\nsave ""')


def configmap(redis_values: Mapping[str, Any], fullname: str = "redis", namespace: str = "redis",
              cluster_domain: str = CLUSTER_DOMAIN) -> dict[str, str]:
    """Bitnami's templates/configmap.yaml (23.x), for the values we set: the data of
    `<fullname>-configuration`. Bitnami's own ACL path (auth.acl) is refused: it renders `nopass`
    under `helm template`; our ACL file is written at container start (generator/render/acl.py)."""
    if redis_values.get("auth", {}).get("acl", {}).get("enabled"):
        raise ValueError("redis.auth.acl.enabled must stay false: Bitnami's ACL reads Secrets with `lookup`")
    master = redis_values.get("master", {})
    replica = redis_values.get("replica", {})
    common = str(redis_values.get("commonConfiguration", ""))
    files = {
        "redis.conf": "\n".join(["# User-supplied common configuration:", *_lines(common),
                                 "# End of common configuration"]),
        "master.conf": _role_conf("master", master),
        "replica.conf": _role_conf("replica", replica),
        "users.acl": "",
    }
    sentinel = redis_values.get("sentinel", {})
    if sentinel.get("enabled"):
        master_set, ports = sentinel["masterSet"], sentinel.get("service", {}).get("ports", {})
        first = f"{fullname}-node-0.{names.headless(fullname)}.{namespace}.svc.{cluster_domain}"
        files["sentinel.conf"] = "\n".join([
            'dir "/tmp"',
            f"port {sentinel['containerPorts']['sentinel']}",
            f"sentinel monitor {master_set} {first} {ports.get('redis', REDIS_PORT)} {sentinel['quorum']}",
            f"sentinel down-after-milliseconds {master_set} {sentinel['downAfterMilliseconds']}",
            f"sentinel failover-timeout {master_set} {sentinel['failoverTimeout']}",
            f"sentinel parallel-syncs {master_set} {sentinel['parallelSyncs']}",
            *([f"  sentinel client-reconfig-script {master_set} {PUSH_MASTER_LABEL}"]
              if sentinel.get("masterService", {}).get("enabled") or sentinel.get("service", {}).get("createMaster")
              else []),
            "# User-supplied sentinel configuration:",
            *_lines(str(sentinel.get("configuration", ""))),
            "# End of sentinel configuration",
        ])
    return files


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def _role_conf(role: str, values: Mapping[str, Any]) -> str:
    path = values.get("persistence", {}).get("path", DATA_PATH)
    lines = [f"dir {path}", f"# User-supplied {role} configuration:", *_lines(str(values.get("configuration", "")))]
    lines += [f'rename-command {command} ""' for command in values.get("disableCommands", ())]
    lines.append(f"# End of {role} configuration")
    return "\n".join(lines)

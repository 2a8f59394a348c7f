"""What redis-server is started with: the configuration files and arguments, per node role.

The Bitnami chart turns our values into a ConfigMap `<fullname>-configuration` (redis.conf,
master.conf, replica.conf) and a start script that runs `redis-server` with no config file, only
`--include`s. `configmap` rebuilds that ConfigMap from the very values the render writes (a test
compares it byte for byte with the real subchart's output when the archive is present), and
`node_args` the command line, so the runtime tests start a real redis-server on exactly what a
pod receives, subchart or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core.settings import Settings

# Every client command that could wipe all OTP codes at once or dump process internals.
# CONFIG, CLIENT and REPLICAOF stay: Sentinel's failover transaction needs them.
DISABLED_COMMANDS = ("FLUSHDB", "FLUSHALL", "DEBUG")
DATA_PATH = "/data"  # Bitnami's master/replica.persistence.path
ETC = "/opt/bitnami/redis/etc"  # where the start scripts copy the ConfigMap (an emptyDir)


@dataclass(frozen=True)
class Node:
    """How one Redis container starts: files under ETC, and redis-server's arguments."""

    role: str  # "master", "replica" or "node" (sentinel mode: master or replica, decided at start)
    includes: tuple[str, ...]  # file names under ETC, in the order the start script passes them


def subchart_values(settings: Settings) -> dict[str, Any]:
    """What the redis subchart receives for one environment, exactly as the render writes it."""
    from generator import render

    return render.redis_values(settings)


def configmap(redis_values: Mapping[str, Any], fullname: str = "redis", namespace: str = "redis",
              cluster_domain: str = "cluster.local") -> dict[str, str]:
    """Bitnami's templates/configmap.yaml (23.x), for the values we set: the data of
    `<fullname>-configuration`. Bitnami's own ACL path (auth.acl) is refused: it renders `nopass`
    under `helm template`; our ACL file is written at container start (generator/acl.py)."""
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
        first = f"{fullname}-node-0.{fullname}-headless.{namespace}.svc.{cluster_domain}"
        files["sentinel.conf"] = "\n".join([
            'dir "/tmp"',
            f"port {sentinel['containerPorts']['sentinel']}",
            f"sentinel monitor {master_set} {first} {ports.get('redis', 6379)} {sentinel['quorum']}",
            f"sentinel down-after-milliseconds {master_set} {sentinel['downAfterMilliseconds']}",
            f"sentinel failover-timeout {master_set} {sentinel['failoverTimeout']}",
            f"sentinel parallel-syncs {master_set} {sentinel['parallelSyncs']}",
            "# User-supplied sentinel configuration:",
            *_lines(str(sentinel.get("configuration", ""))),
            "# End of sentinel configuration",
        ])
    return files


def sentinel_conf(rendered: str, workdir: Path, port: int, master: tuple[str, int], password: str) -> str:
    """sentinel.conf as start-sentinel.sh completes it (auth-pass, requirepass), with the
    substitutions a test on 127.0.0.1 needs: its directory, its port, the master's address."""
    out = []
    for line in rendered.split("\n"):
        if line.startswith("dir "):
            line = f'dir "{workdir}"'
        elif line.startswith("port "):
            line = f"port {port}"
        elif line.startswith("sentinel monitor "):
            _, _, master_set, _, _, quorum = line.split()
            line = f"sentinel monitor {master_set} {master[0]} {master[1]} {quorum}"
        out.append(line)
    master_set = next(line.split()[2] for line in out if line.startswith("sentinel monitor "))
    return "\n".join([*out, f"sentinel auth-pass {master_set} {password}", f"requirepass {password}",
                      "bind 127.0.0.1", ""])


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def _role_conf(role: str, values: Mapping[str, Any]) -> str:
    path = values.get("persistence", {}).get("path", DATA_PATH)
    lines = [f"dir {path}", f"# User-supplied {role} configuration:", *_lines(str(values.get("configuration", "")))]
    lines += [f'rename-command {command} ""' for command in values.get("disableCommands", ())]
    lines.append(f"# End of {role} configuration")
    return "\n".join(lines)


def node(architecture: str, sentinel: bool, role: str) -> Node:
    """The start script each pod runs: start-master.sh, start-replica.sh or (sentinel) start-node.sh."""
    if sentinel:
        # start-node.sh, for master and replicas alike: replica.conf first, then redis.conf
        # (master.conf is not used at all, hence replica.disableCommands = master's).
        return Node("node", ("replica.conf", "redis.conf"))
    if role == "master":
        return Node("master", ("redis.conf", "master.conf"))
    if architecture != "replication":
        raise ValueError("a standalone architecture has no replicas")
    return Node("replica", ("redis.conf", "replica.conf"))


def materialize(files: Mapping[str, str], etc: Path, data_dir: Path) -> None:
    """Write the ConfigMap's files into `etc`, as the start script copies them, with the one
    substitution a test on this machine needs: `dir /data` -> its own data directory."""
    etc.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        lines = [f"dir {data_dir}" if line.startswith("dir ") else line for line in text.split("\n")]
        (etc / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def server_args(node_: Node, etc: Path, port: int, password: str, replicaof: tuple[str, int] | None = None,
                bind: str = "127.0.0.1") -> list[str]:
    """redis-server's arguments as the start script builds them (port, auth, includes), plus
    the bind address a test needs."""
    args = ["--port", str(port)]
    if replicaof is not None:
        args += ["--replicaof", replicaof[0], str(replicaof[1])]
    args += ["--requirepass", password, "--masterauth", password]
    for name in node_.includes:
        args += ["--include", str(etc / name)]
    return [*args, "--bind", bind]

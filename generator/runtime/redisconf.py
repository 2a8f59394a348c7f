"""What redis-server is started with: the configuration files and arguments, per node role.

The Bitnami chart turns our values into a ConfigMap `<fullname>-configuration` (rebuilt by
generator/bitnami/config.py) and a start script that runs `redis-server` with no config file,
only `--include`s. `node` and `server_args` give that command line, `materialize` writes the
ConfigMap's files, so the runtime tests start a real redis-server on exactly what a pod
receives, subchart or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ETC = "/opt/bitnami/redis/etc"  # where the start scripts copy the ConfigMap (an emptyDir)


@dataclass(frozen=True)
class Node:
    """How one Redis container starts: files under ETC, and redis-server's arguments."""

    role: str  # "master", "replica" or "node" (sentinel mode: master or replica, decided at start)
    includes: tuple[str, ...]  # file names under ETC, in the order the start script passes them


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

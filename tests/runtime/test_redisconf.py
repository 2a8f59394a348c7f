"""runtime/redisconf.py: the command line and files each Redis container starts with, per role, as the
start scripts build them (tests/e2e/test_runtime_promises.py starts real servers on them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.runtime import redisconf
from tests.support import ha, runtime_config


@pytest.mark.parametrize(("architecture", "sentinel", "role", "node"), [
    ("standalone", False, "master", redisconf.Node("master", ("redis.conf", "master.conf"))),
    ("replication", False, "master", redisconf.Node("master", ("redis.conf", "master.conf"))),
    ("replication", False, "replica", redisconf.Node("replica", ("redis.conf", "replica.conf"))),
    # start-node.sh, master and replicas alike: replica.conf first, master.conf never read.
    ("replication", True, "master", redisconf.Node("node", ("replica.conf", "redis.conf"))),
    ("replication", True, "replica", redisconf.Node("node", ("replica.conf", "redis.conf"))),
])
def test_each_role_starts_from_its_script(architecture: str, sentinel: bool, role: str, node: redisconf.Node) -> None:
    assert redisconf.node(architecture, sentinel, role) == node


def test_a_standalone_environment_has_no_replica() -> None:
    with pytest.raises(ValueError, match="no replicas"):
        redisconf.node("standalone", False, "replica")


def test_the_arguments_in_the_order_the_start_script_gives_them(tmp_path: Path) -> None:
    node = redisconf.node("replication", False, "replica")
    assert redisconf.server_args(node, tmp_path, 7001, "pw-pw-pw-pw", replicaof=("127.0.0.1", 7000)) == [
        "--port", "7001", "--replicaof", "127.0.0.1", "7000", "--requirepass", "pw-pw-pw-pw",
        "--masterauth", "pw-pw-pw-pw", "--include", str(tmp_path / "redis.conf"),
        "--include", str(tmp_path / "replica.conf"), "--bind", "127.0.0.1"]


def test_the_configmap_files_with_a_local_data_directory(tmp_path: Path) -> None:
    files = {"redis.conf": "appendonly no\nsave 60 1", "master.conf": "dir /data\nrename-command FLUSHALL \"\""}
    redisconf.materialize(files, tmp_path / "etc", tmp_path / "data")
    assert (tmp_path / "etc" / "redis.conf").read_text() == "appendonly no\nsave 60 1\n"
    assert (tmp_path / "etc" / "master.conf").read_text() == f"dir {tmp_path / 'data'}\nrename-command FLUSHALL \"\"\n"


def test_sentinel_conf_as_start_sentinel_completes_it(tmp_path: Path, ha_root: Path) -> None:
    _, files = runtime_config.for_env(ha.ENV, root=ha_root)
    text = redisconf.sentinel_conf(files["sentinel.conf"], tmp_path, 27001, ("127.0.0.1", 7000), "pw-pw-pw-pw")
    lines = text.splitlines()
    master_set = runtime_config.settings(ha.ENV, root=ha_root).sentinel_master_set
    assert f'dir "{tmp_path}"' in lines and "port 27001" in lines
    monitor = [line for line in lines if line.startswith("sentinel monitor ")]
    assert monitor == [f"sentinel monitor {master_set} 127.0.0.1 7000 2"]
    assert lines[-3:] == [f"sentinel auth-pass {master_set} pw-pw-pw-pw", "requirepass pw-pw-pw-pw", "bind 127.0.0.1"]
    assert text.endswith("\n")

"""The memory ceiling reaches redis-server in every role: a real server started from the rendered
configuration, as each start script starts it (standalone master, replication replica, Sentinel
node), reports the maxmemory, policy and samples the render derived."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.render import memory
from generator.runtime import redisconf
from tests.support import memstore, redisproc


@pytest.mark.parametrize(("architecture", "sentinel", "role"), [
    ("standalone", False, "master"), ("replication", False, "replica"), ("replication", True, "node")])
def test_every_role_starts_with_the_ceiling(tmp_path: Path, architecture: str, sentinel: bool, role: str) -> None:
    redisproc.require_redis()
    changes = {"architecture": architecture, "sentinel_enabled": sentinel, "replica_count": 3}
    s = memstore.settings("256Mi", maxmemory_policy="noeviction", **changes)
    node = redisconf.node(architecture, sentinel, "master" if role == "master" else "replica")
    assert node.role == role
    srv = redisproc.node_server(memstore.files(s), tmp_path, node).start()
    try:
        got = srv.client().config_get("maxmemory*")
    finally:
        srv.stop()
    assert (int(got["maxmemory"]), got["maxmemory-policy"], got["maxmemory-samples"]) == (
        memory.maxmemory(s), "noeviction", str(memory.SAMPLES))
    assert int(got["maxmemory"]) == 97 * 2**20

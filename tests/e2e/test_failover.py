"""High availability on real processes: one master, one replica and three Sentinels on
127.0.0.1, configured from the HA variant's rendered configuration (tests/support/ha.py: prod with
replication + Sentinel; committed prod is standalone) (replica.conf + redis.conf, as every
Sentinel-mode node starts, and sentinel.conf). Stop the master like Kubernetes does; a client
asking Sentinel finds the new master in bounded time, and the OTP records written (and
replicated) before the failover are still there."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.runtime import keyschema, redisconf
from tests.support import ha, redisproc, runtime_config

redis = pytest.importorskip("redis")
from redis.sentinel import Sentinel  # noqa: E402 - after the importorskip

# Together on one xdist worker (--dist loadgroup): one Sentinel cluster at a time, its timing is real.
pytestmark = pytest.mark.xdist_group("failover")

ENV = ha.ENV  # in the HA copies (ha_root, ha_project), never the committed file
RECORDS = 100


@dataclass
class Cluster:
    master: redisproc.Server
    replica: redisproc.Server
    sentinels: list[redisproc.Server]
    master_set: str
    root: Path  # the HA project the configuration came from

    def client(self) -> Sentinel:
        return Sentinel([("127.0.0.1", s.port) for s in self.sentinels], socket_timeout=1,
                        sentinel_kwargs={"password": redisproc.PASSWORD, "socket_timeout": 1})


@pytest.fixture
def cluster(tmp_path: Path, ha_root: Path) -> Iterator[Cluster]:
    settings = runtime_config.settings(ENV, root=ha_root)
    assert settings.sentinel_enabled and settings.replica_count == 3, "the HA variant runs Sentinel"
    _, files = runtime_config.for_env(ENV, root=ha_root)
    node = redisconf.node(settings.architecture, settings.sentinel_enabled, "master")
    servers: list[redisproc.Server] = []

    def started(server: redisproc.Server) -> redisproc.Server:
        servers.append(server)
        return server.start()

    try:
        # One after the other: each names the ports of those before it (the replica its master,
        # a Sentinel the master it monitors), and a server started again on another port (its
        # free port was taken meanwhile) must not leave the others pointing at the old one.
        master = started(redisproc.node_server(files, tmp_path / "node-0", node))
        replica = started(redisproc.node_server(files, tmp_path / "node-1", node,
                                                replicaof=("127.0.0.1", master.port)))
        sentinels = [started(redisproc.sentinel_server(files, tmp_path / f"sentinel-{i}", ("127.0.0.1", master.port)))
                     for i in range(3)]
        c = Cluster(master, replica, sentinels, settings.sentinel_master_set, ha_root)
        redisproc.wait_for(lambda: replica.client().info("replication")["master_link_status"] == "up", 20,
                           "the replica to sync")
        # Every Sentinel knows the replica and the other two before the test begins.
        for s in sentinels:
            redisproc.wait_for(lambda s=s: _sentinel_view(s, c.master_set) == (1, 2), 30, "Sentinels to meet")
        yield c
    finally:
        for s in reversed(servers):
            s.stop(grace=5)


def _sentinel_view(sentinel: redisproc.Server, master_set: str) -> tuple[int, int]:
    info = sentinel.client().execute_command("SENTINEL", "MASTER", master_set)
    fields = dict(zip(info[::2], info[1::2], strict=True)) if isinstance(info, list) else info
    return int(fields["num-slaves"]), int(fields["num-other-sentinels"])


def test_failover_keeps_replicated_otp_records(cluster: Cluster) -> None:
    settings = runtime_config.settings(ENV, root=cluster.root)
    sentinel = cluster.client()
    master = sentinel.master_for(cluster.master_set, password=redisproc.PASSWORD, socket_timeout=5,
                                 decode_responses=True)
    assert sentinel.discover_master(cluster.master_set) == ("127.0.0.1", cluster.master.port)
    for i in range(RECORDS):
        keyschema.store(master, f"user{i}", keyschema.OtpRecord(f"{i:06d}", f"+1555{i:07d}"),
                        ttl_seconds=settings.otp_ttl_seconds)
    assert master.execute_command("WAIT", 1, 3000) == 1  # replicated before the master goes

    stopped = time.monotonic()
    assert cluster.master.stop() == 0  # SIGTERM, as Kubernetes stops a pod

    def new_master() -> tuple[str, int] | None:
        addr = tuple(sentinel.discover_master(cluster.master_set))
        if addr == ("127.0.0.1", cluster.replica.port):
            keyschema.store(master, "after-failover", keyschema.OtpRecord("999999", "+15550199"))
            return addr  # type: ignore[return-value]
        return None

    bound = settings.sentinel_down_after_milliseconds / 1000 + 20
    redisproc.wait_for(new_master, bound, "Sentinel to promote the replica", interval=0.2)
    failover = time.monotonic() - stopped

    found = [keyschema.load(master, f"user{i}") for i in range(RECORDS)]
    assert found == [keyschema.OtpRecord(f"{i:06d}", f"+1555{i:07d}") for i in range(RECORDS)]
    assert all(0 < (keyschema.remaining_ttl(master, f"user{i}") or 0) <= settings.otp_ttl_seconds
               for i in range(RECORDS))
    assert keyschema.load(master, "after-failover") is not None
    print(f"\nfailover: new master writable {failover:.2f} s after SIGTERM to the old one "
          f"(down-after {settings.sentinel_down_after_milliseconds} ms); {len(found)}/{RECORDS} records readable")


def test_smoke_goes_through_sentinel(cluster: Cluster, ha_project: Path, cli, monkeypatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    ran = cli(ha_project, "smoke", ENV, "--host", "127.0.0.1", "--port", str(cluster.sentinels[0].port))
    assert ran.code == 0, ran.out + ran.err
    assert f"ok   sentinel: master of {cluster.master_set} is 127.0.0.1:{cluster.master.port}" in ran.out
    assert "role:master" in ran.out

    # What the backend's plain client meets on a replica, which any node behind the Sentinel
    # Service may be: the reason committed prod stays standalone until the backend asks Sentinel.
    with pytest.raises(redis.ReadOnlyError):
        keyschema.store(cluster.replica.client(), "alice", keyschema.OtpRecord("123456", "+15550100"))

    # Asked directly, a replica is refused: smoke writes only to a master.
    ran = cli(ha_project, "smoke", ENV, "--host", "127.0.0.1", "--port", str(cluster.replica.port), "--direct")
    assert ran.code == 1
    assert "FAIL auth: expected the master (role:master); got role:slave" in ran.out


def test_smoke_explains_an_unreachable_master_behind_sentinel(cluster: Cluster, ha_project: Path, cli,
                                                             monkeypatch) -> None:
    # Sentinel keeps naming the master it monitors; once that address does not answer (as a pod
    # address seen through a port-forward would not), smoke says why and what to do.
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    cluster.master.stop()
    ran = cli(ha_project, "smoke", ENV, "--host", "127.0.0.1", "--port", str(cluster.sentinels[0].port),
              "--timeout", "1")
    assert ran.code == 1
    assert f"FAIL noauth: expected a connection to 127.0.0.1:{cluster.master.port}" in ran.out
    assert "forward the master pod and pass --direct" in ran.out

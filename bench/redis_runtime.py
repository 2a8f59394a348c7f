"""Measured figures of the runtime promises, on real redis-server processes on 127.0.0.1.

    .venv/bin/python bench/redis_runtime.py [--records N] [--smoke-runs N] [--no-failover]

Prints: OTP records surviving a SIGTERM restart (n/n) and their TTL drift, the time from SIGTERM
of the master until a client asking Sentinel can write to the promoted replica (the HA variant
of tests/support/ha.py, prod with replication + Sentinel in a temporary project copy, its
down-after-milliseconds included), and the wall time of `smoke`.
Uses the same helpers and project as the tests (tests/support/fixture_project.py, tests/support/ha.py,
tests/support/redisproc.py, tests/support/runtime_config.py): the figures do not depend on environments/.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.cli import main  # noqa: E402
from generator.runtime import keyschema, redisconf  # noqa: E402
from tests.support import fixture_project, ha, redisproc, runtime_config  # noqa: E402


def _dev_server(workdir: Path) -> redisproc.Server:
    _, files = runtime_config.for_env("dev")
    return redisproc.node_server(files, workdir, redisconf.node("standalone", False, "master"))


def restart(records: int) -> None:
    ttl = runtime_config.settings("dev").otp_ttl_seconds
    with tempfile.TemporaryDirectory() as tmp:
        srv = _dev_server(Path(tmp)).start()
        try:
            r = srv.client()
            pipe = r.pipeline(transaction=False)
            for i in range(records):
                keyschema.store(pipe, f"user{i}", keyschema.OtpRecord(f"{i % 10**6:06d}", "+15550100"), ttl)
            pipe.execute()
            t0 = time.monotonic()
            srv.stop()
            srv.start()
            restarted = time.monotonic() - t0
            r = srv.client()
            alive = sum(keyschema.load(r, f"user{i}") is not None for i in range(records))
            ttls = [keyschema.remaining_ttl(r, f"user{i}") or 0 for i in range(records)]
            print(f"restart: {alive}/{records} records survived SIGTERM + restart ({restarted:.2f} s down); "
                  f"TTL after restart {min(ttls)}..{max(ttls)} s of {ttl}")
        finally:
            srv.stop()


def smoke(runs: int) -> None:
    os.environ["REDIS_PASSWORD"] = redisproc.PASSWORD
    with tempfile.TemporaryDirectory() as tmp:
        srv = _dev_server(Path(tmp)).start()
        try:
            times = []
            for _ in range(runs):
                t0 = time.monotonic()
                with contextlib.redirect_stdout(io.StringIO()):
                    code = main(["--root", str(fixture_project.default_root()), "smoke", "dev",
                                 "--host", "127.0.0.1", "--port", str(srv.port)])
                times.append(time.monotonic() - t0)
                assert code == 0
            print(f"smoke: {runs} runs, wall time median {statistics.median(times) * 1000:.0f} ms, "
                  f"max {max(times) * 1000:.0f} ms (in-process, including settings validation)")
        finally:
            srv.stop()


def failover() -> None:
    from redis.sentinel import Sentinel

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = ha.project(base / "project", archive=True)
        settings = runtime_config.settings(ha.ENV, root=root)
        source, files = runtime_config.for_env(ha.ENV, root=root)
        node = redisconf.node(settings.architecture, settings.sentinel_enabled, "master")
        servers: list[redisproc.Server] = []

        def started(server: redisproc.Server) -> redisproc.Server:
            servers.append(server)  # stopped in the end even when it does not start
            return server.start()

        try:
            # One after the other: the replica and the Sentinels name the master's port.
            master = started(redisproc.node_server(files, base / "n0", node))
            replica = started(redisproc.node_server(files, base / "n1", node, replicaof=("127.0.0.1", master.port)))
            sentinels = [started(redisproc.sentinel_server(files, base / f"s{i}", ("127.0.0.1", master.port)))
                         for i in range(3)]
            redisproc.wait_for(lambda: replica.client().info("replication")["master_link_status"] == "up", 20, "sync")
            client = Sentinel([("127.0.0.1", s.port) for s in sentinels], socket_timeout=1,
                              sentinel_kwargs={"password": redisproc.PASSWORD, "socket_timeout": 1})
            for s in sentinels:
                redisproc.wait_for(lambda s=s: _view(s, settings.sentinel_master_set) == (1, 2), 30, "Sentinels")
            r = client.master_for(settings.sentinel_master_set, password=redisproc.PASSWORD, socket_timeout=5)
            for i in range(100):
                keyschema.store(r, f"user{i}", keyschema.OtpRecord("123456", "+15550100"))
            r.execute_command("WAIT", 1, 3000)
            t0 = time.monotonic()
            master.stop()

            def promoted() -> bool:
                if client.discover_master(settings.sentinel_master_set)[1] != replica.port:
                    return False
                keyschema.store(r, "after", keyschema.OtpRecord("1", "2"))
                return True

            redisproc.wait_for(promoted, settings.sentinel_down_after_milliseconds / 1000 + 30, "failover", 0.1)
            took = time.monotonic() - t0
            alive = sum(keyschema.load(r, f"user{i}") is not None for i in range(100))
            print(f"failover: writable new master {took:.2f} s after SIGTERM to the master "
                  f"(down-after-milliseconds {settings.sentinel_down_after_milliseconds}); "
                  f"{alive}/100 replicated records readable; configuration: {source}")
        finally:
            for s in reversed(servers):
                s.stop(grace=5)


def _view(sentinel: redisproc.Server, master_set: str) -> tuple[int, int]:
    info = sentinel.client().execute_command("SENTINEL", "MASTER", master_set)
    fields = dict(zip(info[::2], info[1::2], strict=True)) if isinstance(info, list) else info
    return int(fields["num-slaves"]), int(fields["num-other-sentinels"])


def cli() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=10_000)
    p.add_argument("--smoke-runs", type=int, default=5)
    p.add_argument("--no-failover", action="store_true")
    args = p.parse_args()
    restart(args.records)
    smoke(args.smoke_runs)
    if not args.no_failover:
        failover()
    return 0


if __name__ == "__main__":
    raise SystemExit(cli())

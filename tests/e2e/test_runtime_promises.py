"""The rendered redis configuration, run on a real redis-server on 127.0.0.1.

Each test starts redis-server with exactly the files and arguments a pod gets (the subchart's
own ConfigMap when the archive is present, else our equivalent from the same values) and checks
one promise: auth, RDB snapshots, records and TTLs across a SIGTERM restart, expiry, disabled
commands, and what a failing background save does to OTP issuing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from generator.render.redis_values import DISABLED_COMMANDS
from generator.runtime import keyschema, redisconf
from tests.support import ha, redisproc, runtime_config
from tests.support.project import built, of_kind, set_settings

redis = pytest.importorskip("redis")


def _start(tmp_path: Path, env: str = "dev", files: dict[str, str] | None = None,
           role: str = "master", root: Path | None = None) -> redisproc.Server:
    s = runtime_config.settings(env, root=root)
    if files is None:
        _, files = runtime_config.for_env(env, root=root)
    node = redisconf.node(s.architecture, s.sentinel_enabled, role)
    return redisproc.node_server(files, tmp_path / env, node).start()


@pytest.fixture
def server(tmp_path: Path):
    srv = _start(tmp_path)
    yield srv
    srv.stop()


def test_auth_is_required(server: redisproc.Server) -> None:
    with pytest.raises(redis.AuthenticationError, match="Authentication required"):
        server.client(password=None, protocol=2).ping()
    with pytest.raises(redis.AuthenticationError, match="HELLO must be called with the client already authenticated"):
        server.client(password=None, protocol=3).ping()
    with pytest.raises(redis.AuthenticationError):
        server.client(password="wrong-password").ping()
    assert server.client().ping() is True


@pytest.mark.parametrize(("env", "role"), [("dev", "master"), ("prod", "master"),
                                          (ha.VARIANT, "master"), (ha.VARIANT, "replica")])
def test_disabled_commands_are_refused_in_every_role(tmp_path: Path, root_of, env: str, role: str) -> None:
    root, name = root_of(env)
    s = runtime_config.settings(name, root=root)
    assert s.sentinel_enabled == (env == ha.VARIANT)
    source, files = runtime_config.for_env(name, root=root)
    node = redisconf.node(s.architecture, s.sentinel_enabled, role)
    srv = redisproc.node_server(files, tmp_path, node).start()
    try:
        r = srv.client()
        keyschema.store(r, "alice", keyschema.OtpRecord("123456", "+15550100"))
        for command in (*DISABLED_COMMANDS, "FLUSHALL ASYNC", "FLUSHDB SYNC"):
            with pytest.raises(redis.ResponseError, match="unknown command"):
                r.execute_command(*command.split())
        assert keyschema.load(r, "alice") == keyschema.OtpRecord("123456", "+15550100"), source
    finally:
        srv.stop()


def test_rdb_snapshots_are_configured_and_written(server: redisproc.Server) -> None:
    r = server.client()
    assert r.config_get("appendonly") == {"appendonly": "no"}
    assert r.config_get("save") == {"save": runtime_config.settings("dev").rdb_save}
    data = Path(r.config_get("dir")["dir"])
    assert data == server.workdir / "data"
    keyschema.store(r, "bob", keyschema.OtpRecord("654321", "+15550101"))
    assert r.info("persistence")["rdb_changes_since_last_save"] > 0
    r.bgsave()
    redisproc.wait_for(lambda: r.info("persistence")["rdb_changes_since_last_save"] == 0
                       and r.info("persistence")["rdb_bgsave_in_progress"] == 0, 10, "BGSAVE to finish")
    assert r.info("persistence")["rdb_last_bgsave_status"] == "ok"
    assert (data / "dump.rdb").stat().st_size > 0


@pytest.mark.parametrize("env", ["dev", "prod", ha.VARIANT])  # HA: a Sentinel-mode node (replica.conf + redis.conf)
def test_records_and_ttls_survive_a_sigterm_restart(tmp_path: Path, root_of, env: str) -> None:
    root, name = root_of(env)
    srv = _start(tmp_path, name, root=root)
    ttl = runtime_config.settings(name, root=root).otp_ttl_seconds
    written = 200
    try:
        r = srv.client()
        for i in range(written):
            keyschema.store(r, f"user{i}", keyschema.OtpRecord(f"{i:06d}", f"+1555{i:07d}"), ttl_seconds=ttl)
        stopped = time.monotonic()
        assert srv.stop() == 0  # SIGTERM: Redis saves the snapshot and exits cleanly
        assert (srv.workdir / "data" / "dump.rdb").exists()
        srv.start()
        elapsed = time.monotonic() - stopped
        r = srv.client()
        survived = [keyschema.load(r, f"user{i}") for i in range(written)]
        assert survived == [keyschema.OtpRecord(f"{i:06d}", f"+1555{i:07d}") for i in range(written)]
        ttls = [keyschema.remaining_ttl(r, f"user{i}") for i in range(written)]
        # The TTL is an absolute expiry time in the snapshot: it kept running while Redis was down.
        assert all(t is not None and ttl - elapsed - 2 <= t <= ttl for t in ttls), ttls[:5]
        print(f"\nrestart ({env}): {len(survived)}/{written} records survived, TTLs {min(ttls)}..{max(ttls)} s")  # type: ignore[type-var]
    finally:
        srv.stop()


def test_records_expire_on_time(server: redisproc.Server) -> None:
    """Readable until the TTL runs out, never after. Each read is judged by when it was made (Redis
    keeps the expiry as an absolute time, and expires a key on access), so a loaded machine cannot
    fail it: a read that ended before the TTL ran out must find the record, one that began after
    it must not. A round with no read of each kind (the machine stalled a second) is tried again."""
    r = server.client()
    record = keyschema.OtpRecord("111111", "+15550102")
    for attempt in range(3):
        user = f"carol{attempt}"
        before = time.monotonic()
        keyschema.store(r, user, record, ttl_seconds=1)
        after = time.monotonic()
        reads: list[tuple[float, float, keyschema.OtpRecord | None]] = []
        while True:
            start = time.monotonic()
            found = keyschema.load(r, user)
            reads.append((start, time.monotonic(), found))
            if start > after + 1.05 or start > after + 5:
                break
            time.sleep(0.02)
        early = [found for start, end, found in reads if end < before + 0.95]
        late = [found for start, end, found in reads if start > after + 1.05]
        assert all(found == record for found in early), reads
        assert late and all(found is None for found in late), reads
        if early:
            assert keyschema.remaining_ttl(r, user) is None
            return
    pytest.fail("three rounds without a read before the TTL ran out: the machine stalled for a second each time")


def _break_bgsave(srv: redisproc.Server) -> None:
    """A BGSAVE that fails like on a full PVC: the data directory vanishes under Redis (which
    has already chdir'ed into it), so creating the temporary RDB fails even for root."""
    r = srv.client()
    shutil.rmtree(srv.workdir / "data")
    r.bgsave()
    redisproc.wait_for(lambda: r.info("persistence")["rdb_last_bgsave_status"] == "err", 10, "BGSAVE to fail")


def test_a_failing_background_save_does_not_stop_otp_issuing_by_default(server: redisproc.Server) -> None:
    assert runtime_config.settings("dev").stop_writes_on_bgsave_error is False
    _break_bgsave(server)
    r = server.client()
    keyschema.store(r, "dave", keyschema.OtpRecord("222222", "+15550103"))
    assert keyschema.load(r, "dave") == keyschema.OtpRecord("222222", "+15550103")
    # And on SIGTERM Redis refuses to exit while its final save fails: Kubernetes kills it after
    # terminationGracePeriodSeconds, and the codes issued since the last good snapshot are lost.
    assert server.stop(grace=1.5) == -9


def test_stop_writes_on_bgsave_error_when_the_environment_asks(tmp_path: Path) -> None:
    strict = runtime_config.settings("dev", stop_writes_on_bgsave_error=True)
    srv = _start(tmp_path, files=runtime_config.equivalent(strict))
    try:
        _break_bgsave(srv)
        r = srv.client()
        with pytest.raises(redis.ResponseError, match="MISCONF"):
            keyschema.store(r, "erin", keyschema.OtpRecord("333333", "+15550104"))
        assert r.get("sms_otp:erin") is None  # reads still work
    finally:
        srv.stop(grace=0.5)


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed (scripts/setup)")
def test_real_redis_server_reads_the_rendered_config_as_rdb_on(with_subchart: Path, cli, tmp_path: Path) -> None:
    """The rendered files, loaded by redis-server the way start-master.sh includes them."""
    set_settings(with_subchart, "dev", rdb_save="120 5")
    config = next(o for o in of_kind(built(with_subchart, cli), "ConfigMap")
                  if o["metadata"]["name"].endswith("-configuration"))
    for name in ("redis.conf", "master.conf"):
        # /data is the PVC's mount point in the pod; here a temporary directory stands in.
        text = re.sub(r"(?m)^dir /data$", f"dir {tmp_path}", config["data"][name])
        (tmp_path / name).write_text(text + "\n")
    command = ["redis-server", "--port", "0", "--include", str(tmp_path / "redis.conf"),
               "--include", str(tmp_path / "master.conf"), "--daemonize", "no",
               "--unixsocket", str(tmp_path / "r.sock")]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        import redis

        client = redis.Redis(unix_socket_path=str(tmp_path / "r.sock"), socket_timeout=5)
        for _ in range(400):  # up to 20 s on a loaded machine
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None:
                    pytest.fail(f"redis-server refused the config:\n{server.stdout.read() if server.stdout else ''}")
                time.sleep(0.05)
        assert client.config_get("save") == {"save": "120 5"}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        with pytest.raises(redis.ResponseError):
            client.flushall()  # renamed away by master.conf
    finally:
        server.terminate()
        server.wait(timeout=10)

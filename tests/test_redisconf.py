"""The rendered redis configuration, run on a real redis-server on 127.0.0.1.

Each test starts redis-server with exactly the files and arguments a pod gets (the subchart's
own ConfigMap when the archive is present, else our equivalent from the same values) and checks
one promise: auth, RDB snapshots, records and TTLs across a SIGTERM restart, expiry, disabled
commands, and what a failing background save does to OTP issuing.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from generator.bitnami import config
from generator.render.redis_values import DISABLED_COMMANDS
from generator.runtime import keyschema, redisconf
from tests import fixture_project, ha, redisproc, runtime_config
from tests.conftest import SKIP_NO_SUBCHART

redis = pytest.importorskip("redis")

ENVS = ("dev", "staging", "prod")  # the tests' own project (tests/fixtures/)
HA = "ha"  # not an environment of it: tests/ha.py's variant of prod (replication + Sentinel)


@pytest.fixture
def root_of(request: pytest.FixtureRequest, fixture_root: Path):
    """root_of(env) -> (project root, environment name): the tests' project for one of its
    environments, the session's HA copy for HA (built only when a test asks for it)."""
    def resolve(env: str) -> tuple[Path, str]:
        if env == HA:
            return request.getfixturevalue("ha_root"), ha.ENV
        return fixture_root, env
    return resolve


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


@pytest.mark.parametrize("env", [*ENVS, HA])  # HA: the Sentinel-mode files (sentinel.conf too)
def test_equivalent_matches_the_subchart_render(root_of, env: str) -> None:
    if fixture_project.archive() is None:
        pytest.skip(SKIP_NO_SUBCHART)
    root, name = root_of(env)
    real = runtime_config.rendered(name, root=root)
    assert real is not None
    if env == HA:
        assert runtime_config.settings(name, root=root).sentinel_enabled and "sentinel.conf" in real
    ours = runtime_config.equivalent(runtime_config.settings(name, root=root))
    assert real == ours


def test_configmap_refuses_bitnami_acl() -> None:
    with pytest.raises(ValueError, match="lookup"):
        config.configmap({"auth": {"acl": {"enabled": True}}})


def test_auth_is_required(server: redisproc.Server) -> None:
    with pytest.raises(redis.AuthenticationError, match="Authentication required"):
        server.client(password=None, protocol=2).ping()
    with pytest.raises(redis.AuthenticationError, match="HELLO must be called with the client already authenticated"):
        server.client(password=None, protocol=3).ping()
    with pytest.raises(redis.AuthenticationError):
        server.client(password="wrong-password").ping()
    assert server.client().ping() is True


@pytest.mark.parametrize(("env", "role"), [("dev", "master"), ("prod", "master"), (HA, "master"), (HA, "replica")])
def test_disabled_commands_are_refused_in_every_role(tmp_path: Path, root_of, env: str, role: str) -> None:
    root, name = root_of(env)
    s = runtime_config.settings(name, root=root)
    assert s.sentinel_enabled == (env == HA)
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


@pytest.mark.parametrize("env", ["dev", "prod", HA])  # HA: a Sentinel-mode node (replica.conf + redis.conf)
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
    r = server.client()
    keyschema.store(r, "carol", keyschema.OtpRecord("111111", "+15550102"), ttl_seconds=1)
    written = time.monotonic()
    assert keyschema.remaining_ttl(r, "carol") == 1
    redisproc.wait_for(lambda: keyschema.load(r, "carol") is None, 5, "the record to expire", interval=0.02)
    gone = time.monotonic() - written
    assert 0.9 <= gone <= 1.5, gone
    assert keyschema.remaining_ttl(r, "carol") is None


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

"""The backend's ACL user on a real redis-server: the ACL file the rendered start script writes, the
user's limits, and `smoke`'s check of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.render import acl
from generator.render.redis_values import DISABLED_COMMANDS
from generator.runtime import redisconf
from tests.support import acl as acl_support
from tests.support import redisproc, runtime_config
from tests.support.acl import BACKEND_PASSWORD, USER, run_start_script

redis = pytest.importorskip("redis")


@pytest.fixture
def acl_redis(tmp_path: Path) -> Iterator[redisproc.Server]:
    secret = tmp_path / "secret" / acl.PASSWORD_KEY
    secret.parent.mkdir()
    secret.write_text(BACKEND_PASSWORD)  # as a Secret volume holds it: no trailing newline
    done = run_start_script(tmp_path, secret)
    assert done.returncode == 0, done.stderr
    added = done.stdout.splitlines()[2:]  # what the script appended after --port 6379
    assert added == ["--aclfile", str(tmp_path / "users.acl")]
    _, files = runtime_config.for_env("dev")
    srv = redisproc.node_server(files, tmp_path / "node", redisconf.node("standalone", False, "master"),
                                extra=tuple(added)).start()
    yield srv
    srv.stop()


def test_acl_file_holds_hashes_only(acl_redis: redisproc.Server, tmp_path: Path) -> None:
    text = (tmp_path / "users.acl").read_text()
    assert "nopass" not in text
    assert BACKEND_PASSWORD not in text and redisproc.PASSWORD not in text
    assert (tmp_path / "users.acl").stat().st_mode & 0o077 == 0


def test_backend_user_is_limited_to_the_key_schema(acl_redis: redisproc.Server) -> None:
    from generator.runtime import keyschema

    r = acl_redis.client(username=USER, password=BACKEND_PASSWORD)
    record = keyschema.OtpRecord("123456", "+15550100")
    keyschema.store(r, "alice", record)
    assert keyschema.load(r, "alice") == record
    assert 0 < (keyschema.remaining_ttl(r, "alice") or 0) <= 300
    assert keyschema.delete(r, "alice") is True
    assert r.ping() is True
    with pytest.raises(redis.exceptions.NoPermissionError, match="no permissions to access one of the keys"):
        r.set("session:alice", "x")
    with pytest.raises(redis.exceptions.NoPermissionError, match="no permissions to access one of the keys"):
        r.get("other")
    for command in (("CONFIG", "GET", "dir"), ("KEYS", "*"), ("INFO",), ("SCAN", "0"), ("EVAL", "return 1", "0"),
                    ("SUBSCRIBE", "x"), ("SHUTDOWN",), ("ACL", "LIST"), ("MONITOR",)):
        with pytest.raises(redis.exceptions.NoPermissionError, match="no permissions to run"):
            r.execute_command(*command)
    for command in DISABLED_COMMANDS:
        with pytest.raises(redis.ResponseError, match="unknown command"):
            r.execute_command(command)


def test_default_user_keeps_the_main_password_and_loses_monitor(acl_redis: redisproc.Server) -> None:
    with pytest.raises(redis.AuthenticationError):
        acl_redis.client(password=None, protocol=2).ping()
    with pytest.raises(redis.AuthenticationError):
        acl_redis.client(username=USER, password="wrong-password").ping()
    admin = acl_redis.client()
    assert admin.info("replication")["role"] == "master"  # probes, exporter, Sentinel
    with pytest.raises(redis.exceptions.NoPermissionError, match="monitor"):
        admin.execute_command("MONITOR")
    users = admin.acl_list()
    assert not any("nopass" in u for u in users), users
    assert any(u.startswith(f"user {USER} on #") and "~sms_otp:*" in u and "-@all" in u for u in users), users


def test_smoke_checks_the_backend_user(acl_redis: redisproc.Server, bare_project: Path, cli, monkeypatch) -> None:
    acl_support.enable(bare_project)
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    monkeypatch.setenv("REDIS_BACKEND_PASSWORD", BACKEND_PASSWORD)
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(acl_redis.port))
    assert ran.code == 0, ran.out + ran.err
    assert "ok   acl: twofa-backend: 6 commands allowed, 19 others refused (ACL DRYRUN); no nopass" in ran.out


def test_smoke_fails_when_the_acl_is_missing(bare_project: Path, cli, monkeypatch, tmp_path: Path) -> None:
    acl_support.enable(bare_project)
    _, files = runtime_config.for_env("dev")
    srv = redisproc.node_server(files, tmp_path, redisconf.node("standalone", False, "master")).start()
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    monkeypatch.setenv("REDIS_BACKEND_PASSWORD", BACKEND_PASSWORD)
    try:
        ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(srv.port))
    finally:
        srv.stop()
    assert ran.code == 1
    assert "FAIL acl: expected ACL user 'twofa-backend'; got no such user" in ran.out


def test_smoke_fails_on_a_nopass_backend_user(acl_redis: redisproc.Server, bare_project: Path, cli,
                                              monkeypatch) -> None:
    acl_support.enable(bare_project)
    acl_redis.client().acl_setuser(USER, enabled=True, nopass=True)
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    monkeypatch.setenv("REDIS_BACKEND_PASSWORD", BACKEND_PASSWORD)
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(acl_redis.port))
    assert ran.code == 1
    assert "FAIL acl: expected twofa-backend: on, with a password; got flags ['on', 'nopass']" in ran.out

"""The backend ACL user allows exactly the key schema's commands and redis-py's handshake,
proven on a real redis-server started through the rendered start script; everything else is
refused; and `smoke` exercises the same list as that user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.render import acl
from generator.runtime import keyschema
from generator.runtime.smoke import backend
from tests.support import acl as acl_server
from tests.support import redisproc
from tests.support.acl import BACKEND_PASSWORD, USER

redis = pytest.importorskip("redis")


@pytest.fixture
def acl_redis(tmp_path: Path) -> Iterator[redisproc.Server]:
    with acl_server.server(tmp_path) as srv:
        yield srv


def _server_version(srv: redisproc.Server) -> tuple[int, int]:
    major, minor, *_ = str(srv.client().info("server")["redis_version"]).split(".")
    return int(major), int(minor)


def test_smokes_list_is_the_acls_list() -> None:
    assert set(backend.allowed_commands("k", "u", "p")) == set(acl.BACKEND_COMMANDS)
    assert acl.backend_rules() == ("resetchannels ~sms_otp:* -@all +setex +set +get +del +ttl +ping +auth +hello")


@pytest.mark.parametrize("protocol", [2, 3])  # redis-py's two handshakes: AUTH, or HELLO 3 AUTH
def test_the_backend_user_runs_the_key_schema_through_redis_py(acl_redis: redisproc.Server, protocol: int) -> None:
    r = acl_redis.client(username=USER, password=BACKEND_PASSWORD, protocol=protocol)
    record = keyschema.OtpRecord("123456", "+15550100")
    assert r.ping() is True
    assert keyschema.store_setex(r, "alice", record, ttl_seconds=300) == "sms_otp:alice"  # the seed's backend
    assert keyschema.load(r, "alice") == record
    assert 0 < (keyschema.remaining_ttl(r, "alice") or 0) <= 300
    keyschema.store(r, "alice", record, ttl_seconds=120)  # SET ... EX
    assert 0 < (keyschema.remaining_ttl(r, "alice") or 0) <= 120
    assert keyschema.delete(r, "alice") is True
    assert keyschema.load(r, "alice") is None
    assert r.execute_command("AUTH", USER, BACKEND_PASSWORD) in ("OK", True)
    assert r.execute_command("HELLO", str(protocol), "AUTH", USER, BACKEND_PASSWORD)
    # The handshake's CLIENT SETINFO (redis-py 5 to 8 send it, and ignore an error on it):
    # allowed where the server has it (7.2 on), unknown to older ones (the test machine's 7.0).
    if _server_version(acl_redis) >= acl.SETINFO_SINCE:
        assert r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "x") in ("OK", True)
    else:
        with pytest.raises(redis.ResponseError, match="unknown subcommand"):
            r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "x")


REFUSED = [("KEYS", "*"), ("CONFIG", "GET", "dir"), ("CONFIG", "SET", "save", ""), ("MONITOR",), ("INFO",),
           ("SCAN", "0"), ("EVAL", "return 1", "0"), ("SELECT", "1"), ("CLIENT", "LIST"), ("CLIENT", "SETNAME", "x"),
           ("ACL", "LIST"), ("SUBSCRIBE", "x"), ("PERSIST", "sms_otp:alice"), ("EXPIRE", "sms_otp:alice", "9"),
           ("GETDEL", "sms_otp:alice"), ("SHUTDOWN",), ("SET", "session:alice", "x", "EX", "9"), ("GET", "other")]
RENAMED = [("FLUSHALL",), ("FLUSHDB",), ("DEBUG", "SLEEP", "0")]  # the rendered config's disableCommands


@pytest.mark.parametrize("command", REFUSED, ids=[" ".join(c[:2]) for c in REFUSED])
def test_every_other_command_is_refused_with_noperm(acl_redis: redisproc.Server, command: tuple[str, ...]) -> None:
    r = acl_redis.client(username=USER, password=BACKEND_PASSWORD)
    with pytest.raises(redis.exceptions.NoPermissionError):
        r.execute_command(*command)


def test_the_dangerous_ones_are_refused_by_the_acl_alone(tmp_path: Path) -> None:
    """FLUSHALL, FLUSHDB and DEBUG are renamed away in the rendered configuration (unknown
    command); on a server with only the ACL file, the ACL refuses them itself."""
    with acl_server.server(tmp_path / "rendered") as srv:
        r = srv.client(username=USER, password=BACKEND_PASSWORD)
        for command in RENAMED:
            with pytest.raises(redis.ResponseError, match="unknown command"):
                r.execute_command(*command)
    with acl_server.server(tmp_path / "plain", rendered=False) as srv:
        r = srv.client(username=USER, password=BACKEND_PASSWORD)
        for command in [*RENAMED, ("KEYS", "*"), ("MONITOR",), ("CONFIG", "GET", "dir")]:
            with pytest.raises(redis.exceptions.NoPermissionError):
                r.execute_command(*command)


def test_set_without_ex_cannot_be_refused_by_an_acl(acl_redis: redisproc.Server) -> None:
    """What is possible: an ACL allows or refuses SET, never its options. So a SET without EX
    is let through (README, Least privilege); what catches a record without a TTL is the key
    schema's reader."""
    r = acl_redis.client(username=USER, password=BACKEND_PASSWORD)
    assert r.set("sms_otp:bob", keyschema.OtpRecord("1", "2").to_json()) is True
    assert r.ttl("sms_otp:bob") == -1
    with pytest.raises(keyschema.KeySchemaError, match="has no TTL: every OTP record must expire"):
        keyschema.remaining_ttl(r, "bob")


@pytest.mark.parametrize(("version", "setinfo"), [("7.0.15", False), ("7.2.4", True), ("8.2.1", True),
                                                   ("10.0.0", True), ("6.2.14", False)])
def test_client_setinfo_is_allowed_from_redis_7_2(tmp_path: Path, version: str, setinfo: bool) -> None:
    users = acl_server.acl_file(tmp_path, path=acl_server.fake_redis_server(tmp_path / "bin", version))
    (line,) = [u for u in users.read_text().splitlines() if u.startswith(f"user {USER} ")]
    assert line.endswith(acl.backend_rules() + (" +client|setinfo" if setinfo else "")), line


def test_the_real_server_loads_the_acl_of_its_own_version(acl_redis: redisproc.Server) -> None:
    (line,) = [u for u in acl_redis.client().acl_list() if u.startswith(f"user {USER} ")]
    assert ("+client|setinfo" in line) == (_server_version(acl_redis) >= acl.SETINFO_SINCE), line


# --- smoke, as the backend user -----------------------------------------------------------------


def _enable_acl(root: Path, env: str = "dev") -> None:
    with open(root / "environments" / f"{env}.yaml", "a", encoding="utf-8") as f:
        f.write("acl_enabled: true\n")


@pytest.fixture
def smoke_env(bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _enable_acl(bare_project)
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    monkeypatch.setenv("REDIS_BACKEND_PASSWORD", BACKEND_PASSWORD)
    return bare_project


def _smoke(cli, root: Path, srv: redisproc.Server):
    return cli(root, "smoke", "dev", "--host", "127.0.0.1", "--port", str(srv.port))


def test_smoke_runs_the_list_as_the_backend_user(acl_redis: redisproc.Server, smoke_env: Path, cli) -> None:
    ran = _smoke(cli, smoke_env, acl_redis)
    assert ran.code == 0, ran.out + ran.err
    assert "ok   acl: twofa-backend: 6 commands allowed, 19 others refused (ACL DRYRUN); no nopass" in ran.out
    assert ("ok   backend-user: twofa-backend: SETEX, SET EX, GET, TTL, DEL, PING, AUTH, HELLO work; "
            "13 other commands NOPERM") in ran.out
    assert "ok   write: SETEX sms_otp:smoke-probe-" in ran.out


def test_smoke_notices_a_backend_user_without_setex(acl_redis: redisproc.Server, smoke_env: Path, cli) -> None:
    acl_redis.client().execute_command("ACL", "SETUSER", USER, "-setex")
    ran = _smoke(cli, smoke_env, acl_redis)
    assert ran.code == 1
    assert "FAIL acl: expected twofa-backend: SETEX sms_otp:smoke-probe-" in ran.out


def test_smoke_notices_a_widened_backend_user(acl_redis: redisproc.Server, smoke_env: Path, cli) -> None:
    acl_redis.client().execute_command("ACL", "SETUSER", USER, "+keys")
    ran = _smoke(cli, smoke_env, acl_redis)
    assert ran.code == 1
    assert "FAIL acl: expected twofa-backend: KEYS * refused; got OK" in ran.out


def test_smoke_notices_a_wrong_backend_password(acl_redis: redisproc.Server, smoke_env: Path, cli,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_BACKEND_PASSWORD", "not-the-password")
    ran = _smoke(cli, smoke_env, acl_redis)
    assert ran.code == 1
    assert "FAIL backend-user: expected twofa-backend to log in with its password; got AuthenticationError" in ran.out


def test_smoke_needs_the_backend_password(acl_redis: redisproc.Server, smoke_env: Path, cli,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_BACKEND_PASSWORD")
    ran = _smoke(cli, smoke_env, acl_redis)
    assert ran.code == 2
    assert ran.err == ("error: acl_enabled: set REDIS_BACKEND_PASSWORD to the backend user's password (Secret "
                       "redis-backend-acl, key backend-password), or pass --password-from-secret\n")

"""The backend's ACL user: rendered without any password or `nopass`, and the ACL file the start
script writes, loaded by a real redis-server."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from generator.render import acl
from generator.render.redis_values import DISABLED_COMMANDS
from generator.runtime import redisconf
from tests import ha, redisproc, runtime_config

redis = pytest.importorskip("redis")

BACKEND_PASSWORD = "backend-pass-4567"
USER = "twofa-backend"


def _enable_acl(root: Path, env: str = "dev") -> None:
    with open(root / "environments" / f"{env}.yaml", "a", encoding="utf-8") as f:
        f.write("acl_enabled: true\n")


def run_start_script(tmp_path: Path, password_file: Path, redis_password: str = redisproc.PASSWORD
                     ) -> subprocess.CompletedProcess[str]:
    """The preExecCmds lines as the Bitnami start script runs them (bash -e, ARGS already set),
    printing the ARGS they leave for `exec redis-server`."""
    script = "\n".join(["set -e", 'ARGS=("--port" "6379")', acl.start_script(USER), 'printf "%s\\n" "${ARGS[@]}"'])
    env = {"PATH": "/usr/bin:/bin", "REDIS_PASSWORD": redis_password, "TWOFA_ACL_DIR": str(tmp_path),
           "TWOFA_ACL_PASSWORD_FILE": str(password_file)}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=10, check=False)


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


@pytest.mark.parametrize("content", [None, ""])
def test_start_script_refuses_to_start_without_the_backend_password(tmp_path: Path, content: str | None) -> None:
    secret = tmp_path / acl.PASSWORD_KEY
    if content is not None:
        secret.write_text(content)
    done = run_start_script(tmp_path, secret)
    assert done.returncode == 1
    assert "missing or empty: not starting without the backend user's password" in done.stderr
    assert not (tmp_path / "users.acl").exists()


def test_start_script_refuses_an_empty_main_password(tmp_path: Path) -> None:
    secret = tmp_path / acl.PASSWORD_KEY
    secret.write_text(BACKEND_PASSWORD)
    done = run_start_script(tmp_path, secret, redis_password="")
    assert done.returncode == 1
    assert "REDIS_PASSWORD is empty" in done.stderr


def _rendered(cli, root: Path, env: str = "dev") -> str:
    ran = cli(root, "build", env)
    assert ran.code == 0, ran.err
    return (root / "build" / env / "manifests.yaml").read_text()


def test_acl_values_mount_the_secret_and_never_say_nopass(bare_project: Path, cli) -> None:
    _enable_acl(bare_project)
    rendered = _rendered(cli, bare_project)
    values = yaml.safe_load((bare_project / "chart" / "values-dev.yaml").read_text())["redis"]
    assert values["master"]["preExecCmds"] == [acl.start_script(USER)]
    assert values["master"]["extraVolumes"] == [acl.volume("redis-backend-acl")]
    assert values["master"]["extraVolumeMounts"] == [acl.volume_mount()]
    assert "acl" not in values.get("auth", {})  # Bitnami's lookup-based ACL stays off
    assert "nopass" not in rendered and "nopass" not in yaml.safe_dump(values)


@pytest.mark.parametrize(("env", "sentinel", "script"), [
    ("dev", False, "start-master.sh"),
    ("prod", False, "start-master.sh"),
    (ha.ENV, True, "start-node.sh"),  # tests/ha.py's variant: Sentinel mode
])
def test_acl_with_the_subchart(with_subchart: Path, cli, env: str, sentinel: bool, script: str) -> None:
    if sentinel:
        ha.enable(with_subchart, env)
    _enable_acl(with_subchart, env)
    rendered = _rendered(cli, with_subchart, env)
    assert "nopass" not in rendered
    objects = [d for d in yaml.safe_load_all(rendered) if d]
    scripts = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "redis-scripts")
    # Standalone: start-master.sh with master.preExecCmds; Sentinel mode: every node runs
    # start-node.sh with replica.preExecCmds; either way just before its exec.
    start = scripts["data"][script]
    assert acl.start_script(USER) in start
    assert start.index(acl.start_script(USER)) < start.index('exec redis-server "${ARGS[@]}"')
    config = next(o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "redis-configuration")
    assert config["data"]["users.acl"] == "" and "aclfile" not in config["data"]["redis.conf"]
    (node,) = [o for o in objects if o["kind"] == "StatefulSet"]
    assert node["metadata"]["name"] == ("redis-node" if sentinel else "redis-master")
    pod = node["spec"]["template"]["spec"]
    assert acl.volume("redis-backend-acl") in pod["volumes"]
    redis_container = next(c for c in pod["containers"] if c["name"] == "redis")
    assert acl.volume_mount() in redis_container["volumeMounts"]


def test_smoke_checks_the_backend_user(acl_redis: redisproc.Server, bare_project: Path, cli, monkeypatch) -> None:
    _enable_acl(bare_project)
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    monkeypatch.setenv("REDIS_BACKEND_PASSWORD", BACKEND_PASSWORD)
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(acl_redis.port))
    assert ran.code == 0, ran.out + ran.err
    assert "ok   acl: twofa-backend: 6 commands allowed, 19 others refused (ACL DRYRUN); no nopass" in ran.out


def test_smoke_fails_when_the_acl_is_missing(bare_project: Path, cli, monkeypatch, tmp_path: Path) -> None:
    _enable_acl(bare_project)
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
    _enable_acl(bare_project)
    acl_redis.client().acl_setuser(USER, enabled=True, nopass=True)
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    monkeypatch.setenv("REDIS_BACKEND_PASSWORD", BACKEND_PASSWORD)
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(acl_redis.port))
    assert ran.code == 1
    assert "FAIL acl: expected twofa-backend: on, with a password; got flags ['on', 'nopass']" in ran.out


@pytest.mark.parametrize("name", ["default", "Backend", "a b", "x" * 33, "1abc"])
def test_acl_username_is_checked(bare_project: Path, cli, name: str) -> None:
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write(f"acl_enabled: true\nacl_username: {name!r}\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert f"acl_username: {name!r} is not a user name other than 'default'" in ran.err

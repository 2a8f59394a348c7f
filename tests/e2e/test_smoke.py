"""`python -m generator smoke` against real redis-server processes on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.bitnami import config
from generator.render import values as render_values
from generator.runtime import redisconf
from tests.support import redisproc, runtime_config
from tests.support.net import free_port

pytest.importorskip("redis")


def _server(tmp_path: Path, extra: tuple[str, ...] = (), files: dict[str, str] | None = None) -> redisproc.Server:
    _, rendered = runtime_config.for_env("dev")
    node = redisconf.node("standalone", False, "master")
    return redisproc.node_server(files or rendered, tmp_path, node, extra=extra)


@pytest.fixture
def dev_redis(tmp_path: Path) -> Iterator[redisproc.Server]:
    srv = _server(tmp_path).start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_VAR_redis_password", raising=False)
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)


def _smoke(cli, root: Path, srv: redisproc.Server, *more: str):
    return cli(root, "smoke", "dev", "--host", "127.0.0.1", "--port", str(srv.port), *more)


def test_smoke_passes_on_the_rendered_configuration(bare_project: Path, cli, dev_redis) -> None:
    started = time.monotonic()
    ran = _smoke(cli, bare_project, dev_redis)
    wall = time.monotonic() - started
    assert ran.code == 0, ran.out + ran.err
    names = [line.split()[1].rstrip(":") for line in ran.out.splitlines() if line.startswith(("ok", "FAIL"))]
    assert names == ["reachable", "noauth", "auth", "write", "read", "ttl", "delete", "disabled-commands",
                     "persistence"]
    assert "TTL 300 s (of 300)" in ran.out or "TTL 299 s (of 300)" in ran.out
    assert "save:'60 1'" in ran.out
    assert redisproc.PASSWORD not in ran.out + ran.err
    # The probe record is gone: smoke leaves nothing behind.
    assert dev_redis.client().keys("sms_otp:*") == []
    print(f"\nsmoke wall time: {wall:.3f} s")


def test_smoke_json_report(bare_project: Path, cli, dev_redis) -> None:
    ran = _smoke(cli, bare_project, dev_redis, "--json")
    assert ran.code == 0, ran.err
    report = json.loads(ran.out)
    assert report["ok"] is True and report["env"] == "dev"
    assert report["target"] == f"127.0.0.1:{dev_redis.port}"
    assert all(step["ok"] for step in report["steps"]) and len(report["steps"]) == 9


def test_smoke_fails_when_redis_answers_without_password(bare_project: Path, cli, tmp_path: Path) -> None:
    srv = redisproc.plain_server(tmp_path, password=None).start()
    try:
        ran = _smoke(cli, bare_project, srv)
    finally:
        srv.stop()
    assert ran.code == 1
    assert "FAIL noauth: expected NOAUTH without the password; got PING -> True: Redis answers anyone" in ran.out
    assert "error: smoke dev: noauth: expected NOAUTH without the password" in ran.err


def test_smoke_fails_on_a_wrong_password(bare_project: Path, cli, dev_redis, monkeypatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "not-the-password")
    ran = _smoke(cli, bare_project, dev_redis, "--json")
    assert ran.code == 1
    report = json.loads(ran.out)
    assert [s["name"] for s in report["steps"]] == ["reachable", "noauth", "auth"]
    assert report["steps"][-1]["expected"] == "the password to be accepted"
    assert "not-the-password" not in ran.out


def test_smoke_fails_when_flushall_is_allowed(bare_project: Path, cli, tmp_path: Path) -> None:
    s = runtime_config.settings("dev")
    values = render_values.subchart_values(s)
    values["master"]["disableCommands"] = []
    srv = _server(tmp_path, files=config.configmap(values)).start()
    try:
        ran = _smoke(cli, bare_project, srv)
    finally:
        srv.stop()
    assert ran.code == 1
    assert "FAIL disabled-commands: expected FLUSHDB to be refused; got FLUSHDB ran" in ran.out


def test_smoke_fails_when_persistence_differs(bare_project: Path, cli, tmp_path: Path) -> None:
    srv = _server(tmp_path, extra=("--save", "")).start()
    try:
        ran = _smoke(cli, bare_project, srv)
    finally:
        srv.stop()
    assert ran.code == 1
    assert "FAIL persistence: expected aof_enabled:0 save:'60 1' stop-writes-on-bgsave-error:no; got " \
           "aof_enabled:0 save:''" in ran.out


def test_smoke_unreachable_fails_fast(bare_project: Path, cli) -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(port), "--timeout", "2")
    assert time.monotonic() - started < 3
    assert ran.code == 1
    assert f"FAIL reachable: expected a TCP connection to 127.0.0.1:{port} within 2 s" in ran.out


def test_smoke_without_password_is_bad_input(bare_project: Path, cli, monkeypatch) -> None:
    monkeypatch.delenv("REDIS_PASSWORD")
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", "1")
    assert ran.code == 2
    assert ran.err.startswith("error: no password: set REDIS_PASSWORD")


def test_password_from_secret_needs_kubectl(bare_project: Path, cli, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no kubectl there
    ran = cli(bare_project, "smoke", "dev", "--password-from-secret")
    assert ran.code == 2
    assert "error: kubectl not found on PATH" in ran.err


def test_password_from_secret_reads_the_secret_through_kubectl(bare_project: Path, cli, dev_redis, monkeypatch,
                                                               tmp_path: Path) -> None:
    # A stand-in for kubectl that answers only the exact query smoke must make.
    import base64

    encoded = base64.b64encode(redisproc.PASSWORD.encode()).decode()
    fake = tmp_path / "bin" / "kubectl"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n"
                    '[ "$*" = "get secret redis-secret --namespace redis --output jsonpath={.data.redis-password} '
                    '--request-timeout=20s" ] || { echo "unexpected: $*" >&2; exit 3; }\n'
                    f"printf %s {encoded}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    monkeypatch.delenv("REDIS_PASSWORD")
    ran = _smoke(cli, bare_project, dev_redis, "--password-from-secret")
    assert ran.code == 0, ran.out + ran.err


@pytest.mark.parametrize(("args", "message"), [
    (("--port", "0"), "error: --port: expected a TCP port from 1 to 65535, got 0"),
    (("--port", "70000"), "error: --port: expected a TCP port from 1 to 65535, got 70000"),
    (("--timeout", "0"), "error: --timeout: expected seconds greater than 0"),
    (("--timeout", "-3"), "error: --timeout: expected seconds greater than 0"),
    (("--host", "a b"), "error: --host: expected a host name or IP address, got 'a b'"),
])
def test_smoke_bad_arguments(bare_project: Path, cli, args: tuple[str, ...], message: str) -> None:
    ran = cli(bare_project, "smoke", "dev", *args)
    assert ran.code == 2
    assert ran.err.startswith(message), ran.err
    assert "Traceback" not in ran.err


def test_smoke_unknown_environment(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "smoke", "nope", "--host", "127.0.0.1")
    assert ran.code == 2
    assert ran.err.startswith("error: unknown environment 'nope'")


def test_smoke_of_a_disabled_environment(bare_project: Path, cli) -> None:
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write("enable_redis: false\n")
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1")
    assert ran.code == 2
    assert ran.err == "error: dev: enable_redis is false: nothing to test\n"

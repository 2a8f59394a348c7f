"""runtime/smoke/steps.py: each promise `smoke` checks, and what it says when a live Redis breaks it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from generator.bitnami import config
from generator.render import values as render_values
from tests.support import redisproc, runtime_config
from tests.support.smoke import dev_server, smoke

pytest.importorskip("redis")
pytestmark = pytest.mark.usefixtures("redis_password")


def test_smoke_fails_when_redis_answers_without_password(bare_project: Path, cli, tmp_path: Path) -> None:
    srv = redisproc.plain_server(tmp_path, password=None).start()
    try:
        ran = smoke(cli, bare_project, srv)
    finally:
        srv.stop()
    assert ran.code == 1
    assert "FAIL noauth: expected NOAUTH without the password; got PING -> True: Redis answers anyone" in ran.out
    assert "error: smoke dev: noauth: expected NOAUTH without the password" in ran.err


def test_smoke_fails_when_flushall_is_allowed(bare_project: Path, cli, tmp_path: Path) -> None:
    s = runtime_config.settings("dev")
    values = render_values.subchart_values(s)
    values["master"]["disableCommands"] = []
    srv = dev_server(tmp_path, files=config.configmap(values)).start()
    try:
        ran = smoke(cli, bare_project, srv)
    finally:
        srv.stop()
    assert ran.code == 1
    assert "FAIL disabled-commands: expected FLUSHDB to be refused; got FLUSHDB ran" in ran.out


def test_smoke_fails_when_persistence_differs(bare_project: Path, cli, tmp_path: Path) -> None:
    srv = dev_server(tmp_path, extra=("--save", "")).start()
    try:
        ran = smoke(cli, bare_project, srv)
    finally:
        srv.stop()
    assert ran.code == 1
    assert "FAIL persistence: expected aof_enabled:0 save:'60 1' stop-writes-on-bgsave-error:no; got " \
           "aof_enabled:0 save:''" in ran.out


def test_smoke_unreachable_fails_fast(bare_project: Path, cli, closed_port: int) -> None:
    port = closed_port
    started = time.monotonic()
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(port), "--timeout", "2")
    assert time.monotonic() - started < 3
    assert ran.code == 1
    assert f"FAIL reachable: expected a TCP connection to 127.0.0.1:{port} within 2 s" in ran.out

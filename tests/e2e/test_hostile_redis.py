"""`smoke` against hostile Redis servers (tests/support/hostile_redis.py, real sockets on
127.0.0.1): it ends within --timeout (+ start-up), with one line naming the peer, and never
shows the password a server echoes back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.hostile_cli import PASSWORD, assert_refused, env, run
from tests.support.hostile_redis import hostile_redis

TIMEOUT = 2.0
MODES = ("drip", "endless_line", "huge_bulk", "non_utf8", "echo_auth", "echo_info", "silent")


@pytest.mark.parametrize("mode", MODES)
def test_smoke_against_a_hostile_redis(bare_project: Path, tmp_path: Path, mode: str) -> None:
    with hostile_redis(mode) as port:
        ran = run(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(port), "--timeout", f"{TIMEOUT:g}",
                  environ=env(tmp_path, password=True), deadline=TIMEOUT + 2)
    assert_refused(ran, 1, "error: smoke dev: ")
    assert f"127.0.0.1:{port}" in ran.out
    assert ran.seconds < TIMEOUT + 2, ran.seconds  # a step's deadline, not a per-read timeout


@pytest.mark.parametrize("mode", ["echo_auth", "echo_wrongpass", "echo_info"])
def test_the_json_report_never_holds_an_echoed_password(bare_project: Path, tmp_path: Path, mode: str) -> None:
    with hostile_redis(mode) as port:
        ran = run(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(port), "--timeout", "2",
                  "--json", environ=env(tmp_path, password=True), deadline=TIMEOUT + 2)
    assert ran.code == 1
    report = json.loads(ran.out)
    assert report["ok"] is False and PASSWORD not in ran.out + ran.err
    assert "********" in ran.out  # what was there, masked


@pytest.mark.parametrize("host", ["a..b", "x" * 64 + ".example", "localhost..", "[::1", "127.0.0.1%eth0"])
def test_an_odd_host_is_refused(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", PASSWORD)
    ran = cli(bare_project, "smoke", "dev", "--host", host, "--port", "1", "--timeout", "1")
    assert (ran.code, len(ran.err.splitlines())) == (2, 1), ran.err
    assert ran.err.startswith("error: --host: expected a host name or IP address, got ")


INSPECT_MODES = ("drip", "endless_line", "huge_bulk", "huge_array", "non_utf8", "echo_auth", "echo_wrongpass",
                 "silent", "bad_scan")


@pytest.mark.parametrize("mode", INSPECT_MODES)
def test_inspect_against_a_hostile_redis(bare_project: Path, tmp_path: Path, mode: str) -> None:
    """inspect connects as smoke does: each command within --timeout and a byte bound, one line
    naming the peer, no password even when the server echoes it."""
    with hostile_redis(mode) as port:
        ran = run(bare_project, "inspect", "dev", "--host", "127.0.0.1", "--port", str(port), "--timeout",
                  f"{TIMEOUT:g}", environ=env(tmp_path, password=True), deadline=TIMEOUT + 2)
    assert_refused(ran, 1, f"error: inspect dev: 127.0.0.1:{port}: ")
    assert ran.out == ""
    assert ran.seconds < TIMEOUT + 2, ran.seconds


@pytest.mark.parametrize("json_report", [False, True])
def test_inspect_shows_what_a_server_sent_without_the_password_or_control_characters(
        bare_project: Path, tmp_path: Path, json_report: bool) -> None:
    with hostile_redis("echo_store") as port:
        ran = run(bare_project, "inspect", "dev", "--host", "127.0.0.1", "--port", str(port), "--timeout", "2",
                  *(["--json"] if json_report else []), environ=env(tmp_path, password=True), deadline=TIMEOUT + 2)
    assert (ran.code, ran.err) == (0, ""), ran.err
    assert PASSWORD not in ran.out and "********" in ran.out  # the echoed policy, masked
    if json_report:
        report = json.loads(ran.out)
        assert report["memory"]["maxmemory_policy"] == "********"
        assert report["samples"][0]["user"] == "\x1b[" + "*" * 14  # the key as Redis gave it, cut to 2
    else:
        assert "\x1b" not in ran.out and "sample: user=\\x1b[" in ran.out
        assert not any(line.startswith("error: fake") for line in ran.out.splitlines())

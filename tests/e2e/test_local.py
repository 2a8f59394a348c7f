"""`local <env>`: the rendered Redis on 127.0.0.1, `smoke` pointed at it passes, Ctrl-C stops it
and removes its data. Run as a real process, as an operator runs it."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from tests.support import redisproc
from tests.support.acl import BACKEND_PASSWORD

READY = "Ctrl-C stops it"
TIMEOUT_S = 30.0


@dataclass
class Local:
    process: subprocess.Popen[str]
    lines: list[str]

    @property
    def port(self) -> int:
        return int(re.search(r"redis-server on 127\.0\.0\.1:(\d+) ", self.lines[0]).group(1))  # type: ignore[union-attr]

    @property
    def workdir(self) -> Path:
        return Path(re.search(r"data and log in (\S+) ", self.lines[0]).group(1))  # type: ignore[union-attr]

    def line(self, prefix: str) -> str:
        return next(line for line in self.lines if line.startswith(prefix))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_PASSWORD", "TF_VAR_redis_password",
                                                            "REDIS_BACKEND_PASSWORD")}
    return {**env, **extra}


def _pump(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))
    into.put(None)


def start(root: Path, env_name: str = "dev", *args: str, **variables: str) -> Local:
    redisproc.require_redis()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "--root", str(root), "local", env_name, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(**variables),
        # A suite started in the background inherits SIGINT ignored; an operator's terminal does not.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # A thread reads stdout (a pipe read with a timeout would fight Python's own buffering).
    found: queue.Queue[str | None] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=_pump, args=(process.stdout, found), daemon=True).start()
    lines: list[str] = []
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline and not any(READY in line for line in lines):
        try:
            line = found.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        lines.append(line)
    if not any(READY in line for line in lines):
        process.kill()
        process.wait(timeout=10)
        err = process.stderr.read() if process.stderr else ""
        raise AssertionError(f"local did not get ready: {lines} {err}")
    return Local(process, [line.removeprefix(f"{env_name}: ") for line in lines])


@pytest.fixture
def running(bare_project: Path) -> Iterator[Local]:
    local = start(bare_project)
    yield local
    if local.process.poll() is None:
        local.process.kill()
        local.process.wait(timeout=10)


def _stop(local: Local) -> tuple[int, str]:
    local.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    assert local.process.stderr is not None
    local.process.wait(timeout=TIMEOUT_S)
    return local.process.returncode, local.process.stderr.read()


def test_smoke_passes_against_local_and_ctrl_c_stops_it(running: Local, bare_project: Path) -> None:
    hint = running.line("smoke it: ")
    match = re.fullmatch(rf"smoke it: REDIS_PASSWORD=(\S+) python -m generator --root {re.escape(str(bare_project))} "
                         rf"smoke dev --host 127\.0\.0\.1 --port {running.port}", hint)
    assert match, hint
    # The printed line, run as printed (python being this interpreter), from anywhere.
    command = hint.removeprefix("smoke it: ").replace(" python -m ", f" {sys.executable} -m ", 1)
    done = subprocess.run(["bash", "-c", command], cwd="/", env=_env(), capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   persistence: aof_enabled:0 save:'60 1'" in done.stdout  # dev's rendered configuration
    admin = redisproc.Server(lambda port: [], running.workdir, password=match.group(1), port=running.port).client()
    assert admin.config_get("bind")["bind"] == "127.0.0.1"
    assert admin.config_get("dir")["dir"].startswith(str(running.workdir))
    assert running.workdir.stat().st_mode & 0o077 == 0
    code, err = _stop(running)
    assert code == 0, err
    assert f"dev: stopped; {running.workdir} removed" in err
    assert not running.workdir.exists()


def test_local_with_the_acl_user_and_given_passwords(bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    with open(bare_project / "environments" / "dev.yaml", "a", encoding="utf-8") as f:
        f.write("acl_enabled: true\n")
    local = start(bare_project, REDIS_PASSWORD=redisproc.PASSWORD, REDIS_BACKEND_PASSWORD=BACKEND_PASSWORD)
    try:
        assert redisproc.PASSWORD not in "\n".join(local.lines)  # given passwords are never printed
        hint = local.line("smoke it: ")
        assert hint == (f"smoke it: python -m generator --root {bare_project} smoke dev --host 127.0.0.1 "
                        f"--port {local.port}")
        monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
        monkeypatch.setenv("REDIS_BACKEND_PASSWORD", BACKEND_PASSWORD)
        ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", str(local.port))
        assert ran.code == 0, ran.out + ran.err
        assert "ok   backend-user: twofa-backend: SETEX, SET EX, GET, TTL, DEL, PING, AUTH, HELLO work" in ran.out
    finally:
        code, err = _stop(local)
    assert code == 0, err


def test_local_fails_when_redis_stops_on_its_own(running: Local) -> None:
    pids = subprocess.run(["pgrep", "-P", str(running.process.pid)], capture_output=True, text=True, check=False)
    (child,) = [int(p) for p in pids.stdout.split()]
    os.kill(child, signal.SIGKILL)
    running.process.wait(timeout=TIMEOUT_S)
    assert running.process.stderr is not None
    err = running.process.stderr.read()
    assert running.process.returncode == 1
    assert "error: dev: redis-server stopped on its own (exit -9)" in err
    assert not running.workdir.exists()


def test_local_refuses_a_bad_port(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "local", "dev", "--port", "70000")
    assert ran.code == 2
    assert ran.err == "error: --port: expected a TCP port from 1 to 65535 (or 0 for a free one), got 70000\n"

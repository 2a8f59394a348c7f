"""Real redis-server and Sentinel processes on 127.0.0.1 for the runtime tests.

Each process gets a free port, its own directory and a log; every wait is bounded; `stop`
sends SIGTERM like Kubernetes does and kills only after a grace period.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from generator.runtime import redisconf

REDIS_SERVER = shutil.which("redis-server")
SKIP_NO_REDIS = "redis-server is not installed: run scripts/setup (it installs the Debian package)"
PASSWORD = "test-password-0123"  # a throwaway for processes that live only on 127.0.0.1
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0

T = TypeVar("T")


def require_redis() -> str:
    if REDIS_SERVER is None:
        pytest.skip(SKIP_NO_REDIS)
    return REDIS_SERVER


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll until `condition` returns something truthy (exceptions count as no), or fail."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as e:  # any failure means "not yet"
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {last!r})")


@dataclass
class Server:
    args: list[str]
    workdir: Path
    port: int
    password: str | None = PASSWORD
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.workdir / f"redis-{self.port}.log"

    def start(self) -> Server:
        binary = require_redis()
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([binary, *self.args, "--logfile", ""], cwd=self.workdir,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._ready, START_TIMEOUT_S, f"redis on port {self.port} (log: {self.tail()})")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"redis-server exited with {self.process.returncode}: {self.tail()}")
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            reply = s.recv(64)
        return reply.startswith((b"+PONG", b"-NOAUTH"))

    def client(self, **kwargs: Any) -> Any:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # No retries: a refusal must show at once (redis-py retries AuthenticationError, a
        # ConnectionError, with backoff by default).
        options: dict[str, Any] = {"password": self.password, "socket_timeout": 5, "socket_connect_timeout": 2,
                                   "decode_responses": True, "retry": Retry(NoBackoff(), 0)}
        options.update(kwargs)
        return redis.Redis(host="127.0.0.1", port=self.port, **options)

    def stop(self, sig: int = signal.SIGTERM, grace: float = STOP_TIMEOUT_S) -> int | None:
        """Stop like Kubernetes: the signal, a grace period, then SIGKILL. Returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=STOP_TIMEOUT_S)

    def tail(self, lines: int = 15) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextlib.contextmanager
def running(servers: Sequence[Server]) -> Iterator[Sequence[Server]]:
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


def node_server(files: dict[str, str], workdir: Path, node: redisconf.Node, password: str = PASSWORD,
                replicaof: tuple[str, int] | None = None, port: int | None = None,
                extra: Sequence[str] = ()) -> Server:
    """A redis-server started the way the chart's start script starts `node`, on the ConfigMap `files`."""
    port = port or free_port()
    etc, data = workdir / "etc", workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    redisconf.materialize(files, etc, data)
    args = redisconf.server_args(node, etc, port, password, replicaof)
    return Server([*args, *extra], workdir, port, password)


def kill_all(servers: Sequence[Server]) -> None:
    for server in servers:
        if server.process is not None and server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=STOP_TIMEOUT_S)

"""Real redis-server and Sentinel processes on 127.0.0.1 for the runtime tests.

Each process gets a free port, its own directory and a log; every wait is bounded; `stop`
sends SIGTERM like Kubernetes does and kills only after a grace period. A server is ready when
its own log says so (not merely when something answers on the port: under pytest-xdist another
worker's server may have taken the port first), and one whose port was taken starts again on
another.
"""

from __future__ import annotations

import atexit
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from generator.runtime import redisconf
from tests.support.net import free_port

REDIS_SERVER = shutil.which("redis-server")
SKIP_NO_REDIS = "redis-server is not installed: run scripts/setup (it installs the Debian package)"
PASSWORD = "test-password-0123"  # a throwaway for processes that live only on 127.0.0.1
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
PORT_ATTEMPTS = 5
# What redis-server (7.x) logs once it listens: a server, a Sentinel.
READY = ("Ready to accept connections", "Sentinel ID is")

T = TypeVar("T")
# Every process started and not yet stopped: each runs in a session of its own (so a test's
# Ctrl-C does not reach it first), hence nothing would end it if a test's teardown never ran.
_LIVE: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_leftovers() -> None:
    for process in list(_LIVE):
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


def require_redis() -> str:
    if REDIS_SERVER is None:
        pytest.skip(SKIP_NO_REDIS)
    return REDIS_SERVER


class PortTaken(Exception):
    """The port was free when chosen and taken before redis-server bound it."""


class Exited(AssertionError):
    """redis-server exited instead of starting."""


def wait_for(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.05,
             fatal: tuple[type[BaseException], ...] = ()) -> T:
    """Poll until `condition` returns something truthy (exceptions count as no, but those in
    `fatal` end the wait at once), or fail."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except fatal:
            raise
        except Exception as e:  # any other failure means "not yet"
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {last!r})")


@dataclass
class Server:
    command: Callable[[int], Sequence[str]]  # the redis-server arguments for a port
    workdir: Path
    password: str | None = PASSWORD
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _log_start: int = 0  # where this start's lines begin in the log

    @property
    def log(self) -> Path:
        return self.workdir / f"redis-{self.port}.log"

    def start(self) -> Server:
        binary = require_redis()
        self.workdir.mkdir(parents=True, exist_ok=True)
        for _ in range(PORT_ATTEMPTS):
            self._log_start = self.log.stat().st_size if self.log.exists() else 0
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen([binary, *self.command(self.port), "--logfile", ""],
                                                cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)
            _LIVE.add(self.process)
            try:
                wait_for(self._ready, START_TIMEOUT_S, f"redis on port {self.port} (log: {self.tail()})",
                         fatal=(PortTaken, Exited))
                return self
            except PortTaken:
                self.port = free_port()
            except BaseException:
                # A server that never became ready (or a test interrupted while waiting) must not
                # outlive the test: nothing else holds its process.
                self.stop(grace=1.0)
                raise
        raise AssertionError(f"redis-server found no free port in {PORT_ATTEMPTS} attempts")

    def _lines(self) -> str:
        with open(self.log, "rb") as f:
            f.seek(self._log_start)
            return f.read().decode(errors="replace")

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            if "Address already in use" in self._lines():
                raise PortTaken(self.port)
            raise Exited(f"redis-server exited with {self.process.returncode}: {self.tail()}")
        if not any(marker in self._lines() for marker in READY):
            return False
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


def plain_server(workdir: Path, password: str | None = PASSWORD, *extra: str) -> Server:
    """A redis-server of Debian's defaults on 127.0.0.1, no snapshots; with requirepass unless
    password is None."""
    auth = ("--requirepass", password) if password is not None else ()
    return Server(lambda port: ["--port", str(port), "--bind", "127.0.0.1", *auth, "--save", "", *extra],
                  workdir, password)


def node_server(files: dict[str, str], workdir: Path, node: redisconf.Node, password: str = PASSWORD,
                replicaof: tuple[str, int] | None = None, extra: Sequence[str] = ()) -> Server:
    """A redis-server started the way the chart's start script starts `node`, on the ConfigMap `files`."""
    etc, data = workdir / "etc", workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    redisconf.materialize(files, etc, data)
    return Server(lambda port: [*redisconf.server_args(node, etc, port, password, replicaof), *extra],
                  workdir, password)


def sentinel_server(files: dict[str, str], workdir: Path, master: tuple[str, int],
                    password: str = PASSWORD) -> Server:
    """A Sentinel on the rendered sentinel.conf, monitoring `master`."""
    workdir.mkdir(parents=True, exist_ok=True)

    def command(port: int) -> list[str]:
        conf = workdir / "sentinel.conf"
        conf.write_text(redisconf.sentinel_conf(files["sentinel.conf"], workdir, port, master, password))
        return [str(conf), "--sentinel"]

    return Server(command, workdir, password)


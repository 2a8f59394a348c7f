"""A Redis connection that a hostile or broken server cannot hold: every step of `smoke` has
an overall deadline and a bound on the bytes it reads.

redis-py's socket_timeout bounds each read only: a server that answers one byte every 200 ms,
or one endless line, or a bulk string of 2^31 bytes, keeps a client reading forever (and
growing). Here the socket redis-py reads from checks the step's Budget before every read.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from redis.connection import Connection
from redis.exceptions import ConnectionError as RedisConnectionError

MAX_STEP_BYTES = 4 << 20  # an INFO answer is ~5 KB; nothing smoke asks for comes near


class Budget:
    """What one step may still spend: seconds until its deadline, and bytes. `per_command`: each
    command sent starts a new step (`inspect`, whose walk is bounded by its own --deadline)."""

    def __init__(self, seconds: float, max_bytes: int = MAX_STEP_BYTES, per_command: bool = False) -> None:
        self.seconds = seconds
        self.max_bytes = max_bytes
        self.per_command = per_command
        self.start()

    def start(self) -> None:
        """A new step: the full time and byte allowance again."""
        self.deadline = time.monotonic() + self.seconds
        self.read = 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


class _BoundedSocket:
    """The socket redis-py reads from and writes to, each call within the budget."""

    def __init__(self, sock: socket.socket, budget: Budget, peer: str) -> None:
        self._sock = sock
        self._budget = budget
        self._peer = peer
        self._timeout = sock.gettimeout()

    def settimeout(self, value: float | None) -> None:
        self._timeout = value

    def gettimeout(self) -> float | None:
        return self._timeout

    def _arm(self) -> None:
        left = self._budget.remaining()
        if left <= 0:
            raise TimeoutError(f"{self._peer}: no complete answer within {self._budget.seconds:g} s")
        self._sock.settimeout(left if self._timeout is None else min(self._timeout, left))

    def recv(self, size: int, *flags: int) -> bytes:
        self._arm()
        data = self._sock.recv(size, *flags)
        self._budget.read += len(data)
        if self._budget.read > self._budget.max_bytes:
            raise RedisConnectionError(f"{self._peer}: answer larger than {self._budget.max_bytes} bytes")
        return data

    def sendall(self, data: bytes, *flags: int) -> None:
        self._arm()
        self._sock.sendall(data, *flags)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)  # close, shutdown, fileno, setsockopt: as they are


class BoundedConnection(Connection):
    """redis-py's TCP connection, its socket bounded by `budget` (a connection_kwargs entry)."""

    def __init__(self, *args: Any, budget: Budget, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.budget = budget

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if self.budget.per_command:
            self.budget.start()
        super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call]

    def _connect(self) -> Any:
        if self.budget.per_command:  # connecting (and the AUTH after it) is a command of its own
            self.budget.start()
        left = self.budget.remaining()
        if left <= 0:
            raise TimeoutError(f"{self.host}:{self.port}: no time left to connect")
        wanted = self.socket_connect_timeout
        self.socket_connect_timeout = left if wanted is None else min(wanted, left)
        try:
            sock = super()._connect()  # type: ignore[no-untyped-call]
        finally:
            self.socket_connect_timeout = wanted
        return _BoundedSocket(sock, self.budget, f"{self.host}:{self.port}")

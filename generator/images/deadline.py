"""An overall deadline for every registry operation, whatever the server does.

urllib3's timeouts bound each socket read: a registry that drips its answer one byte at a time
(status line and headers included, where http.client reads line by line) is never caught by
them. Each operation (a manifest request with its token and redirects, say) runs under one
Deadline: every connection it uses is watched, and when the time is up a timer shuts those
sockets down, so the blocked read returns at once and the request fails.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

DEFAULT_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0
_local = threading.local()
_budget: list[float] = []  # the command's own deadline (monotonic), when it set one


@contextlib.contextmanager
def budget(seconds: float, since: float | None = None) -> Iterator[None]:
    """The command's deadline for registry exchanges: `seconds` from `since` (its start), so
    that a hostile registry holds the command no longer than its --timeout. A blob transfer is
    not held to it (it gets time for its size); `mirror` renews it for each image."""
    _budget[:] = [(time.monotonic() if since is None else since) + seconds, seconds]
    try:
        yield
    finally:
        _budget.clear()


def renew(seconds: float | None = None) -> None:
    """The command's budget again, from now (`mirror` before each image, and after each blob
    transfer: time spent moving bytes is progress, not a registry holding us)."""
    if _budget:
        _budget[:] = [time.monotonic() + (_budget[1] if seconds is None else seconds), _budget[1]]


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def timeout(self) -> urllib3.Timeout:
        """Per-read timeouts that never reach past the deadline."""
        left = max(0.001, self.remaining())
        return urllib3.Timeout(connect=min(CONNECT_TIMEOUT_S, left), read=min(READ_TIMEOUT_S, left))

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            if not self.expired:
                self._sockets.append(sock)
                return
        _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def operation(seconds: float, transfer: bool = False) -> Iterator[Deadline]:
    """One registry operation: nested calls in the same thread share the outer deadline. It
    ends at the command's budget at the latest, unless it is a blob `transfer`."""
    outer: Deadline | None = getattr(_local, "deadline", None)
    if outer is not None:
        yield outer
        return
    if _budget and not transfer:
        seconds = max(0.001, min(seconds, _budget[0] - time.monotonic()))
    deadline = Deadline(seconds)
    _local.deadline = deadline
    try:
        yield deadline
    finally:
        deadline.cancel()
        _local.deadline = None
        if transfer:
            renew()


def current() -> Deadline | None:
    return getattr(_local, "deadline", None)


class _Watched:
    """A urllib3 connection whose socket the current operation's deadline watches."""

    sock: socket.socket | None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watch(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)  # a kept-alive connection serving the next operation
        super().request(*args, **kwargs)  # type: ignore[misc]


def _watch(sock: socket.socket | None) -> None:
    deadline = current()
    if deadline is not None:
        deadline.watch(sock)


class _HTTP(_Watched, HTTPConnection):
    pass


class _HTTPS(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPS


_POOL: urllib3.PoolManager | None = None
_POOL_LOCK = threading.Lock()


def pool() -> urllib3.PoolManager:
    """The one connection pool of every registry client (connections are kept alive)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            manager = urllib3.PoolManager(num_pools=8, maxsize=8, retries=False,
                                          timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S))
            manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
            _POOL = manager
        return _POOL

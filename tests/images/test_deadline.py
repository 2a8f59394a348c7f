"""images/deadline.py: one overall deadline per registry operation, whatever the server does."""

from __future__ import annotations

import socket
import time

from generator.images import deadline


def test_an_expired_deadline_shuts_the_watched_socket() -> None:
    """A read blocked on a server that sends nothing returns when the deadline ends, though the
    socket's own timeout is far longer."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        ours.settimeout(30)
        t0 = time.monotonic()
        with deadline.operation(0.3) as d:
            d.watch(ours)
            data = ours.recv(10)
        assert data == b"" and d.expired
        assert time.monotonic() - t0 < 2


def test_a_socket_watched_after_expiry_is_shut_at_once() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        d = deadline.Deadline(0.01)
        time.sleep(0.1)
        d.watch(ours)
        ours.settimeout(5)
        assert ours.recv(10) == b""


def test_nested_operations_share_the_outer_deadline() -> None:
    with deadline.operation(5) as outer, deadline.operation(60) as inner:
        assert inner is outer and deadline.current() is outer
    assert deadline.current() is None


def test_the_commands_budget_caps_each_operation_but_not_a_transfer() -> None:
    with deadline.budget(1.0):
        with deadline.operation(30) as d:
            assert d.seconds <= 1.0
        with deadline.operation(30, transfer=True) as d:
            assert d.seconds == 30


def test_per_read_timeouts_never_reach_past_the_deadline() -> None:
    d = deadline.Deadline(2)
    try:
        t = d.timeout()
        assert t.connect_timeout <= 2 and t.read_timeout <= 2
    finally:
        d.cancel()

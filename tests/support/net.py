"""Ports on 127.0.0.1."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port nothing listens on right now. Another process may take it before the caller
    binds it: servers started on such a port retry with another one when it is taken
    (tests/support/redisproc.py, tests/support/registries.py)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

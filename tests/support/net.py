"""Ports on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any


def free_port() -> int:
    """A TCP port nothing listens on right now. Another process may take it before the caller
    binds it: servers started on such a port retry with another one when it is taken
    (tests/support/redisproc.py, tests/support/registries.py)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 where connections are refused at once, for as long as the block runs:
    bound here without listen(), so no other process (another xdist worker's server) can take it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A port that takes connections into its backlog and never answers: a peer that hangs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield int(s.getsockname()[1])


def run_peer(doc: str | None, modes: dict[str, str], start: Callable[[str, int], Any],
             where: Callable[[Any], str]) -> None:
    """A hostile peer's command line (`python -m tests.support.hostile_redis MODE [--port N]`):
    start it, say where it listens, serve until Ctrl-C, then close it."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=sorted(modes))
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = start(args.mode, args.port)
    print(f"{args.mode}: {modes[args.mode]}; listening on {where(server)}", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()

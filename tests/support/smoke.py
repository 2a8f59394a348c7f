"""`smoke` against a real redis-server started on the dev environment's rendered configuration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generator.runtime import redisconf
from tests.support import redisproc, runtime_config
from tests.support.cli import Ran


def dev_server(workdir: Path, extra: tuple[str, ...] = (), files: dict[str, str] | None = None) -> redisproc.Server:
    """A standalone master as dev's pod starts it (or on other configuration `files`), not started."""
    _, rendered = runtime_config.for_env("dev")
    node = redisconf.node("standalone", False, "master")
    return redisproc.node_server(files or rendered, workdir, node, extra=extra)


def smoke(cli: Callable[..., Ran], root: Path, server: redisproc.Server, *more: str) -> Ran:
    """`smoke dev` pointed at the server."""
    return cli(root, "smoke", "dev", "--host", "127.0.0.1", "--port", str(server.port), *more)

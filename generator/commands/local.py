"""`local <env>`: run the environment's rendered Redis on 127.0.0.1 until Ctrl-C, for debugging."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from generator import pipeline
from generator.commands import root_of
from generator.core import invocation, passwords
from generator.core.errors import SmokeError, UsageError
from generator.runtime import local


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port: expected a TCP port from 1 to 65535 (or 0 for a free one), got {args.port}")
    prepared = pipeline.prepare(root_of(args), args.env, resolve_ecr=False)  # no image is pulled here
    settings = prepared.settings
    if not settings.enable_redis:
        raise UsageError(f"{settings.env}: enable_redis is false: nothing to run")
    given = passwords.read_password()
    password = given or local.generated_password()
    backend = None
    if settings.acl_enabled:
        backend = passwords.read_backend_password() or local.generated_password()
    with local.started(root_of(args), settings, prepared.env.file, password, backend, args.port) as r:
        env = settings.env
        print(f"{env}: redis-server on {local.HOST}:{r.port} with {env}'s rendered configuration ({r.source}); "
              f"data and log in {r.workdir} (removed on exit)")
        shown = '"$REDIS_PASSWORD"' if given else shlex.quote(password)  # a generated one is shown here only
        print(f"{env}: connect: redis-cli -h {local.HOST} -p {r.port} --user default --pass {shown}")
        variables = f"REDIS_PASSWORD={shown}" if not given else ""
        if backend is not None:
            shown_backend = (f'"${passwords.BACKEND_PASSWORD_VARIABLE}"' if passwords.read_backend_password()
                             else shlex.quote(backend))
            print(f"{env}: the backend user: redis-cli -h {local.HOST} -p {r.port} --user {settings.acl_username} "
                  f"--pass {shown_backend}")
            if not passwords.read_backend_password():
                variables += f" {passwords.BACKEND_PASSWORD_VARIABLE}={shown_backend}"
        direct = ["--direct"] if settings.sentinel_enabled else []
        # --root as given, when not the current directory: the line works pasted as it is.
        where = [] if root_of(args) == Path.cwd().resolve() else ["--root", shlex.quote(args.root)]
        smoke = invocation.command(*where, "smoke", env, "--host", local.HOST, "--port", str(r.port), *direct)
        print(f"{env}: smoke it: {(variables.strip() + ' ') if variables.strip() else ''}{smoke.strip('`')}")
        print(f"{env}: Ctrl-C stops it", flush=True)
        stopped = local.wait_for_stop(r.process, lambda _: None)
        if stopped is None:
            raise SmokeError(f"{env}: redis-server stopped on its own (exit {r.process.returncode}): "
                             f"{local.tail(r.log)}")
    print(f"{env}: stopped; {r.workdir} removed", file=sys.stderr)
    return 0

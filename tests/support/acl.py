"""The backend's ACL user for the tests: switch it on in a project, run the start-script lines the
chart adds (render/acl.py) the way the Bitnami start script runs them, and a real redis-server
with the ACL file they write, on the environment's rendered configuration, as a pod starts it."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from generator.core.names import ACL_PASSWORD_KEY
from generator.render import acl
from generator.runtime import redisconf
from tests.support import redisproc, runtime_config

BACKEND_PASSWORD = "backend-pass-4567"
USER = "twofa-backend"  # acl_username's default


def enable(root: Path, env: str = "dev") -> None:
    with open(root / "environments" / f"{env}.yaml", "a", encoding="utf-8") as f:
        f.write("acl_enabled: true\n")


def run_start_script(workdir: Path, password_file: Path, redis_password: str = redisproc.PASSWORD,
                     path: str = "/usr/bin:/bin") -> subprocess.CompletedProcess[str]:
    """The preExecCmds lines as the Bitnami start script runs them (bash -e, ARGS already set),
    printing the ARGS they leave for `exec redis-server`. `path` is where `redis-server` is found
    (its --version decides on CLIENT SETINFO)."""
    script = "\n".join(["set -e", 'ARGS=("--port" "6379")', acl.start_script(USER), 'printf "%s\\n" "${ARGS[@]}"'])
    env = {"PATH": path, "REDIS_PASSWORD": redis_password, "TWOFA_ACL_DIR": str(workdir),
           "TWOFA_ACL_PASSWORD_FILE": str(password_file)}
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=10, check=False)


def acl_file(workdir: Path, path: str = "/usr/bin:/bin") -> Path:
    """Run the start script with the backend password mounted as a Secret volume holds it."""
    secret = workdir / "secret" / ACL_PASSWORD_KEY
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text(BACKEND_PASSWORD)  # no trailing newline, as in a Secret volume
    done = run_start_script(workdir, secret, path=path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2:] == ["--aclfile", str(workdir / "users.acl")]
    return workdir / "users.acl"


@contextlib.contextmanager
def server(workdir: Path, rendered: bool = True) -> Iterator[redisproc.Server]:
    """redis-server with the ACL file: on dev's rendered configuration (FLUSHALL, FLUSHDB and
    DEBUG renamed away), or with `rendered` false on nothing but the ACL file, so the ACL alone
    decides about every command."""
    users = acl_file(workdir)
    if rendered:
        _, files = runtime_config.for_env("dev")
        srv = redisproc.node_server(files, workdir / "node", redisconf.node("standalone", False, "master"),
                                    extra=("--aclfile", str(users)))
    else:
        # DEBUG on too (Redis refuses it by default before any ACL): here only the ACL decides.
        srv = redisproc.Server(lambda port: ["--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                             "--enable-debug-command", "yes", "--aclfile", str(users)],
                               workdir / "plain")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def fake_redis_server(directory: Path, version: str) -> str:
    """A PATH whose `redis-server --version` says `version` (bash, sha256sum and cut from /usr/bin)."""
    directory.mkdir(parents=True, exist_ok=True)
    stub = directory / "redis-server"
    stub.write_text(f"#!/bin/sh\necho 'Redis server v={version} sha=00000000:0 malloc=libc bits=64'\n")
    os.chmod(stub, 0o755)
    return f"{directory}:/usr/bin:/bin"

"""`local <env>`: the environment's rendered Redis on this machine, for debugging, as the seed's
debugging section does in the cluster (redis-cli against redis-master-0).

The configuration is what a pod receives: the `<fullname>-configuration` ConfigMap of the render
(the real subchart's when its archive is in chart/charts/, else generator/bitnami/config.py's
equivalent of it), started with the start script's arguments (runtime/redisconf.py) and, with
acl_enabled, the ACL file the pod's start script writes (render/acl.py, the very lines).
Safety: bound to 127.0.0.1 only, files and data in a private temporary directory removed on
exit, the password from REDIS_PASSWORD or generated (and shown only on this terminal), the
child killed with us (PR_SET_PDEATHSIG) if we die without cleaning up.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.bitnami import archive, config
from generator.bitnami import names as bitnami_names
from generator.check import renders
from generator.core import atomic, edge
from generator.core.errors import SmokeError, ToolError
from generator.core.settings import Settings
from generator.render import acl, values
from generator.runtime import redisconf

HOST = "127.0.0.1"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Running:
    port: int
    password: str
    backend_password: str | None
    source: str  # where the configuration came from
    workdir: Path
    log: Path
    process: subprocess.Popen[bytes]


def configuration(root: Path, settings: Settings, env_file: str) -> tuple[str, dict[str, str]]:
    """(where it came from, the files of the configuration ConfigMap) of one environment."""
    fullname = bitnami_names.fullname(settings.release_name)
    if archive.find(root / "chart") is not None:
        (result,) = renders.render_checked(root, [settings], [env_file])
        name = f"{fullname}-configuration"
        for obj in result.objects:
            if obj["kind"] == "ConfigMap" and obj["metadata"]["name"] == name:
                return "the subchart's render", {k: str(v) for k, v in obj["data"].items()}
        raise ToolError(f"{settings.env}: no ConfigMap {name} in the render")
    return ("our equivalent of the subchart's ConfigMap: no archive in chart/charts/",
            config.configmap(values.subchart_values(settings), fullname, settings.namespace))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _acl_args(settings: Settings, etc: Path, password: str, backend_password: str) -> list[str]:
    """Run the pod's ACL start-script lines, as the pod does, with the files here."""
    secret = etc / "backend-password"
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(backend_password)
    script = "\n".join(["set -e", "ARGS=()", acl.start_script(settings.acl_username), 'printf "%s\\n" "${ARGS[@]}"'])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "REDIS_PASSWORD": password,
           "TWOFA_ACL_DIR": str(etc), "TWOFA_ACL_PASSWORD_FILE": str(secret)}
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=10, check=False)
    secret.unlink()
    if done.returncode != 0:
        raise ToolError(f"the ACL start script failed: {done.stderr.strip()}")
    return done.stdout.splitlines()


def _die_with_parent() -> None:
    """In the child: SIGTERM when this process dies, so no redis-server outlives `local`."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def started(root: Path, settings: Settings, env_file: str, password: str, backend_password: str | None,
            port: int = 0) -> Iterator[Running]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise ToolError("redis-server is not installed (scripts/setup installs the Debian package)")
    source, files = configuration(root, settings, env_file)
    workdir = None
    process = None
    try:
        with edge.signals_blocked():  # named before a signal can unwind past it
            workdir = Path(tempfile.mkdtemp(prefix=f"twofa-redis-local-{settings.env}."))
        os.chmod(workdir, 0o700)
        etc, data = workdir / "etc", workdir / "data"
        data.mkdir()
        redisconf.materialize(files, etc, data)
        node = redisconf.node(settings.architecture, settings.sentinel_enabled, "master")
        port = port or free_port()
        args = redisconf.server_args(node, etc, port, password, bind=HOST)
        if settings.acl_enabled and backend_password:
            args += _acl_args(settings, etc, password, backend_password)
        log = workdir / "redis.log"
        with open(log, "ab") as out:
            process = subprocess.Popen([binary, *args, "--logfile", ""], cwd=data, stdout=out,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       preexec_fn=_die_with_parent)
        running = Running(port, password, backend_password, source, workdir, log, process)
        _wait_ready(running)
        yield running
    finally:
        if process is not None:
            stop(process)
        if workdir is not None:
            atomic.remove_tree(workdir)


def _wait_ready(r: Running) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if r.process.poll() is not None:
            raise SmokeError(f"redis-server exited with {r.process.returncode}: {tail(r.log)}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, r.port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            if s.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                return
        time.sleep(0.05)
    raise SmokeError(f"redis-server did not answer on {HOST}:{r.port} within {START_TIMEOUT_S:.0f} s: {tail(r.log)}")


TAIL_BYTES = 64 << 10


def tail(log: Path, lines: int = 8) -> str:
    try:
        with open(log, "rb") as f:  # its end only: a server left running for days logs a lot
            f.seek(max(0, f.seek(0, os.SEEK_END) - TAIL_BYTES))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return " | ".join(text.splitlines()[-lines:])


def stop(process: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, a grace period, then SIGKILL."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)
    return process.returncode


def generated_password() -> str:
    return secrets.token_urlsafe(18)


def wait_for_stop(process: subprocess.Popen[bytes], on_signal: Callable[[int], None]) -> int | None:
    """Block until SIGINT/SIGTERM (returns the signal) or until redis-server exits (None).
    Handlers are set explicitly: a process started in the background may inherit SIGINT ignored."""
    got: list[int] = []
    wake = threading.Event()

    def handler(signum: int, _frame: object) -> None:
        got.append(signum)
        on_signal(signum)
        wake.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not wake.is_set() and process.poll() is None:
            wake.wait(0.2)
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    return got[0] if got else None

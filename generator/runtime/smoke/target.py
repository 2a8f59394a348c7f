"""Where `smoke` and `inspect` connect, with what password, and the client they connect with.

Each network call has a timeout and no retries, so an unreachable host fails in seconds.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

from generator.bitnami import REDIS_PORT, SENTINEL_PORT
from generator.core import names, passwords
from generator.core.errors import SecretError, UsageError
from generator.core.settings import Settings
from generator.core.text import shown

DEFAULT_TIMEOUT_S = 5.0
MAX_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    password: str
    timeout: float = DEFAULT_TIMEOUT_S
    sentinel_port: int | None = None  # ask Sentinel here for the master, when set
    master_set: str = ""
    backend_password: str | None = None  # the backend ACL user's (acl_enabled)


def target_for(settings: Settings, password: str, host: str | None = None, port: int | None = None,
               timeout: float = DEFAULT_TIMEOUT_S, direct: bool = False,
               backend_password: str | None = None) -> Target:
    """Where to connect: the outputs' host and port unless given. With Sentinel the port is
    Sentinel's and the master is asked for, unless `direct` (e.g. a port-forward to the master)."""
    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"--port: expected a TCP port from 1 to 65535, got {port}")
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise UsageError(f"--timeout: expected seconds greater than 0 and at most {MAX_TIMEOUT_S:.0f}, got {timeout}")
    if host is not None and not valid_host(host):
        raise UsageError(f"--host: expected a host name or IP address, got {shown(host)}")
    out = names.outputs(settings)
    if not out["redis_enabled"]:
        raise UsageError(f"{settings.env}: enable_redis is false: nothing to test")
    sentinel = settings.sentinel_enabled and not direct
    default_port = SENTINEL_PORT if sentinel else REDIS_PORT
    return Target(host or str(out["redis_host"]), port or default_port, password, timeout,
                  sentinel_port=(port or default_port) if sentinel else None,
                  master_set=settings.sentinel_master_set, backend_password=backend_password)


def from_options(settings: Settings, host: str | None, port: int | None, timeout: float, direct: bool,
                 from_secret: bool, backend_password: str | None = None) -> Target:
    """The target of `smoke` and `inspect` from their shared options, password included: from the
    Secret through kubectl (`from_secret`), else REDIS_PASSWORD / TF_VAR_redis_password."""
    password = password_from_secret(settings) if from_secret else passwords.read_password()
    if password is None:
        raise SecretError("no password: set REDIS_PASSWORD (or TF_VAR_redis_password), or pass --password-from-secret")
    return target_for(settings, password, host, port, timeout, direct, backend_password)


class Broken(Exception):
    """A peer that did not keep a promise: what was expected, and what came back."""

    def __init__(self, expected: str, got: str) -> None:
        super().__init__(got)
        self.expected, self.got = expected, got


def master_address(target: Target, budget: Any = None) -> tuple[str, int] | None:
    """Where Sentinel says the master of target.master_set is; None when it does not know the set,
    Broken when its answer is not a (host, port) pair."""
    assert target.sentinel_port is not None
    sentinel = client(target.host, target.sentinel_port, target.password, target.timeout, budget=budget)
    try:
        addr = sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", target.master_set)
    finally:
        sentinel.close()
    if not addr:
        return None
    try:
        host, port = str(addr[0]), int(addr[1])
    except (TypeError, ValueError, IndexError):
        raise Broken("a master address (host, port)", shown(addr)) from None
    if not valid_host(host) or not 1 <= port <= 65535:
        raise Broken("a master address (host, port)", shown(addr))
    return host, port


def password_from_secret(settings: Settings, timeout: float = 20.0, secret: str | None = None,
                         key: str = names.PASSWORD_KEY) -> str:
    """A password from a Kubernetes Secret (default: secret_name's redis-password), through
    kubectl (current context)."""
    secret = secret or settings.secret_name
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise SecretError("kubectl not found on PATH: set REDIS_PASSWORD instead of --password-from-secret")
    command = [kubectl, "get", "secret", secret, "--namespace", settings.namespace,
               "--output", f"jsonpath={{.data.{key}}}", f"--request-timeout={int(timeout)}s"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise SecretError(f"kubectl did not answer in {timeout:.0f} s: {' '.join(command)}") from e
    if done.returncode != 0:
        raise SecretError(f"kubectl failed (exit {done.returncode}): {' '.join(command)}: "
                          f"{done.stderr.strip()[:300]}")
    try:
        value = base64.b64decode(done.stdout.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as e:
        raise SecretError(f"Secret {settings.namespace}/{secret} key {key}: "
                          "not base64 UTF-8") from e
    if not value:
        raise SecretError(f"Secret {settings.namespace}/{secret} has no key {key}")
    return value


def client(host: str, port: int, password: str | None, timeout: float, protocol: int = 2,
           username: str | None = None, budget: Any = None, decode: bool = True) -> Any:
    """A redis-py client that fails at once: one attempt per call, `timeout` seconds each read,
    and all of a step's calls within its `budget` (runtime/smoke/bounded.py: a deadline and a
    byte bound). Replies that are not UTF-8 are shown with escapes, not raised as a traceback;
    `decode` False: replies stay bytes (keys a client wrote need not be UTF-8)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    from generator.runtime.smoke.bounded import BoundedConnection, Budget

    pool = redis.ConnectionPool(connection_class=BoundedConnection, budget=budget or Budget(timeout), host=host,
                                port=port, username=username, password=password, socket_timeout=timeout,
                                socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0), decode_responses=decode,
                                encoding_errors="backslashreplace", protocol=protocol)
    return redis.Redis.from_pool(pool)


_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def valid_host(host: str) -> bool:
    """An IP address, or a DNS name of labels of 1 to 63 letters, digits and '-' (at most 253
    characters, one trailing dot allowed): what the resolver takes without a UnicodeError."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    name = host[:-1] if host.endswith(".") else host
    return 0 < len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.split("."))

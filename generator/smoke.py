"""`smoke`: prove a live Redis keeps the environment's promises, one step at a time.

Every step says what it expected and what came back; the run stops at the first broken promise.
Each network call has a timeout and no retries, so an unreachable host fails in seconds.
"""

from __future__ import annotations

import base64
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from generator import keyschema
from generator.bitnami import REDIS_PORT, SENTINEL_PORT
from generator.core import names
from generator.core.errors import SecretError, UsageError
from generator.core.settings import Settings
from generator.render.redis_values import DISABLED_COMMANDS

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


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    expected: str
    got: str
    ms: float

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        detail = self.got if self.ok else f"expected {self.expected}; got {self.got}"
        return f"{mark} {self.name}: {detail} [{self.ms:.0f} ms]"


@dataclass
class Report:
    env: str
    target: str
    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {"env": self.env, "target": self.target, "ok": self.ok, "seconds": round(self.seconds, 3),
                "steps": [{**asdict(s), "ms": round(s.ms, 1)} for s in self.steps]}


class _Broken(Exception):
    def __init__(self, expected: str, got: str) -> None:
        super().__init__(got)
        self.expected, self.got = expected, got


def target_for(settings: Settings, password: str, host: str | None = None, port: int | None = None,
               timeout: float = DEFAULT_TIMEOUT_S, direct: bool = False) -> Target:
    """Where to connect: the outputs' host and port unless given. With Sentinel the port is
    Sentinel's and the master is asked for, unless `direct` (e.g. a port-forward to the master)."""
    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"--port: expected a TCP port from 1 to 65535, got {port}")
    if not 0 < timeout <= MAX_TIMEOUT_S:
        raise UsageError(f"--timeout: expected seconds greater than 0 and at most {MAX_TIMEOUT_S:.0f}, got {timeout}")
    if host is not None and (not host or len(host) > 253 or any(c.isspace() or not c.isprintable() for c in host)):
        raise UsageError(f"--host: expected a host name or IP address, got {host!r}")
    out = names.outputs(settings)
    if not out["redis_enabled"]:
        raise UsageError(f"{settings.env}: enable_redis is false: nothing to test")
    sentinel = settings.sentinel_enabled and not direct
    default_port = SENTINEL_PORT if sentinel else REDIS_PORT
    return Target(host or str(out["redis_host"]), port or default_port, password, timeout,
                  sentinel_port=(port or default_port) if sentinel else None,
                  master_set=settings.sentinel_master_set)


def password_from_secret(settings: Settings, timeout: float = 20.0) -> str:
    """The password from the Kubernetes Secret, through kubectl (current context)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise SecretError("kubectl not found on PATH: set REDIS_PASSWORD instead of --password-from-secret")
    command = [kubectl, "get", "secret", settings.secret_name, "--namespace", settings.namespace,
               "--output", f"jsonpath={{.data.{names.PASSWORD_KEY}}}", f"--request-timeout={int(timeout)}s"]
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
        raise SecretError(f"Secret {settings.namespace}/{settings.secret_name} key {names.PASSWORD_KEY}: "
                          "not base64 UTF-8") from e
    if not value:
        raise SecretError(f"Secret {settings.namespace}/{settings.secret_name} has no key {names.PASSWORD_KEY}")
    return value


def _client(host: str, port: int, password: str | None, timeout: float, protocol: int = 2) -> Any:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(host=host, port=port, password=password, socket_timeout=timeout,
                       socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0), decode_responses=True,
                       protocol=protocol)


def run(settings: Settings, target: Target, say: Callable[[Step], None] = lambda s: None) -> Report:
    """Run every step in order; stop at the first that fails."""
    import redis

    shown = f"{target.host}:{target.port}" + (f" (Sentinel, master set {target.master_set})"
                                              if target.sentinel_port else "")
    report = Report(settings.env, shown)
    started = time.monotonic()
    state: dict[str, Any] = {"host": target.host, "port": target.port}
    try:
        for name, check in _steps(settings, target, state):
            t0 = time.monotonic()
            try:
                got = check()
                step = Step(name, True, "", got, (time.monotonic() - t0) * 1000)
            except _Broken as e:
                step = Step(name, False, e.expected, e.got, (time.monotonic() - t0) * 1000)
            except redis.RedisError as e:
                step = Step(name, False, "an answer from Redis", f"{type(e).__name__}: {e}",
                            (time.monotonic() - t0) * 1000)
            except keyschema.KeySchemaError as e:
                step = Step(name, False, "a record that follows the key schema", str(e),
                            (time.monotonic() - t0) * 1000)
            report.steps.append(step)
            say(step)
            if not step.ok:
                break
    finally:
        report.seconds = time.monotonic() - started
        client = state.get("client")
        if client is not None:
            client.close()
    return report


def _steps(settings: Settings, target: Target, state: dict[str, Any]) -> Iterator[tuple[str, Callable[[], str]]]:
    import redis

    ttl = settings.otp_ttl_seconds
    probe = f"smoke-probe-{secrets.token_hex(6)}"
    record = keyschema.OtpRecord(code=f"{secrets.randbelow(10**6):06d}", phone_number="+10000000000")

    def ping_without_password(host: str, port: int) -> Any:
        client = _client(host, port, None, target.timeout)
        try:
            return client.execute_command("PING")
        finally:
            client.close()

    def reachable() -> str:
        t0 = time.monotonic()
        try:
            ping_without_password(target.host, target.port)
        except redis.AuthenticationError:
            pass  # reachable, and refusing: the next step looks closer
        except (redis.ConnectionError, redis.TimeoutError) as e:
            raise _Broken(f"a TCP connection to {target.host}:{target.port} within {target.timeout:.0f} s",
                          f"{type(e).__name__}: {e} after {time.monotonic() - t0:.1f} s") from None
        except redis.ResponseError:
            pass
        return f"{target.host}:{target.port} answers"

    def sentinel_master() -> str:
        assert target.sentinel_port is not None
        sentinel = _client(target.host, target.sentinel_port, target.password, target.timeout)
        try:
            addr = sentinel.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", target.master_set)
        finally:
            sentinel.close()
        if not addr:
            raise _Broken(f"Sentinel to know master set {target.master_set!r}", "no such master set")
        state["host"], state["port"] = str(addr[0]), int(addr[1])
        return f"master of {target.master_set} is {state['host']}:{state['port']}"

    def noauth() -> str:
        try:
            answer = ping_without_password(state["host"], state["port"])
        except redis.AuthenticationError as e:  # a ConnectionError subclass: first
            if "NOAUTH" in str(e) or "Authentication required" in str(e):
                return "a connection without the password is refused (NOAUTH)"
            raise _Broken("NOAUTH", f"{type(e).__name__}: {e}") from None
        except (redis.ConnectionError, redis.TimeoutError) as e:
            hint = (" (Sentinel names in-cluster addresses: through a port-forward, forward the master pod and "
                    "pass --direct)" if target.sentinel_port else "")
            where = f"{state['host']}:{state['port']}"
            raise _Broken(f"a connection to {where}", f"{type(e).__name__}: {e}{hint}") from None
        raise _Broken("NOAUTH without the password", f"PING -> {answer!r}: Redis answers anyone")

    def auth() -> str:
        client = _client(state["host"], state["port"], target.password, target.timeout)
        state["client"] = client
        try:
            client.execute_command("PING")
        except redis.AuthenticationError as e:
            raise _Broken("the password to be accepted", f"{type(e).__name__}: {e}") from None
        role = client.info("replication").get("role")
        if role != "master":
            raise _Broken("the master (role:master)", f"role:{role}: writes would be refused")
        return "the password is accepted; role:master"

    def write() -> str:
        key = keyschema.store(state["client"], probe, record, ttl_seconds=ttl)
        return f"SET {key} EX {ttl}"

    def read() -> str:
        got = keyschema.load(state["client"], probe)
        if got != record:
            raise _Broken(f"{record}", f"{got}")
        return "GET returns the record written"

    def ttl_left() -> str:
        left = keyschema.remaining_ttl(state["client"], probe)
        if left is None or not 0 < left <= ttl:
            raise _Broken(f"0 < TTL <= {ttl}", f"{left}")
        return f"TTL {left} s (of {ttl})"

    def delete() -> str:
        removed = keyschema.delete(state["client"], probe)
        after = state["client"].get(keyschema.otp_key(probe))
        if not removed or after is not None:
            raise _Broken("DEL to remove the record", f"DEL returned {int(removed)}, GET then {after!r}")
        return "DEL removed it"

    def disabled() -> str:
        for command in DISABLED_COMMANDS:
            try:
                state["client"].execute_command(command)
            except redis.ResponseError as e:
                if "unknown command" not in str(e).lower():
                    raise _Broken(f"{command} to be unknown", f"ResponseError: {e}") from None
                continue
            raise _Broken(f"{command} to be refused", f"{command} ran")
        return ", ".join(DISABLED_COMMANDS) + " are refused"

    def persistence() -> str:
        client = state["client"]
        info = client.info("persistence")
        save = client.config_get("save").get("save", "")
        stop = client.config_get("stop-writes-on-bgsave-error").get("stop-writes-on-bgsave-error")
        want_save = settings.rdb_save if settings.persistence_enabled else ""
        want_stop = "yes" if settings.stop_writes_on_bgsave_error else "no"
        got = f"aof_enabled:{info.get('aof_enabled')} save:{save!r} stop-writes-on-bgsave-error:{stop}"
        if int(info.get("aof_enabled", -1)) != 0 or save != want_save or stop != want_stop:
            raise _Broken(f"aof_enabled:0 save:{want_save!r} stop-writes-on-bgsave-error:{want_stop}", got)
        if settings.persistence_enabled and info.get("rdb_last_bgsave_status") != "ok":
            raise _Broken("rdb_last_bgsave_status:ok",
                          f"rdb_last_bgsave_status:{info.get('rdb_last_bgsave_status')} (is the volume full?)")
        return got + f" rdb_last_bgsave_status:{info.get('rdb_last_bgsave_status')}"

    def least_privilege() -> str:
        client, user = state["client"], settings.acl_username
        for name in ("default", user):
            raw = client.execute_command("ACL", "GETUSER", name)
            if not raw:
                raise _Broken(f"ACL user {name!r}", "no such user: was the pod started with the ACL file?")
            fields = dict(zip(raw[::2], raw[1::2], strict=False))
            flags, passwords = list(fields.get("flags", [])), list(fields.get("passwords", []))
            if "on" not in flags or "nopass" in flags or not passwords:
                raise _Broken(f"{name}: on, with a password", f"flags {flags}, {len(passwords)} password(s)")
        key = keyschema.otp_key(probe)
        allowed = [("SET", key, "x", "EX", "1"), ("GET", key), ("DEL", key), ("TTL", key)]
        denied = [("SET", "not-otp:x", "x"), ("GET", "session:x"), ("CONFIG", "GET", "dir"), ("KEYS", "*"),
                  ("MONITOR",), ("EVAL", "return 1", "0")]
        for command in allowed + denied:
            verdict = client.execute_command("ACL", "DRYRUN", user, *command)
            if (verdict == "OK") != (command in allowed):
                want = "allowed" if command in allowed else "NOPERM"
                raise _Broken(f"{user}: {' '.join(command[:2])} {want}", str(verdict))
        return f"{user}: {len(allowed)} key-schema commands allowed, {len(denied)} others refused; no nopass"

    yield "reachable", reachable
    if target.sentinel_port is not None:
        yield "sentinel", sentinel_master
    yield "noauth", noauth
    yield "auth", auth
    yield "write", write
    yield "read", read
    yield "ttl", ttl_left
    yield "delete", delete
    yield "disabled-commands", disabled
    yield "persistence", persistence
    if settings.acl_enabled:
        yield "acl", least_privilege

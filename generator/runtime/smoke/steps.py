"""The steps of `smoke`, each a function of one Session that returns what it saw, or raises
Broken with what it expected and what came back."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from generator.core.settings import Settings
from generator.render.redis_values import DISABLED_COMMANDS
from generator.runtime import keyschema
from generator.runtime.smoke.bounded import Budget
from generator.runtime.smoke.target import Broken, Target, client, master_address


@dataclass
class Session:
    """What the steps share: where the master is (Sentinel may move it), the authenticated
    client once there is one, and the probe record written under a random username."""

    settings: Settings
    target: Target
    host: str
    port: int
    probe: str
    record: keyschema.OtpRecord
    budget: Budget
    client: Any = None

    @classmethod
    def start(cls, settings: Settings, target: Target) -> Session:
        record = keyschema.OtpRecord(code=f"{secrets.randbelow(10**6):06d}", phone_number="+10000000000")
        return cls(settings, target, target.host, target.port, f"smoke-probe-{secrets.token_hex(6)}", record,
                   Budget(target.timeout))

    @property
    def ttl(self) -> int:
        return self.settings.otp_ttl_seconds


def _ping_without_password(s: Session, host: str, port: int) -> Any:
    anonymous = client(host, port, None, s.target.timeout, budget=s.budget)
    try:
        return anonymous.execute_command("PING")
    finally:
        anonymous.close()


def reachable(s: Session) -> str:
    t = s.target
    t0 = time.monotonic()
    try:
        _ping_without_password(s, t.host, t.port)
    except redis.AuthenticationError:
        pass  # reachable, and refusing: the next step looks closer
    except (redis.ConnectionError, redis.TimeoutError) as e:
        raise Broken(f"a TCP connection to {t.host}:{t.port} within {t.timeout:.0f} s",
                     f"{type(e).__name__}: {e} after {time.monotonic() - t0:.1f} s") from None
    except redis.ResponseError:
        pass
    return f"{t.host}:{t.port} answers"


def sentinel_master(s: Session) -> str:
    t = s.target
    addr = master_address(t, s.budget)
    if addr is None:
        raise Broken(f"Sentinel to know master set {t.master_set!r}", "no such master set")
    s.host, s.port = addr
    return f"master of {t.master_set} is {s.host}:{s.port}"


def noauth(s: Session) -> str:
    try:
        answer = _ping_without_password(s, s.host, s.port)
    except redis.AuthenticationError as e:  # a ConnectionError subclass: first
        if "NOAUTH" in str(e) or "Authentication required" in str(e):
            return "a connection without the password is refused (NOAUTH)"
        raise Broken("NOAUTH", f"{type(e).__name__}: {e}") from None
    except (redis.ConnectionError, redis.TimeoutError) as e:
        hint = (" (Sentinel names in-cluster addresses: through a port-forward, forward the master pod and "
                "pass --direct)" if s.target.sentinel_port else "")
        raise Broken(f"a connection to {s.host}:{s.port}", f"{type(e).__name__}: {e}{hint}") from None
    raise Broken("NOAUTH without the password", f"PING -> {answer!r}: Redis answers anyone")


def auth(s: Session) -> str:
    s.client = client(s.host, s.port, s.target.password, s.target.timeout, budget=s.budget)
    try:
        s.client.execute_command("PING")
    except redis.AuthenticationError as e:
        raise Broken("the password to be accepted", f"{type(e).__name__}: {e}") from None
    role = s.client.info("replication").get("role")
    if role != "master":
        raise Broken("the master (role:master)", f"role:{role}: writes would be refused")
    return "the password is accepted; role:master"


def write(s: Session) -> str:
    """SETEX (the seed's backend's write), read back, then SET ... EX over it (keyschema.store's)."""
    key = keyschema.store_setex(s.client, s.probe, s.record, ttl_seconds=s.ttl)
    if keyschema.load(s.client, s.probe) != s.record:
        raise Broken(f"SETEX {key} to store the record", f"GET then {s.client.get(key)!r}")
    keyschema.store(s.client, s.probe, s.record, ttl_seconds=s.ttl)
    return f"SETEX {key} {s.ttl}, then SET {key} EX {s.ttl}"


def read(s: Session) -> str:
    got = keyschema.load(s.client, s.probe)
    if got != s.record:
        raise Broken(f"{s.record}", f"{got}")
    return "GET returns the record written"


def ttl_left(s: Session) -> str:
    left = keyschema.remaining_ttl(s.client, s.probe)
    if left is None or not 0 < left <= s.ttl:
        raise Broken(f"0 < TTL <= {s.ttl}", f"{left}")
    return f"TTL {left} s (of {s.ttl})"


def delete(s: Session) -> str:
    removed = keyschema.delete(s.client, s.probe)
    after = s.client.get(keyschema.otp_key(s.probe))
    if not removed or after is not None:
        raise Broken("DEL to remove the record", f"DEL returned {int(removed)}, GET then {after!r}")
    return "DEL removed it"


def disabled(s: Session) -> str:
    for command in DISABLED_COMMANDS:
        try:
            s.client.execute_command(command)
        except redis.ResponseError as e:
            if "unknown command" not in str(e).lower():
                raise Broken(f"{command} to be unknown", f"ResponseError: {e}") from None
            continue
        raise Broken(f"{command} to be refused", f"{command} ran")
    return ", ".join(DISABLED_COMMANDS) + " are refused"


def persistence(s: Session) -> str:
    settings = s.settings
    info = s.client.info("persistence")
    save = s.client.config_get("save").get("save", "")
    stop = s.client.config_get("stop-writes-on-bgsave-error").get("stop-writes-on-bgsave-error")
    want_save = settings.rdb_save if settings.persistence_enabled else ""
    want_stop = "yes" if settings.stop_writes_on_bgsave_error else "no"
    got = f"aof_enabled:{info.get('aof_enabled')} save:{save!r} stop-writes-on-bgsave-error:{stop}"
    if int(info.get("aof_enabled", -1)) != 0 or save != want_save or stop != want_stop:
        raise Broken(f"aof_enabled:0 save:{want_save!r} stop-writes-on-bgsave-error:{want_stop}", got)
    if settings.persistence_enabled and info.get("rdb_last_bgsave_status") != "ok":
        raise Broken("rdb_last_bgsave_status:ok",
                     f"rdb_last_bgsave_status:{info.get('rdb_last_bgsave_status')} (is the volume full?)")
    return got + f" rdb_last_bgsave_status:{info.get('rdb_last_bgsave_status')}"


Step = Callable[[Session], str]


"""The `smoke` steps of the backend's ACL user (acl_enabled): the rules as the default user sees
them (ACL GETUSER, ACL DRYRUN), then the backend user itself, logged in with its own password
through redis-py's real handshake, running each command the ACL allows and being refused the
others, on the probe key only.

Refusals are checked two ways: commands harmless even if they ran (KEYS, CONFIG GET, ...) are
sent as the backend user and must answer NOPERM; commands that would do damage if the ACL let
them through (FLUSHALL, MONITOR, SHUTDOWN, CONFIG SET) are only asked about with ACL DRYRUN,
never run against a live Redis.
"""

from __future__ import annotations

import secrets
from typing import Any

import redis

from generator.core.wording import plural
from generator.render import acl
from generator.runtime import keyschema
from generator.runtime.smoke.steps import Session
from generator.runtime.smoke.target import Broken, client

Command = tuple[str, ...]


def allowed_commands(key: str, user: str, password: str) -> dict[str, Command]:
    """An invocation of every command of acl.BACKEND_COMMANDS (tests/ check both lists agree),
    in the order they are run: the record is written, read and deleted again."""
    value = keyschema.OtpRecord("000000", "+10000000000").to_json()
    return {
        "setex": ("SETEX", key, "60", value),
        "set": ("SET", key, value, "EX", "60"),
        "get": ("GET", key),
        "ttl": ("TTL", key),
        "del": ("DEL", key),
        "ping": ("PING",),
        "auth": ("AUTH", user, password),
        "hello": ("HELLO", "2", "AUTH", user, password),  # RESP2 again: the client's parser stays
    }


def refused_live(key: str) -> list[Command]:
    """Sent as the backend user; each must be refused (NOPERM). None of them harms data if run."""
    return [("KEYS", "*"), ("SCAN", "0"), ("CONFIG", "GET", "dir"), ("INFO",), ("CLIENT", "LIST"),
            ("ACL", "LIST"), ("EVAL", "return 1", "0"), ("SELECT", "1"), ("PERSIST", key), ("EXPIRE", key, "1"),
            ("SET", f"session:{secrets.token_hex(4)}", "x", "EX", "1"), ("GET", "session:x"), ("SUBSCRIBE", "x")]


# Asked about with ACL DRYRUN only (a command renamed away by disableCommands is "not found").
REFUSED_DRYRUN: tuple[Command, ...] = (("FLUSHALL",), ("FLUSHDB",), ("MONITOR",), ("SHUTDOWN",),
                                       ("CONFIG", "SET", "save", ""), ("DEBUG", "SLEEP", "0"))


def _server_has_setinfo(s: Session) -> bool:
    version = str(s.client.info("server").get("redis_version", "0.0"))
    major, minor = (int(p) for p in [*version.split("."), "0"][:2])
    return (major, minor) >= acl.SETINFO_SINCE


def acl_rules(s: Session) -> str:
    """Both users on with a password; the backend user's rules allow exactly the list (DRYRUN)."""
    user = s.settings.acl_username
    for name in ("default", user):
        raw = s.client.execute_command("ACL", "GETUSER", name)
        if not raw:
            raise Broken(f"ACL user {name!r}", "no such user: was the pod started with the ACL file?")
        fields = dict(zip(raw[::2], raw[1::2], strict=False))
        flags, passwords = list(fields.get("flags", [])), list(fields.get("passwords", []))
        if "on" not in flags or "nopass" in flags or not passwords:
            raise Broken(f"{name}: on, with a password", f"flags {flags}, {plural(len(passwords), 'password')}")
    key = keyschema.otp_key(s.probe)
    # AUTH and HELLO are always let through by Redis, whatever DRYRUN says of them.
    allowed = [c for name, c in allowed_commands(key, user, "-").items() if name not in ("auth", "hello")]
    if _server_has_setinfo(s):
        allowed.append(("CLIENT", "SETINFO", "LIB-NAME", "twofa-smoke"))
    refused = [*refused_live(key), *REFUSED_DRYRUN]
    for command in allowed + refused:
        try:
            verdict = str(s.client.execute_command("ACL", "DRYRUN", user, *command))
        except redis.ResponseError as e:
            verdict = str(e)  # "Command 'flushall' not found": renamed away, refused either way
        if (verdict == "OK") != (command in allowed):
            want = "allowed" if command in allowed else "refused"
            raise Broken(f"{user}: {' '.join(command[:2])} {want}", verdict)
    return (f"{user}: {plural(len(allowed), 'command')} allowed, {len(refused)} "
            f"{'other' if len(refused) == 1 else 'others'} refused (ACL DRYRUN); no nopass")


def backend_user(s: Session) -> str:
    """Log in as the backend user (redis-py's handshake: AUTH, CLIENT SETINFO) and run the list."""
    user, password = s.settings.acl_username, s.target.backend_password
    if not password:
        raise Broken("the backend user's password", "none given")
    backend = client(s.host, s.port, password, s.target.timeout, username=user)
    try:
        return _run_as_backend(s, backend, user, password)
    except redis.AuthenticationError as e:
        raise Broken(f"{user} to log in with its password", f"{type(e).__name__}: {e}") from None
    finally:
        backend.close()


def _run_as_backend(s: Session, backend: Any, user: str, password: str) -> str:
    key = keyschema.otp_key(s.probe)
    ran = []
    for name, command in allowed_commands(key, user, password).items():
        try:
            backend.execute_command(*command)
        except redis.ResponseError as e:
            raise Broken(f"{user}: {command[0]} to be allowed", f"{type(e).__name__}: {e}") from None
        ran.append(command[0] if name != "set" else "SET EX")
    if backend.execute_command("GET", key) is not None:
        raise Broken(f"{user}: DEL to remove the probe", "the probe record is still there")
    try:
        backend.execute_command("CLIENT", "SETINFO", "LIB-NAME", "twofa-smoke")
        ran.append("CLIENT SETINFO")
    except redis.ResponseError as e:
        if _server_has_setinfo(s):
            raise Broken(f"{user}: CLIENT SETINFO to be allowed", f"{type(e).__name__}: {e}") from None
    for command in refused_live(key):
        try:
            backend.execute_command(*command)
        except redis.exceptions.NoPermissionError:
            continue
        except redis.ResponseError as e:
            raise Broken(f"{user}: {' '.join(command[:2])} refused with NOPERM", f"{type(e).__name__}: {e}") from None
        raise Broken(f"{user}: {' '.join(command[:2])} refused with NOPERM", "it ran")
    return f"{user}: {', '.join(ran)} work; {plural(len(refused_live(key)), 'other command')} NOPERM"

"""The one definition of the SMS OTP key schema, for the backend and for `smoke`.

`sms_otp:{username}` holds `{"code", "phone_number"}` as JSON, written with a TTL in the same
command (SETEX, as the seed's backend does, or SET ... EX: there is never a moment the record
exists without its TTL), read with GET and removed with DEL. redis itself is not imported: any
client with redis-py's `set/get/delete/ttl/execute_command` signatures works, so importing this module
costs nothing.

    from generator.runtime import keyschema
    keyschema.store(r, "alice", keyschema.OtpRecord("123456", "+1234567890"), ttl_seconds=300)
    record = keyschema.load(r, "alice")   # None once expired or deleted
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol

KEY_PREFIX = "sms_otp:"
DEFAULT_TTL_SECONDS = 300
MAX_TTL_SECONDS = 86_400  # an OTP that lives a day is a configuration mistake
MAX_USERNAME_CHARS = 128
# Characters that would let a username reach outside its own key: ':' builds another key
# namespace, glob characters turn `KEYS`/`SCAN MATCH sms_otp:{username}` into a wildcard.
_FORBIDDEN = frozenset(":*?[]\\")


class KeySchemaError(ValueError):
    """A username, record or TTL the key schema refuses; the message says what was expected."""


class RedisLike(Protocol):
    def set(self, name: str, value: str, ex: int | None = ...) -> Any: ...
    def execute_command(self, *args: Any) -> Any: ...
    def get(self, name: str) -> Any: ...
    def delete(self, *names: str) -> Any: ...
    def ttl(self, name: str) -> Any: ...


@dataclass(frozen=True)
class OtpRecord:
    code: str
    phone_number: str

    def __post_init__(self) -> None:
        for field_name in ("code", "phone_number"):
            value = getattr(self, field_name)
            if not isinstance(value, str) or not value:
                raise KeySchemaError(f"{field_name}: expected a non-empty string, got {value!r}")

    def to_json(self) -> str:
        return json.dumps({"code": self.code, "phone_number": self.phone_number}, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> OtpRecord:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise KeySchemaError(f"stored value is not JSON: {e}") from e
        if not isinstance(data, dict) or set(data) != {"code", "phone_number"}:
            shown = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise KeySchemaError(
                f'stored value: expected an object with exactly "code" and "phone_number", got {shown}')
        return cls(data["code"], data["phone_number"])


def check_username(username: object) -> str:
    """The username, unchanged, if it can safely name a key; KeySchemaError otherwise."""
    if not isinstance(username, str):
        raise KeySchemaError(f"username: expected a string, got {type(username).__name__}")
    if not username:
        raise KeySchemaError("username: expected a non-empty string")
    if len(username) > MAX_USERNAME_CHARS:
        raise KeySchemaError(f"username: longer than {MAX_USERNAME_CHARS} characters ({len(username)})")
    for position, char in enumerate(username):
        if char.isspace():
            raise KeySchemaError(f"username: whitespace at position {position} is not allowed")
        if unicodedata.category(char).startswith("C"):  # control, format, surrogate, unassigned
            raise KeySchemaError(f"username: control character U+{ord(char):04X} at position {position}")
        if char in _FORBIDDEN:
            raise KeySchemaError(f"username: {char!r} at position {position} is not allowed "
                                 f"(forbidden: {' '.join(sorted(_FORBIDDEN))})")
    return username


def check_ttl(ttl_seconds: object) -> int:
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise KeySchemaError(f"ttl_seconds: expected a whole number of seconds from 1 to {MAX_TTL_SECONDS}, "
                             f"got {ttl_seconds!r}")
    return ttl_seconds


def otp_key(username: str) -> str:
    return KEY_PREFIX + check_username(username)


def store(client: RedisLike, username: str, record: OtpRecord, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
    """SET sms_otp:{username} <json> EX ttl; returns the key."""
    key = otp_key(username)
    client.set(key, record.to_json(), ex=check_ttl(ttl_seconds))
    return key


def store_setex(client: RedisLike, username: str, record: OtpRecord, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
    """SETEX sms_otp:{username} ttl <json>, the seed's backend's write; returns the key. Sent as a
    raw command: redis-py 8 marks its setex() method deprecated (in favour of SET ... EX)."""
    key = otp_key(username)
    client.execute_command("SETEX", key, check_ttl(ttl_seconds), record.to_json())
    return key


def load(client: RedisLike, username: str) -> OtpRecord | None:
    raw = client.get(otp_key(username))
    return None if raw is None else OtpRecord.from_json(raw)


def delete(client: RedisLike, username: str) -> bool:
    """DEL; True if a record was removed (a code is used once)."""
    return bool(client.delete(otp_key(username)))


def remaining_ttl(client: RedisLike, username: str) -> int | None:
    """Seconds left; None when there is no record. A record without a TTL breaks the schema."""
    ttl = int(client.ttl(otp_key(username)))
    if ttl == -2:
        return None
    if ttl == -1:
        raise KeySchemaError(f"{otp_key(username)} has no TTL: every OTP record must expire")
    return ttl

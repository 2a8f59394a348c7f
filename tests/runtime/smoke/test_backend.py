"""runtime/smoke/backend.py: the backend user's smoke steps send exactly the ACL's commands."""

from __future__ import annotations

from generator.render import acl
from generator.runtime.smoke import backend


def test_every_allowed_command_of_the_acl_is_exercised_and_nothing_else() -> None:
    commands = backend.allowed_commands("sms_otp:probe", "twofa-backend", "pw-123456789")
    assert set(commands) == set(acl.BACKEND_COMMANDS) and len(commands) == len(acl.BACKEND_COMMANDS)
    assert list(commands)[:3] == ["setex", "set", "get"]  # written before it is read
    for name, invocation in commands.items():
        assert invocation[0].lower() == name
    assert commands["set"][-2:] == ("EX", "60")  # the key schema writes with a TTL, both ways
    assert commands["setex"][2] == "60"


def test_the_refused_commands_are_outside_the_acl_and_harmless_when_run() -> None:
    refused = backend.refused_live("sms_otp:probe")
    assert {c[0].lower() for c in refused}.isdisjoint({"setex", "del", "ttl", "ping", "auth", "hello"})
    # a SET/GET the ACL refuses is one outside sms_otp:*, never on the key schema's keys
    assert all(not c[1].startswith("sms_otp:") for c in refused if c[0] in ("SET", "GET"))
    dangerous = set(backend.REFUSED_DRYRUN)
    assert {("FLUSHALL",), ("FLUSHDB",), ("MONITOR",), ("SHUTDOWN",)} <= dangerous
    assert not dangerous & set(refused)  # those are only asked about (ACL DRYRUN), never sent

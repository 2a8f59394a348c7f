"""The key schema: hostile usernames refused; SET EX / GET / DEL on a real redis-server."""

from __future__ import annotations

import pytest

from generator.runtime import keyschema
from generator.runtime.keyschema import KeySchemaError, OtpRecord
from tests.support import redisproc

redis = pytest.importorskip("redis")


@pytest.mark.parametrize("username", ["alice", "john.doe", "j_doe-2", "user@example.com", "Ünïcødé", "a" * 128])
def test_good_usernames_name_one_key(username: str) -> None:
    assert keyschema.otp_key(username) == f"sms_otp:{username}"


@pytest.mark.parametrize(("username", "message"), [
    ("", "non-empty"),
    ("john doe", "whitespace at position 4"),
    ("john\tdoe", "whitespace"),
    ("alice\u00a0", "whitespace"),
    ("*", "'*' at position 0"),
    ("al*ce", "'*'"),
    ("a?c", "'?'"),
    ("[ab]", "'['"),
    ("a:b", "':' at position 1"),
    ("::", "':'"),
    ("x" * 129, "longer than 128"),
    ("bob\x00", "control character U+0000"),
    ("bob\r\nSET x y", "whitespace"),
    ("bob\x1b[31m", "control character U+001B"),
    ("bob\u200b", "control character U+200B"),
    ("a\\b", "'\\\\'"),
])
def test_hostile_usernames_are_refused(username: str, message: str) -> None:
    with pytest.raises(KeySchemaError, match=r"^username: ") as e:
        keyschema.otp_key(username)
    assert message in str(e.value)


@pytest.mark.parametrize("username", [None, 42, b"alice"])
def test_non_string_usernames_are_refused(username: object) -> None:
    with pytest.raises(KeySchemaError, match="expected a string"):
        keyschema.check_username(username)


@pytest.mark.parametrize("ttl", [0, -1, 86_401, True, 1.5, "300"])
def test_bad_ttls_are_refused(ttl: object) -> None:
    with pytest.raises(KeySchemaError, match="ttl_seconds"):
        keyschema.check_ttl(ttl)


def test_record_json_round_trip_and_malformed_values() -> None:
    record = OtpRecord("123456", "+1234567890")
    assert record.to_json() == '{"code":"123456","phone_number":"+1234567890"}'
    assert OtpRecord.from_json(record.to_json()) == record
    for raw in ("not json", "[]", '{"code": "1"}', '{"code": "1", "phone_number": "2", "x": 3}', '{"code": 1, '
                '"phone_number": "2"}'):
        with pytest.raises(KeySchemaError):
            OtpRecord.from_json(raw)
    with pytest.raises(KeySchemaError, match="code"):
        OtpRecord("", "+1")


@pytest.fixture
def server(tmp_path):
    srv = redisproc.plain_server(tmp_path).start()
    yield srv
    srv.stop()


def test_store_load_delete_on_real_redis(server: redisproc.Server) -> None:
    r = server.client()
    record = OtpRecord("123456", "+1234567890")
    key = keyschema.store(r, "alice", record, ttl_seconds=300)
    assert key == "sms_otp:alice"
    assert r.get(key) == record.to_json()  # the wire format the seed's backend reads
    assert r.ttl(key) in (299, 300)
    assert keyschema.load(r, "alice") == record
    assert keyschema.remaining_ttl(r, "alice") in (299, 300)
    assert keyschema.delete(r, "alice") is True
    assert keyschema.delete(r, "alice") is False
    assert keyschema.load(r, "alice") is None and keyschema.remaining_ttl(r, "alice") is None


def test_a_record_without_ttl_breaks_the_schema(server: redisproc.Server) -> None:
    r = server.client()
    r.set("sms_otp:mallory", OtpRecord("1", "2").to_json())
    with pytest.raises(KeySchemaError, match="has no TTL"):
        keyschema.remaining_ttl(r, "mallory")


def test_nothing_reaches_redis_for_a_refused_username(server: redisproc.Server) -> None:
    r = server.client()
    with pytest.raises(KeySchemaError):
        keyschema.store(r, "*", OtpRecord("1", "2"))
    assert r.dbsize() == 0

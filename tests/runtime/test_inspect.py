"""runtime/inspect.py on a real redis-server started from the rendered configuration: exact
counts, the TTL histogram, keys without TTL, the bounds, and no code or phone number in full.

The store: 20,000 OTP records with TTLs 40..300 s (none expires while the module runs; codes
Q<5 digits> so that a leak is easy to find, phones +1555<7 digits>), 50 other keys, one OTP key
without a TTL and one with a longer TTL (tests/support/memstore.py). The command line:
tests/commands/test_inspect.py; a million keys: tests/e2e/test_inspect_million.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from generator.commands import inspect as inspect_command
from generator.runtime import inspect
from generator.runtime.smoke.target import Target
from tests.support import memstore, redisproc

N = 20_000
SETTINGS = memstore.settings("256Mi")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redisproc.Server]:
    redisproc.require_redis()
    srv = memstore.server(SETTINGS, tmp_path_factory.mktemp("inspect")).start()
    try:
        memstore.inspect_store(srv, N)
        yield srv
    finally:
        srv.stop()


def _target(srv: redisproc.Server) -> Target:
    return Target("127.0.0.1", srv.port, redisproc.PASSWORD, 5.0)


def _no_secret_in(text: str) -> None:
    assert not re.search(r"Q\d", text), "a code is shown"
    assert "+1555" not in text, "a phone number's digits are shown"


def test_counts_every_otp_key_once_and_bins_every_ttl(store: redisproc.Server) -> None:
    rep = inspect.inspect(SETTINGS, _target(store), max_keys=10**6, deadline_s=30)
    assert rep.complete and rep.duplicates == 0
    assert (rep.otp_keys, rep.dbsize) == (N + 2, N + 52)
    assert (rep.no_ttl, rep.longer_ttl) == (1, 1)
    assert sum(rep.ttl_histogram.values()) == N
    assert list(rep.ttl_histogram)[::9] == ["0-29s", "270-300s"]
    bins = list(rep.ttl_histogram.values())
    assert bins[0] == 0 and all(1900 <= n <= 2700 for n in bins[2:9]), bins  # 40..300 s, evenly
    assert rep.memory["maxmemory"] == rep.memory["expected_maxmemory"] == 97 * 2**20
    assert rep.memory["maxmemory_policy"] == "volatile-ttl" and rep.memory["evicted_keys"] == 0
    assert rep.persistence["rdb_last_bgsave_status"] == "ok"
    assert rep.notes == ["1 OTP keys have no TTL: they never expire and volatile-ttl cannot evict them"]


def test_bounds_stop_the_walk_and_say_so(store: redisproc.Server) -> None:
    rep = inspect.inspect(SETTINGS, _target(store), max_keys=1000, deadline_s=30)
    assert not rep.complete and rep.stopped_by == "--max-keys 1000"
    assert 1000 <= rep.otp_keys < 3000 and rep.scan_calls < 5
    assert N / 2 < rep.estimated_otp_keys < N * 2
    rep = inspect.inspect(SETTINGS, _target(store), max_keys=10**6, deadline_s=1e-9)
    assert not rep.complete and rep.scan_calls == 1 and "--deadline" in rep.stopped_by


def test_never_shows_a_code_or_phone_number_in_full(store: redisproc.Server) -> None:
    rep = inspect.inspect(SETTINGS, _target(store), max_keys=10**6, deadline_s=30, samples=20)
    assert len(rep.samples) == 20
    assert all(s["code"] == "(6 characters)" and re.fullmatch(r"\+1\*{8}\d\d", s["phone_number"])
               for s in rep.samples), rep.samples
    _no_secret_in("\n".join(inspect_command.text(rep)) + json.dumps(rep.as_json()))


def test_masks() -> None:
    assert inspect.mask_phone("+15550100") == "+1*****00"
    assert inspect.mask_phone("12345") == "*****"
    assert inspect.mask_user("alice") == "al***"
    assert inspect.masked(b"sms_otp:bob", b'{"code": "123456", "phone_number": "+4915112345678", "x": 1}') == {
        "user": "bo*", "code": "(6 characters)", "phone_number": "+4**********78", "unexpected_fields": "x"}
    assert inspect.masked(b"sms_otp:bob", b"123456")["value"] == "(JSON int, not an object)"
    assert inspect.masked(b"sms_otp:bob", b"\xff")["value"] == "(not JSON, 1 bytes)"

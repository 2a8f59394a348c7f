"""The OTP flood on a real redis-server started from the rendered configuration (RDB on, `save
60 1`, maxmemory derived from the container limit), more than 3x its capacity written at full
speed with a BGSAVE forced half way (tests/support/flood.py measures, these tests hold it to the
promises): the server stays up; used_memory stays at maxmemory; the server's RSS plus its
forked child's private pages stay below the container limit while the snapshot is written; the
snapshot completes; and

  * volatile-ttl (the default), at dev's limit of 128Mi: every write accepted, a real user's
    code written just before the flood ends is readable right after it;
  * noeviction, at the smallest limit allowed (64Mi), flood codes living 5 s: writes refused
    with OOM, `inspect` still answers while the store is full, and codes are accepted again as
    the flood's expire.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.runtime import inspect
from generator.runtime.smoke.target import Target
from tests.support import flood, memstore, redisproc

pytestmark = pytest.mark.load


def test_volatile_ttl_keeps_issuing_codes_through_a_flood_and_a_snapshot(tmp_path: Path) -> None:
    redisproc.require_redis()
    res = flood.run(memstore.settings("128Mi"), tmp_path)
    print("\n" + res.line())
    assert flood.problems(res) == []
    assert res.evicted > 0 and res.keys_max <= res.capacity * 1.1  # it evicted: what maxmemory holds, no more
    assert res.real_written and res.writes_after_real > 0  # the flood went on after the real code


def test_noeviction_refuses_with_oom_and_recovers_as_codes_expire(tmp_path: Path) -> None:
    redisproc.require_redis()
    s = memstore.settings("64Mi", maxmemory_policy="noeviction")
    reports: list[inspect.Report] = []

    def look(port: int) -> None:
        reports.append(inspect.inspect(s, Target("127.0.0.1", port, redisproc.PASSWORD, 5.0), 10**6, 20.0))

    res = flood.run(s, tmp_path, flood_ttl=5, at_flood_end=look)
    print("\n" + res.line())
    assert flood.problems(res) == []
    assert res.evicted == 0 and res.oom > res.capacity  # refused, not evicted
    (full,) = reports  # inspect's script is read-only (no-writes): Redis runs it even when full
    assert full.complete and full.otp_keys > res.capacity * 0.9 and full.memory["maxmemory_policy"] == "noeviction"
    assert res.recovered_after_s is not None and res.recovered_after_s <= 5 + 10

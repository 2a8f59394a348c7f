"""`python -m generator smoke` against real redis-server processes on 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support import redisproc
from tests.support.smoke import smoke

pytestmark = pytest.mark.usefixtures("redis_password")

pytest.importorskip("redis")


def test_smoke_passes_on_the_rendered_configuration(bare_project: Path, cli, dev_redis) -> None:
    started = time.monotonic()
    ran = smoke(cli, bare_project, dev_redis)
    wall = time.monotonic() - started
    assert ran.code == 0, ran.out + ran.err
    names = [line.split()[1].rstrip(":") for line in ran.out.splitlines() if line.startswith(("ok", "FAIL"))]
    assert names == ["reachable", "noauth", "auth", "write", "read", "ttl", "delete", "disabled-commands",
                     "persistence"]
    assert "TTL 300 s (of 300)" in ran.out or "TTL 299 s (of 300)" in ran.out
    assert "save:'60 1'" in ran.out
    assert redisproc.PASSWORD not in ran.out + ran.err
    # The probe record is gone: smoke leaves nothing behind.
    assert dev_redis.client().keys("sms_otp:*") == []
    print(f"\nsmoke wall time: {wall:.3f} s")

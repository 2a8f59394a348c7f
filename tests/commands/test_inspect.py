"""commands/inspect.py: `inspect <env>` against a real redis-server started from the rendered
configuration (tests/support/memstore.py), in text and JSON, bounded, masked; an unreachable
Redis is one line and exit 1; bad bounds are bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import memstore, redisproc

N = 2_000


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[redisproc.Server]:
    redisproc.require_redis()
    srv = memstore.server(memstore.settings("256Mi"), tmp_path_factory.mktemp("inspect-cli")).start()
    try:
        memstore.inspect_store(srv, N)
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def memtest(bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (bare_project / "environments" / "memtest.yaml").write_text(memstore.env_file("256Mi"))
    monkeypatch.setenv("REDIS_PASSWORD", redisproc.PASSWORD)
    return bare_project


def test_text_and_json(store: redisproc.Server, memtest: Path, cli) -> None:
    ran = cli(memtest, "inspect", "memtest", "--host", "127.0.0.1", "--port", str(store.port))
    assert ran.code == 0, ran.err
    assert ran.out.startswith(f"127.0.0.1:{store.port}: {N + 2} OTP keys of {N + 52} keys; 1 without TTL, 1 with a "
                              "longer TTL\n")
    assert "note: 1 OTP keys have no TTL" in ran.out and "SCAN steps in" in ran.out
    ran = cli(memtest, "inspect", "memtest", "--host", "127.0.0.1", "--port", str(store.port), "--json",
              "--max-keys", "500", "--samples", "5")
    assert ran.code == 0, ran.err
    doc = json.loads(ran.out)
    assert doc["complete"] is False and doc["stopped_by"] == "--max-keys 500" and len(doc["samples"]) == 5
    assert not re.search(r"Q\d", ran.out) and "+1555" not in ran.out


def test_unreachable_is_one_line_and_exit_1(memtest: Path, cli, closed_port: int) -> None:
    ran = cli(memtest, "inspect", "memtest", "--host", "127.0.0.1", "--port", str(closed_port), "--timeout", "1")
    assert ran.code == 1 and ran.out == ""
    assert re.fullmatch(rf"error: inspect memtest: 127\.0\.0\.1:{closed_port}: ConnectionError: .*\n", ran.err), ran.err


@pytest.mark.parametrize("args", [("--deadline", "0"), ("--deadline", "4000"), ("--samples", "21")])
def test_bounds_are_checked(memtest: Path, cli, args: tuple[str, str]) -> None:
    ran = cli(memtest, "inspect", "memtest", *args)
    assert ran.code == 2 and ran.err.startswith(f"error: {args[0]}: expected"), ran.err

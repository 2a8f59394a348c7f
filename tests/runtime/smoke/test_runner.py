"""runtime/smoke/runner.py: the steps run in order, each one line, stopping at the first broken promise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.smoke import smoke

pytest.importorskip("redis")
pytestmark = pytest.mark.usefixtures("redis_password")


def test_smoke_fails_on_a_wrong_password(bare_project: Path, cli, dev_redis, monkeypatch) -> None:
    monkeypatch.setenv("REDIS_PASSWORD", "not-the-password")
    ran = smoke(cli, bare_project, dev_redis, "--json")
    assert ran.code == 1
    report = json.loads(ran.out)
    assert [s["name"] for s in report["steps"]] == ["reachable", "noauth", "auth"]
    assert report["steps"][-1]["expected"] == "the password to be accepted"
    assert "not-the-password" not in ran.out

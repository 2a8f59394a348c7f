"""commands/smoke.py: `smoke <env>`: where the password comes from, text or JSON, and the exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.smoke import smoke

pytestmark = pytest.mark.usefixtures("redis_password")


def test_smoke_json_report(bare_project: Path, cli, dev_redis) -> None:
    ran = smoke(cli, bare_project, dev_redis, "--json")
    assert ran.code == 0, ran.err
    report = json.loads(ran.out)
    assert report["ok"] is True and report["env"] == "dev"
    assert report["target"] == f"127.0.0.1:{dev_redis.port}"
    assert all(step["ok"] for step in report["steps"]) and len(report["steps"]) == 9


def test_smoke_without_password_is_bad_input(bare_project: Path, cli, monkeypatch) -> None:
    monkeypatch.delenv("REDIS_PASSWORD")
    ran = cli(bare_project, "smoke", "dev", "--host", "127.0.0.1", "--port", "1")
    assert ran.code == 2
    assert ran.err.startswith("error: no password: set REDIS_PASSWORD")


def test_smoke_unknown_environment(bare_project: Path, cli) -> None:
    ran = cli(bare_project, "smoke", "nope", "--host", "127.0.0.1")
    assert ran.code == 2
    assert ran.err.startswith("error: unknown environment 'nope'")

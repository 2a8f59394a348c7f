"""render/redis_values.py: the subchart values we set (the configuration, disabled commands,
replication, Sentinel, ACL)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from generator import pipeline
from generator.render import redis_values


def test_redis_configuration_keeps_rdb_and_refuses_aof(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    lines = redis_values.redis_configuration(dataclasses.replace(settings, rdb_save="300 1 60 100")).splitlines()
    directives = [line for line in lines if not line.startswith("#")]
    assert directives == ["appendonly no", "save 300 1 60 100", "stop-writes-on-bgsave-error no"]
    off = redis_values.redis_configuration(dataclasses.replace(settings, persistence_enabled=False))
    assert 'save ""' in off.splitlines()
    stop = redis_values.redis_configuration(dataclasses.replace(settings, stop_writes_on_bgsave_error=True))
    assert "stop-writes-on-bgsave-error yes" in stop.splitlines()

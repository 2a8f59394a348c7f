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
    directives = [line for line in lines if not line.startswith(("#", "maxmemory"))]  # memory: test_memory.py
    assert directives == ["appendonly no", "save 300 1 60 100", "stop-writes-on-bgsave-error no"]
    off = redis_values.redis_configuration(dataclasses.replace(settings, persistence_enabled=False))
    assert 'save ""' in off.splitlines()
    stop = redis_values.redis_configuration(dataclasses.replace(settings, stop_writes_on_bgsave_error=True))
    assert "stop-writes-on-bgsave-error yes" in stop.splitlines()


def test_the_section_of_an_environment(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "prod").settings
    section = redis_values.section(settings)
    assert section["image"]["repository"] == "twofa/prod" and section["image"]["tag"] == "redis-8.4.0"
    assert section["auth"] == {"existingSecret": "redis-secret", "existingSecretPasswordKey": "redis-password"}
    assert section["master"]["persistence"] == {"enabled": True, "storageClass": "gp3", "size": "8Gi"}
    assert section["master"]["disableCommands"] == list(redis_values.DISABLED_COMMANDS)
    assert section["metrics"]["enabled"] is True
    assert "sentinel" not in section and "architecture" not in section  # standalone, the shared default
    assert section["replica"] == {"disableCommands": list(redis_values.DISABLED_COMMANDS)}  # ready for replicas
    sentinel = redis_values.section(dataclasses.replace(settings, architecture="replication", sentinel_enabled=True,
                                                        replica_count=3))
    assert sentinel["architecture"] == "replication" and sentinel["sentinel"]["quorum"] == redis_values.SENTINEL_QUORUM
    assert sentinel["replica"]["disableCommands"] == list(redis_values.DISABLED_COMMANDS)

"""Settings -> chart values: what redis.conf says, and what a disabled environment renders."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from generator import pipeline
from generator.render import redis_values, values


def test_redis_configuration_keeps_rdb_and_refuses_aof(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    lines = redis_values.redis_configuration(dataclasses.replace(settings, rdb_save="300 1 60 100")).splitlines()
    directives = [line for line in lines if not line.startswith("#")]
    assert directives == ["appendonly no", "save 300 1 60 100", "stop-writes-on-bgsave-error no"]
    off = redis_values.redis_configuration(dataclasses.replace(settings, persistence_enabled=False))
    assert 'save ""' in off.splitlines()
    stop = redis_values.redis_configuration(dataclasses.replace(settings, stop_writes_on_bgsave_error=True))
    assert "stop-writes-on-bgsave-error yes" in stop.splitlines()


def test_disabled_environment_sets_only_the_condition(bare_project: Path) -> None:
    settings = dataclasses.replace(pipeline.prepare(bare_project, "dev").settings, enable_redis=False)
    assert values.env_values(settings) == {"redis": {"enabled": False}}


def test_without_persistence_no_size_or_class(bare_project: Path) -> None:
    settings = dataclasses.replace(pipeline.prepare(bare_project, "prod").settings, persistence_enabled=False)
    assert values.env_values(settings)["redis"]["master"]["persistence"] == {"enabled": False}


def test_resources_replace_the_bitnami_preset(bare_project: Path) -> None:
    master = values.env_values(pipeline.prepare(bare_project, "prod").settings)["redis"]["master"]
    assert master["resourcesPreset"] == "none"
    assert master["resources"] == {"requests": {"cpu": "250m", "memory": "256Mi"},
                                   "limits": {"cpu": "1", "memory": "512Mi"}}

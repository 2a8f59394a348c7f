"""render/values.py: settings -> the values files of chart/ (what a disabled environment renders,
persistence, resources)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from generator import pipeline
from generator.render import values


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

"""check/subchart.py: the keys we set for the redis subchart exist in its values.yaml (Helm ignores a
typo silently), and its version is chart_version's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import pipeline
from generator.bitnami import archive as subchart
from generator.render import values
from tests.support.cli import tree


def test_every_key_we_set_exists_in_the_bitnami_values(with_subchart: Path) -> None:
    found = subchart.find(with_subchart / "chart")
    assert found is not None
    for env in ("dev", "staging", "prod"):
        ours = values.env_values(pipeline.prepare(with_subchart, env).settings)["redis"]
        shared = yaml.safe_load((with_subchart / "chart" / "values.yaml").read_text())["redis"]
        assert subchart.unknown_keys(ours, found.defaults) == []
        assert subchart.unknown_keys(shared, found.defaults) == []
    typo = {"master": {"persistance": {"size": "1Gi"}, "resources": {"anything": 1}}, "auth": {"existingSecrt": "x"}}
    assert subchart.unknown_keys(typo, found.defaults) == ["auth.existingSecrt", "master.persistance"]


def test_a_typo_in_the_subchart_values_fails_the_build(
    with_subchart: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = values.env_values

    def typo(settings: Any) -> dict[str, Any]:
        out = real(settings)
        out["redis"]["master"]["persistance"] = out["redis"]["master"].pop("persistence")
        return out

    monkeypatch.setattr("generator.render.values.env_values", typo)
    before = tree(with_subchart)
    ran = cli(with_subchart, "build", "dev")
    assert ran.code == 1
    assert "redis.master.persistance" in ran.err
    assert tree(with_subchart) == before

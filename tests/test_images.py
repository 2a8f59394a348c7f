"""The image list comes from the values the chart renders."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from generator import images, pipeline
from generator.errors import CheckError


def test_dev_pulls_redis_only_and_prod_the_exporter_too(bare_project: Path) -> None:
    dev = images.images(pipeline.prepare(bare_project, "dev").settings)
    prod = images.images(pipeline.prepare(bare_project, "prod").settings)
    assert [i.ref for i in dev] == ["123456789012.dkr.ecr.us-east-1.amazonaws.com/twofa/dev:redis-latest"]
    assert [str(i.source) for i in dev] == ["docker.io/bitnami/redis:latest"]
    assert [(i.name, i.tag, str(i.source)) for i in prod] == [
        ("redis", "redis-8.4.0", "docker.io/bitnami/redis:8.4.0"),
        ("redis-exporter", "redis-exporter-1.76.0", "docker.io/bitnami/redis-exporter:1.76.0"),
    ]


def test_disabled_environment_pulls_nothing(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    assert images.images(replace(settings, enable_redis=False)) == []


def test_configured_source_and_pinned_digest(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    digest = "sha256:" + "b" * 64
    pinned = replace(settings, images={"redis": {"source": "bitnamilegacy/redis:8.2.1-debian-12-r0",
                                                 "digest": digest}})
    (image,) = images.images(pinned)
    assert str(image.source) == "docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0"
    assert image.digest == digest
    assert images.redis_values(pinned)["image"]["digest"] == digest


def test_a_helper_image_turned_on_must_come_from_ecr(bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    real = images.redis_values

    def with_volume_permissions(s: Any) -> dict[str, Any]:
        values = real(s)
        values["volumePermissions"] = {"enabled": True, "image": {"registry": "docker.io",
                                                                  "repository": "bitnami/os-shell"}}
        return values

    monkeypatch.setattr(images, "redis_values", with_volume_permissions)
    with pytest.raises(CheckError, match=r"redis.volumePermissions.image is turned on but does not point at .*"
                                         r"pulled from docker.io instead of ECR"):
        images.images(settings)

    def pointed_at_ecr(s: Any) -> dict[str, Any]:
        values = real(s)
        values["volumePermissions"] = {"enabled": True, "image": {
            "registry": s.ecr_registry, "repository": s.ecr_repository, "tag": "os-shell-12-debian-12-r51"}}
        return values

    monkeypatch.setattr(images, "redis_values", pointed_at_ecr)
    assert [str(i.source) for i in images.images(settings)][1:] == ["docker.io/bitnami/os-shell:12-debian-12-r51"]

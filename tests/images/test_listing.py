"""The image list comes from the values the chart renders."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from generator import pipeline
from generator.core.errors import CheckError
from generator.images import listing as images
from generator.render import values as render_values


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
    assert render_values.subchart_values(pinned)["image"]["digest"] == digest


def test_a_helper_image_turned_on_must_come_from_ecr(bare_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    real = render_values.subchart_values

    def with_volume_permissions(s: Any) -> dict[str, Any]:
        values = real(s)
        values["volumePermissions"] = {"enabled": True, "image": {"registry": "docker.io",
                                                                  "repository": "bitnami/os-shell"}}
        return values

    monkeypatch.setattr(render_values, "subchart_values", with_volume_permissions)
    with pytest.raises(CheckError, match=r"redis.volumePermissions.image is turned on but does not point at .*"
                                         r"pulled from docker.io instead of ECR"):
        images.images(settings)

    def pointed_at_ecr(s: Any) -> dict[str, Any]:
        values = real(s)
        values["volumePermissions"] = {"enabled": True, "image": {
            "registry": s.ecr_registry, "repository": s.ecr_repository, "tag": "os-shell-12-debian-12-r51"}}
        return values

    monkeypatch.setattr(render_values, "subchart_values", pointed_at_ecr)
    assert [str(i.source) for i in images.images(settings)][1:] == ["docker.io/bitnami/os-shell:12-debian-12-r51"]


def test_the_render_pulls_exactly_the_listed_images(with_subchart: Path, cli) -> None:
    import yaml

    env_file = with_subchart / "environments" / "prod.yaml"
    digest = "sha256:" + "c" * 64
    env_file.write_text(env_file.read_text() + f"images:\n  redis-exporter:\n    digest: {digest}\n")
    for env in ("dev", "prod"):
        ran = cli(with_subchart, "build", env)
        assert ran.code == 0, ran.err
        objects = [o for o in yaml.safe_load_all((with_subchart / "build" / env / "manifests.yaml").read_text()) if o]
        listed = [ref for ref in cli(with_subchart, "images", env).out.split() if not ref.startswith("oci://")]
        # Bitnami writes repository@digest in place of the tag when a digest is pinned
        assert images.pulled(objects) == sorted(re.sub(r":[^:/@]+@", "@", ref) for ref in listed)
    assert f"twofa/prod@{digest}" in (with_subchart / "build" / "prod" / "manifests.yaml").read_text()


def test_a_rendered_image_that_is_not_listed_fails_the_check(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    pod = {"kind": "StatefulSet", "spec": {"template": {"spec": {
        "initContainers": [{"name": "volume-permissions", "image": "docker.io/bitnami/os-shell:12"}],
        "containers": [{"name": "redis", "image": images.images(settings)[0].ref}]}}}}
    stray = re.escape("pulls images that are not mirrored to ECR: docker.io/bitnami/os-shell:12")
    with pytest.raises(CheckError, match=stray):
        images.check_rendered(settings, [pod])
    images.check_rendered(settings, [{"kind": "StatefulSet", "spec": {"template": {"spec": {
        "containers": [{"name": "redis", "image": images.images(settings)[0].ref}]}}}}])

"""What `mirror` says to set when a source tag does not exist: Bitnami moved its versioned
images from docker.io/bitnami to docker.io/bitnamilegacy in 2025."""

from __future__ import annotations

from pathlib import Path

from generator import pipeline
from generator.images import listing, mirror
from tests.support.charts import point_at_ecr
from tests.support.registries import LocalRegistry, push_test_image


def test_a_missing_bitnami_tag_names_the_legacy_source(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev", resolve_ecr=False).settings
    (image,) = [i for i in listing.images(settings) if i.name == "redis"]
    moved = listing.Image(image.name, image.registry, image.repository, "redis-8.2.1", None,
                          listing.parse_reference("docker.io/bitnami/redis:8.2.1-debian-12-r0"))
    assert mirror.missing_source_hint(settings, moved) == (
        "Bitnami moved its versioned images to docker.io/bitnamilegacy in 2025 (frozen there, no updates): "
        "set images.redis.source: docker.io/bitnamilegacy/redis:8.2.1-debian-12-r0 in environments/dev.yaml")


def test_mirror_says_what_to_set_for_a_missing_source(bare_project: Path, cli, hub: LocalRegistry,
                                                      ecr_registry: LocalRegistry) -> None:
    point_at_ecr(bare_project, ecr_registry, hub)
    push_test_image(hub, "bitnami/redis", "8.2.0")  # not the tag the environment names
    ran = cli(bare_project, "mirror", "dev")
    assert ran.code == 1
    assert (f"redis: {ecr_registry.host}/twofa/dev:redis-8.2.1: failed: {hub.host}: bitnami/redis:8.2.1: no such "
            "image (manifest unknown); set images.redis.source in environments/dev.yaml to an image that exists"
            ) in ran.err

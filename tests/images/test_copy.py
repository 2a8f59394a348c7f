"""Copying a multi-platform image between two real registries on 127.0.0.1."""

from __future__ import annotations

import pytest

from generator.core.errors import RegistryError
from generator.images import copy as imagecopy
from generator.images import oci
from tests.support.registries import LocalRegistry, TokenService, push_test_image


def _clients(hub: LocalRegistry, ecr: LocalRegistry) -> tuple[oci.Registry, oci.Registry]:
    assert ecr.username and ecr.password
    return oci.Registry(hub.host), oci.Registry(ecr.host, oci.Credentials(ecr.username, ecr.password))


def test_copy_is_byte_identical_and_a_rerun_copies_nothing(hub: LocalRegistry, ecr_registry: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1")
    source, target = _clients(hub, ecr_registry)
    src = oci.Reference(hub.host, "bitnami/redis", "8.2.1")

    stats = imagecopy.copy_image(source, src, target, "twofa/dev", "redis-8.2.1")

    assert stats.digest == image.index_digest
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") == image.index_digest
    for platform, digest in image.manifests.items():
        assert ecr_registry.manifest_digest("twofa/dev", digest) == digest, platform
    for digest in image.blobs:
        assert ecr_registry.blob("twofa/dev", digest) == hub.blob("bitnami/redis", digest)
    # one layer is shared by both platforms: five distinct blobs for two platforms, each sent once
    assert (stats.platforms, stats.blobs, stats.blobs_sent) == (2, len(image.blobs), len(image.blobs))
    assert stats.bytes_sent == sum(image.blobs.values())

    again = imagecopy.copy_image(source, src, target, "twofa/dev", "redis-8.2.1")
    assert (again.blobs_sent, again.bytes_sent, again.blobs_present) == (0, 0, len(image.blobs))
    assert again.digest == image.index_digest


def test_interrupted_copy_completes_on_rerun_without_resending(hub: LocalRegistry,
                                                               ecr_registry: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1", big=8 << 20)
    big = max(image.blobs, key=lambda d: image.blobs[d])
    source, target = _clients(hub, ecr_registry)
    src = oci.Reference(hub.host, "bitnami/redis", "8.2.1")
    seen: list[str] = []

    def interrupt(digest: str, done: int, total: int) -> None:
        seen.append(digest)
        if digest == big and done >= total // 2:
            raise KeyboardInterrupt  # Ctrl-C in the middle of the big layer

    with pytest.raises(KeyboardInterrupt):
        imagecopy.copy_image(source, src, target, "twofa/dev", "redis-8.2.1", progress=interrupt, workers=1)
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") is None  # no tag for a partial image
    assert not ecr_registry.has_blob("twofa/dev", big)
    done_before = {d for d in image.blobs if ecr_registry.has_blob("twofa/dev", d)}
    assert done_before  # the blobs before the big one made it

    stats = imagecopy.copy_image(source, src, target, "twofa/dev", "redis-8.2.1")

    assert stats.digest == image.index_digest
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") == image.index_digest
    assert stats.blobs_present == len(done_before)
    assert stats.bytes_sent == sum(size for d, size in image.blobs.items() if d not in done_before)
    assert ecr_registry.blob("twofa/dev", big) == hub.blob("bitnami/redis", big)


def test_same_registry_copy_mounts_blobs(hub: LocalRegistry, ecr_registry: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1")
    source, target = _clients(hub, ecr_registry)
    imagecopy.copy_image(source, oci.Reference(hub.host, "bitnami/redis", "8.2.1"), target, "twofa/dev", "redis-8")

    promoted = imagecopy.copy_image(target, oci.Reference(ecr_registry.host, "twofa/dev", "redis-8"), target,
                                    "twofa/prod", "redis-8")

    assert (promoted.blobs_mounted, promoted.bytes_sent) == (len(image.blobs), 0)
    assert ecr_registry.manifest_digest("twofa/prod", "redis-8") == image.index_digest


def test_copy_by_digest_and_single_platform(hub: LocalRegistry, ecr_registry: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1")
    source, target = _clients(hub, ecr_registry)
    arm = image.manifests["linux/arm64"]

    stats = imagecopy.copy_image(source, oci.Reference(hub.host, "bitnami/redis", digest=arm), target,
                                 "twofa/dev", "redis-arm")

    assert (stats.digest, stats.platforms) == (arm, 1)
    assert ecr_registry.manifest_digest("twofa/dev", "redis-arm") == arm


def test_wrong_login_and_missing_image_are_errors(hub: LocalRegistry, ecr_registry: LocalRegistry) -> None:
    push_test_image(hub, "bitnami/redis", "8.2.1")
    source = oci.Registry(hub.host)
    wrong = oci.Registry(ecr_registry.host, oci.Credentials("AWS", "not-the-token"))
    with pytest.raises(RegistryError, match="HTTP 401"):
        imagecopy.copy_image(source, oci.Reference(hub.host, "bitnami/redis", "8.2.1"), wrong, "twofa/dev", "x")
    anonymous = oci.Registry(ecr_registry.host)
    with pytest.raises(RegistryError, match="asks for a login and none is configured"):
        anonymous.head_manifest("twofa/dev", "x")
    with pytest.raises(RegistryError, match="no such image"):
        imagecopy.copy_image(source, oci.Reference(hub.host, "bitnami/redis", "9.9.9"), wrong, "twofa/dev", "x")


def test_copy_from_a_registry_with_token_login(token_hub: tuple[LocalRegistry, TokenService],
                                              ecr_registry: LocalRegistry) -> None:
    hub, tokens = token_hub
    assert hub.request("GET", "/v2/").headers["WWW-Authenticate"].startswith("Bearer realm=")
    source = oci.Registry(hub.host)
    hub.bearer = tokens.token(["repository:bitnami/redis:pull,push"])  # the test's own push
    image = push_test_image(hub, "bitnami/redis", "8.2.1")
    hub.bearer = None
    _, target = _clients(hub, ecr_registry)

    stats = imagecopy.copy_image(source, oci.Reference(hub.host, "bitnami/redis", "8.2.1"), target, "twofa/dev",
                                 "redis-8.2.1")

    assert stats.digest == image.index_digest
    assert ecr_registry.manifest_digest("twofa/dev", "redis-8.2.1") == image.index_digest
    assert tokens.scopes == ["repository:bitnami/redis:pull"]  # one anonymous pull token, reused

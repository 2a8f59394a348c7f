"""images/oci.py: the registry API the copy is built on (manifests and blobs read, checked, pushed,
mounted), against a real docker-registry on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from generator.core.errors import RegistryError
from generator.images import oci
from tests.support.registries import LocalRegistry, push_test_image


def test_manifests_by_tag_and_by_digest(hub: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1")
    registry = oci.Registry(hub.host)
    registry.ping()
    assert registry.head_manifest("bitnami/redis", "8.2.1") == image.index_digest
    index = registry.get_manifest("bitnami/redis", "8.2.1")
    assert (index.digest, index.media_type, index.is_index) == (image.index_digest, oci.OCI_INDEX, True)
    assert [m["digest"] for m in index.json()["manifests"]] == list(image.manifests.values())
    amd64 = registry.get_manifest("bitnami/redis", image.manifests["linux/amd64"])
    assert (amd64.digest, amd64.is_index) == (image.manifests["linux/amd64"], False)
    assert oci.digest_of(amd64.data) == amd64.digest  # the bytes as pushed, odd indentation and all


def test_a_missing_image_is_said_so(hub: LocalRegistry) -> None:
    registry = oci.Registry(hub.host)
    assert registry.head_manifest("bitnami/redis", "9.9.9") is None
    with pytest.raises(oci.ManifestUnknown, match=r"bitnami/redis:9\.9\.9: no such image"):
        registry.get_manifest("bitnami/redis", "9.9.9")


def test_blobs_read_uploaded_and_mounted(hub: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1")
    registry = oci.Registry(hub.host)
    digest = next(iter(image.blobs))
    assert registry.has_blob("bitnami/redis", digest) and not registry.has_blob("twofa/dev", digest)
    response = registry.open_blob("bitnami/redis", digest)
    try:
        data = response.read()
    finally:
        response.release_conn()
    assert oci.digest_of(data) == digest and len(data) == image.blobs[digest]

    location = registry.start_upload("twofa/dev")
    registry.upload_blob("twofa/dev", location, digest, len(data), iter([data[:10], data[10:]]))
    assert registry.has_blob("twofa/dev", digest)
    assert registry.mount_blob("twofa/prod", digest, "twofa/dev") is None  # linked, not sent
    assert registry.has_blob("twofa/prod", digest)
    registry.cancel_upload("twofa/dev", registry.start_upload("twofa/dev"))  # an abandoned upload: no error


def test_a_manifest_pushed_by_digest_once_its_blobs_are_there(hub: LocalRegistry) -> None:
    image = push_test_image(hub, "bitnami/redis", "8.2.1")
    registry = oci.Registry(hub.host)
    arm = registry.get_manifest("bitnami/redis", image.manifests["linux/arm64"])
    blobs = [arm.json()["config"]["digest"], *(layer["digest"] for layer in arm.json()["layers"])]
    for digest in blobs:
        assert registry.mount_blob("twofa/dev", digest, "bitnami/redis") is None
    registry.put_manifest("twofa/dev", arm.digest, arm)
    registry.put_manifest("twofa/dev", "redis-arm", arm)
    assert registry.head_manifest("twofa/dev", "redis-arm") == arm.digest
    assert hub.manifest_digest("twofa/dev", arm.digest) == arm.digest


def test_a_manifest_that_is_not_a_json_object_is_an_error() -> None:
    for data in (b"not json", json.dumps(["a list"]).encode()):
        manifest = oci.Manifest(data, oci.OCI_MANIFEST, oci.digest_of(data))
        with pytest.raises(RegistryError,
                           match=rf"manifest {manifest.digest}: the manifest is not (JSON|a JSON object)"):
            manifest.json()

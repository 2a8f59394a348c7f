"""images/documents.py: a registry's manifest or index checked whole before anything uses it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from generator.core.errors import RegistryError
from generator.images import documents

WHERE = "127.0.0.1:5000: bitnami/redis:8.2.1"
DIGEST = "sha256:" + "a" * 64
LAYER = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": DIGEST, "size": 10}
MANIFEST = {"schemaVersion": 2, "config": {**LAYER, "mediaType": "application/vnd.oci.image.config.v1+json"},
            "layers": [LAYER, {**LAYER, "urls": ["https://example.com/l"]}]}


def test_a_manifest_gives_its_config_then_its_layers() -> None:
    found = documents.blobs(documents.parse(json.dumps(MANIFEST).encode(), WHERE), WHERE)
    assert [(d.media_type.rsplit("/", 1)[-1], d.size, d.foreign) for d in found] == [
        ("vnd.oci.image.config.v1+json", 10, False), ("vnd.oci.image.layer.v1.tar+gzip", 10, False),
        ("vnd.oci.image.layer.v1.tar+gzip", 10, True)]


@pytest.mark.parametrize("value", ["sha256:" + "a" * 64, "sha256:" + "0123456789abcdef" * 4])
def test_digests(value: str) -> None:
    assert documents.is_digest(value)


@pytest.mark.parametrize("value", ["sha256:NOT-A-DIGEST", DIGEST + "\n", DIGEST.upper(), "sha512:" + "a" * 128,
                                   "sha256:" + "a" * 63, None, 7, ["sha256:" + "a" * 64]])
def test_not_digests(value: Any) -> None:
    assert not documents.is_digest(value)


@pytest.mark.parametrize("data, message", [
    (b"{", "the manifest is not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "the manifest is not JSON"),
    (b"[1]", "the manifest is not a JSON object"),
    (b"\xff", "the manifest is not JSON"),
])
def test_what_is_not_a_json_object_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(RegistryError, match=message):
        documents.parse(data, WHERE)


@pytest.mark.parametrize("change, message", [
    ({"layers": "sha256:x"}, "layers is not a list, got 'sha256:x'"),
    ({"layers": [LAYER] * 257}, "layers has 257 entries, more than 256"),
    ({"layers": ["x"]}, r"layers\[0\] is not a descriptor"),
    ({"layers": [{k: v for k, v in LAYER.items() if k != "size"}]}, r"layers\[0\].size is not a size"),
    ({"layers": [{**LAYER, "size": True}]}, r"layers\[0\].size is not a size"),
    ({"layers": [{**LAYER, "size": -1}]}, r"layers\[0\].size is not a size"),
    ({"layers": [{**LAYER, "size": 11 << 30}]}, r"layers\[0\].size is not a size"),
    ({"layers": [{**LAYER, "digest": "sha256:../../etc"}]}, r"layers\[0\].digest is not a sha256 digest"),
    ({"layers": [{**LAYER, "mediaType": 3}]}, r"layers\[0\].mediaType is not a media type"),
    ({"config": None}, "config is not a descriptor"),
])
def test_a_malformed_manifest_is_one_registry_error(change: dict[str, Any], message: str) -> None:
    with pytest.raises(RegistryError, match=message) as caught:
        documents.check({**MANIFEST, **change}, False, WHERE)
    assert str(caught.value).startswith(WHERE + ": ")


def test_an_index_lists_its_platform_manifests_and_refuses_nested_indexes() -> None:
    child = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": DIGEST, "size": 100}
    assert [d.digest for d in documents.children({"manifests": [child]}, WHERE)] == [DIGEST]
    with pytest.raises(RegistryError, match=r"manifests\[1\] is an image index itself"):
        documents.check({"manifests": [child, {**child, "mediaType": documents.OCI_INDEX}]}, True, WHERE)
    with pytest.raises(RegistryError, match="manifests is not a list"):
        documents.check({"manifests": {"a": 1}}, True, WHERE)

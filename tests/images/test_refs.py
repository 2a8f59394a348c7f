"""images/refs.py: image references parsed the way Docker parses them."""

from __future__ import annotations

import pytest

from generator.images import oci


@pytest.mark.parametrize(("text", "expected"), [
    ("redis", ("docker.io", "library/redis", None, None)),
    ("bitnami/redis:8.2.1", ("docker.io", "bitnami/redis", "8.2.1", None)),
    ("docker.io/bitnami/redis:latest", ("docker.io", "bitnami/redis", "latest", None)),
    ("localhost:5000/a/b:t", ("localhost:5000", "a/b", "t", None)),
    ("127.0.0.1:5000/twofa/dev:redis-8", ("127.0.0.1:5000", "twofa/dev", "redis-8", None)),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/twofa/dev@sha256:" + "a" * 64,
     ("123456789012.dkr.ecr.us-east-1.amazonaws.com", "twofa/dev", None, "sha256:" + "a" * 64)),
])
def test_parse_reference(text: str, expected: tuple[str, str, str | None, str | None]) -> None:
    ref = oci.parse_reference(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == expected


@pytest.mark.parametrize("text", ["", "Bitnami/Redis", "redis:", "redis@sha256:abc", "a//b"])
def test_bad_references(text: str) -> None:
    with pytest.raises(ValueError, match="is not an image reference"):
        oci.parse_reference(text)

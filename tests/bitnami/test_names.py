"""bitnami/names.py: the names the Bitnami chart gives its objects (common.names.fullname and the rest)."""

from __future__ import annotations

import pytest

from generator.bitnami import names as bitnami_names


@pytest.mark.parametrize(("release", "fullname"), [
    ("redis", "redis"),
    ("twofa", "twofa-redis"),
    ("otp-redis", "otp-redis"),
    ("redis-otp", "redis-otp"),
    ("a" * 58, "a" * 58 + "-redi"),  # Helm's trunc 63
    ("a" * 62, "a" * 62),  # "aaa...a-" after trunc 63, then trimSuffix "-"
    ("a" * 61 + "--b", "a" * 61 + "-"),  # trimSuffix removes one dash, as Helm's does
])
def test_bitnami_fullname(release: str, fullname: str) -> None:
    assert bitnami_names.fullname(release) == fullname
    assert len(bitnami_names.fullname(release)) <= 63

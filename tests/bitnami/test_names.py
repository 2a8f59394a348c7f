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


def test_overrides_and_the_names_derived_from_the_fullname() -> None:
    assert bitnami_names.fullname("twofa", {"fullnameOverride": "otp-cache"}) == "otp-cache"
    assert bitnami_names.fullname("twofa", {"nameOverride": "cache"}) == "twofa-cache"
    assert bitnami_names.pod_labels("twofa", {"nameOverride": "cache"}) == {
        "app.kubernetes.io/name": "cache", "app.kubernetes.io/instance": "twofa"}
    full = bitnami_names.fullname("twofa")
    assert (bitnami_names.master(full), bitnami_names.headless(full), bitnami_names.scripts(full),
            bitnami_names.configuration(full)) == ("twofa-redis-master", "twofa-redis-headless", "twofa-redis-scripts",
                                                   "twofa-redis-configuration")

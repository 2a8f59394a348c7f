"""Names of the deployed objects, derived the way Bitnami's `common.names.fullname` does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from generator import pipeline
from generator.bitnami import names as bitnami_names
from generator.core import names as naming


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


def test_outputs_follow_the_settings(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "prod").settings
    out = naming.outputs(dataclasses.replace(settings, release_name="twofa", namespace="otp"))
    assert out == {
        "redis_enabled": True,
        "redis_host": "twofa-redis-master.otp.svc.cluster.local",
        "redis_port": 6379,
        "redis_namespace": "otp",
        "redis_password_secret_name": "redis-secret",
        "redis_password_secret_key": "redis-password",
        "redis_connection_url": "redis://twofa-redis-master.otp.svc.cluster.local:6379",
    }
    assert bitnami_names.master_pod(dataclasses.replace(settings, release_name="twofa")) == "twofa-redis-master-0"


def test_disabled_outputs_are_null(bare_project: Path) -> None:
    settings = dataclasses.replace(pipeline.prepare(bare_project, "dev").settings, enable_redis=False)
    out = naming.outputs(settings)
    assert out["redis_enabled"] is False
    assert {k for k, v in out.items() if v is not None} == {"redis_enabled"}

"""The Bitnami archive under chart/charts/: found, read, and our keys checked against its values."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.bitnami import archive as subchart
from generator.core.errors import CheckError
from tests.support.charts import DEFAULTS, make_archive


def test_no_archive(tmp_path: Path) -> None:
    assert subchart.find(tmp_path) is None


def test_reads_version_and_defaults(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "charts" / "redis-23.1.1.tgz")
    found = subchart.find(tmp_path)
    assert found == subchart.Subchart(archive, "23.1.1", DEFAULTS)


def test_several_archives_are_an_error(tmp_path: Path) -> None:
    make_archive(tmp_path / "charts" / "redis-23.1.1.tgz")
    make_archive(tmp_path / "charts" / "redis-24.0.9.tgz", "24.0.9")
    with pytest.raises(CheckError, match=r"several redis archives \(redis-23\.1\.1\.tgz, redis-24\.0\.9\.tgz\)"):
        subchart.find(tmp_path)


def test_unreadable_archive(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "redis-1.0.0.tgz").write_bytes(b"not a tarball")
    with pytest.raises(CheckError, match="not a readable redis chart archive"):
        subchart.find(tmp_path)


def test_keys_we_set_must_exist_in_the_defaults() -> None:
    ours = {
        "enabled": True,  # the umbrella's condition, not a Bitnami key
        "image": {"registry": "ecr", "tag": "t"},
        "auth": {"existingSecret": "s", "existingSecretPasword": "typo"},
        "master": {"resources": {"limits": {"cpu": "1"}}, "podLabels": {"a": "b"},
                   "persistence": {"size": "1Gi", "sizee": "typo"}, "replicaCount": 3},
        "architecture": "standalone",
    }
    assert subchart.unknown_keys(ours, DEFAULTS) == [
        "architecture", "auth.existingSecretPasword", "master.persistence.sizee", "master.replicaCount"]


def test_nothing_set_nothing_unknown() -> None:
    assert subchart.unknown_keys({}, DEFAULTS) == []

"""bitnami/archive.py: what an archive holds (version, values) is read from the cache only for
the same archive bytes and code, and is then what reading the archive gives."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from generator.bitnami import archive
from generator.core import cache
from generator.core.errors import CheckError


def _pack(chart: Path, version: str, values: str) -> Path:
    """A small redis chart archive, as `helm package` lays it out."""
    (chart / "charts").mkdir(parents=True, exist_ok=True)
    path = chart / "charts" / f"redis-{version}.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for name, text in (("redis/Chart.yaml", f"apiVersion: v2\nname: redis\nversion: {version}\n"),
                           ("redis/values.yaml", values)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _entries() -> int:
    folder = cache.directory() / "subchart"
    return len(list(folder.iterdir())) if folder.is_dir() else 0


def test_a_hit_is_what_reading_the_archive_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pack(tmp_path, "1.2.3", "auth:\n  enabled: true\n  password: ''\nreplica:\n  replicaCount: 3\n")
    fresh = archive.find(tmp_path)
    assert fresh is not None and fresh.version == "1.2.3" and _entries() == 1

    def no_tar(*_: object) -> object:
        raise AssertionError("the archive was read on a hit")

    monkeypatch.setattr(archive, "_read", no_tar)
    assert archive.find(tmp_path) == fresh


def test_another_archive_or_code_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _pack(tmp_path, "1.2.3", "a: 1\n")
    assert archive.find(tmp_path).defaults == {"a": 1}  # type: ignore[union-attr]
    path.unlink()
    _pack(tmp_path, "1.2.3", "a: 2\n")  # same name, other bytes
    assert archive.find(tmp_path).defaults == {"a": 2}  # type: ignore[union-attr]
    assert _entries() == 2
    code = tmp_path / "package"
    for module in ("bitnami/__init__.py", "bitnami/archive.py", "core/yamlio.py"):
        (code / module).parent.mkdir(parents=True, exist_ok=True)
        (code / module).write_bytes((cache.PACKAGE / module).read_bytes())
    (code / "bitnami" / "archive.py").write_text((code / "bitnami" / "archive.py").read_text() + "\n#\n")
    monkeypatch.setattr(cache, "PACKAGE", code)
    archive.find(tmp_path)
    assert _entries() == 3


def test_an_unreadable_archive_is_never_cached(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "redis-1.2.3.tgz").write_bytes(b"not a tar")
    for _ in range(2):
        with pytest.raises(CheckError, match="not a readable redis chart archive"):
            archive.find(tmp_path)
    assert _entries() == 0

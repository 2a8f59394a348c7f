"""A stand-in Bitnami archive: redis/Chart.yaml and redis/values.yaml only, for the code that
finds and reads chart/charts/redis-<version>.tgz (the real one is used when it is present)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import yaml

DEFAULTS = {
    "image": {"registry": "docker.io", "repository": "bitnami/redis", "tag": "8"},
    "auth": {"enabled": True, "existingSecret": "", "existingSecretPasswordKey": ""},
    "master": {"resources": {}, "resourcesPreset": "nano", "persistence": {"enabled": True, "size": "8Gi"},
               "podLabels": {}},
    "commonConfiguration": "appendonly yes",
}


def make_archive(path: Path, version: str = "23.1.1", values: object = DEFAULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("redis/Chart.yaml", {"name": "redis", "version": version}), ("redis/values.yaml", values)):
            blob = yaml.safe_dump(data).encode()
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path

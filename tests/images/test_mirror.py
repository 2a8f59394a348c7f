"""images/mirror.py: an environment's images present in ECR (`mirror`, `images --verify`, `--pin`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.core.errors import RegistryError, RenderError
from generator.images import mirror

DIGEST = "sha256:" + "0" * 64


def _env(root: Path, text: str) -> Path:
    (root / "environments").mkdir()
    path = root / "environments" / "dev.yaml"
    path.write_text(text)
    return path


def test_pin_rewrites_only_the_images_block(tmp_path: Path) -> None:
    path = _env(tmp_path, "# keep me\nenv: dev\nimages:\n  redis:\n    source: docker.io/bitnami/redis\n\nregion: x\n")
    mirror.pin(tmp_path, "environments/dev.yaml", {"redis": DIGEST})
    assert path.read_text() == ("# keep me\nenv: dev\nimages:\n  redis:\n    digest: " + DIGEST
                                + "\n    source: docker.io/bitnami/redis\n\nregion: x\n")


@pytest.mark.parametrize("digest", ["sha256:NOT-A-DIGEST", DIGEST + "\n", "sha256:" + "0" * 63, "md5:" + "0" * 32])
def test_pin_refuses_what_is_not_a_sha256_digest(tmp_path: Path, digest: str) -> None:
    path = _env(tmp_path, "env: dev\n")
    with pytest.raises(RegistryError, match="not pinned: no sha256 digest for redis"):
        mirror.pin(tmp_path, "environments/dev.yaml", {"redis": digest})
    assert path.read_text() == "env: dev\n"


def test_pin_refuses_an_environment_file_that_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "environments").mkdir()
    os.mkfifo(tmp_path / "environments" / "dev.yaml")
    with pytest.raises(RenderError, match=r"environments/dev\.yaml: cannot rewrite it"):
        mirror.pin(tmp_path, "environments/dev.yaml", {"redis": DIGEST})

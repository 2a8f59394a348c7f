"""The HA variant the HA tests run on: the fixture project's prod with replication and Sentinel,
in a copy only. Every environment of the tests' project stays standalone (the seed's contract,
README "Why prod is standalone today"), so HA is always a variant built from it."""

from __future__ import annotations

from pathlib import Path

from tests.support import fixture_project

VARIANT = "ha"  # how tests name the variant in parameters (it is not an environment of the project)
ENV = "prod"  # the variant keeps prod's registry, storage and metrics: the realistic HA target
SETTINGS = {
    "architecture": "replication",
    "sentinel_enabled": "true",
    "replica_count": "3",
    "sentinel_image_tag": "redis-sentinel-8.4.0",
}


def enable(root: Path, env: str = ENV) -> Path:
    """Append the HA settings to environments/<env>.yaml of a project copy; returns root."""
    path = root / "environments" / f"{env}.yaml"
    text = path.read_text()
    if any(line.split(":")[0] in SETTINGS for line in text.splitlines()):
        raise AssertionError(f"{path}: already sets an HA setting; the variant must add them all")
    lines = ["# HA variant (tests only): three Redis+Sentinel pods.", *(f"{k}: {v}" for k, v in SETTINGS.items())]
    path.write_text(text + "\n".join(lines) + "\n")
    return root


def project(dest: Path, archive: bool) -> Path:
    """A copy of the tests' project at dest (with the subchart archive only when asked and
    present), with the HA variant enabled."""
    with_archive = archive and fixture_project.archive() is not None
    return enable(fixture_project.copy(dest, subchart=with_archive))

"""The HA variant the HA tests run on: prod with replication and Sentinel, in a copy of the
project only. Every committed environment stays standalone (README "Why prod is standalone
today"), so HA is tested on a variant, never on what git deploys."""

from __future__ import annotations

import shutil
from pathlib import Path

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


def project(source: Path, dest: Path, archive: bool) -> Path:
    """A copy of source's environments/, chart/ (with the subchart archive only when asked and
    present) and argocd/ at dest, with the HA variant enabled."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "environments", dest / "environments")
    ignore = None if archive else shutil.ignore_patterns("charts")
    shutil.copytree(source / "chart", dest / "chart", ignore=ignore)
    shutil.copytree(source / "argocd", dest / "argocd")
    return enable(dest)

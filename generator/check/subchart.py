"""The Bitnami archive against what we render: every key we set under `redis:` exists in its
values.yaml (Helm ignores a typo silently, so a security setting could quietly drop). Only the
archive of chart_version is ever used (generator/bitnami/archive.py): without it, say so plainly."""

from __future__ import annotations

from pathlib import Path

from generator.bitnami import archive
from generator.core import invocation
from generator.core.errors import CheckError
from generator.core.settings import Settings
from generator.render import values


def absent(settings: Settings, chart: Path) -> str:
    """The note of a render without the subchart; chart: the project's chart/ (where it was looked for)."""
    return (f"{settings.env}: subchart not present, NOT used: {archive.missing(chart, settings.chart_version)}: "
            f"rendered and validated our own templates only (run {invocation.command('deps')}, or pass "
            "--require-subchart to fail)")


def check(settings: Settings, files: dict[str, str], found: archive.Subchart | None, chart: Path) -> list[str]:
    """Notes for the build's output; CheckError when we set a key the subchart does not have.
    (The archive's digest was checked against chart_digest before it was read.)"""
    if found is None:
        return [absent(settings, chart)]
    notes = []
    if not settings.chart_digest:
        notes.append(f"{settings.env}: chart_digest is not set: {archive.shown(found.archive)} "
                     f"({archive.digest(found.archive)}) is used unverified ("
                     f"{invocation.command('mirror', '<env>', '--pin')} pins the mirrored archive)")
    ours = values.chart_values(files, settings.env).get("redis") or {}
    unknown = archive.unknown_keys(ours, found.defaults)
    if unknown:
        raise CheckError(f"{settings.env}: keys set for the redis subchart that its values.yaml "
                         f"({found.version}) does not have, so Helm would ignore them: " + ", ".join(
                             f"redis.{k}" for k in unknown))
    return notes

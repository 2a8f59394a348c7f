"""The Bitnami archive against what we render: every key we set under `redis:` exists in its
values.yaml (Helm ignores a typo silently, so a security setting could quietly drop). Only the
archive of chart_version is ever used (generator/bitnami/archive.py): without it, say so plainly."""

from __future__ import annotations

from pathlib import Path

from generator.bitnami import archive
from generator.core.errors import CheckError
from generator.core.settings import Settings
from generator.render import values


def check(settings: Settings, files: dict[str, str], found: archive.Subchart | None, chart: Path) -> list[str]:
    """Notes for the build's output; CheckError when we set a key the subchart does not have.
    chart: the project's chart/ (where the archive was looked for)."""
    if found is None:
        return [f"{settings.env}: subchart not present, NOT used: {archive.missing(chart, settings.chart_version)}: "
                "rendered and validated our own templates only (run `python -m generator deps`, or pass "
                "--require-subchart to fail)"]
    notes: list[str] = []
    ours = values.chart_values(files, settings.env).get("redis") or {}
    unknown = archive.unknown_keys(ours, found.defaults)
    if unknown:
        raise CheckError(f"{settings.env}: keys set for the redis subchart that its values.yaml "
                         f"({found.version}) does not have, so Helm would ignore them: " + ", ".join(
                             f"redis.{k}" for k in unknown))
    return notes

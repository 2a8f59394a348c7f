"""The Bitnami archive against what we render: every key we set under `redis:` exists in its
values.yaml (Helm ignores a typo silently, so a security setting could quietly drop), and its
version is the one chart_version names."""

from __future__ import annotations

from generator.bitnami import archive
from generator.core.errors import CheckError
from generator.core.settings import Settings
from generator.render import values


def absent(settings: Settings) -> str:
    return (f"{settings.env}: subchart not present in chart/charts/: rendered and validated our own "
            "templates only (run `python -m generator deps`, or pass --require-subchart to fail)")


def check(settings: Settings, files: dict[str, str], found: archive.Subchart | None) -> list[str]:
    """Notes for the build's output; CheckError when we set a key the subchart does not have.
    (The archive's digest was checked against chart_digest before it was read.)"""
    if found is None:
        return [absent(settings)]
    notes = []
    if not settings.chart_digest:
        notes.append(f"{settings.env}: chart_digest is not set: chart/charts/{found.archive.name} "
                     f"({archive.digest(found.archive)}) is used unverified (`python -m generator mirror <env> "
                     "--pin` pins the mirrored archive)")
    if found.version != settings.chart_version:
        notes.append(f"{settings.env}: chart/charts/{found.archive.name} is version {found.version}, "
                     f"chart_version is {settings.chart_version}: run `python -m generator deps`")
    ours = values.chart_values(files, settings.env).get("redis") or {}
    unknown = archive.unknown_keys(ours, found.defaults)
    if unknown:
        raise CheckError(f"{settings.env}: keys set for the redis subchart that its values.yaml "
                         f"({found.version}) does not have, so Helm would ignore them: " + ", ".join(
                             f"redis.{k}" for k in unknown))
    return notes

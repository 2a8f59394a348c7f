"""The GitOps part of `check`: argocd/ valid and up to date, and the secrets guard."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from generator import guard as guard_module
from generator.core.errors import CheckError
from generator.render import argocd

if TYPE_CHECKING:
    from generator.pipeline import Prepared


def run(root: Path, prepared: Sequence[Prepared]) -> tuple[list[str], list[str]]:
    """(progress lines, problems): every Application validated and compared with argocd/."""
    lines: list[str] = []
    problems: list[str] = []
    expected: dict[str, str] = {}
    for p in prepared:
        try:
            expected.update(argocd.checked_files(p.settings, p.env.file))
        except CheckError as e:
            problems.extend(e.lines())
    problems.extend(argocd.drift(root, expected))
    verdict = "up to date" if not problems else "STALE or invalid"
    lines.append(f"argocd/: {len(expected)} Applications validated against schemas/crds/, {verdict}")
    return lines, problems


def guard(root: Path) -> tuple[list[str], list[str]]:
    """(progress lines, problems) of the secrets guard; runs before the settings are read."""
    found = guard_module.run(root)
    checked = len(guard_module.guarded_files(root))
    clean = (f"guard: {checked} files under chart/, environments/ and argocd/ hold no password; "
             "our Secret renders the same twice")
    return [clean if not found else f"guard: {len(found)} problems"], found

"""Which environments a project has: every `environments/<name>.yaml` but the shared file, and
the settings-like files that no environment reads."""

from __future__ import annotations

import re
from pathlib import Path

from generator.core.errors import Problem, UsageError
from generator.core.paths import COMMON_FILE, ENV_DIR
from generator.core.text import path_shown, shown

# A plain name: also a DNS-1123 label, so it can name Argo CD applications and files.
ENV_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def env_dir(root: Path) -> Path:
    return root / ENV_DIR


def known_environments(root: Path) -> list[str]:
    """Environment names, sorted: every `environments/<name>.yaml` but the shared file."""
    directory = env_dir(root)
    if not directory.is_dir():
        raise UsageError(f"{ENV_DIR}/: no such directory under {path_shown(root)} "
                         "(run from the project root or pass --root)")
    return sorted(
        p.stem for p in directory.glob("*.yaml") if not p.name.startswith("_") and ENV_NAME.fullmatch(p.stem)
    )


def check_name(root: Path, name: str) -> None:
    if not ENV_NAME.fullmatch(name):
        raise UsageError(f"{shown(name)} is not an environment name (lowercase letters, digits and '-', like 'dev')")
    known = known_environments(root)
    if name not in known:
        listed = ", ".join(known) or "none"
        raise UsageError(f"unknown environment {name!r}: no {ENV_DIR}/{name}.yaml (known: {listed})")


def stray_files(root: Path) -> list[Problem]:
    """Settings-like files that no environment reads: a typo in a file name would otherwise
    drop an environment silently (`Staging.yaml`, `prod.yml`, `_comon.yaml`)."""
    problems = []
    for path in sorted(env_dir(root).glob("*")):
        if path.suffix not in (".yaml", ".yml") or path.name == COMMON_FILE:
            continue
        shown = f"{ENV_DIR}/{path.name}"
        if path.suffix == ".yml":
            problems.append(Problem(shown, "", "environment files end in .yaml; rename it"))
        elif path.name.startswith("_"):
            problems.append(Problem(shown, "", f"only {COMMON_FILE} is shared; rename it or merge it there"))
        elif not ENV_NAME.fullmatch(path.stem):
            problems.append(Problem(shown, "", f"{path.stem!r} is not an environment name (lowercase letters, "
                                               "digits and '-'); rename the file"))
    return problems

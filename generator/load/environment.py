"""Load one environment: its YAML file merged over the shared `_common.yaml`, each value with
the file and line it came from (generator/load/yamlreader.py reads the files)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.errors import LoadError, Problem
from generator.core.paths import COMMON_FILE, ENV_DIR
from generator.load.discovery import check_name, env_dir
from generator.load.yamlreader import REFUSED, Origin, Path_, read_yaml

__all__ = ["Environment", "Origin", "load"]


@dataclass(frozen=True)
class Environment:
    """One environment's merged settings, before validation."""

    name: str
    file: str  # relative path of the environment's own file
    settings: dict[str, Any]
    origins: dict[Path_, Origin] = field(default_factory=dict)
    # Problems that do not stop reading (a duplicate key): reported with the schema's.
    problems: tuple[Problem, ...] = ()
    # Dotted paths whose value the reader refused (an alias): the schema says nothing more there.
    refused: frozenset[str] = frozenset()

    def locate(self, path: Path_) -> Origin:
        """The file and line a setting came from: the deepest known prefix of `path`."""
        for n in range(len(path), 0, -1):
            origin = self.origins.get(path[:n])
            if origin is not None:
                return origin
        return Origin(self.file, 0)

    def problem(self, path: Path_, message: str) -> Problem:
        origin = self.locate(path)
        return Problem(origin.file, ".".join(path), message, origin.line or None)


def load(root: Path, name: str) -> Environment:
    """Read `environments/<name>.yaml` over `_common.yaml`.

    Raises LoadError when a file cannot be parsed at all; lesser problems travel with the
    result so that validation reports them together with its own.
    """
    check_name(root, name)
    problems: list[Problem] = []
    fatal = False
    settings: dict[str, Any] = {}
    origins: dict[Path_, Origin] = {}
    refused: set[str] = set()
    common = env_dir(root) / COMMON_FILE
    own = env_dir(root) / f"{name}.yaml"
    # lexists: a dangling _common.yaml link is a broken file to report, not an absent one.
    for path in ([common] if os.path.lexists(common) else []) + [own]:
        shown = f"{ENV_DIR}/{path.name}"
        data, marks, found, quiet = read_yaml(path, shown)
        if path == own and not data and not found:
            found = [Problem(shown, "", f"the file is empty: expected settings (at least env: {name})")]
        problems.extend(found)
        refused.update(p.path for p in found if p.path and p.message.startswith(REFUSED))
        refused.update(quiet)
        fatal = fatal or (bool(found) and not data)
        _merge(settings, origins, data, marks, ())
    if fatal:
        raise LoadError(problems=problems)
    return Environment(name, f"{ENV_DIR}/{name}.yaml", settings, origins, tuple(problems), frozenset(refused))


def _merge(
    into: dict[str, Any],
    origins: dict[Path_, Origin],
    data: Mapping[str, Any],
    marks: Mapping[Path_, Origin],
    path: Path_,
) -> None:
    """Deep-merge mappings (later wins, lists are replaced), keeping each value's origin.

    The origins under a replaced key are exactly the keys inside its old and new values, so
    each merge step walks its own subtree only (not every origin of the file: quadratic)."""
    for key, value in data.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            origins[here] = marks[here]
            _merge(into[key], origins, value, marks, here)
            continue
        if key in into:
            for stale in _paths(into[key], here):
                origins.pop(stale, None)
        into[key] = _copy(value)
        origins.update((p, marks[p]) for p in _paths(value, here) if p in marks)


def _paths(value: Any, here: Path_) -> Iterator[Path_]:
    """`here` and the path of everything inside `value`."""
    yield here
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*here, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*here, str(i)))


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value

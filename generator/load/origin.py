"""Where a setting came from: the file and line of every key an environment file sets, and the
shape of a file's reading (generator/load/yamlreader.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.core.errors import Problem

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Origin:
    file: str  # as shown to the user, relative to the project root
    line: int


# The data, the line of every key, the problems, and the dotted paths of values refused without
# a problem of their own (aliases).
Read = tuple[dict[str, Any], dict[Path_, Origin], list[Problem], set[str]]

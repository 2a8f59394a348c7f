"""`python -m generator` run in-process, and a project's files as bytes to compare before and after."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> Ran:
    """`python -m generator --root <root> ARGS`, with what it printed."""
    code = main(["--root", str(root), *args])
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def tree(root: Path) -> dict[str, bytes]:
    """Every file below root, by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

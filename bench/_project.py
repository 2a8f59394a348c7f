"""Shared by the benchmarks: a private copy of the project to run commands in."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def copy_project(into: Path) -> Path:
    """environments/ and chart/ (with the Bitnami archive when present), as a fresh clone has them."""
    root = into / "project"
    root.mkdir()
    shutil.copytree(ROOT / "environments", root / "environments")
    shutil.copytree(ROOT / "chart", root / "chart")
    return root


def generator(root: Path, *args: str) -> list[str]:
    return [PYTHON, "-m", "generator", "--root", str(root), *args]


def timed(command: Sequence[str], runs: int, cwd: Path = ROOT) -> list[float]:
    """Wall time of each of `runs` runs; a failing run aborts the benchmark with its output."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"bench: {' '.join(command)} failed (exit {done.returncode}):\n{done.stderr}")
    return times


def median(times: Sequence[float]) -> float:
    return statistics.median(times)

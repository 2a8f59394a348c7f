"""Shared by the benchmarks: a private copy of the project, and commands timed by wall and CPU.

The machine may be shared: commands are timed in interleaved rounds (A B A B ...) so that both
see the same load, and CPU time (user + system of the process and its children, such as helm)
is reported beside wall time because it barely depends on what else runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Timing:
    wall: float  # median seconds
    cpu: float  # median seconds of user + system time


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", type=Path, default=ROOT,
                        help="project to copy and time (default: this checkout; the tests pass their own)")


def copy_project(into: Path, source: Path = ROOT) -> Path:
    """source's environments/, chart/ (with the Bitnami archive when present) and argocd/."""
    root = into / "project"
    root.mkdir()
    shutil.copytree(source / "environments", root / "environments")
    shutil.copytree(source / "chart", root / "chart")
    shutil.copytree(source / "argocd", root / "argocd")
    return root


def generator(root: Path, *args: str) -> list[str]:
    return [PYTHON, "-m", "generator", "--root", str(root), *args]


def run_once(command: Sequence[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU seconds of one run; a failing run aborts the benchmark with its output."""
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed (exit {done.returncode}):\n{done.stderr}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def interleaved(commands: dict[str, Sequence[str]], runs: int, cwd: Path = ROOT) -> dict[str, Timing]:
    """Each command `runs` times, in rounds that run every command once; medians."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(run_once(command, cwd))
    return {name: Timing(statistics.median(w for w, _ in s), statistics.median(c for _, c in s))
            for name, s in samples.items()}


def has_subchart(source: Path = ROOT) -> str:
    return "with" if list((source / "chart" / "charts").glob("redis-*.tgz")) else "without"


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min: {five:.1f}) on {os.cpu_count()} CPUs"

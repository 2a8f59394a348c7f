"""Shared by the benchmarks: a private copy of the project, and commands timed by wall and CPU.

The machine may be shared: commands are timed in interleaved rounds (A B A B ...) so that both
see the same load, and CPU time (user + system of the process and its children, such as helm)
is reported beside wall time because it barely depends on what else runs.

The generator's caches (lint, schema checks) live in a private directory per benchmark
(XDG_CACHE_HOME), never the user's: a "cold" run starts with it emptied, a "warm" run finds what
the previous runs left, as an operator's second build does.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_ARCHIVE = re.compile(r"^redis-(\d+\.\d+\.\d+)\.tgz$")


@dataclass(frozen=True)
class Timing:
    wall: float  # median seconds
    cpu: float  # median seconds of user + system time


@dataclass(frozen=True)
class Run:
    """A command to time, and what to do before each run of it (untimed)."""

    command: Sequence[str]
    before: Callable[[], None] | None = None
    env: Mapping[str, str] | None = None  # added to the environment


def add_project_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", type=Path, default=ROOT,
                        help="project to copy and time (default: this checkout; the tests pass their own)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--project and --archive / --no-archive, shared by the benchmarks."""
    add_project_argument(parser)
    parser.add_argument("--archive", type=Path,
                        help="the Bitnami redis-<version>.tgz of the 'with' case (default: the one in the "
                        "project's chart/charts/, else in this checkout's)")
    parser.add_argument("--no-archive", action="store_true", help="measure without the archive only")


def variants(args: argparse.Namespace) -> dict[str, Path | None]:
    """"without" (a fresh clone), and "with" the archive when there is one."""
    archive = None if args.no_archive else args.archive or default_archive(args.project) or default_archive(ROOT)
    return {"without": None, **({"with": archive} if archive else {})}


def default_archive(project: Path) -> Path | None:
    """The Bitnami archive placed in a project's chart/charts/, if any."""
    found = sorted(p for p in (project / "chart" / "charts").glob("redis-*.tgz") if _ARCHIVE.match(p.name))
    return found[-1] if found else None


def copy_project(into: Path, source: Path = ROOT) -> Path:
    """source's environments/, chart/ (with the Bitnami archive when present) and argocd/."""
    root = into / "project"
    root.mkdir()
    shutil.copytree(source / "environments", root / "environments")
    shutil.copytree(source / "chart", root / "chart")
    shutil.copytree(source / "argocd", root / "argocd")
    return root


def has_subchart(source: Path = ROOT) -> str:
    return "with" if list((source / "chart" / "charts").glob("redis-*.tgz")) else "without"


def copy_variant(into: Path, archive: Path | None, source: Path = ROOT) -> Path:
    """source's project as a fresh clone has it (no archive); with `archive` (redis-<version>.tgz),
    that archive in chart/charts/ and chart_version set to its version."""
    root = copy_project(into, source)
    shutil.rmtree(root / "chart" / "charts", ignore_errors=True)
    if archive is not None:
        m = _ARCHIVE.match(archive.name)
        if not m:
            sys.exit(f"bench: {archive}: expected an archive named redis-<version>.tgz")
        (root / "chart" / "charts").mkdir()
        shutil.copy(archive, root / "chart" / "charts" / archive.name)
        common = root / "environments" / "_common.yaml"
        text, n = re.subn(r"(?m)^chart_version: .*$", f"chart_version: {m.group(1)}", common.read_text())
        if n != 1:
            sys.exit(f"bench: {common}: no chart_version line to point at {archive.name}")
        common.write_text(text)
    return root


def generator(root: Path, *args: str) -> list[str]:
    return [PYTHON, "-m", "generator", "--root", str(root), *args]


def bare_helm(root: Path, copy: Path, env: str) -> list[str]:
    """One `helm template` as build runs it, on its own copy of the chart (build rewrites
    chart/Chart.yaml on every run; without the archive helm renders what build renders only
    once the dependency is gone)."""
    from generator import pipeline
    from generator.check import helm
    from generator.render.chart import strip_dependencies

    settings = pipeline.prepare(root, env).settings
    if not copy.exists():
        shutil.copytree(root / "chart", copy)
        if not list((copy / "charts").glob("redis-*.tgz")):
            strip_dependencies(copy)
    spec = helm.Render(settings.release_name, settings.namespace, settings.kube_version,
                       (copy / f"values-{env}.yaml",), settings.api_versions)
    return [helm.find_helm(ROOT), *helm.template_args(copy, spec)]


def sequence(commands: Sequence[Sequence[str]]) -> list[str]:
    """One command that runs `commands` one after the other (sh: ~1 ms), stopping at a failure."""
    import shlex

    return ["sh", "-c", " && ".join(shlex.join(c) for c in commands)]


# An operator's Python keeps compiled modules in __pycache__/; a session that forbids writing
# them would time the compiling of every changed module on every run instead.
_NO_BYTECODE = "PYTHONDONTWRITEBYTECODE"


def bytecode_note() -> str:
    return (f"; {_NO_BYTECODE} was set and is dropped for the timed runs (compiled modules are kept, as an "
            "operator's Python keeps them)" if os.environ.get(_NO_BYTECODE) else "")


def run_once(command: Sequence[str], cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one run; a failing run aborts the benchmark with its output."""
    full_env = {**{k: v for k, v in os.environ.items() if k != _NO_BYTECODE}, **(env or {})}
    before = os.times()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, env=full_env)
    wall = time.perf_counter() - start
    after = os.times()
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed (exit {done.returncode}):\n{done.stderr}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu


def interleaved(runs: Mapping[str, Run | Sequence[str]], rounds: int, cwd: Path = ROOT) -> dict[str, Timing]:
    """Each command `rounds` times, in rounds that run every command once; medians. A command
    is a Run, or plain arguments."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, given in runs.items():
            run = given if isinstance(given, Run) else Run(given)
            if run.before is not None:
                run.before()
            samples[name].append(run_once(run.command, cwd, run.env))
    return {name: Timing(statistics.median(w for w, _ in s), statistics.median(c for _, c in s))
            for name, s in samples.items()}


def cache_env(directory: Path) -> dict[str, str]:
    """The environment that points the generator's caches at `directory`."""
    return {"XDG_CACHE_HOME": str(directory)}


def private_cache(tmp: Path) -> None:
    """The benchmark's own calls into the generator (preparing projects) use a cache below tmp,
    not the user's; each timed run is given its own with cache_env."""
    os.environ["XDG_CACHE_HOME"] = str(tmp / "setup-cache")


def emptier(directory: Path) -> Callable[[], None]:
    """Empties a cache directory: run before a cold run."""
    return lambda: shutil.rmtree(directory, ignore_errors=True)


def verdict(ratio: float, goal: float) -> str:
    return f"{ratio:.2f}x (goal <= {goal:.1f}x: {'met' if ratio <= goal else 'MISSED'})"


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min: {five:.1f}) on {os.cpu_count()} CPUs"

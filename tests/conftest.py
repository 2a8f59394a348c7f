"""Shared fixtures: a private copy of the project per test, and the CLI run in-process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main
from tests import ha

# Real registries and a moto server, for the ECR and mirror tests.
pytest_plugins = ["tests.registries", "tests.aws"]
# build fetches a missing subchart from chart_repository (Docker Hub in most test projects): never
# from a test, which talks to loopback only; the fetch tests pass --fetch-timeout themselves.
os.environ["TWOFA_CHART_FETCH_TIMEOUT"] = "0"

ROOT = Path(__file__).resolve().parent.parent
ARCHIVES = sorted((ROOT / "chart" / "charts").glob("redis-*.tgz"))
SKIP_NO_SUBCHART = (
    "the Bitnami redis archive is not in chart/charts/ (it cannot be downloaded offline; "
    "place redis-<version>.tgz there to run this test)"
)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of environments/, chart/ (with the subchart archive when present) and argocd/."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(ROOT / "environments", root / "environments")
    shutil.copytree(ROOT / "chart", root / "chart")
    shutil.copytree(ROOT / "argocd", root / "argocd")
    return root


@pytest.fixture
def bare_project(project: Path) -> Path:
    """The project without the subchart archive: what a fresh clone has."""
    shutil.rmtree(project / "chart" / "charts", ignore_errors=True)
    return project


@pytest.fixture
def with_subchart(project: Path) -> Path:
    if not ARCHIVES:
        pytest.skip(SKIP_NO_SUBCHART)
    return project


@pytest.fixture
def ha_project(bare_project: Path) -> Path:
    """bare_project with the HA variant (tests/ha.py) in its prod: replication + Sentinel."""
    return ha.enable(bare_project)


@pytest.fixture
def ha_with_subchart(with_subchart: Path) -> Path:
    return ha.enable(with_subchart)


@pytest.fixture(scope="session")
def ha_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only HA project for the whole session (with the archive when present): the root
    tests/runtime_config.py reads the HA variant's configuration from."""
    return ha.project(ROOT, tmp_path_factory.mktemp("ha") / "project", archive=True)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """Run `python -m generator --root <project> ARGS` in-process."""

    def run(root: Path, *args: str) -> Ran:
        code = main(["--root", str(root), *args])
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


def tree(root: Path) -> dict[str, bytes]:
    """Every file below root, by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

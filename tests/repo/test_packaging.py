"""The package works installed, not only from its checkout: the schemas and templates travel
inside it, and the pinned tools are found from the project (--root), not from the package.

The installed layout is what setuptools' build_py puts into a wheel; it is run from a directory
with no checkout in sight, through PYTHONPATH, so nothing can be found through the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.core import paths
from tests.support.cli import tree
from tests.support.paths import CHECKOUT

# One build for the module's tests, wherever xdist runs them (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("packaging")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """generator/ as a wheel holds it (build_py), outside the checkout. Built from a copy of the
    sources: setuptools writes its egg-info next to pyproject.toml, and the checkout is not the
    tests' to write (nor is it safe with another test process doing the same)."""
    base = tmp_path_factory.mktemp("installed")
    source, lib = base / "source", base / "lib"
    source.mkdir()
    shutil.copy2(CHECKOUT / "pyproject.toml", source)
    shutil.copytree(CHECKOUT / "schemas", source / "schemas")
    shutil.copytree(CHECKOUT / "generator", source / "generator", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-c", "from setuptools import setup; setup()", "-q", "build_py",
                    "--build-lib", str(lib)], cwd=source, check=True, capture_output=True)
    return lib


def test_the_package_carries_its_schemas_and_templates(installed: Path) -> None:
    package = installed / "generator"
    assert not (package / "schemas").is_symlink(), "the built package must hold a copy, not the link"
    assert (package / "schemas" / "values.schema.json").read_bytes() == (CHECKOUT / "schemas" /
                                                                        "values.schema.json").read_bytes()
    crds = sorted(p.name for p in (CHECKOUT / "schemas" / "crds").glob("*.json"))
    assert sorted(p.name for p in (package / "schemas" / "crds").glob("*.json")) == crds
    templates = sorted(p.name for p in paths.TEMPLATES.iterdir() if p.is_file())
    assert sorted(p.name for p in (package / "render" / "templates").iterdir()) == templates


def test_an_installed_package_builds_a_project_elsewhere(installed: Path, bare_project: Path, tmp_path: Path) -> None:
    """`python -m generator build dev --root PROJECT`, the pinned helm in PROJECT/.tools/bin."""
    (bare_project / ".tools").symlink_to(CHECKOUT / ".tools")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("HELM", "REDIS_PASSWORD", "TF_VAR_redis_password")}
    env.update(PYTHONPATH=str(installed), PATH="/usr/bin:/bin")
    where = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"], cwd=elsewhere,
                           env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip() == str(installed / "generator" / "__init__.py")
    before = tree(bare_project / "chart")
    done = subprocess.run([sys.executable, "-m", "generator", "build", "dev", "--root", str(bare_project)],
                          cwd=elsewhere, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "dev: wrote chart/ (Chart.yaml, values-dev.yaml, values.yaml), argocd/dev.yaml" in done.stdout
    assert tree(bare_project / "chart") == before  # the committed chart/, rebuilt byte for byte

"""What the plan tests share: the Bitnami archives they may use, and a temporary git repository
made from the tests' own project (tests/support/fixture_project.py) with a base commit and a work tree
to change.

Archives are looked up by version in the checkout's chart/charts/, in the user's archive cache
(${XDG_CACHE_HOME:-~/.cache}/twofa-redis/charts/, read before any test points XDG_CACHE_HOME
elsewhere) and in the directories of $TWOFA_REDIS_ARCHIVES (':'-separated). A test copies the
ones it needs into a cache under its own temporary XDG_CACHE_HOME, as an operator would place
them, so both sides of a plan find the archive of their own chart_version.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from generator.bitnami import archive
from tests.support import fixture_project

USER_CACHE = archive.cache_dir()  # before a test moves XDG_CACHE_HOME
SOURCES_VARIABLE = "TWOFA_REDIS_ARCHIVES"
GIT = ["git", "-c", "user.name=plan-test", "-c", "user.email=plan-test@example.invalid", "-c", "commit.gpgsign=false"]


def _sources() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(SOURCES_VARIABLE, "").split(":") if p]
    return [fixture_project.ARCHIVE_DIR, USER_CACHE, *extra]


@functools.cache
def archives() -> dict[str, Path]:
    """version -> a readable archive of it, from every source (the first source wins)."""
    found: dict[str, Path] = {}
    for directory in _sources():
        for path in sorted(directory.glob("redis-*.tgz")) if directory.is_dir() else []:
            version = fixture_project._read_version(path)
            if version is not None:
                found.setdefault(version, path)
    return dict(sorted(found.items(), key=lambda kv: fixture_project._version_key(kv[0])))


def skip_reason(count: int) -> str:
    where = f"chart/charts/, {USER_CACHE} or a directory in ${SOURCES_VARIABLE}"
    if count == 1:
        return f"needs the Bitnami redis archive (redis-<version>.tgz; it cannot be downloaded offline) in {where}"
    return (f"needs Bitnami redis archives of {count} chart versions (e.g. redis-23.1.0.tgz and redis-23.1.1.tgz) "
            f"in {where}")


def versions(count: int) -> list[str]:
    """The highest `count` archive versions, lowest first; skips the test when there are fewer."""
    found = list(archives())
    if len(found) < count:
        pytest.skip(skip_reason(count))
    return found[-count:]


@dataclass
class Repo:
    """A git repository holding the tests' project; its work tree is what a pull request changes."""

    root: Path
    cache: Path

    def git(self, *args: str) -> str:
        done = subprocess.run([*GIT, "-C", str(self.root), *args], capture_output=True, text=True, check=True)
        return done.stdout

    def commit(self, message: str = "state") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def env_file(self, env: str) -> Path:
        return self.root / "environments" / f"{env}.yaml"

    def edit(self, env: str, change: Callable[[dict[str, object]], None]) -> None:
        """Change an environment file's settings (a copy of ours: its comments may go)."""
        path = self.env_file(env)
        data = yaml.safe_load(path.read_text()) or {}
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    def set(self, env: str, /, **settings: object) -> None:
        self.edit(env, lambda data: data.update(settings))

    def set_line(self, env: str, key: str, value: str) -> None:
        """Replace the top-level `key:` line (keeps the file's comments and layout)."""
        path = self.env_file(env)
        text, count = re.subn(rf"(?m)^{re.escape(key)}: .*$", f"{key}: {value}", path.read_text())
        assert count == 1, f"{path}: expected one {key} line"
        path.write_text(text)

    def place(self, version: str) -> None:
        """Put the archive of `version` into the test's archive cache."""
        self.cache.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archives()[version], self.cache / f"redis-{version}.tgz")

    def build(self, *envs: str) -> None:
        """Regenerate chart/ and argocd/ for the environments (what the pull request commits)."""
        from generator import pipeline

        for env in envs:
            pipeline.build(self.root, env, say=lambda _: None)
        shutil.rmtree(self.root / "build", ignore_errors=True)


def make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str | None, build: bool = False) -> Repo:
    """The tests' project at tmp_path/repo, committed, its chart_version `version` with that
    archive in a private cache (None: no archive anywhere, as on a fresh clone)."""
    root = fixture_project.copy(tmp_path / "repo", subchart=False)
    cache = tmp_path / "xdg" / "twofa-redis" / "charts"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    repo = Repo(root, cache)
    if version is not None:
        repo.place(version)
        repo.set_line("_common", "chart_version", version)
    if build:
        repo.build(*(p.stem for p in sorted((root / "environments").glob("[!_]*.yaml"))))
    (root / ".gitignore").write_text("/build/\n/chart/charts/\n")
    repo.git("init", "-q", "-b", "main")
    repo.commit("base")
    return repo

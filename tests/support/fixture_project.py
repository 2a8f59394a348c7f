"""The tests' own project: tests/fixtures/environments/, built into chart/ and argocd/ by the
generator itself.

The checkout's environments/, argocd/ and generated chart/ files belong to the operator: they add
an environment, switch metrics on, bump the chart, and their CI must stay green. So no test reads
them; `check`, the last step of scripts/test, proves them instead. From the checkout the tests
take only the generator's own code: chart/templates/ (our hand-written Helm templates) and the
git-ignored Bitnami archive in chart/charts/, when there is one.

A template project is built once per test run for each variant, `bare` (no archive: what a fresh
clone has) and `subchart` (the archive, and chart_version set to its version, so a newer archive
the operator drops in keeps working), and each test copies the one it needs. Under pytest-xdist
the workers share the templates (share()): the first to need one builds it.
"""

from __future__ import annotations

import atexit
import functools
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from tests.support.environ import no_password, own_cache
from tests.support.paths import CHECKOUT, FIXTURES

# The only two places of the checkout's chart/ a test may read (tests/repo/test_layout.py):
TEMPLATES = CHECKOUT / "chart" / "templates"  # the generator's code, not the operator's data
ARCHIVE_DIR = CHECKOUT / "chart" / "charts"  # the git-ignored Bitnami archive, when there is one
_SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?")


@dataclass(frozen=True)
class Archive:
    path: Path
    version: str


def _version_key(version: str) -> tuple[int, int, int, int, str]:
    m = _SEMVER.fullmatch(version)
    if m is None:
        return (-1, -1, -1, -1, version)
    major, minor, patch, pre = m.groups()
    # A release sorts above its pre-releases (24.0.0 > 24.0.0-rc.1).
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def _read_version(path: Path) -> str | None:
    try:
        with tarfile.open(path, "r:gz") as tar:
            handle = tar.extractfile("redis/Chart.yaml")
            meta = yaml.safe_load(handle) if handle else None
    except (tarfile.TarError, OSError, KeyError, yaml.YAMLError):
        return None
    return str(meta["version"]) if isinstance(meta, dict) and "version" in meta else None


@functools.cache
def archives() -> tuple[Archive, ...]:
    """Every readable redis archive in the checkout's chart/charts/, lowest version first."""
    found = []
    for path in sorted(ARCHIVE_DIR.glob("redis-*.tgz")):
        version = _read_version(path)
        if version is not None:
            found.append(Archive(path, version))
    return tuple(sorted(found, key=lambda a: _version_key(a.version)))


def archive() -> Archive | None:
    """The archive the tests use: the highest version when several are present (deterministic,
    and the one an operator who just bumped the chart has added last)."""
    found = archives()
    return found[-1] if found else None


def describe() -> str:
    """One line for pytest's header: which archive the subchart tests run with."""
    found = archives()
    if not found:
        return f"subchart: none in {ARCHIVE_DIR} (tests that need it are skipped)"
    chosen = found[-1]
    line = f"subchart: {chosen.path} (version {chosen.version}; the fixture project's chart_version)"
    if len(found) > 1:
        line += f"; highest of {len(found)}: " + ", ".join(a.path.name for a in found)
    return line


ENVS = ("dev", "staging", "prod")  # the environments of tests/fixtures/environments/

SKIP_NO_SUBCHART = (
    "the Bitnami redis archive is not in chart/charts/ (it cannot be downloaded offline; "
    "place redis-<version>.tgz there to run this test)"
)


def build(dest: Path, with_archive: Archive | None) -> Path:
    """tests/fixtures/ at dest, with the checkout's templates (and the archive when given, the
    fixture's chart_version then set to its version), every environment built by the generator.
    build/ is removed afterwards: the project looks like a fresh clone that ran `build`."""
    from generator import pipeline
    from generator.core.paths import BUILD_DIR
    from generator.load import discovery

    dest.mkdir(parents=True)
    shutil.copytree(FIXTURES / "environments", dest / "environments")
    (dest / "chart").mkdir()
    shutil.copytree(TEMPLATES, dest / "chart" / "templates")
    if with_archive is not None:
        common = dest / "environments" / "_common.yaml"
        text, count = re.subn(r"(?m)^chart_version: .*$", f"chart_version: {with_archive.version}",
                              common.read_text())
        assert count == 1, f"{common}: expected one chart_version line"
        common.write_text(text)
        (dest / "chart" / "charts").mkdir()
        shutil.copy2(with_archive.path, dest / "chart" / "charts" / f"redis-{with_archive.version}.tgz")
    # Without a password: nothing secret in the template, whatever the caller's environment says
    # (a test may have set REDIS_PASSWORD when the first template is needed). With a result cache
    # of its own: the test that needs the template first starts with an empty cache like the rest.
    with no_password(), own_cache():
        for env in discovery.known_environments(dest):
            pipeline.build(dest, env, say=lambda _: None)
    shutil.rmtree(dest / BUILD_DIR)
    return dest


@functools.cache
def _base() -> Path:
    base = Path(tempfile.mkdtemp(prefix="twofa-redis-fixtures."))
    atexit.register(shutil.rmtree, base, True)
    return base


_shared: Path | None = None  # see share()


def share(directory: Path) -> None:
    """Build the templates below `directory`, once for every process that shares it: the
    pytest-xdist workers of one run (tests/conftest.py passes their common temporary directory),
    which would otherwise each build the same projects. Call before the first template()."""
    global _shared
    _shared = directory


@functools.cache
def template(subchart: bool) -> Path | None:
    """The read-only template of a variant, built on first use; None for `subchart` without an
    archive. Never write below it: copy it (copy())."""
    found = archive() if subchart else None
    if subchart and found is None:
        return None
    name = "subchart" if subchart else "bare"
    if _shared is None:
        return build(_base() / name, found)
    return _built_once(_shared / name, found)


def _built_once(dest: Path, found: Archive | None) -> Path:
    """dest built by whichever process gets there first; the others wait for it and reuse it."""
    import fcntl

    dest.parent.mkdir(parents=True, exist_ok=True)
    done = dest.parent / f".{dest.name}.done"
    with open(dest.parent / f".{dest.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            if dest.exists():
                shutil.rmtree(dest)  # left by a process that died half-way
            build(dest, found)
            done.write_text("")
    return dest


def default_root() -> Path:
    """The richest read-only project: with the subchart when there is an archive."""
    return template(True) or bare()


def bare() -> Path:
    root = template(False)
    assert root is not None
    return root


def copy(dest: Path, subchart: bool) -> Path:
    """A private, writable copy of a template at dest (subchart: the caller checked archive())."""
    source = template(subchart)
    if source is None:
        raise LookupError(SKIP_NO_SUBCHART)
    shutil.copytree(source, dest, symlinks=True)
    return dest

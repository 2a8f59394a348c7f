"""Writing what build produced: chart/, build/<env>/manifests.yaml and argocd/<env>.yaml.

chart/ is rebuilt as a staged copy and swapped in at once (generator/core/atomic.py); the
bundle directory is prepared next to it, private from the start, and swapped in after it. When
the bundle cannot be put in place, chart/ is swapped back: a failure leaves both as they were.
One build at a time holds the project's lock. `build --all` installs every environment this
way at once: its checks all passed before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.core import atomic
from generator.core.errors import RenderError
from generator.core.paths import BUILD_DIR, CHART_DIR
from generator.render import argocd

BUNDLE = "manifests.yaml"


@dataclass(frozen=True)
class Built:
    """What one environment's build writes."""

    name: str
    files: Mapping[str, str]  # chart files, relative to chart/
    bundle_text: str  # build/<name>/manifests.yaml
    applications: dict[str, str]  # argocd/<name>.yaml, when the environment has one


def install(root: Path, builds: Sequence[Built]) -> None:
    """Put the chart files of every build in place in one swap of chart/, then each bundle of
    build/<name>/ and each argocd/<name>.yaml (each atomically, in that order)."""
    chart = root / CHART_DIR
    with atomic.exclusive(root), atomic.staged_copy(chart) as staged, contextlib.ExitStack() as stack:
        bundles = [stack.enter_context(_staged_bundle(root, b.name, b.bundle_text)) for b in builds]
        for b in builds:
            atomic.write_files(staged, b.files)
        atomic.replace(staged, chart)
        for b, bundle in zip(builds, bundles, strict=True):
            try:
                _install_bundle(bundle, root / BUILD_DIR / b.name)
            except (OSError, RenderError) as e:
                atomic.replace(staged, chart)  # `staged` holds the previous chart/ now: swap it back
                cause = e if isinstance(e, OSError) else e.__cause__
                reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(e)
                raise RenderError(f"cannot write {BUILD_DIR}/{b.name}/: {reason}; chart/ is left as it was") from e
    for b in builds:
        argocd.write(root, b.name, b.applications)


@contextlib.contextmanager
def _staged_bundle(root: Path, name: str, text: str) -> Iterator[Path]:
    """build/<env>/ prepared next to the project (same file system, so it can be renamed into
    place), private from the start: it holds the Secret when a password was given."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{BUILD_DIR}-{name}.", dir=root))
    try:
        os.chmod(tmp, 0o700)
        atomic.write_private(tmp / BUNDLE, text)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _install_bundle(bundle: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    ignore = target.parent / ".gitignore"
    if not ignore.exists() or ignore.read_text() != "*\n":
        ignore.write_text("*\n")
    if target.exists():
        atomic.replace(bundle, target)  # the old bundle ends up at `bundle`, removed with it
    else:
        os.rename(bundle, target)

"""The base side of a plan out of git: REF's environments/ and chart/ (our templates) extracted
into a private directory, without touching the work tree or the index."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from generator.core.errors import UsageError
from generator.core.paths import CHART_DIR, ENV_DIR

TIMEOUT_S = 60


@dataclass(frozen=True)
class Revision:
    ref: str  # as given
    commit: str  # the full commit it names

    @property
    def label(self) -> str:
        return self.ref if self.ref == self.commit else f"{self.ref} ({self.commit[:7]})"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    if not shutil.which("git"):
        raise UsageError("plan compares with a git revision and needs git, which is not installed")
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        raise UsageError(f"git {' '.join(args)} did not finish in {TIMEOUT_S} s") from e


def _prefix(root: Path) -> str:
    """Where root is inside its git work tree ("" at the top)."""
    done = _git(root, "rev-parse", "--show-prefix")
    if done.returncode != 0:
        raise UsageError(f"plan compares with a git revision, but {root} is not in a git repository")
    return _text(done.stdout)


def _text(data: bytes) -> str:
    """git's output as text: a path or message that is not UTF-8 is escaped, never a traceback."""
    return data.decode("utf-8", "backslashreplace").strip()


def resolve(root: Path, ref: str) -> Revision:
    """The commit REF names; UsageError when it names none."""
    _prefix(root)
    if ref.startswith("-"):  # never an option to git
        raise UsageError(f"unknown git revision {ref!r}")
    done = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise UsageError(f"unknown git revision {ref!r}: no commit of that name in {root} "
                         "(a branch, tag or commit, e.g. HEAD or origin/main)")
    return Revision(ref, _text(done.stdout))


def extract(root: Path, revision: Revision, dest: Path) -> Path:
    """REF's environments/ and chart/ (where root sits in the repository) into dest; UsageError
    when REF does not hold this project."""
    prefix = _prefix(root)
    listed = _git(root, "ls-tree", "-d", "--name-only", f"{revision.commit}:{prefix}", "--", ENV_DIR, CHART_DIR)
    found = set(_text(listed.stdout).split()) if listed.returncode == 0 else set()
    templates = _git(root, "ls-tree", "-d", "--name-only", f"{revision.commit}:{prefix}{CHART_DIR}", "--",
                     "templates") if CHART_DIR in found else None
    if ENV_DIR not in found or templates is None or templates.returncode != 0 or not templates.stdout.strip():
        where = f"{prefix}" if prefix else "its top"
        raise UsageError(f"{revision.label} does not hold this project: no {ENV_DIR}/ and {CHART_DIR}/templates/ at "
                         f"{where} (compare with a revision that has them, e.g. --base origin/main)")
    archive = _git(root, "archive", "--format=tar", f"{revision.commit}:{prefix}", ENV_DIR, CHART_DIR)
    if archive.returncode != 0:
        raise UsageError(f"git archive {revision.label} failed: {_text(archive.stderr)}")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest

"""Writing what build produced: chart/, argocd/<env>.yaml and build/<env>/manifests.yaml, all
three or none.

Everything is staged first, next to where it goes (so a rename puts it in place): a copy of
chart/ with the generated files, the bundle directory (private from the start), the new
Application file. Then the three are committed back to back, with SIGINT/SIGTERM/SIGHUP held
back, and when one rename fails the ones done are undone: a failure leaves all three as they
were, and the message says so. One build at a time holds the project's lock.

Only SIGKILL can still land between two of the renames (microseconds apart); chart/ goes last.
`build --all` installs every environment this way at once, in one commit: its checks all passed
before anything is written.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.core import atomic, edge, files
from generator.core.errors import RenderError
from generator.core.paths import BUILD_DIR, CHART_DIR
from generator.render import argocd

BUNDLE = "manifests.yaml"
Step = tuple[str, Callable[[], None], Callable[[], None]]  # (what, do, undo)


@dataclass(frozen=True)
class Built:
    """What one environment's build writes."""

    name: str
    files: Mapping[str, str]  # chart files, relative to chart/
    bundle_text: str  # build/<name>/manifests.yaml
    applications: dict[str, str]  # argocd/<name>.yaml, when the environment has one


def install(root: Path, builds: Sequence[Built]) -> None:
    """Put every build's chart files, its bundle of build/<name>/ and its argocd/<name>.yaml in
    place: all of them, or (undone) none."""
    chart = root / CHART_DIR
    with atomic.exclusive(root), atomic.staged_copy(chart) as staged, contextlib.ExitStack() as stack:
        steps: list[Step] = []
        for b in builds:
            target = root / BUILD_DIR / b.name
            bundle = stack.enter_context(_staged_bundle(root, b.name, b.bundle_text))
            application = b.applications.get(argocd.file_name(b.name))
            steps += stack.enter_context(_staged_application(root, b.name, application))
            atomic.write_files(staged, b.files)
            _prepare_build_dir(target)
            steps.append((f"{BUILD_DIR}/{b.name}/", functools.partial(_install_bundle, bundle, target),
                          functools.partial(_uninstall_bundle, bundle, target)))
        steps.append((f"{CHART_DIR}/", lambda: atomic.replace(staged, chart), lambda: atomic.replace(staged, chart)))
        _commit(steps)


def _commit(steps: list[Step]) -> None:
    """Every step, or (undoing those done) none; signals held back meanwhile."""
    done: list[Step] = []
    _MADE.clear()
    with edge.signals_blocked():
        try:
            for step in steps:
                step[1]()
                done.append(step)
        except (OSError, RenderError) as e:
            failed = []
            for what, _, undo in reversed(done):
                try:
                    undo()
                except (OSError, RenderError):
                    failed.append(what)
            cause = e if isinstance(e, OSError) else e.__cause__
            reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(e)
            what = steps[len(done)][0]
            outcome = (f"{', '.join(failed)} could not be restored" if failed else
                       "nothing was written (chart/, argocd/ and build/ are as they were)")
            raise RenderError(f"cannot write {what}: {reason}; {outcome}") from e
        atomic.WRITTEN.extend(what for what, _, _ in steps)


def _prepare_build_dir(target: Path) -> None:
    """build/ (git-ignored as a whole by its own .gitignore) and a target that is a directory or
    nothing: a file or a link there is not ours to replace."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise RenderError(f"cannot write {BUILD_DIR}/{target.name}/: {e.strerror}") from e
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise RenderError(f"{BUILD_DIR}/{target.name}: expected a directory (build writes its bundle there), found "
                          f"{files.kind(st.st_mode)}; remove it")
    parent = target.parent
    if os.path.lexists(parent) and not parent.is_dir():
        raise RenderError(f"{BUILD_DIR}: expected a directory, found {files.kind(os.lstat(parent).st_mode)}; remove it")


@contextlib.contextmanager
def _staged_bundle(root: Path, name: str, text: str) -> Iterator[Path]:
    """build/<env>/ prepared next to the project (same file system, so it can be renamed into
    place), private from the start: it holds the Secret when a password was given."""
    try:
        with atomic.scratch(f".{BUILD_DIR}-{name}.", root) as tmp:  # removed on every way out, signals included
            os.chmod(tmp, 0o700)
            atomic.write_private(tmp / BUNDLE, text)
            yield tmp
    except OSError as e:
        raise RenderError(f"cannot write the project directory: {e.strerror}") from e


_MADE: list[Path] = []  # build/ and build/.gitignore when this commit made them (undone with it)


def _install_bundle(bundle: Path, target: Path) -> None:
    """Part of the commit: build/ itself (git-ignored whole by its own .gitignore) is made here,
    not before, so that a failed commit leaves no build/ behind either."""
    if not target.parent.is_dir():
        target.parent.mkdir()
        _MADE.append(target.parent)
    ignore = target.parent / ".gitignore"
    if not ignore.is_file():
        atomic.write_text(ignore, "*\n")
        _MADE.insert(0, ignore)
    if target.exists():
        atomic.replace(bundle, target)  # the old bundle ends up at `bundle`, removed with it
    else:
        os.rename(bundle, target)


def _uninstall_bundle(bundle: Path, target: Path) -> None:
    if bundle.exists():
        atomic.replace(bundle, target)  # swap the old bundle back
    else:
        os.rename(target, bundle)
    if all(not (target.parent / n).is_dir() for n in os.listdir(target.parent) if n != ".gitignore"):
        for made in _MADE:  # the last bundle undone: build/ goes if this commit made it
            made.unlink() if made.is_file() else made.rmdir()
        _MADE.clear()


@contextlib.contextmanager
def _staged_application(root: Path, name: str, text: str | None) -> Iterator[list[Step]]:
    """The step that puts argocd/<env>.yaml in place, or removes it when the environment has no
    argocd settings; its names while staged are git-ignored (argocd/.*.tmp)."""
    rel = argocd.file_name(name)
    try:
        with atomic.staged_replacement(root / rel, text) as step:
            yield [] if step is None else [(rel, *step)]
    except OSError as e:
        raise RenderError(f"cannot write {rel}: {e.strerror}") from e

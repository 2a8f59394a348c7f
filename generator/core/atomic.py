"""Writing output so that a reader sees the old content or the new, never half of it.

A file is written to a temporary name in its own directory and renamed over the old one. A
directory (chart/, build/<env>/) is prepared as a staged copy next to it and swapped in with
one renameat2(RENAME_EXCHANGE) where the kernel has it. One build at a time holds the lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from generator.core import files
from generator.core.edge import held, signals_blocked
from generator.core.errors import RenderError

# What this process has put in place, in order, for the interrupted message (generator/cli.py):
# a signal delivered right after a commit must not be reported as "nothing was written".
WRITTEN: list[str] = []
MAX_REPLACED = 1 << 20  # a replaced file (argocd/<env>.yaml) is a few KB


def write_text(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace `path` with `text` in one rename; OSError when that fails (nothing is left behind)."""
    tmp = None
    try:
        with signals_blocked():  # named before a signal can unwind past it
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def staged_replacement(path: Path, text: str | None) -> Iterator[tuple[Callable[[], None], Callable[[], None]] | None]:
    """A file's replacement (or, with `text` None, its removal) prepared next to it: yields
    (do, undo) -- one rename (or unlink) each, so that a commit of several files can be undone
    -- or None when there is nothing to do. The new text waits under a `.<name>.*.tmp` name;
    the old content is kept in memory for `undo`, so that once `do` has run nothing staged is
    left on disk, not even after a SIGKILL."""
    made: list[Path] = []
    try:
        exists = os.path.lexists(path)
        if text is None and not exists:
            yield None
            return
        restore = _restorer(path) if exists else functools.partial(os.unlink, path)
        new = None
        if text is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with signals_blocked():  # each staged name recorded before a signal can unwind past it
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                new = Path(tmp)
                made.append(new)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.chmod(new, 0o644)

        yield (functools.partial(os.replace, new, path) if new else functools.partial(os.unlink, path)), restore
    finally:
        def remove() -> None:
            for p in made:
                with contextlib.suppress(OSError):
                    p.unlink(missing_ok=True)

        held(remove)  # a signal landing here would leave the staged names behind


def _restorer(path: Path) -> Callable[[], None]:
    """What puts the file at `path` back as it is now, from memory: its bytes and mode, or, for
    a symbolic link, the link (its target may not even exist)."""
    if path.is_symlink():
        target = os.readlink(path)
        return lambda: _put(path, lambda tmp: os.symlink(target, tmp))
    data, mode = files.read_regular_file(path, MAX_REPLACED), stat.S_IMODE(os.stat(path).st_mode)
    return lambda: _put(path, lambda tmp: _write_new(tmp, data, mode))


def _write_new(tmp: str, data: bytes, mode: int) -> None:
    with open(tmp, "xb") as f:
        f.write(data)
    os.chmod(tmp, mode)


def _put(path: Path, make: Callable[[str], None]) -> None:
    """A new entry made under a fresh temporary name next to `path`, renamed over it."""
    tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        make(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # gone after the rename; left only by a failure


class StagedFile:
    """A file being written under a temporary name next to `path`; `commit` renames it into
    place (flushed to disk first), anything else leaves `path` as it was."""

    def __init__(self, path: Path, mode: int) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        self.path, self.tmp, self.mode, self.committed = path, Path(tmp), mode, False
        self.file: BinaryIO = os.fdopen(fd, "wb")

    def commit(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.chmod(self.tmp, self.mode)
        os.replace(self.tmp, self.path)
        self.committed = True
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)  # the rename itself survives a crash
        finally:
            os.close(fd)


@contextlib.contextmanager
def staged_file(path: Path, mode: int = 0o644) -> Iterator[StagedFile]:
    """Write a (binary, streamed) file that appears at `path` only when committed, whole."""
    staged = None
    try:
        with signals_blocked():  # named before a signal can unwind past it
            staged = StagedFile(path, mode)
        yield staged
    finally:
        if staged is not None and not staged.committed:
            staged.file.close()
            staged.tmp.unlink(missing_ok=True)


def write_private(path: Path, text: str) -> None:
    """A new file only its owner can read, from the first byte: it may hold the password."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def write_files(directory: Path, texts: Mapping[str, str], mode: int = 0o644) -> None:
    """Files by path relative to `directory` (a staged copy), each written to a temporary name
    and renamed over the old one: a symbolic link there is replaced, never written through."""
    for rel, text in texts.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text, mode)


def remove_tree(path: Path) -> None:
    """Remove a staged or temporary tree, signals held back meanwhile: a Ctrl-C landing in the
    middle of the removal would leave half of it behind."""
    held(functools.partial(shutil.rmtree, path, ignore_errors=True))


@contextlib.contextmanager
def scratch(prefix: str, parent: Path | None = None) -> Iterator[Path]:
    """A private temporary directory ($TMPDIR unless `parent`), removed on every way out: a
    signal right after it is made included (held back until it has a name to remove)."""
    path = None
    try:
        with signals_blocked():
            path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        yield path
    finally:
        if path is not None:
            remove_tree(path)


@contextlib.contextmanager
def staged_copy(directory: Path) -> Iterator[Path]:
    """A private copy of `directory` next to it, removed on exit unless committed by `replace`."""
    stage = None
    try:
        with signals_blocked():  # named before a signal can unwind past it
            try:
                stage = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
            except OSError as e:
                raise RenderError(f"cannot write the project directory: {e.strerror}") from e
        target = stage / directory.name
        if directory.exists():
            files.confined_copy(directory, target)
        else:
            target.mkdir()
        yield target
    finally:
        if stage is not None:
            remove_tree(stage)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2). False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(rc == 0)


def replace(staged: Path, directory: Path) -> None:
    """Put a staged directory in place of `directory`: atomically where the kernel allows.
    The previous tree is left at `staged`, so calling it again undoes it."""
    try:
        if directory.exists() and _exchange(staged, directory):
            return  # the old tree is now at `staged`, and staged_copy removes it
        if directory.exists():
            # Like the exchange, leave the old tree at `staged`: a second call swaps back.
            old = staged.with_name(staged.name + ".old")
            os.rename(directory, old)
            os.rename(staged, directory)
            os.rename(old, staged)
        else:
            os.rename(staged, directory)
    except OSError as e:
        raise RenderError(f"cannot write {directory}: {e.strerror}") from e


@contextlib.contextmanager
def exclusive(root: Path) -> Iterator[None]:
    """One build at a time writes chart/: two concurrent builds would each copy chart/, add
    their own values file and swap the copy in, and the second swap would drop the first's.
    The lock is on the project directory itself (never renamed), so no lock file is left."""
    import fcntl

    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock

"""Reading files we did not write: only regular files, never more than a bound, never blocking.

Every reader of an input file (environment files, the Terraform state, chart files, the Docker
login file, committed files the guard scans) goes through `read_regular_file`: a FIFO would
block `open` forever, /dev/zero would fill the memory, a directory or socket would end in an odd
exception. A tree that must stay inside its directory (chart/, which Argo CD's repo-server
reads) is walked by `confined_tree`, which refuses what Argo CD would refuse.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.core.errors import RenderError

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"))


class NotReadable(OSError):
    """A path that is not a regular file of at most the bound: `strerror` says what it is."""

    def __init__(self, path: os.PathLike[str] | str, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(path))


def kind(mode: int) -> str:
    """What a file mode is, in words: 'a FIFO', 'a character device', ..., 'a regular file'."""
    return next((name for test, name in _KINDS if test(mode)), "a regular file")


def read_regular_file(path: os.PathLike[str] | str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (symbolic links followed).

    Opened non-blocking (a FIFO does not wait for a writer), checked with fstat before a byte is
    read, and read no further than `limit` + 1 (a file growing meanwhile is refused too). Raises
    NotReadable, or the OSError of open/read (FileNotFoundError, PermissionError, ...)."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as e:
        if e.errno in (errno.ENXIO, errno.ENODEV, errno.EOPNOTSUPP):  # a socket, a device without a driver
            try:
                raise NotReadable(path, f"not a regular file ({kind(os.stat(path).st_mode)})") from None
            except OSError:
                pass
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotReadable(path, f"not a regular file ({kind(st.st_mode)})")
        if st.st_size > limit:
            raise NotReadable(path, f"larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise NotReadable(path, f"larger than {limit} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: os.PathLike[str] | str, limit: int) -> str:
    """read_regular_file, decoded as UTF-8 (UnicodeDecodeError otherwise)."""
    return read_regular_file(path, limit).decode("utf-8")


@dataclass(frozen=True)
class Entry:
    rel: str  # path relative to the tree's root, '/'-separated
    is_dir: bool
    link: str | None = None  # where a symbolic link pointed (its target stays inside the root)


class OutsideTree(NotReadable):
    """A symbolic link in a confined tree that leaves it, dangles or loops."""


def confined_tree(root: Path, skip: tuple[str, ...] = ()) -> Iterator[Entry]:
    """Every directory and regular file under `root`, parents first, sorted.

    A symbolic link is followed only when its target stays inside `root` and is a regular file
    or a directory (Argo CD's repo-server refuses links that leave the repository; we hold the
    chart to its own directory, stricter). Anything else (FIFO, device, socket, a link that
    leaves, dangles or loops) raises NotReadable naming the path. Top-level names in `skip`
    (the git-ignored subchart archives) are not walked."""
    top = root.resolve()
    yield from _walk(root, top, "", skip, {top})


def _walk(directory: Path, top: Path, prefix: str, skip: tuple[str, ...], seen: set[Path]) -> Iterator[Entry]:
    for name in sorted(os.listdir(directory)):
        rel = f"{prefix}{name}"
        if not prefix and name in skip:
            continue
        path = directory / name
        st = os.lstat(path)
        link = None
        if stat.S_ISLNK(st.st_mode):
            link = os.readlink(path)
            try:
                resolved = path.resolve(strict=True)
            except (OSError, RuntimeError):
                raise OutsideTree(path, f"a symbolic link to {link!r} that dangles or loops") from None
            if resolved != top and top not in resolved.parents:
                raise OutsideTree(path, f"a symbolic link to {link!r}, outside {top.name}/ (Argo CD refuses "
                                        "links that leave the repository; keep the file inside the chart)")
            st = os.stat(resolved)
        if stat.S_ISDIR(st.st_mode):
            real = path.resolve()
            if real in seen:
                raise OutsideTree(path, f"a symbolic link to {link!r} that loops back into its own directory")
            yield Entry(rel, True, link)
            yield from _walk(real, top, rel + "/", skip, seen | {real})
        elif stat.S_ISREG(st.st_mode):
            yield Entry(rel, False, link)
        else:
            raise NotReadable(path, f"not a regular file ({kind(st.st_mode)})")


MAX_TREE_FILE = 64 << 20  # the subchart archive is ~100 KB; nothing in a chart comes near


def copy_confined(source: Path, target: Path, skip: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> None:
    """Copy a confined tree by content: links inside it become plain copies (helm never sees a
    link), and anything confined_tree refuses raises before `target` holds a partial tree of
    it. `ignore`: top-level file names not copied (fnmatch patterns)."""
    import fnmatch

    entries = list(confined_tree(source, skip))
    target.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        if "/" not in entry.rel and any(fnmatch.fnmatch(entry.rel, p) for p in ignore):
            continue
        dest = target / entry.rel
        if entry.is_dir:
            dest.mkdir(exist_ok=True)
            continue
        data = read_regular_file(source / entry.rel, MAX_TREE_FILE)
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)


def check_output(path: Path) -> None:
    """A path a user named for us to write: a regular file (replaced) or a new name. Anything
    else raises NotReadable saying what is there: renaming over a device node, a FIFO or
    a link would replace it (as root, /dev/null itself)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise NotReadable(path, "its folder is not a directory") from None
    if not stat.S_ISREG(st.st_mode):
        raise NotReadable(path, f"expected a regular file or a new path, found {kind(st.st_mode)}")


def confined_copy(directory: Path, target: Path, ignore: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> None:
    """Copy `directory` (chart/) by content, refusing what its tree may not hold (a link that
    leaves it, a FIFO, a device): RenderError naming the path, relative to its parent."""
    try:
        copy_confined(directory, target, skip=skip, ignore=ignore)
    except NotReadable as e:
        raise RenderError(f"{_relative(e.filename, directory.parent)}: {e.strerror}") from None
    except OSError as e:
        where = _relative(e.filename, directory.parent) if e.filename else directory.name
        raise RenderError(f"cannot copy {where}: {e.strerror}") from None


def _relative(path: str | os.PathLike[str], base: Path) -> str:
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return str(path)

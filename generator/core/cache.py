"""A cache of results that are a pure function of their inputs (helm lint, the guard's probe
render, schema validation of settings and of rendered objects, the rendered data files, the
subchart archive's values), so that the usual loop -- change a setting, build again -- does not
redo what its inputs did not change.

Where: ${XDG_CACHE_HOME:-~/.cache}/twofa-redis/, outside the project. `check` writes nothing in
the project, build/ is swapped whole by every build, and a content-addressed entry is as valid for
another clone of the project as for this one. Every entry is safe to delete at any time (the
whole folder too): a missing, unreadable or corrupt entry is a miss, and the check runs.
TWOFA_REDIS_NO_CACHE=1 turns the cache off (nothing read, nothing written).

What an entry holds: the result of a check that PASSED (a failure is never cached, so every
message a failure prints comes from a fresh run), stored under the SHA-256 of every input the
check reads -- bytes of files and trees, the identity of binaries and packages, arguments, the
generator's own code that produced the result. Never a password: callers do not cache a run
that involves one, because even a hash of a text holding the password would let anyone who reads
the cache test guesses against it; and a key any of whose inputs holds a supplied password (an
environment file it was pasted into, say) is never stored under (core/passwords.held_in).

Entries are written atomically (temporary file, then rename) with mode 0600 in a 0700 folder;
two processes writing the same entry write the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import sys
from collections.abc import Iterable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from generator import __version__
from generator.core import atomic, files, passwords

FORMAT = "1"  # bump when the layout of keys or entries changes
DISABLE_VARIABLE = "TWOFA_REDIS_NO_CACHE"
# A keyed file larger than this is keyed as unreadable (its reader refuses it anyway).
MAX_KEYED_FILE = 64 << 20
PACKAGE = Path(__file__).resolve().parent.parent  # the generator package's own code


def directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "twofa-redis" / f"v{FORMAT}"


def enabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "") in ("", "0")


class Key:
    """The SHA-256 of a kind and labelled inputs, each length-prefixed so no two different
    sequences of inputs hash alike."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._hash = hashlib.sha256()
        self.holds_password = False  # an input held a supplied password: put() stores nothing
        self.add("format", FORMAT).add("kind", kind).add("generator", __version__).add("python", sys.version)

    def add(self, label: str, value: str | bytes) -> Key:
        data = value.encode() if isinstance(value, str) else value
        self.holds_password = self.holds_password or passwords.held_in(data)
        self._hash.update(f"{label}\0{len(data)}\0".encode())
        self._hash.update(data)
        return self

    def data(self, label: str, value: Any) -> Key:
        """A value made of dicts, lists, strings, numbers, booleans, None (and dates, as YAML
        reads them), by its repr: that tells 1 from "1" and True, and escapes every string.
        Two orders of the same keys give two keys: a miss, never a wrong hit."""
        self.holds_password = self.holds_password or passwords.held_in(value)  # repr escapes some
        return self.add(label, repr(value))

    def file(self, label: str, path: Path) -> Key:
        """A file's bytes (or that it is missing, or not a regular file within the bound: the
        caller's own read then says what is wrong; a FIFO is never waited on here)."""
        try:
            return self.add(label, files.read_regular_file(path, MAX_KEYED_FILE))
        except FileNotFoundError:
            return self.add(label, b"\0missing")
        except OSError as e:
            return self.add(label, f"\0unreadable {type(e).__name__}".encode())

    def tree(self, label: str, root: Path) -> Key:
        """Every entry below `root`: relative path, kind, and a file's bytes or a link's target."""
        entries = list(_walk(root))
        self.add(label, str(len(entries)))
        for path in entries:
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                self.add(f"{label}:link:{rel}", os.readlink(path))
            if path.is_file():
                self.add(f"{label}:file:{rel}", path.read_bytes())
            else:
                self.add(f"{label}:entry:{rel}", "dir" if path.is_dir() else "other")
        return self

    def binary(self, label: str, path: str) -> Key:
        """An executable's identity without reading its ~50 MB: real path, size, inode and
        modification time (installing another version changes them)."""
        real = os.path.realpath(path)
        st = os.stat(real)
        return self.data(label, [real, st.st_size, st.st_ino, st.st_dev, st.st_mtime_ns])

    def code(self, *modules: str) -> Key:
        """The bytes of the generator's modules that compute the cached result (by path
        relative to the package, e.g. "check/manifests.py")."""
        for module in modules:
            self.file(f"code:{module}", PACKAGE / module)
        return self

    def package(self, name: str, dist: str = "") -> Key:
        """An installed package's identity: where it is, its dist-info folder (which names the
        version; `dist` is the distribution's name where it differs from the import name), and
        its __init__'s size and modification time. Cheaper than importlib.metadata (~30 ms),
        and it does not import the package."""
        return self.data(f"package:{name}", _package(name, dist or name))

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


@functools.cache
def _package(name: str, dist_name: str) -> tuple[str, list[str], int, int] | None:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    # Installers spell the folder PyYAML-6.0.dist-info or pyyaml-6.0.4.dist-info.
    prefix = dist_name.lower().replace("-", "_") + "-"
    dist = sorted(p.name for p in origin.parent.parent.glob("*.dist-info") if p.name.lower().startswith(prefix))
    st = origin.stat()
    return str(origin), dist, st.st_size, st.st_mtime_ns


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        here = Path(dirpath)
        for name in sorted([*dirnames, *filenames]):
            yield here / name


def _entry(key: Key) -> Path:
    return directory() / key.kind / key.hexdigest()


def get(key: Key) -> str | None:
    """The text stored under `key`, or None (a miss; also when the cache is off or unreadable)."""
    if not enabled():
        return None
    try:
        raw = _entry(key).read_bytes()
    except OSError:
        return None
    # An entry is its text and the SHA-256 of that text: a torn or altered entry is a miss.
    text, _, digest = raw.rpartition(b"\n")
    if hashlib.sha256(text).hexdigest().encode() != digest:
        return None
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return None


def put(key: Key, text: str) -> None:
    """Store `text` under `key`, atomically; a cache that cannot be written is skipped, and so is
    a key whose inputs held a supplied password."""
    if not enabled() or key.holds_password:
        return
    path = _entry(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic.write_text(path, text + "\n" + hashlib.sha256(text.encode("utf-8")).hexdigest(), mode=0o600)
    except (OSError, UnicodeEncodeError):
        return  # read-only home, full disk: the next run checks again, no harm done


def get_json(key: Key) -> Any:
    """A value stored by put_json, or None (a miss)."""
    text = get(key)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def put_json(key: Key, value: Any) -> None:
    """Store a value made of dicts with string keys, lists, strings, numbers, booleans and None:
    exactly what JSON gives back. Anything else (a date, an integer key) is not stored."""
    if _plain(value):
        put(key, json.dumps(value, separators=(",", ":")))


def _plain(value: Any) -> bool:
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False

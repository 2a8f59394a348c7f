"""The strict YAML reader of environment files: every value keeps the file and line it came
from, and what PyYAML would silently accept (a duplicate key keeps the last value; aliases can
expand without bound) is refused instead (generator/load/yamlparse.py parses).

A file read without a single problem is kept in the cache (generator/core/cache.py) under the
SHA-256 of its bytes, its name as shown and the reader's code: the usual build reads the same
environment files as the one before, and then neither parses them again nor loads PyYAML
(a tenth of its time) before helm renders. Anything with a problem is parsed every time, so
every message comes from a fresh parse. Nor is a file with a password-like setting or holding a
supplied password: the cache never holds a password, nor a hash of a text holding one.
"""

from __future__ import annotations

from pathlib import Path

from generator.core import cache, files, passwords
from generator.core.errors import Problem
from generator.load.origin import Origin, Path_, Read

__all__ = ["MAX_FILE_BYTES", "REFUSED", "UNREADABLE", "Origin", "Path_", "Read", "read_yaml"]

MAX_FILE_BYTES = 1 << 20
# How the messages of a file that could not be read at all begin (not a file, unreadable, too big).
UNREADABLE = ("not a regular file", "cannot read", "file is larger than")
# Messages of values the reader refused and replaced by None.
REFUSED = ("YAML anchors and aliases", "invalid value", "contains a control character")
# The modules whose code decides what a file reads as.
_CODE = ("load/yamlreader.py", "load/yamlparse.py", "load/origin.py", "core/text.py", "core/errors.py",
         "core/passwords.py")


def read_yaml(path: Path, shown: str) -> Read:
    """Parse one YAML mapping. Returns the data, the line of every key, the problems, and the
    dotted paths of values refused without a problem of their own (aliases)."""
    try:
        raw = files.read_regular_file(path, MAX_FILE_BYTES)
    except files.NotReadable as e:
        reason = str(e.strerror)
        reason = f"file is {reason}" if reason.startswith("larger") else reason
        return {}, {}, [Problem(shown, "", reason)], set()
    except FileNotFoundError:
        return {}, {}, [Problem(shown, "", "cannot read: no such file (a dangling symbolic link?)")], set()
    except OSError as e:
        return {}, {}, [Problem(shown, "", f"cannot read: {e.strerror}")], set()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return {}, {}, [Problem(shown, "", f"not UTF-8 text (byte {e.start}); save the file as UTF-8", line)], set()
    key = cache.Key("environment-file").add("shown", shown).add("bytes", raw).code(*_CODE).package("yaml", "pyyaml")
    hit = _from_cache(cache.get_json(key), shown)
    if hit is not None:
        return hit
    from generator.load import yamlparse

    read = yamlparse.parse(text, shown)
    data, marks, problems, refused = read
    if not problems and not refused and _storable(marks):
        cache.put_json(key, {"data": data, "marks": [[list(p), o.line] for p, o in marks.items()]})
    return read


def _storable(marks: dict[Path_, Origin]) -> bool:
    """Not a file with a password-like setting (the schema refuses it): its value may well be
    one. (A file holding a supplied password is never stored either: core/cache.py.)"""
    return not any(passwords.PASSWORDISH.search(part) for path in marks for part in path)


def _from_cache(entry: object, shown: str) -> Read | None:
    """A problem-free read as put_json stored it, or None (a miss, or an entry of another shape)."""
    if not (isinstance(entry, dict) and isinstance(entry.get("data"), dict) and isinstance(entry.get("marks"), list)):
        return None
    marks: dict[Path_, Origin] = {}
    for item in entry["marks"]:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], list) and isinstance(item[1], int)):
            return None
        marks[tuple(str(p) for p in item[0])] = Origin(shown, item[1])
    return entry["data"], marks, [], set()

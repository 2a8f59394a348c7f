"""The detail section of a plan: a unified diff per object, as YAML with sorted keys (moving a key
in a template is not a change), Secret data masked, and every multi-line string (a start script,
redis.conf) shown as a text diff of its own lines rather than one escaped line."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterator
from typing import Any

from generator.core import yamlio

MASK = "(masked)"
_TEXT = "(text, {} lines: diffed below)"


def _mask(old: dict[str, Any] | None, new: dict[str, Any] | None) -> tuple[Any, Any]:
    """Secret values replaced by a marker; a changed value shows as a changed marker, never itself."""
    if (old or new or {}).get("kind") != "Secret":
        return old, new
    old, new = copy.deepcopy(old), copy.deepcopy(new)
    for field in ("data", "stringData"):
        before = (old or {}).get(field) or {}
        after = (new or {}).get(field) or {}
        for k in after:
            same = k not in before or before[k] == after[k]
            after[k] = MASK if same else f"{MASK}, changed"
        for k in before:
            before[k] = MASK
    return old, new


def _texts(obj: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, text) of every string holding a newline."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _texts(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _texts(v, f"{path}[{i}]")
    elif isinstance(obj, str) and "\n" in obj.strip("\n"):
        yield path, obj


def _placeholders(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _placeholders(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_placeholders(v) for v in obj]
    if isinstance(obj, str) and "\n" in obj.strip("\n"):
        return _TEXT.format(len(obj.splitlines()))
    return obj


def _dump(obj: Any) -> list[str]:
    if obj is None:
        return []
    return yamlio.dump(_sorted(_placeholders(obj))).splitlines(keepends=True)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value, key=str)}
    return [_sorted(v) for v in value] if isinstance(value, list) else value


def _lines(text: str) -> list[str]:
    return [line + "\n" for line in text.splitlines()]


def diff(label: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> str:
    """The object's diff ('' when equal): its YAML, then each changed multi-line string."""
    before, after = _mask(old, new)
    a_name = f"a/{label}" if before is not None else "/dev/null"
    b_name = f"b/{label}" if after is not None else "/dev/null"
    out = list(difflib.unified_diff(_dump(before), _dump(after), a_name, b_name))
    a_texts, b_texts = dict(_texts(before)), dict(_texts(after))
    for path in [*a_texts, *(p for p in b_texts if p not in a_texts)]:
        x, y = a_texts.get(path), b_texts.get(path)
        if x == y:
            continue
        out.extend(difflib.unified_diff(_lines(x or ""), _lines(y or ""), f"{a_name} {path}" if x is not None
                                        else "/dev/null", f"{b_name} {path}" if y is not None else "/dev/null"))
    return "".join(out)

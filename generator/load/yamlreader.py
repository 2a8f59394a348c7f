"""The strict YAML reader of environment files: every value keeps the file and line it came
from, and what PyYAML would silently accept (a duplicate key keeps the last value; aliases can
expand without bound) is refused instead.

Files are read node by node with the pure-Python loader: its compose step is where anchors,
depth and duplicate keys can be seen. Nothing else needs that; other YAML goes through
generator/core/yamlio.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import Problem

MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 20
# Messages of values the reader refused and replaced by None.
REFUSED = ("YAML anchors and aliases", "invalid value")

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Origin:
    file: str  # as shown to the user, relative to the project root
    line: int


def read_yaml(path: Path, shown: str) -> tuple[dict[str, Any], dict[Path_, Origin], list[Problem]]:
    """Parse one YAML mapping. Returns the data, the line of every key, and the problems."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        return {}, {}, [Problem(shown, "", f"cannot read: {e.strerror}")]
    if len(raw) > MAX_FILE_BYTES:
        return {}, {}, [Problem(shown, "", f"file is larger than {MAX_FILE_BYTES} bytes")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        return {}, {}, [Problem(shown, "", f"not UTF-8 text (byte {e.start}); save the file as UTF-8", line)]
    try:
        loader = _Loader(text)  # its reader already refuses NUL and other control characters
    except yaml.YAMLError as e:
        return {}, {}, [Problem(shown, "", f"invalid YAML: {str(e).splitlines()[0]}", _line_of(text, e))]
    try:
        node = loader.get_single_node()
    except RecursionError:
        return {}, {}, [Problem(shown, "", f"invalid YAML: nested more than {MAX_DEPTH} levels deep")]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        reason = getattr(e, "problem", None) or str(e).splitlines()[0]
        # "while parsing a flow sequence" and where it started: often the real mistake.
        context, start = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and start and mark and start.line != mark.line:
            reason = f"{reason} ({context} started on line {start.line + 1})"
        return {}, {}, [Problem(shown, "", f"invalid YAML: {reason}", mark.line + 1 if mark else None)]
    finally:
        loader.dispose()
    if node is None:  # an empty file: nothing set, the schema reports what is missing
        return {}, {}, []
    reader = _NodeReader(shown, loader)
    if not isinstance(node, yaml.MappingNode):
        message = "expected a mapping of setting: value at the top level"
        return {}, {}, [Problem(shown, "", message, node.start_mark.line + 1)]
    data = reader.value(node, ())
    anchors = [Problem(shown, "", f"YAML anchor &{name} is not supported here; remove it and write values out", line)
               for name, line in loader.anchor_lines]
    return data, reader.marks, anchors + reader.problems


class _Loader(yaml.SafeLoader):
    """Records every anchor (`&name`): the aliases that use one are refused, and so is the
    anchor itself, so that a file reads the same to a person as to the generator."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.anchor_lines: list[tuple[str, int]] = []
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, yaml.AliasEvent):
            self.anchor_lines.append((anchor, event.start_mark.line + 1))
        # Composing recurses once per level: stop early and with a line number, rather than
        # seconds later with a RecursionError.
        if self.depth > MAX_DEPTH:
            raise yaml.MarkedYAMLError(problem=f"nested more than {MAX_DEPTH} levels deep",
                                       problem_mark=event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _line_of(text: str, error: yaml.YAMLError) -> int | None:
    position = getattr(error, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else None


class _NodeReader:
    """Turns composed YAML nodes into Python values, recording a line per key."""

    def __init__(self, shown: str, loader: yaml.SafeLoader) -> None:
        self.shown = shown
        self.loader = loader
        self.marks: dict[Path_, Origin] = {}
        self.problems: list[Problem] = []
        self._seen: set[int] = set()

    def _fail(self, node: yaml.Node, path: Path_, message: str, line: int | None = None) -> None:
        # The key's line where there is one: an alias node still carries its anchor's position.
        known = self.marks.get(path)
        if line is None:
            line = known.line if known else node.start_mark.line + 1
        self.problems.append(Problem(self.shown, ".".join(path), message, line))

    def value(self, node: yaml.Node, path: Path_) -> Any:
        # An alias composes to the very same node object: refusing repeats refuses aliases
        # (of scalars too, which would hide where a value comes from), and with them
        # documents that expand exponentially.
        if id(node) in self._seen:
            self._fail(node, path, "YAML anchors and aliases are not supported here; write the value out")
            return None
        self._seen.add(id(node))
        if len(path) > MAX_DEPTH:
            # No setting is nested this deep; stopping here also bounds every later recursion.
            self._fail(node, path[:MAX_DEPTH], f"nested more than {MAX_DEPTH} levels deep")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, str(i))) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as e:
            self._fail(node, path, f"invalid value: {getattr(e, 'problem', e)}")
            return None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail(key_node, path, "YAML merge keys (<<) are not supported here; write the keys out")
                continue
            key = self.value(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                shown = repr(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
                self._fail(key_node, path, f"keys must be plain strings, got {shown}")
                continue
            here = (*path, key)
            if key in out:
                first = self.marks[here].line
                self._fail(key_node, here, f"duplicate key (first set on line {first}); remove one",
                           key_node.start_mark.line + 1)
                continue
            self.marks[here] = Origin(self.shown, key_node.start_mark.line + 1)
            out[key] = self.value(value_node, here)
        return out

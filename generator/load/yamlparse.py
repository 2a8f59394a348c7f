"""The strict parse behind generator/load/yamlreader.py: every value keeps the line it came
from, and what PyYAML would silently accept (a duplicate key keeps the last value; aliases can
expand without bound) is refused instead.

Files are read node by node with the pure-Python loader: its compose step is where anchors,
depth and duplicate keys can be seen. Nothing else needs that; other YAML goes through
generator/core/yamlio.py.
"""

from __future__ import annotations

from typing import Any

import yaml

from generator.core.errors import Problem, capped
from generator.core.text import control_character
from generator.core.text import shown as _shown
from generator.load.origin import Origin, Path_, Read

MAX_DEPTH = 20
# An environment file holds about a hundred values: bounding the count bounds the parse work
# (the pure-Python composer) and every walk after it, whatever a file holds.
MAX_NODES = 2000
MAX_DIGITS = 20  # no setting is a number that large; Python refuses int('9' * 4301) with a traceback


def parse(text: str, shown: str) -> Read:
    """Compose and read one YAML mapping (generator/load/yamlreader.py's read_yaml, past the
    file's reading and decoding)."""
    try:
        loader = _Loader(text)  # its reader already refuses NUL and other control characters
    except yaml.YAMLError as e:
        return {}, {}, [Problem(shown, "", f"invalid YAML: {str(e).splitlines()[0]}", _line_of(text, e))], set()
    try:
        node = loader.get_single_node()
    except RecursionError:
        return {}, {}, [Problem(shown, "", f"invalid YAML: nested more than {MAX_DEPTH} levels deep")], set()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        reason = getattr(e, "problem", None) or str(e).splitlines()[0]
        # "while parsing a flow sequence" and where it started: often the real mistake.
        context, start = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and start and mark and start.line != mark.line:
            reason = f"{reason} ({context} started on line {start.line + 1})"
        return {}, {}, [Problem(shown, "", f"invalid YAML: {reason}", mark.line + 1 if mark else None)], set()
    finally:
        loader.dispose()
    if node is None:  # an empty file: nothing set, the schema reports what is missing
        return {}, {}, [], set()
    reader = _NodeReader(shown, loader)
    if not isinstance(node, yaml.MappingNode):
        message = "expected a mapping of setting: value at the top level"
        return {}, {}, [Problem(shown, "", message, node.start_mark.line + 1)], set()
    data = reader.value(node, ())
    anchors = []
    if loader.anchor_lines:
        # One line for every anchor of the file: a billion-laughs file is one mistake, not fifty.
        (name, line), more = loader.anchor_lines[0], len(loader.anchor_lines) - 1
        also = f" (and {more} more anchor{'s' * (more > 1)})" if more else ""
        used = f" (an alias uses it on line {reader.alias_lines[0]})" if reader.alias_lines else ""
        anchors.append(Problem(shown, "", f"YAML anchor &{name}{also} is not supported here{used}; remove it and "
                                          "write values out", line))
        # The file reads differently to a person than to YAML: nothing else about it is worth saying.
        return {}, {}, capped([*anchors, *reader.problems]), set()
    return data, reader.marks, capped(reader.problems), reader.refused


class _Loader(yaml.SafeLoader):
    """Records every anchor (`&name`): the aliases that use one are refused, and so is the
    anchor itself, so that a file reads the same to a person as to the generator."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.anchor_lines: list[tuple[str, int]] = []
        self.depth = 0
        self.nodes = 0

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
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise yaml.MarkedYAMLError(problem=f"more than {MAX_NODES} values in one file (an environment holds "
                                               "about a hundred)", problem_mark=event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _bounded_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    digits = sum(c.isalnum() for c in str(node.value)) - str(node.value).lower().startswith(("0x", "0b", "0o"))
    if digits > MAX_DIGITS:
        raise yaml.constructor.ConstructorError(None, None, f"a number of {digits} digits; expected at most "
                                                            f"{MAX_DIGITS}", node.start_mark)
    return int(loader.construct_yaml_int(node))


_Loader.add_constructor("tag:yaml.org,2002:int", _bounded_int)


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
        self.refused: set[str] = set()  # dotted paths of aliases, refused (None) without a line each
        self.alias_lines: list[int] = []
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
            # Not a line of its own: the anchor's line says it once for the file.
            self.refused.add(".".join(path))
            known = next((self.marks[path[:n]] for n in range(len(path), 0, -1) if path[:n] in self.marks), None)
            self.alias_lines.append(known.line if known else node.start_mark.line + 1)
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
            value = self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as e:  # ValueError: what Python's int() refuses
            self._fail(node, path, f"invalid value: {getattr(e, 'problem', None) or e}")
            return None
        bad = control_character(value) if isinstance(value, str) else None
        if bad is not None:
            self._fail(node, path, f"contains a control character {bad}: expected single-line text without "
                                   "control characters")
            return None
        return value

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail(key_node, path, "YAML merge keys (<<) are not supported here; write the keys out")
                continue
            before = len(self.problems)
            key = self.value(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
            if len(self.problems) > before:
                continue  # the key itself was refused (a 5000-digit number, a control character): said once
            if not isinstance(key, str):
                shown = _shown(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
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

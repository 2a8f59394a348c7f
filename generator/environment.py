"""Load one environment: its YAML file merged over the shared `_common.yaml`.

YAML is read node by node so that every value keeps the file and line it came from, and so
that what PyYAML would silently accept (a duplicate key keeps the last value; aliases can
expand without bound) is refused instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.core.errors import LoadError, Problem, UsageError
from generator.core.paths import COMMON_FILE, ENV_DIR

# A plain name: also a DNS-1123 label, so it can name Argo CD applications and files.
ENV_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 20
# Messages of values the reader refused and replaced by None.
_REFUSED = ("YAML anchors and aliases", "invalid value")

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Origin:
    file: str  # as shown to the user, relative to the project root
    line: int


@dataclass(frozen=True)
class Environment:
    """One environment's merged settings, before validation."""

    name: str
    file: str  # relative path of the environment's own file
    settings: dict[str, Any]
    origins: dict[Path_, Origin] = field(default_factory=dict)
    # Problems that do not stop reading (a duplicate key): reported with the schema's.
    problems: tuple[Problem, ...] = ()
    # Dotted paths whose value the reader refused (an alias): the schema says nothing more there.
    refused: frozenset[str] = frozenset()

    def locate(self, path: Path_) -> Origin:
        """The file and line a setting came from: the deepest known prefix of `path`."""
        for n in range(len(path), 0, -1):
            origin = self.origins.get(path[:n])
            if origin is not None:
                return origin
        return Origin(self.file, 0)

    def problem(self, path: Path_, message: str) -> Problem:
        origin = self.locate(path)
        return Problem(origin.file, ".".join(path), message, origin.line or None)


def env_dir(root: Path) -> Path:
    return root / ENV_DIR


def known_environments(root: Path) -> list[str]:
    """Environment names, sorted: every `environments/<name>.yaml` but the shared file."""
    directory = env_dir(root)
    if not directory.is_dir():
        raise UsageError(f"{ENV_DIR}/: no such directory under {root} (run from the project root or pass --root)")
    return sorted(
        p.stem for p in directory.glob("*.yaml") if not p.name.startswith("_") and ENV_NAME.match(p.stem)
    )


def check_name(root: Path, name: str) -> None:
    if not ENV_NAME.match(name):
        raise UsageError(f"{name!r} is not an environment name (lowercase letters, digits and '-', like 'dev')")
    known = known_environments(root)
    if name not in known:
        listed = ", ".join(known) or "none"
        raise UsageError(f"unknown environment {name!r}: no {ENV_DIR}/{name}.yaml (known: {listed})")


def load(root: Path, name: str) -> Environment:
    """Read `environments/<name>.yaml` over `_common.yaml`.

    Raises LoadError when a file cannot be parsed at all; lesser problems travel with the
    result so that validation reports them together with its own.
    """
    check_name(root, name)
    problems: list[Problem] = []
    fatal = False
    settings: dict[str, Any] = {}
    origins: dict[Path_, Origin] = {}
    refused: set[str] = set()
    common = env_dir(root) / COMMON_FILE
    own = env_dir(root) / f"{name}.yaml"
    for path in ([common] if common.exists() else []) + [own]:
        shown = f"{ENV_DIR}/{path.name}"
        data, marks, found = read_yaml(path, shown)
        if path == own and not data and not found:
            found = [Problem(shown, "", f"the file is empty: expected settings (at least env: {name})")]
        problems.extend(found)
        refused.update(p.path for p in found if p.path and p.message.startswith(_REFUSED))
        fatal = fatal or (bool(found) and not data)
        _merge(settings, origins, data, marks, ())
    if fatal:
        raise LoadError(problems=problems)
    return Environment(name, f"{ENV_DIR}/{name}.yaml", settings, origins, tuple(problems), frozenset(refused))


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


def _merge(
    into: dict[str, Any],
    origins: dict[Path_, Origin],
    data: Mapping[str, Any],
    marks: Mapping[Path_, Origin],
    path: Path_,
) -> None:
    """Deep-merge mappings (later wins, lists are replaced), keeping each value's origin."""
    for key, value in data.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            origins[here] = marks[here]
            _merge(into[key], origins, value, marks, here)
            continue
        for stale in [p for p in origins if p[: len(here)] == here]:
            del origins[stale]
        into[key] = _copy(value)
        origins.update((p, o) for p, o in marks.items() if p[: len(here)] == here)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def iter_files(root: Path) -> Iterator[Path]:
    """Every committed settings file: the shared one and each environment's."""
    directory = env_dir(root)
    yield from sorted(directory.glob("*.yaml"))


def stray_files(root: Path) -> list[Problem]:
    """Settings-like files that no environment reads: a typo in a file name would otherwise
    drop an environment silently (`Staging.yaml`, `prod.yml`, `_comon.yaml`)."""
    problems = []
    for path in sorted(env_dir(root).glob("*")):
        if path.suffix not in (".yaml", ".yml") or path.name == COMMON_FILE:
            continue
        shown = f"{ENV_DIR}/{path.name}"
        if path.suffix == ".yml":
            problems.append(Problem(shown, "", "environment files end in .yaml; rename it"))
        elif path.name.startswith("_"):
            problems.append(Problem(shown, "", f"only {COMMON_FILE} is shared; rename it or merge it there"))
        elif not ENV_NAME.match(path.stem):
            problems.append(Problem(shown, "", f"{path.stem!r} is not an environment name (lowercase letters, "
                                               "digits and '-'); rename the file"))
    return problems

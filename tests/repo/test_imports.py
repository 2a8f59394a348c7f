"""The shape of generator/: no import cycle, no module too long to read in one sitting, and a
command line that imports only the command it runs.

The import graph is read statically (ast), every import statement counted wherever it stands:
at the top, inside a function, under `if TYPE_CHECKING:`. A cycle hidden in a function-level
import still ties two modules together, so it is a failure too.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support.paths import CHECKOUT

PACKAGE = CHECKOUT / "generator"
MAX_LINES = 250


def _modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its __init__.py)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(CHECKOUT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The generator modules `name` imports, anywhere in its file."""
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..core import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from generator.check import drift` imports the module drift; `from
                # generator.core.errors import CheckError` imports the module errors.
                out.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {m for m in out if m in modules and m != name}


def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), each as one cycle
    through it: [a, b, ..., a]."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [_path_through(c, edges) for c in components]


def _path_through(component: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest cycle from the component's first module back to itself, for the message."""
    start = component[0]
    inside = set(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges[v] & inside):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    return component


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(edges) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_function_level_and_type_checking_imports() -> None:
    edges = graph()
    assert "generator.check.drift" in edges["generator.pipeline"]  # imported inside build()
    assert "generator.resolve.ecr" in edges["generator.pipeline"]  # under TYPE_CHECKING and in _resolved()
    assert "generator.core.errors" in edges["generator.load.environment"]


def test_no_import_cycles() -> None:
    found = cycles(graph())
    assert not found, "import cycles in generator/:\n" + "\n".join("  " + " -> ".join(c) for c in found)


def test_no_module_is_longer_than_a_sitting() -> None:
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    long = sorted((n, count) for n, count in lengths.items() if count > MAX_LINES)
    assert not long, f"modules over {MAX_LINES} lines: " + ", ".join(f"{n} ({count})" for n, count in long)


def test_cli_imports_only_the_command_it_runs(fixture_root: Path) -> None:
    """`outputs dev` loads commands/outputs.py and no other command, nor the libraries only other
    commands need (boto3 for AWS, urllib3 for registries, Jinja2 for rendering, redis-py)."""
    heavy = ("boto3", "botocore", "urllib3", "jinja2", "redis", "kubernetes_validate")
    code = ("import sys\nfrom generator.cli import main\n"
            "main(['--root', sys.argv[1], 'outputs', 'dev'])\n"
            f"print(' '.join(sorted(m for m in sys.modules if m.startswith(('generator.commands.', *{heavy!r})))))")
    done = subprocess.run([sys.executable, "-c", code, str(fixture_root)], capture_output=True, text=True, check=True,
                          cwd=CHECKOUT)
    loaded = done.stdout.splitlines()[-1].split()
    assert loaded == ["generator.commands.outputs"]

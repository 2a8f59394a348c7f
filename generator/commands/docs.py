"""`docs [--readme]`: the settings table of README.md, generated from schemas/values.schema.json,
and (with --readme, when the project has environments) its capacity table, from the environments.

The schema is the one place a setting is defined (type, default, description, format), so the
README's table is derived from it and a test fails when the two drift apart; the capacity table
depends on the environments, so `check` reports it stale (generator/render/readme.py).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from generator.commands import root_of
from generator.core import atomic
from generator.core.errors import RenderError
from generator.core.paths import ENV_DIR, SCHEMA_PATH
from generator.render import readme as sections

SETTINGS = "settings"
START, END = sections.markers(SETTINGS)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The property with its local `$ref` folded in (its own keys win)."""
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = schema
    for part in ref.removeprefix("#/").split("/"):  # a JSON pointer: #/$defs/x or #/properties/y
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return {**_resolve(schema, target), **{k: v for k, v in node.items() if k != "$ref"}}


def _type(node: dict[str, Any]) -> str:
    if "type" in node:
        return str(node["type"]) if not isinstance(node["type"], list) else " or ".join(node["type"])
    kinds = {str(_type(n)) for n in node.get("anyOf", []) if isinstance(n, dict)}
    kinds.discard("")
    return " or ".join(sorted(kinds)) or "string"


def _cell(text: str) -> str:
    # Markdown: a bare | ends the cell and <word> is read as an HTML tag.
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def table(schema_path: Path = SCHEMA_PATH) -> str:
    """The Markdown table: one row per setting, in the schema's order."""
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    required = set(schema.get("required", []))
    rows = ["| Name | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for name, raw in schema["properties"].items():
        rows += _rows(schema, name, raw, "required" if name in required else None)
    return "\n".join(rows) + "\n"


def _rows(schema: dict[str, Any], name: str, raw: dict[str, Any], default: str | None) -> list[str]:
    """The setting's row, then one per key of a mapping setting (resources.requests.cpu)."""
    node = _resolve(schema, raw)
    if default is None:
        default = f"`{json.dumps(node['default'], separators=(', ', ': '))}`" if "default" in node else "-"
    description = node.get("description", "")
    if "x-expected" in node:
        description = f"{description} Expects {node['x-expected']}.".strip()
    rows = [f"| `{name}` | {_type(node)} | {_cell(default)} | {_cell(description)} |"]
    for key, child in node.get("properties", {}).items():
        rows += _rows(schema, f"{name}.{key}", child, None)
    items = _resolve(schema, node["items"]) if isinstance(node.get("items"), dict) else {}
    for key, child in items.get("properties", {}).items():  # a list of mappings: one row per key of an item
        rows += _rows(schema, f"{name}[].{key}", child, None)
    return rows


def readme_table(readme: Path) -> str | None:
    """The table currently between the markers of `readme`, or None without markers."""
    return sections.current(sections.read(readme), SETTINGS)


def update_readme(readme: Path, schema_path: Path = SCHEMA_PATH, capacity: str | None = None) -> list[str]:
    """Rewrite the settings table (and, when given, the capacity table) between their markers,
    atomically, in one write; the names of the tables that changed."""
    text = sections.read(readme)
    new = sections.replaced(text, SETTINGS, table(schema_path))
    if new is None:
        raise RenderError(f"{readme.name}: no {START} ... {END} markers to put the settings table between")
    changed = [SETTINGS] if sections.current(new, SETTINGS) != sections.current(text, SETTINGS) else []
    if capacity is not None:
        with_capacity = sections.replaced(new, sections.CAPACITY, capacity)
        if with_capacity is None:
            start, end = sections.markers(sections.CAPACITY)
            raise RenderError(f"{readme.name}: no {start} ... {end} markers to put the capacity table between")
        if with_capacity != new:
            changed.append(sections.CAPACITY)
        new = with_capacity
    if new != text:
        atomic.write_text(readme, new)
    return changed


def run(args: argparse.Namespace) -> int:
    if not args.readme:
        print(table(), end="")
        return 0
    root = root_of(args)
    capacity = None
    if (root / ENV_DIR).is_dir():  # the capacity table needs the environments; the settings table does not
        from generator import pipeline

        capacity = sections.capacity([p.settings for p in pipeline.prepare_all(root, resolve_ecr=False)])
    changed = update_readme(root / sections.README, capacity=capacity)
    print("README.md: settings table " + ("updated" if SETTINGS in changed else "already up to date"))
    if capacity is not None:
        print("README.md: capacity table " + ("updated" if sections.CAPACITY in changed else "already up to date"))
    return 0

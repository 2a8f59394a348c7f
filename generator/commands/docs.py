"""`docs [--readme]`: the settings table of README.md, generated from schemas/values.schema.json.

The schema is the one place a setting is defined (type, default, description, format), so the
README's table is derived from it and a test fails when the two drift apart.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from generator.commands import root_of
from generator.core import atomic, files
from generator.core.errors import RenderError
from generator.core.paths import SCHEMA_PATH

MAX_README_BYTES = 4 << 20
START = "<!-- settings:start -->"
END = "<!-- settings:end -->"


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


def section(table_text: str) -> str:
    return f"{START}\n{table_text}{END}"


def readme_table(readme: Path) -> str | None:
    """The table currently between the markers of `readme`, or None without markers."""
    text = files.read_text(readme, MAX_README_BYTES)
    if START not in text or END not in text:
        return None
    return text.split(START, 1)[1].split(END, 1)[0].lstrip("\n")


def update_readme(readme: Path, schema_path: Path = SCHEMA_PATH) -> bool:
    """Rewrite the table between the markers (atomically); True when it changed."""
    try:
        text = files.read_text(readme, MAX_README_BYTES)
    except (OSError, UnicodeDecodeError) as e:
        raise RenderError(f"{readme.name}: cannot read: {getattr(e, 'strerror', None) or 'not UTF-8'}") from None
    if START not in text or END not in text:
        raise RenderError(f"{readme.name}: no {START} ... {END} markers to put the settings table between")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    new = before + section(table(schema_path)) + after
    if new == text:
        return False
    atomic.write_text(readme, new)
    return True


def run(args: argparse.Namespace) -> int:
    if args.readme:
        changed = update_readme(root_of(args) / "README.md")
        print("README.md: settings table " + ("updated" if changed else "already up to date"))
    else:
        print(table(), end="")
    return 0

"""Where things are: the project's folders (below --root), the package's own files, the tools.

The package's files (the settings schema, the CRD schemas, the Jinja2 templates) are found next
to the code, never through the source checkout, so an installed package (`pip install .`) works
as well as an editable one. In the repository `generator/schemas` is a symbolic link to the
top-level `schemas/`, which stays the one copy; building the package copies the files it links to.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from generator.core.errors import ToolError

# Folders of a project, relative to its root (--root).
ENV_DIR = "environments"
COMMON_FILE = "_common.yaml"
CHART_DIR = "chart"
ARGOCD_DIR = "argocd"
BUILD_DIR = "build"
TOOLS_BIN = Path(".tools") / "bin"  # where scripts/setup installs the pinned helm binaries

PACKAGE = Path(__file__).resolve().parent.parent
SCHEMA_DIR = PACKAGE / "schemas"
SCHEMA_PATH = SCHEMA_DIR / "values.schema.json"
CRD_DIR = SCHEMA_DIR / "crds"
TEMPLATES = PACKAGE / "render" / "templates"
# Only meaningful when the package runs from its source checkout (an editable install): a
# project elsewhere (--root, a test's copy) still finds the tools scripts/setup pinned there.
_CHECKOUT_TOOLS = PACKAGE.parent / TOOLS_BIN


def tool(name: str, root: Path | None = None, variable: str = "") -> str:
    """An executable: $<variable> when set, else <root>/.tools/bin/<name>, else <name> on PATH,
    else the copy pinned in the source checkout this package runs from."""
    explicit = os.environ.get(variable) if variable else None
    if explicit:
        found = shutil.which(explicit)
        if not found:
            raise ToolError(f"{variable}={explicit!r} is not an executable")
        return found
    if root is not None and os.access(root / TOOLS_BIN / name, os.X_OK):
        return str(root / TOOLS_BIN / name)
    on_path = shutil.which(name)
    if on_path:
        return on_path
    if os.access(_CHECKOUT_TOOLS / name, os.X_OK):
        return str(_CHECKOUT_TOOLS / name)
    raise ToolError(f"{name} not found: run scripts/setup (installs the pinned {name} into .tools/bin) "
                    f"or set {variable or name.upper()}")

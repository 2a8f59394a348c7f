"""core/paths.py: where a project's folders, the package's own files and the pinned tools are found."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from generator.core import paths
from generator.core.errors import ToolError
from tests.support.paths import pinned_tool


def _tool(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_tools_are_looked_up_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$HELM, then <root>/.tools/bin, then PATH, then the checkout's .tools/bin."""
    root = tmp_path / "project"
    on_path = _tool(tmp_path / "path", "helm")
    pinned = _tool(root / ".tools" / "bin", "helm")
    explicit = _tool(tmp_path / "explicit", "my-helm")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setenv("HELM", str(explicit))
    assert paths.tool("helm", root, "HELM") == str(explicit)
    monkeypatch.delenv("HELM")
    assert paths.tool("helm", root, "HELM") == str(pinned)
    shutil.rmtree(root / ".tools")
    assert paths.tool("helm", root, "HELM") == str(on_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    checkout = pinned_tool("helm")
    if os.access(checkout, os.X_OK):
        assert paths.tool("helm", root, "HELM") == str(checkout)
    monkeypatch.setattr(paths, "_CHECKOUT_TOOLS", tmp_path / "nothing")
    with pytest.raises(ToolError, match=r"^helm not found: run scripts/setup \(installs the pinned helm into "
                                        r"\.tools/bin\) or set HELM$"):
        paths.tool("helm", root, "HELM")

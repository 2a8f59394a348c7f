"""Where the tests find things. The checkout is used only for the generator's own files (its
code, README.md, scripts/, bench/, schemas/, .tools/): never for the operator's environments/,
chart/ or argocd/ (tests/support/fixture_project.py says why; tests/repo/test_layout.py keeps it so).
"""

from __future__ import annotations

from pathlib import Path

from generator.core.paths import TOOLS_BIN

TESTS = Path(__file__).resolve().parent.parent
CHECKOUT = TESTS.parent
DATA = TESTS / "data"  # settings cases: valid/, invalid/
FIXTURES = TESTS / "fixtures"  # the tests' own project


def helm_line(line: str) -> str:
    """The pinned binary of a Helm line Argo CD ships ("helm3", "helm4"); fails when setup did not install it."""
    import os

    import pytest

    from generator.check import helm

    path = pinned_tool(helm.PINNED_LINES[line])
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} missing: scripts/setup installs both pinned Helm lines (tools.lock)")
    return str(path)


def pinned_tool(name: str) -> Path:
    """A binary scripts/setup pinned in the checkout's .tools/bin (helm, helm3, helm4)."""
    return CHECKOUT / TOOLS_BIN / name

"""The official SARIF 2.1.0 schema and Microsoft's validator, which scripts/setup puts in .tools/sarif/."""

from __future__ import annotations

from tests.support.paths import CHECKOUT

SARIF_DIR = CHECKOUT / ".tools" / "sarif"
SARIF_SCHEMA = SARIF_DIR / "sarif-2.1.0.json"
MULTITOOL = SARIF_DIR / "Sarif.Multitool"
NO_SARIF = "the SARIF schema and Multitool are not in .tools/sarif/: run scripts/setup"

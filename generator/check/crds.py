"""Schemas for the custom resources we render (ExternalSecret, Argo CD Application).

No official JSON schema for them is available offline, so the project writes its own in
schemas/crds/, strict, for the fields it uses; they are named like the Kubernetes ones
(`<kind>-<group>-<version>.json`), and `manifests.validate` counts what they checked.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from generator.core.k8s import name_of, schema_file
from generator.core.paths import CRD_DIR


@functools.cache
def _compiled(filename: str) -> Any:
    import jsonschema

    path = CRD_DIR / filename
    if not path.exists():
        return None
    # Checked against the metaschema by tests/check/test_crds.py, not here: that costs ~0.1 s a run.
    return jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


def validator(obj: dict[str, Any]) -> Any:
    """The project's validator for this object's kind and API version, or None."""
    if "." not in str(obj.get("apiVersion", "")).split("/")[0]:
        return None  # a core group: the Kubernetes schemas cover it
    return _compiled(schema_file(obj))


def errors(obj: dict[str, Any]) -> list[str]:
    found = validator(obj)
    if found is None:
        return []
    out = []
    for error in sorted(found.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(p) for p in error.absolute_path) or "(object)"
        out.append(f"{name_of(obj)}: {path}: {error.message}")
    return out

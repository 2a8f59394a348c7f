"""core/settings.py: the typed settings record and its parts, with the schema's defaults."""

from __future__ import annotations

import dataclasses

from generator.core.settings import ArgoCD
from generator.validate import schema


def test_schema_defaults_are_the_dataclass_defaults() -> None:
    documented = schema.load_schema()["properties"]["argocd"]["properties"]
    for f in dataclasses.fields(ArgoCD):
        if f.default is not dataclasses.MISSING:
            assert documented[f.name]["default"] == f.default, f.name
    assert set(documented) == {f.name for f in dataclasses.fields(ArgoCD)}

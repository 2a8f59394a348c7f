"""The project's own custom-resource schemas (schemas/crds/) are valid JSON Schema 2020-12."""

from __future__ import annotations

import json

import jsonschema
import pytest

from generator.check import crds

SCHEMAS = sorted(crds.CRD_DIR.glob("*.json"))


def test_there_are_schemas_for_the_custom_resources_we_render() -> None:
    names = {p.name for p in SCHEMAS}
    assert "externalsecret-external-secrets-v1.json" in names, names
    assert "application-argoproj-v1alpha1.json" in names, names


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_2020_12(path) -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


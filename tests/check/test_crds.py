"""The project's own custom-resource schemas (schemas/crds/) are valid JSON Schema 2020-12."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from generator.check import crds, manifests
from tests.support.project import application

SCHEMAS = sorted(crds.CRD_DIR.glob("*.json"))


def test_there_are_schemas_for_the_custom_resources_we_render() -> None:
    names = {p.name for p in SCHEMAS}
    assert "externalsecret-external-secrets-v1.json" in names, names
    assert "application-argoproj-v1alpha1.json" in names, names


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_schema_is_valid_2020_12(path) -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(("path", "value", "expected"), [
    (("spec", "syncPolicy", "automated", "selfheal"), True, "Additional properties are not allowed ('selfheal'"),
    (("spec", "source", "helm", "releaseName"), "Redis_Master", "does not match"),
    (("spec", "destination", "server"), "http://insecure", "does not match"),
    (("metadata", "namespace"), None, "None is not of type 'string'"),
])
def test_project_schema_refuses_a_broken_application(
    fixture_root: Path, path: tuple[str, ...], value: object, expected: str
) -> None:
    app = application(fixture_root, "dev")
    node = app
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    found = crds.errors(app)
    assert found and expected in found[0], found
    summary = manifests.validate([app], "1.33")
    assert summary.custom == 1 and summary.errors

"""Every setting of schemas/values.schema.json, valid and invalid, through `build` (cases in tests/data/)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator import pipeline
from generator.core.settings import Resources
from generator.render import chart, values
from generator.validate import schema
from tests.support import cases
from tests.support.project import append

VALID = cases.load("valid")
INVALID = cases.load("invalid")


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema.load_schema())


def test_every_pattern_compiles_and_says_what_it_expects() -> None:
    """A pattern without x-expected would surface as a raw regular expression in an error."""
    def nodes(node: object) -> list[dict[str, object]]:
        if isinstance(node, dict):
            return [node, *(n for v in node.values() for n in nodes(v))]
        return [n for v in node for n in nodes(v)] if isinstance(node, list) else []

    patterned = [n for n in nodes(schema.load_schema()) if "pattern" in n]
    assert len(patterned) >= 10
    for node in patterned:
        re.compile(str(node["pattern"]))
        assert node.get("x-expected"), node["pattern"]


def test_every_setting_has_a_valid_and_an_invalid_case() -> None:
    settings = set(schema.load_schema()["properties"])
    assert {c.setting for c in VALID} == settings
    assert {c.setting for c in INVALID if c.setting} == settings
    for case in INVALID:
        assert case.path.with_suffix(".expected").exists(), f"{case.name}: no .expected beside it"


@pytest.mark.parametrize("case", VALID, ids=lambda c: c.name)
def test_valid_case(case: cases.Case, bare_project: Path) -> None:
    """Through load and validate (and the cross-file rules and ECR resolution, as build does),
    without helm: every value the case sets is the value the settings and the values files get.
    tests/e2e/test_settings_cases.py renders all valid cases, with helm, in one go."""
    assert (case.args, case.setenv) == (("build", "dev"), None), case.name  # valid cases are plain builds
    (bare_project / case.file).write_bytes(case.text)
    prepared = pipeline.prepare(bare_project, "dev")
    settings = prepared.settings
    given = yaml.safe_load(case.text)
    for key, value in given.items():
        assert plain(getattr(settings, key), value) == value, key
    rendered = values.chart_values(chart.chart_files(settings, prepared.env.file), "dev")
    assert rendered["redis"]["enabled"] is settings.enable_redis


def plain(got: object, given: object) -> object:
    """A typed setting as the YAML that set it: records as mappings (only the keys the case
    gives, the rest are defaults), tuples as lists."""
    if isinstance(got, Resources):
        return got.as_dict()
    if dataclasses.is_dataclass(got) and not isinstance(got, type):
        fields = dataclasses.asdict(got)
        return {k: fields[k] for k in given} if isinstance(given, dict) else fields
    if isinstance(got, tuple):
        items = given if isinstance(given, list) and len(given) == len(got) else [None] * len(got)
        return [plain(g, v) for g, v in zip(got, items, strict=True)]
    return got


def test_defaults_come_from_the_schema_only() -> None:
    document = json.loads(schema.SCHEMA_PATH.read_text())
    defaults = schema.defaults()
    assert defaults == {k: v["default"] for k, v in document["properties"].items() if "default" in v}
    assert set(document["required"]).isdisjoint(defaults)
    # The rest have no default on purpose: ecr_registry/ecr_repository are required unless
    # ecr_source names where they come from (the schema's if/then), and an absent ecr_source or
    # argocd means "not used", an absent chart_digest "not pinned", and an absent maxmemory is
    # derived from the memory limit.
    optional = set(document["properties"]) - set(document["required"]) - set(defaults)
    assert optional == {"ecr_registry", "ecr_repository", "ecr_source", "argocd", "chart_digest", "maxmemory"}
    assert document["if"] == {"not": {"required": ["ecr_source"]}}
    assert document["then"]["required"] == ["ecr_registry", "ecr_repository"]


def test_unknown_architecture(bare_project: Path, cli) -> None:
    line = append(bare_project, "dev", "architecture: cluster\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert f"dev.yaml:{line}: architecture: 'cluster' is not one of: standalone, replication" in ran.err

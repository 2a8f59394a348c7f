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
from generator.validate import schema
from tests import cases
from tests.conftest import tree

VALID = cases.load("valid")
INVALID = cases.load("invalid")
PASSWORD_VARIABLES = ("TF_VAR_redis_password", "REDIS_PASSWORD")


@pytest.fixture(autouse=True)
def _no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in PASSWORD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


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


@pytest.mark.parametrize("case", INVALID, ids=lambda c: c.name)
def test_invalid_case(case: cases.Case, bare_project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    (bare_project / case.file).write_bytes(case.text)
    if case.setenv:
        monkeypatch.setenv(*case.setenv)
    before = tree(bare_project)
    ran = cli(bare_project, *case.args)
    assert (ran.code, ran.err) == (2, case.expected)
    assert "Traceback" not in ran.err
    assert tree(bare_project) == before, "a failed build wrote something"
    if case.setenv:
        assert case.setenv[1] not in ran.err + ran.out, "the password was echoed"


@pytest.mark.parametrize("case", VALID, ids=lambda c: c.name)
def test_valid_case(case: cases.Case, bare_project: Path, cli) -> None:
    (bare_project / case.file).write_bytes(case.text)
    ran = cli(bare_project, *case.args)
    assert ran.code == 0, ran.err
    assert ran.err == ""
    # Every value the case sets is the value the build used.
    given = yaml.safe_load(case.text)
    settings = pipeline.prepare(bare_project, "dev").settings
    for key, value in given.items():
        assert plain(getattr(settings, key), value) == value, key
    values = yaml.safe_load((bare_project / "chart" / "values-dev.yaml").read_text())
    assert values["redis"]["enabled"] is settings.enable_redis


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


def test_oversized_file(bare_project: Path, cli) -> None:
    env_file = bare_project / "environments" / "dev.yaml"
    env_file.write_text(env_file.read_text() + "# padding\n" * 120_000)
    before = tree(bare_project)
    ran = cli(bare_project, "build", "dev")
    assert (ran.code, ran.err) == (2, "error: environments/dev.yaml: file is larger than 1048576 bytes\n")
    assert tree(bare_project) == before


def test_defaults_come_from_the_schema_only() -> None:
    document = json.loads(schema.SCHEMA_PATH.read_text())
    defaults = schema.defaults()
    assert defaults == {k: v["default"] for k, v in document["properties"].items() if "default" in v}
    assert set(document["required"]).isdisjoint(defaults)
    # The rest have no default on purpose: ecr_registry/ecr_repository are required unless
    # ecr_source names where they come from (the schema's if/then), and an absent ecr_source or
    # argocd means "not used", and an absent chart_digest "not pinned".
    optional = set(document["properties"]) - set(document["required"]) - set(defaults)
    assert optional == {"ecr_registry", "ecr_repository", "ecr_source", "argocd", "chart_digest"}
    assert document["if"] == {"not": {"required": ["ecr_source"]}}
    assert document["then"]["required"] == ["ecr_registry", "ecr_repository"]


def test_problems_of_several_files_are_all_reported(bare_project: Path, cli) -> None:
    envs = bare_project / "environments"
    (envs / "staging.yaml").write_text((envs / "staging.yaml").read_text() + "chart_version: 1.0.0\n")
    (envs / "prod.yaml").write_text((envs / "prod.yaml").read_text() + "chart_version: 2.0.0\n")
    ran = cli(bare_project, "check")
    assert ran.code == 2
    lines = ran.err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: environments/prod.yaml:")
    assert lines[1].startswith("error: environments/staging.yaml:")
    assert all("(environments/_common.yaml:" in line for line in lines)

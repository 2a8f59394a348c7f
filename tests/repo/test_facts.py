"""One definition per fact: each is stated once in generator/, and where a file outside Python
has to repeat it (the chart's templates and values, the schema's copy in the package), a test
proves the copies agree.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from generator import bitnami, pipeline
from generator.core import names, passwords, paths, yamlio
from generator.render import chart, values
from tests.support import fixture_project, ha
from tests.support.paths import CHECKOUT

PACKAGE = CHECKOUT / "generator"

# (what, where it is defined, a pattern that only its definition matches)
DEFINED_ONCE = [
    ("the password variables", "core/passwords.py", r'\("TF_VAR_redis_password", "REDIS_PASSWORD"\)'),
    ("the password minimum", "core/passwords.py", r"MIN_PASSWORD\s*=\s*\d"),
    ("what names a password setting", "core/passwords.py", r"secret_value\|requirepass"),
    ("the libyaml loader", "core/yamlcodec.py", r"CSafeLoader"),
    ("the ECR host pattern", "core/names.py", r"dkr\\\\?\.ecr"),
    ("the settings schema's path", "core/paths.py", r'/ "values\.schema\.json"'),
    ("name_of", "core/k8s.py", r"def name_of\("),
    ("dependency stripping", "render/chart.py", r'pop\("dependencies"'),
    ("the boto3 client factory", "resolve/aws.py", r"import boto3|boto3\.client|\.client\(service"),
    ("the AWS error mapping", "resolve/aws.py", r"NoCredentialsError"),
    ("atomic file replacement", "core/atomic.py", r"os\.replace\(|mkstemp\(|renameat2\("),
    ("the Redis port", "bitnami/__init__.py", r"\b6379\b"),
    ("the Sentinel port", "bitnami/__init__.py", r"\b26379\b"),
    ("the exporter port", "bitnami/__init__.py", r"\b9121\b"),
    ("the Bitnami version copied from", "bitnami/__init__.py", r"COPIED_FROM\s*="),
]


@pytest.mark.parametrize(("fact", "home", "pattern"), DEFINED_ONCE, ids=[f[0] for f in DEFINED_ONCE])
def test_a_fact_is_defined_in_one_module(fact: str, home: str, pattern: str) -> None:
    found = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                   if re.search(pattern, p.read_text(encoding="utf-8")))
    assert found == [home], f"{fact}: expected only in generator/{home}, found in {found}"


def test_the_chart_refuses_the_same_short_password_as_the_generator() -> None:
    helpers = (fixture_project.TEMPLATES / "_helpers.tpl").read_text(encoding="utf-8")
    minimum = re.search(r"lt \(len \.Values\.secret\.password\) (\d+)", helpers)
    message = re.search(r"secret\.password must be at least (\d+) characters", helpers)
    assert minimum and message, "chart/templates/_helpers.tpl no longer checks secret.password's length"
    assert int(minimum.group(1)) == int(message.group(1)) == passwords.MIN_PASSWORD


def test_the_chart_states_the_ports_the_generator_uses() -> None:
    shared = yamlio.load(values.shared_text())["redis"]  # what build writes as chart/values.yaml
    assert shared["master"]["containerPorts"]["redis"] == bitnami.REDIS_PORT
    assert shared["master"]["service"]["ports"]["redis"] == bitnami.REDIS_PORT
    assert shared["metrics"]["containerPorts"]["http"] == bitnami.METRICS_PORT
    templates = {p.name: p.read_text(encoding="utf-8") for p in fixture_project.TEMPLATES.iterdir()}
    defaults = {name: [int(n) for n in re.findall(r'dig "sentinel" "containerPorts" "sentinel" (\d+) \.Values', text)]
                for name, text in templates.items()}
    assert defaults["networkpolicy.yaml"] and defaults["NOTES.txt"]
    assert {n for found in defaults.values() for n in found} == {bitnami.SENTINEL_PORT}
    domains = set(re.findall(r"\.svc\.([a-z.]+[a-z])", templates["NOTES.txt"]))
    assert domains == {names.CLUSTER_DOMAIN}


def _variants(root: Path) -> list[pipeline.Prepared]:
    """The environments of the tests' project, and prod with Sentinel HA, with the backend ACL user, and off."""
    prepared = pipeline.prepare_all(root)
    ha.enable(root)
    prod = pipeline.prepare(root, "prod")
    acl = dataclasses.replace(prod.settings, acl_enabled=True)
    off = dataclasses.replace(prod.settings, enable_redis=False)
    return [*prepared, prod, pipeline.Prepared(prod.env, acl), pipeline.Prepared(prod.env, off)]


def test_the_subchart_values_from_data_equal_the_rendered_files(bare_project: Path) -> None:
    """subchart_values builds from data what Helm reads from chart/values.yaml and
    values-<env>.yaml: the two must not differ for any environment."""
    for p in _variants(bare_project):
        files = chart.chart_files(p.settings, p.env.file)
        assert values.subchart_values(p.settings) == values.chart_values(files, p.settings.env).get("redis", {})


def test_the_shared_values_are_read_once_and_not_changed_by_callers(bare_project: Path) -> None:
    settings = pipeline.prepare(bare_project, "dev").settings
    first = values.subchart_values(settings)
    first["master"]["containerPorts"]["redis"] = 1
    assert values.subchart_values(settings)["master"]["containerPorts"]["redis"] == bitnami.REDIS_PORT
    assert values.shared_text.cache_info().misses == 1


def test_the_schema_has_one_copy() -> None:
    """schemas/values.schema.json is the file; the package reaches it through a symbolic link,
    which building the package turns into a copy of the file (tests/repo/test_packaging.py)."""
    tracked = subprocess.run(["git", "ls-files", "-s", "--", "schemas", "generator"], cwd=CHECKOUT,
                             capture_output=True, text=True, check=True).stdout.splitlines()
    modes = {line.split("\t", 1)[1]: line.split()[0] for line in tracked}
    assert [name for name in modes if name.endswith("values.schema.json")] == ["schemas/values.schema.json"]
    assert modes["generator/schemas"] == "120000", "generator/schemas must be a symbolic link"
    assert (PACKAGE / "schemas").resolve() == (CHECKOUT / "schemas").resolve()
    assert paths.SCHEMA_PATH.resolve() == (CHECKOUT / "schemas" / "values.schema.json").resolve()

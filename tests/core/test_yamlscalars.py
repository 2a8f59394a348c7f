"""core/yamlscalars.py: which plain strings a YAML reader takes for a non-string, decided without
PyYAML whenever PyYAML's resolver could not disagree (the dumper's quoting and the unquoted
settings' check are proven on every spelling in tests/core/test_yamlio.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from generator.core import yamlscalars
from tests.support.paths import CHECKOUT


def test_the_first_characters_are_pyyamls_own() -> None:
    assert set(yaml.resolver.Resolver.yaml_implicit_resolvers) == set(yamlscalars.RESOLVER_FIRST)


# Each is caught by PyYAML's resolver alone, or by a pattern; either way a non-string.
@pytest.mark.parametrize("value", ["!", "&", "*", "~", "", "0x_1", "1_000", "yes", "Off", "2001-12-14", "1:20",
                                   ".inf", "<<", "=", "0b1_0", "190:20:30.15"])
def test_what_some_reader_takes_for_another_type(value: str) -> None:
    assert yamlscalars.reads_as_non_string(value)


def test_agrees_with_pyyamls_resolver_on_every_short_scalar() -> None:
    """Every string of up to three characters from the alphabet YAML's rules are made of: where
    PyYAML's resolver says non-string, so does reads_as_non_string."""
    resolver = yaml.resolver.Resolver()
    alphabet = "0123456789+-._:eEoOxXbBnNyYtTfFaAsSlLuU~<=!&*"
    tails = ["", *alphabet]
    words = ["", *(a + b + c for a in alphabet for b in tails for c in tails)]
    missed = [w for w in words if resolver.resolve(yaml.ScalarNode, w, (True, False)) != "tag:yaml.org,2002:str"
              and not yamlscalars.reads_as_non_string(w)]
    assert not missed


@pytest.mark.parametrize("value", ["gp3", "standard", "ebs-sc", "redis-secret", "mymaster"])
def test_a_name_that_no_rule_starts_with_is_decided_without_pyyaml(value: str) -> None:
    code = ("import sys; from generator.core import yamlscalars; "
            f"print(yamlscalars.reads_as_non_string({value!r}), 'yaml' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=CHECKOUT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]

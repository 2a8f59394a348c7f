"""check/policy/rules.py: the registry. Every rule of every family, once, in report order, under an
ID that names its family (suppressions key on the ID, so it never changes once released).

Each family's rules are proven in its own module: tests/check/policy/test_<family>.py makes each
rule fire on known-bad releases and stay silent on the good one."""

from __future__ import annotations

import re

from generator.check import policy
from generator.check.policy import (
    auth,
    exposure,
    memory,
    network,
    persistence,
    podsecurity,
    rules,
    secrets,
    supplychain,
)

FAMILIES = {auth: "AUTH", network: "NET", exposure: "EXP", podsecurity: "PSS", supplychain: "IMG",
            persistence: "PER", memory: "MEM", secrets: "SEC"}  # in report order


def test_every_family_in_report_order_each_rule_once() -> None:
    assert tuple(r for family in FAMILIES for r in family.RULES) == rules.RULES
    ids = [r.id for r in rules.RULES]
    assert len(ids) == len(set(ids))
    assert {r.id: r for r in rules.RULES} == rules.BY_ID
    assert policy.RULES is rules.RULES and policy.BY_ID is rules.BY_ID


def test_a_rule_id_names_its_family() -> None:
    for family, prefix in FAMILIES.items():
        for rule in family.RULES:
            assert re.fullmatch(rf"TR-{prefix}-\d{{3}}", rule.id), (family.__name__, rule.id)
            assert rule.name and rule.summary and rule.fix, rule.id

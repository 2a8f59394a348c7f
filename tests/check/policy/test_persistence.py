"""check/policy/persistence.py, TR-PER-*: RDB snapshots in force in what Redis reads, on the PVC as
configured. Each rule fires on every known-bad release (the good one of
tests/support/policy_objects.py with one thing broken) and stays silent on the good one."""

from __future__ import annotations

from generator.check.policy import persistence
from tests.support.policy_objects import (
    Break,
    add_config,
    rule_suite,
)

BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-PER-001": [
        ('save "" after the generated line', lambda c: add_config(c, "master.conf", 'save ""')),
        ("Bitnami's default commonConfiguration", lambda c: c.find("ConfigMap", "redis-configuration")["data"].update(
            {"redis.conf": 'appendonly yes\nsave ""'})),
        ("save rules differ from rdb_save", lambda c: add_config(c, "master.conf", "save 900 1")),
        ("values without the subchart", lambda c: (setattr(c, "subchart", False),
                                                   {"redis": {"master": {"configuration": 'save ""'}}})[1]),
        ("no save line: Redis defaults, not rdb_save", lambda c: c.find("ConfigMap", "redis-configuration")[
            "data"].update({"redis.conf": "appendonly no"})),
    ],
    "TR-PER-002": [
        ("PVC size", lambda c: c.find("StatefulSet")["spec"]["volumeClaimTemplates"][0]["spec"]["resources"][
            "requests"].update(storage="1Gi")),
        ("PVC class", lambda c: c.find("StatefulSet")["spec"]["volumeClaimTemplates"][0]["spec"].pop(
            "storageClassName")),
        ("no PVC", lambda c: c.find("StatefulSet")["spec"].pop("volumeClaimTemplates")),
    ],
}


test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(
    persistence.RULES, BAD)

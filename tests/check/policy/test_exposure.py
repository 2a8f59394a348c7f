"""check/policy/exposure.py, TR-EXP-*: ClusterIP Services only, no host network or ports. Each rule
fires on every known-bad release (the good one of tests/support/policy_objects.py with one thing
broken) and stays silent on the good one."""

from __future__ import annotations

from generator.check.policy import exposure
from tests.support.policy_objects import (
    Break,
    container,
    rule_suite,
)

BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-EXP-001": [
        ("NodePort Service", lambda c: c.find("Service", "redis-master")["spec"].update(type="NodePort")),
        ("LoadBalancer Service", lambda c: c.find("Service", "redis-master")["spec"].update(type="LoadBalancer")),
        ("external IPs", lambda c: c.find("Service", "redis-master")["spec"].update(externalIPs=["203.0.113.9"])),
        ("LoadBalancer in values without the subchart",
         lambda c: (setattr(c, "subchart", False), {"redis": {"master": {"service": {"type": "LoadBalancer"}}}})[1]),
    ],
    "TR-EXP-002": [
        ("hostNetwork", lambda c: c.pod.update(hostNetwork=True)),
        ("hostPort", lambda c: container(c)["ports"][0].update(hostPort=6379)),
    ],
}


test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(
    exposure.RULES, BAD)

"""check/policy/auth.py, TR-AUTH-*: password authentication on, from the environment's Secret, no way
around it. Each rule fires on every known-bad release (the good one of
tests/support/policy_objects.py with one thing broken) and stays silent on the good one."""

from __future__ import annotations

from generator.check.policy import auth
from tests.support.policy_objects import (
    Break,
    add_config,
    container,
    rule_suite,
)

BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-AUTH-001": [
        ("auth disabled in values", lambda c: {"redis": {"auth": {"enabled": False}}}),
        ("start script without --requirepass", lambda c: c.find("ConfigMap", "redis-scripts")["data"].update(
            {"start-master.sh": 'ARGS=("--port" "6379")\nARGS+=("--protected-mode" "no")\n'})),
        ('a later requirepass "" cancels the password', lambda c: add_config(c, "master.conf", 'requirepass ""')),
        ("ACL default user nopass", lambda c: add_config(c, "redis.conf", "user default on nopass ~* +@all")),
    ],
    "TR-AUTH-002": [
        ("password volume from another Secret", lambda c: c.pod["volumes"][1]["secret"].update(secretName="other")),
        ("existingSecret not the environment's", lambda c: {"redis": {"auth": {"existingSecret": "other"}}}),
        ("wrong key in the Secret", lambda c: c.pod["volumes"][1]["secret"]["items"][0].update(key="pw")),
    ],
    "TR-AUTH-003": [
        ("ALLOW_EMPTY_PASSWORD=yes", lambda c: container(c)["env"][0].update(value="yes")),
        ("empty-password switch in the exporter",
         lambda c: container(c, "metrics")["env"].append({"name": "ALLOW_EMPTY_PASSWORD", "value": "yes"})),
        ("extraEnvVars in values", lambda c: {"redis": {"master": {"extraEnvVars": [
            {"name": "ALLOW_EMPTY_PASSWORD", "value": "yes"}]}}}),
    ],
}


test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(
    auth.RULES, BAD)

"""check/policy/memory.py, TR-MEM-*: a memory ceiling in what Redis reads, with room for the RDB
fork under every Redis container's memory limit, the chosen eviction policy, a memory limit, and a
warning for noeviction. Each rule fires on every known-bad release (the good one of
tests/support/policy_objects.py with one thing broken) and stays silent on the good one."""

from __future__ import annotations

import pytest

from generator.check.policy import memory
from tests.support.policy_objects import (
    Break,
    Case,
    add_config,
    container,
    rule_suite,
)


def _common(case: Case, text: str) -> None:
    """redis.conf (Bitnami's commonConfiguration) replaced by `text`."""
    case.find("ConfigMap", "redis-configuration")["data"]["redis.conf"] = text


def _noeviction(case: Case) -> None:
    case.settings.update(maxmemory_policy="noeviction")
    add_config(case, "redis.conf", "maxmemory-policy noeviction")


BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-MEM-001": [
        ("no maxmemory: Redis grows until the container is killed",
         lambda c: _common(c, "save 60 1\nmaxmemory-policy volatile-ttl")),
        ("a later maxmemory 0 lifts the ceiling", lambda c: add_config(c, "master.conf", "maxmemory 0")),
        ("maxmemory without room for the fork", lambda c: add_config(c, "master.conf", "maxmemory 200mb")),
        ("the container limit lowered under the derived maxmemory", lambda c: container(c)["resources"][
            "limits"].update(memory="128Mi")),
        ("values without the subchart", lambda c: (setattr(c, "subchart", False),
                                                   {"redis": {"master": {"configuration": "maxmemory 1gb"}}})[1]),
    ],
    "TR-MEM-002": [
        ("no maxmemory-policy: Redis' implicit noeviction", lambda c: _common(c, "save 60 1\nmaxmemory 101711872")),
        ("a later allkeys-lru evicts fresh codes",
         lambda c: add_config(c, "master.conf", "maxmemory-policy allkeys-lru")),
        ("values without the subchart", lambda c: (setattr(c, "subchart", False), {"redis": {"master": {
            "configuration": "maxmemory-policy allkeys-random"}}})[1]),
    ],
    "TR-MEM-003": [
        ("no memory limit on the Redis container", lambda c: container(c)["resources"].pop("limits")),
        ("values without the subchart", lambda c: (setattr(c, "subchart", False), c.settings.update(
            resources={"limits": {"cpu": "1"}}, maxmemory="64Mi"))[0]),
    ],
    "TR-MEM-004": [
        ("noeviction refuses new codes when full", _noeviction),
        ("values without the subchart", lambda c: (setattr(c, "subchart", False),
                                                   c.settings.update(maxmemory_policy="noeviction"))[0]),
    ],
}


test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(
    memory.RULES, BAD)


@pytest.mark.parametrize(("text", "value"), [("47185920", 47185920), ("45mb", 45 << 20), ("45M", 45_000_000),
                                             ("1gb", 1 << 30), ("2k", 2000), ("45 MiB", None), ("-1", None)])
def test_redis_memory_units(text: str, value: int | None) -> None:
    assert memory.redis_bytes(text) == value

"""check/policy/deployment.py: what an environment deploys as the rules see it: topology from the
settings, names, ports and pods from the values (Bitnami's derivations, generator/bitnami/)."""

from __future__ import annotations

import pytest

from generator.check.policy import deployment
from tests.support.policy_objects import Case


@pytest.mark.parametrize(("settings", "components"), [
    ({}, ["master"]),
    ({"architecture": "replication", "replica_count": 2}, ["master", "replica"]),
    ({"architecture": "replication", "replica_count": 3, "sentinel_enabled": True}, ["node"]),
])
def test_components_follow_the_topology(settings: dict[str, object], components: list[str]) -> None:
    ctx = Case(settings=settings).context()
    assert deployment.components(ctx) == components
    assert deployment.replicated(ctx) == ("architecture" in settings)
    assert deployment.sentinel(ctx) == bool(settings.get("sentinel_enabled"))


def test_names_and_ports_come_from_the_values() -> None:
    ctx = Case().context()
    assert (deployment.redis_port(ctx), deployment.metrics_port(ctx), deployment.sentinel_port(ctx)) == (
        6379, 9121, 26379)
    assert deployment.fullname(ctx) == "redis"
    assert deployment.pod_selector(ctx) == {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis"}
    moved = Case().context({"redis": {"master": {"containerPorts": {"redis": 7000}},
                                      "metrics": {"containerPorts": {"http": 9200}},
                                      "fullnameOverride": "otp-cache"}})
    assert (deployment.redis_port(moved), deployment.metrics_port(moved), deployment.fullname(moved)) == (
        7000, 9200, "otp-cache")


def test_only_prod_is_production() -> None:
    assert not deployment.is_production(Case().context())
    assert deployment.is_production(Case(settings={"env": "prod"}).context())


def test_without_the_subchart_the_pods_are_synthesized_from_the_values() -> None:
    rendered, seen = deployment.redis_pods(Case().context())
    assert seen and [p.name for p in rendered] == ["StatefulSet/redis-master"]
    assert rendered[0].owner["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":redis-latest")
    synthesized, seen = deployment.redis_pods(Case(subchart=False).context())
    assert not seen and [p.name for p in synthesized] == ["StatefulSet/redis-master"]
    assert [c["name"] for c in synthesized[0].spec["containers"]] == ["redis", "metrics"]

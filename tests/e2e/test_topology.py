"""Replication and Sentinel in the render: the NetworkPolicy widened exactly, PDB, spreading,
`check` passing; with the real subchart, the objects it makes of our values.

HA runs on tests/support/ha.py's variant (prod with replication + Sentinel, in a project copy); every
environment of the tests' own project is standalone, the seed's contract (redis-master,
redis-master-0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from generator.bitnami import names as bitnami_names
from tests.support import ha
from tests.support.project import append, built


def _policy(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (policy,) = [o for o in objects if o["kind"] == "NetworkPolicy"]
    return dict(policy["spec"])


def _rules(rules: list[dict[str, Any]], side: str) -> list[tuple[str, tuple[int, ...]]]:
    """Each rule as (who, ports): who is 'ns:<name>', 'pods:<instance>' or 'dns'."""
    out = []
    for rule in rules:
        (peer,) = rule[side]
        if "namespaceSelector" in peer and "podSelector" in peer:
            who = "dns"
        elif "namespaceSelector" in peer:
            who = "ns:" + peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        else:
            labels = peer["podSelector"]["matchLabels"]
            assert labels == {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "redis"}
            who = "pods:redis"
        out.append((who, tuple(p["port"] for p in rule["ports"])))
    return out


def test_standalone_policy_is_the_seed_one(bare_project: Path, cli) -> None:
    spec = _policy(built(bare_project, cli, "dev"))
    assert _rules(spec["ingress"], "from") == [("ns:twofa-backend", (6379,))]
    assert _rules(spec["egress"], "to") == [("dns", (53, 53))]


def test_standalone_prod_renders_the_seed_objects(bare_project: Path, cli) -> None:
    objects = built(bare_project, cli, "prod")
    spec = _policy(objects)
    assert _rules(spec["ingress"], "from") == [("ns:twofa-backend", (6379,)), ("ns:monitoring", (9121,))]
    assert _rules(spec["egress"], "to") == [("dns", (53, 53))]
    values = yaml.safe_load((bare_project / "chart" / "values-prod.yaml").read_text())["redis"]
    shared = yaml.safe_load((bare_project / "chart" / "values.yaml").read_text())["redis"]
    assert values.get("architecture", shared["architecture"]) == "standalone" and "sentinel" not in values
    assert json.loads(cli(bare_project, "outputs", "prod").out)["redis_host"] == "redis-master.redis.svc.cluster.local"


def test_sentinel_policy_adds_exactly_sentinel_and_redis_to_redis(ha_project: Path, cli) -> None:
    spec = _policy(built(ha_project, cli, ha.ENV))
    assert _rules(spec["ingress"], "from") == [
        ("ns:twofa-backend", (6379, 26379)),
        ("pods:redis", (6379, 26379)),
        ("ns:monitoring", (9121,)),
    ]
    assert _rules(spec["egress"], "to") == [("dns", (53, 53)), ("pods:redis", (6379, 26379))]
    # Same namespace only: a podSelector without namespaceSelector.
    assert all("namespaceSelector" not in peer for rule in spec["ingress"][1:2] for peer in rule["from"])


def test_replication_without_sentinel_opens_no_sentinel_port(bare_project: Path, cli) -> None:
    append(bare_project, "staging", "architecture: replication\nreplica_count: 2\n")
    objects = built(bare_project, cli, "staging")
    spec = _policy(objects)
    assert _rules(spec["ingress"], "from") == [("ns:twofa-backend", (6379,)), ("pods:redis", (6379,)),
                                               ("ns:monitoring", (9121,))]
    assert _rules(spec["egress"], "to") == [("dns", (53, 53)), ("pods:redis", (6379,))]
    values = yaml.safe_load((bare_project / "chart" / "values-staging.yaml").read_text())["redis"]
    assert values["architecture"] == "replication" and values["replica"]["replicaCount"] == 2
    assert "sentinel" not in values


def test_sentinel_values(ha_project: Path, cli) -> None:
    built(ha_project, cli, ha.ENV)
    values = yaml.safe_load((ha_project / "chart" / f"values-{ha.ENV}.yaml").read_text())["redis"]
    assert values["architecture"] == "replication"
    assert values["sentinel"]["enabled"] is True and values["sentinel"]["masterSet"] == "mymaster"
    assert values["sentinel"]["image"] == {"registry": "210987654321.dkr.ecr.eu-west-1.amazonaws.com",
                                           "repository": "twofa/prod", "tag": "redis-sentinel-8.4.0",
                                           "pullPolicy": "Always"}
    replica = values["replica"]
    assert replica["replicaCount"] == 3
    assert replica["pdb"] == {"create": True, "minAvailable": "", "maxUnavailable": 1}
    assert replica["persistence"] == {"enabled": True, "storageClass": "gp3", "size": "8Gi"}
    assert replica["disableCommands"] == values["master"]["disableCommands"] == ["FLUSHDB", "FLUSHALL", "DEBUG"]
    spread = {c["topologyKey"]: c["whenUnsatisfiable"] for c in replica["topologySpreadConstraints"]}
    assert spread == {"kubernetes.io/hostname": "DoNotSchedule", "topology.kubernetes.io/zone": "ScheduleAnyway"}


def test_subchart_objects_for_sentinel(ha_with_subchart: Path, cli) -> None:
    objects = built(ha_with_subchart, cli, ha.ENV)
    by = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    node = by[("StatefulSet", "redis-node")]
    assert node["spec"]["replicas"] == 3
    pod = node["spec"]["template"]
    labels = pod["metadata"]["labels"]
    policy = _policy(objects)
    assert policy["podSelector"]["matchLabels"].items() <= labels.items()
    for constraint in pod["spec"]["topologySpreadConstraints"]:
        assert constraint["labelSelector"]["matchLabels"].items() <= labels.items()
    assert "podAntiAffinity" in pod["spec"]["affinity"]
    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    registry = "210987654321.dkr.ecr.eu-west-1.amazonaws.com"
    assert containers["sentinel"]["image"] == f"{registry}/twofa/prod:redis-sentinel-8.4.0"
    ports = {p["containerPort"] for c in containers.values() for p in c.get("ports", [])}
    assert {6379, 26379} <= ports
    pdb = by[("PodDisruptionBudget", "redis-node")]
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = by[("Service", bitnami_names.fullname("redis"))]
    assert {p["port"] for p in service["spec"]["ports"]} == {6379, 26379}
    assert ("Service", "redis-master") not in by  # no master Service: clients ask Sentinel
    conf = by[("ConfigMap", "redis-configuration")]["data"]["sentinel.conf"]
    assert "sentinel monitor mymaster redis-node-0.redis-headless.redis.svc.cluster.local 6379 2" in conf
    assert "nopass" not in (ha_with_subchart / "build" / ha.ENV / "manifests.yaml").read_text()


def test_ha_variant_passes_check_and_its_policy_rules(ha_project: Path, cli) -> None:
    # No environment of the tests' project runs Sentinel, so their `check` does not see it: the
    # HA variant, built in its copy, must pass the same gate.
    assert cli(ha_project, "build", ha.ENV).code == 0
    ran = cli(ha_project, "check")
    assert ran.code == 0, ran.out + ran.err
    assert f"{ha.ENV}: policy: 31 rules, 0 errors, 0 warnings, 0 suppressed" in ran.out
    values = yaml.safe_load((ha_project / "chart" / f"values-{ha.ENV}.yaml").read_text())["redis"]
    assert values["sentinel"]["enabled"] is True  # what check rendered is the Sentinel topology


def test_ha_variant_passes_check_with_the_subchart(ha_with_subchart: Path, cli) -> None:
    assert cli(ha_with_subchart, "build", ha.ENV).code == 0
    ran = cli(ha_with_subchart, "check", "--format", "json")
    assert ran.code == 0, ran.out + ran.err
    (env,) = [e for e in json.loads(ran.out)["environments"] if e["env"] == ha.ENV]
    assert env["findings"] == [] and env["suppressed"] == [] and env["subchart"] is True
    assert {c["coverage"] for c in env["coverage"].values()} <= {"full", "not applicable"}
    values = yaml.safe_load((ha_with_subchart / "chart" / f"values-{ha.ENV}.yaml").read_text())["redis"]
    assert values["sentinel"]["enabled"] is True  # what check rendered is the Sentinel topology

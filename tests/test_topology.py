"""Replication and Sentinel in the render: settings rules, the NetworkPolicy widened exactly,
PDB, spreading, outputs; with the real subchart, the objects it makes of our values.

HA runs on tests/ha.py's variant (prod with replication + Sentinel, in a project copy); every
environment of the tests' own project is standalone, the seed's contract (redis-master,
redis-master-0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from generator import pipeline
from generator.bitnami import names as bitnami_names
from generator.core import names as naming
from tests import ha


def _append(root: Path, env: str, text: str) -> int:
    """Append settings; returns the line number of the first one appended."""
    path = root / "environments" / f"{env}.yaml"
    line = len(path.read_text().splitlines()) + 1
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)
    return line


def _objects(cli, root: Path, env: str) -> list[dict[str, Any]]:
    ran = cli(root, "build", env)
    assert ran.code == 0, ran.err
    return [d for d in yaml.safe_load_all((root / "build" / env / "manifests.yaml").read_text()) if d]


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
    spec = _policy(_objects(cli, bare_project, "dev"))
    assert _rules(spec["ingress"], "from") == [("ns:twofa-backend", (6379,))]
    assert _rules(spec["egress"], "to") == [("dns", (53, 53))]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_standalone_environments_keep_the_seed_names(fixture_root: Path, env: str) -> None:
    # The backend speaks plain Redis to redis_host: a standalone environment (every one of the
    # tests' project, as the seed describes) is reached at redis-master, pod redis-master-0.
    settings = pipeline.prepare(fixture_root, env).settings
    assert (settings.architecture, settings.sentinel_enabled) == ("standalone", False)
    assert bitnami_names.master_pod(settings) == "redis-master-0"  # the seed's `kubectl exec ... redis-master-0`
    out = naming.outputs(settings)
    assert out["redis_host"] == "redis-master.redis.svc.cluster.local"
    assert out["redis_connection_url"] == "redis://redis-master.redis.svc.cluster.local:6379"
    _client_contract(out, sentinel=False)


def test_standalone_prod_renders_the_seed_objects(bare_project: Path, cli) -> None:
    objects = _objects(cli, bare_project, "prod")
    spec = _policy(objects)
    assert _rules(spec["ingress"], "from") == [("ns:twofa-backend", (6379,)), ("ns:monitoring", (9121,))]
    assert _rules(spec["egress"], "to") == [("dns", (53, 53))]
    values = yaml.safe_load((bare_project / "chart" / "values-prod.yaml").read_text())["redis"]
    shared = yaml.safe_load((bare_project / "chart" / "values.yaml").read_text())["redis"]
    assert values.get("architecture", shared["architecture"]) == "standalone" and "sentinel" not in values
    assert json.loads(cli(bare_project, "outputs", "prod").out)["redis_host"] == "redis-master.redis.svc.cluster.local"


def test_sentinel_policy_adds_exactly_sentinel_and_redis_to_redis(ha_project: Path, cli) -> None:
    spec = _policy(_objects(cli, ha_project, ha.ENV))
    assert _rules(spec["ingress"], "from") == [
        ("ns:twofa-backend", (6379, 26379)),
        ("pods:redis", (6379, 26379)),
        ("ns:monitoring", (9121,)),
    ]
    assert _rules(spec["egress"], "to") == [("dns", (53, 53)), ("pods:redis", (6379, 26379))]
    # Same namespace only: a podSelector without namespaceSelector.
    assert all("namespaceSelector" not in peer for rule in spec["ingress"][1:2] for peer in rule["from"])


def test_replication_without_sentinel_opens_no_sentinel_port(bare_project: Path, cli) -> None:
    _append(bare_project, "staging", "architecture: replication\nreplica_count: 2\n")
    objects = _objects(cli, bare_project, "staging")
    spec = _policy(objects)
    assert _rules(spec["ingress"], "from") == [("ns:twofa-backend", (6379,)), ("pods:redis", (6379,)),
                                               ("ns:monitoring", (9121,))]
    assert _rules(spec["egress"], "to") == [("dns", (53, 53)), ("pods:redis", (6379,))]
    values = yaml.safe_load((bare_project / "chart" / "values-staging.yaml").read_text())["redis"]
    assert values["architecture"] == "replication" and values["replica"]["replicaCount"] == 2
    assert "sentinel" not in values


def test_sentinel_values(ha_project: Path, cli) -> None:
    _objects(cli, ha_project, ha.ENV)
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


def test_sentinel_outputs(ha_project: Path, cli) -> None:
    ran = cli(ha_project, "outputs", ha.ENV)
    assert ran.code == 0, ran.err
    out = json.loads(ran.out)
    assert out["redis_host"] == out["redis_sentinel_host"] == "redis.redis.svc.cluster.local"
    assert out["redis_sentinel_port"] == 26379 and out["redis_sentinel_master_set"] == "mymaster"
    assert out["redis_connection_url"] == "redis+sentinel://redis.redis.svc.cluster.local:26379/mymaster"
    dev = json.loads(cli(ha_project, "outputs", "dev").out)
    assert "redis_sentinel_host" not in dev and dev["redis_host"] == "redis-master.redis.svc.cluster.local"


def _client_contract(out: dict[str, Any], sentinel: bool) -> None:
    """What `outputs` tells the backend about the client it needs, consistently."""
    url = urlsplit(out["redis_connection_url"])
    if sentinel:
        # A plain client on redis_host would reach any node, possibly a read-only replica: the
        # URL scheme and the redis_sentinel_* outputs say "ask Sentinel for the master".
        assert url.scheme == "redis+sentinel"
        assert (url.hostname, url.port, url.path) == (out["redis_sentinel_host"], out["redis_sentinel_port"],
                                                      "/" + out["redis_sentinel_master_set"])
        assert out["redis_host"] == out["redis_sentinel_host"] and "-master." not in out["redis_host"]
    else:
        assert url.scheme == "redis"
        assert (url.hostname, url.port) == (out["redis_host"], out["redis_port"])
        assert out["redis_host"].split(".")[0].endswith("-master")
        assert not any(k.startswith("redis_sentinel_") for k in out)


def test_outputs_name_the_client_the_backend_needs(ha_project: Path, cli) -> None:
    _append(ha_project, "staging", "architecture: replication\nreplica_count: 2\n")  # replicas, no Sentinel
    for env in ("dev", "staging", ha.ENV):
        settings = pipeline.prepare(ha_project, env).settings
        ran = cli(ha_project, "outputs", env)
        assert ran.code == 0, ran.err
        _client_contract(json.loads(ran.out), settings.sentinel_enabled)
    assert pipeline.prepare(ha_project, ha.ENV).settings.sentinel_enabled


def test_sentinel_needs_replication(bare_project: Path, cli) -> None:
    line = _append(bare_project, "dev", "sentinel_enabled: true\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert ran.err == (f"error: environments/dev.yaml:{line}: sentinel_enabled: Sentinel needs replicas to promote: "
                       "set architecture: replication\n")


def test_sentinel_needs_three_nodes(ha_project: Path, cli) -> None:
    path = ha_project / "environments" / f"{ha.ENV}.yaml"
    text = path.read_text()
    assert "replica_count: 3" in text
    path.write_text(text.replace("replica_count: 3", "replica_count: 2"))
    ran = cli(ha_project, "build", ha.ENV)
    assert ran.code == 2
    assert "error: environments/prod.yaml:" in ran.err
    assert "replica_count: 2 is too few for Sentinel: at least 3" in ran.err


def test_unknown_architecture(bare_project: Path, cli) -> None:
    line = _append(bare_project, "dev", "architecture: cluster\n")
    ran = cli(bare_project, "build", "dev")
    assert ran.code == 2
    assert f"dev.yaml:{line}: architecture: 'cluster' is not one of: standalone, replication" in ran.err


def test_subchart_objects_for_sentinel(ha_with_subchart: Path, cli) -> None:
    objects = _objects(cli, ha_with_subchart, ha.ENV)
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
    assert f"{ha.ENV}: policy: 27 rules, 0 errors, 0 warnings, 0 suppressed" in ran.out
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

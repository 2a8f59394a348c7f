"""check/policy/network.py, TR-NET-*: the effective ingress and egress of every Redis pod, exactly what
is needed. Each rule fires on every known-bad release (the good one of
tests/support/policy_objects.py with one thing broken) and stays silent on the good one."""

from __future__ import annotations

from generator.check.policy import evaluate, network
from tests.support.policy_objects import (
    NS,
    Break,
    Case,
    add_policy,
    rule_suite,
    run,
)

BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-NET-001": [
        ("two policies whose union opens the port to another namespace", lambda c: add_policy(c, {
            "podSelector": {"matchLabels": {"app.kubernetes.io/component": "master"}},
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {NS: "web"}}}],
                         "ports": [{"port": 6379}]}]})),
        ("namespaceSelector {} means every namespace", lambda c: c.policy["ingress"][0]["from"].append(
            {"namespaceSelector": {}})),
        ("podSelector-only peer means the Redis namespace itself", lambda c: c.policy["ingress"][0]["from"].append(
            {"podSelector": {"matchLabels": {"role": "client"}}})),
        ("a rule with ports but no peers admits every source", lambda c: c.policy["ingress"].append(
            {"ports": [{"port": 6379}]})),
        ("ingress: [{}] admits everything", lambda c: c.policy["ingress"].append({})),
        ("ipBlock admits addresses", lambda c: c.policy["ingress"][0]["from"].append(
            {"ipBlock": {"cidr": "10.0.0.0/8"}})),
        ("backend allowed on every port", lambda c: c.policy["ingress"][0].pop("ports")),
        ("named port resolves to the Redis port", lambda c: c.policy["ingress"][1]["ports"].append(
            {"port": "redis"})),
        ("namespace selected by a label, not by name", lambda c: c.policy["ingress"][0]["from"].__setitem__(
            0, {"namespaceSelector": {"matchLabels": {"team": "backend"}}})),
        ("OR across peers: namespace peer and a separate pod peer", lambda c: c.policy["ingress"][0].__setitem__(
            "from", [{"namespaceSelector": {"matchLabels": {NS: "twofa-backend"}}},
                     {"podSelector": {"matchLabels": {"app": "backend"}}}])),
        ("no policy isolates the pods", lambda c: c.objects.remove(c.find("NetworkPolicy"))),
        ("the backend cannot reach Redis", lambda c: c.policy["ingress"].pop(0)),
        ("metrics port open with metrics off", lambda c: c.settings.update(metrics_enabled=False)),
        ("Bitnami's own policy on, unseen without the subchart",
         lambda c: (setattr(c, "subchart", False), {"redis": {"networkPolicy": {"enabled": True}}})[1]),
    ],
    "TR-NET-002": [
        ("egress: [{}] allows everything", lambda c: c.policy["egress"].append({})),
        ("egress not isolated (policyTypes Ingress only)", lambda c: c.policy.update(policyTypes=["Ingress"])),
        ("egress to the internet on 443", lambda c: c.policy["egress"].append(
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]})),
        ("defaulted policyTypes without egress rules leave egress open",
         lambda c: (c.policy.pop("policyTypes"), c.policy.pop("egress"))[0] and None),
    ],
}


test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(
    network.RULES, BAD)


def test_finding_names_object_field_and_fix() -> None:
    case = Case()
    case.policy["ingress"][0]["from"].append({"namespaceSelector": {}})
    (finding,) = [f for f in run(case).findings if f.rule == "TR-NET-001"]
    assert finding.object == "NetworkPolicy/redis-backend-access"
    assert finding.field == "spec.ingress[0].from[1]"
    assert "every namespace" in finding.message and "TCP 6379" in finding.message
    assert finding.file == "chart/templates/networkpolicy.yaml"


def test_pod_selector_only_peer_is_fine_when_backend_shares_the_namespace() -> None:
    case = Case(settings={"backend_namespace": "redis"})
    case.policy["ingress"][0]["from"] = [{"podSelector": {"matchLabels": {"app": "backend"}}}]
    assert [f.line() for f in evaluate(case.context()).findings] == []


def test_narrower_peer_and_port_are_fine() -> None:
    case = Case()
    case.policy["ingress"][0]["from"][0]["podSelector"] = {"matchLabels": {"app": "ldap-2fa-backend"}}
    assert [f.line() for f in evaluate(case.context()).findings] == []


def test_replication_allows_redis_pods_among_themselves() -> None:
    case = Case(settings={"metrics_enabled": False})
    redis_pods = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "redis",
                                                  "app.kubernetes.io/instance": "redis"}}}
    case.policy["ingress"] = [case.policy["ingress"][0], {"from": [redis_pods], "ports": [{"port": 6379}]}]
    case.policy["egress"].append({"to": [redis_pods], "ports": [{"port": 6379}]})
    standalone = evaluate(case.context())
    assert {f.rule for f in standalone.findings} == {"TR-NET-001", "TR-NET-002"}
    replicated = evaluate(Case(objects=case.objects, settings={"metrics_enabled": False,
                                                              "architecture": "replication"}).context())
    assert [f.line() for f in replicated.findings if f.rule.startswith("TR-NET")] == []

"""NetworkPolicy semantics: what reaches one pod, exactly as Kubernetes decides it."""

from __future__ import annotations

from typing import Any

from generator.check.policy import netpol
from generator.check.policy.netpol import Allowed, Peer, Target

POD = Target("StatefulSet/redis-master", "redis", {"app.kubernetes.io/name": "redis", "app": "r"},
             {"redis": (6379, "TCP")})
NS = "kubernetes.io/metadata.name"


def _policy(spec: dict[str, Any], namespace: str = "redis") -> dict[str, Any]:
    return {"kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": namespace}, "spec": spec}


def test_policy_in_another_namespace_or_for_other_pods_does_not_apply() -> None:
    elsewhere = _policy({"podSelector": {}, "ingress": [{}]}, namespace="other")
    others = _policy({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{}]})
    result = netpol.admitted([elsewhere, others], POD, "Ingress", "redis")
    assert not result.isolated and result.grants == ()


def test_policy_types_default() -> None:
    no_egress = {"podSelector": {}, "ingress": []}
    assert netpol.policy_types(no_egress) == ["Ingress"]
    assert netpol.policy_types({**no_egress, "egress": [{}]}) == ["Ingress", "Egress"]
    assert netpol.policy_types({**no_egress, "egress": []}) == ["Ingress"]
    # An isolating policy with no rules admits nothing.
    result = netpol.admitted([_policy(no_egress)], POD, "Ingress", "redis")
    assert result.isolated and result.grants == ()


def test_peer_and_within_one_peer_or_across_peers() -> None:
    both = {"namespaceSelector": {"matchLabels": {NS: "twofa-backend"}}, "podSelector": {"matchLabels": {"a": "b"}}}
    spec = {"podSelector": {}, "ingress": [{"from": [both, {"podSelector": {}}]}]}
    grants = netpol.admitted([_policy(spec)], POD, "Ingress", "redis").grants
    assert grants[0].peer == Peer("pods", frozenset(["twofa-backend"]), None, {"matchLabels": {"a": "b"}})
    assert grants[1].peer.namespaces == frozenset(["redis"])  # podSelector alone: the policy's namespace
    backend = [Allowed("TCP", 6379, "twofa-backend")]
    assert netpol.within(grants[0].peer, backend)
    assert not netpol.within(grants[1].peer, backend)


def test_namespace_pinned_by_expression_and_port_ranges() -> None:
    expr = {"namespaceSelector": {"matchExpressions": [{"key": NS, "operator": "In", "values": ["twofa-backend"]}]}}
    spec = {"podSelector": {}, "ingress": [{"from": [expr], "ports": [{"port": 6000, "endPort": 7000},
                                                                        {"port": "redis", "protocol": "UDP"}]}]}
    (grant,) = netpol.admitted([_policy(spec)], POD, "Ingress", "redis").grants
    assert grant.peer.namespaces == frozenset(["twofa-backend"])
    # the named port exists only for TCP, so the UDP entry admits nothing
    assert [(r.protocol, r.lo, r.hi) for r in grant.ports] == [("TCP", 6000, 7000)]

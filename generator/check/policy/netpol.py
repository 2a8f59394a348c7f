"""What NetworkPolicies admit to one pod, with Kubernetes' exact semantics.

A pod is isolated for a direction only when some policy in its namespace selects it (by
podSelector) and lists that direction in policyTypes (defaulted: Ingress always, Egress when
the policy has egress rules). Isolated or not, what is admitted is the union of the rules of
every policy that selects it. Within a rule: no `from`/`to` means every peer, no `ports` means
every port; peers are ORed; inside one peer namespaceSelector AND podSelector; a peer with only
a podSelector means pods of the policy's own namespace; namespaceSelector `{}` means every
namespace; ipBlock means addresses, in or outside the cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.core.k8s import name_of, namespace_of, requirements, selector_matches, show_selector

NAME_LABEL = "kubernetes.io/metadata.name"  # set by the API server on every namespace, immutable
PROTOCOLS = ("TCP", "UDP", "SCTP")
ANY_PROTOCOL = "*"
MAX_PORT = 65535


@dataclass(frozen=True)
class PortRange:
    protocol: str  # TCP, UDP, SCTP, or ANY_PROTOCOL
    lo: int = 1
    hi: int = MAX_PORT

    def has(self, protocol: str, port: int) -> bool:
        return self.protocol in (ANY_PROTOCOL, protocol) and self.lo <= port <= self.hi

    def show(self) -> str:
        if self.protocol == ANY_PROTOCOL:
            return "every port" if (self.lo, self.hi) == (1, MAX_PORT) else f"ports {self.lo}-{self.hi}"
        if (self.lo, self.hi) == (1, MAX_PORT):
            return f"every {self.protocol} port"
        return f"{self.protocol} {self.lo}" if self.lo == self.hi else f"{self.protocol} {self.lo}-{self.hi}"


EVERY_PORT = (PortRange(ANY_PROTOCOL),)


@dataclass(frozen=True)
class Peer:
    """A set of sources (ingress) or destinations (egress)."""

    kind: str  # "any": every address; "ipBlock": addresses; "pods": pods by namespace and labels
    namespaces: frozenset[str] | None = None  # pods: the only namespaces possible, when pinned by name
    namespace_selector: Mapping[str, Any] | None = None  # pods: when namespaces is None ({} = all)
    pod_selector: Mapping[str, Any] | None = None  # pods: None or {} = every pod
    cidr: str = ""

    def show(self) -> str:
        if self.kind == "any":
            return "everyone (no `from`/`to`: every pod and address)"
        if self.kind == "ipBlock":
            return f"addresses {self.cidr} (ipBlock, also outside the cluster)"
        pods = "every pod" if not self.pod_selector else f"pods {show_selector(self.pod_selector)}"
        if self.namespaces is not None:
            where = ", ".join(sorted(self.namespaces)) or "no namespace"
            return f"{pods} in namespace {where}"
        if not self.namespace_selector:
            return f"{pods} in every namespace (namespaceSelector {{}})"
        return f"{pods} in namespaces {show_selector(self.namespace_selector)} (not pinned by {NAME_LABEL})"


@dataclass(frozen=True)
class Grant:
    """One (ports, peer) pair of one rule of one policy."""

    policy: str  # Kind/name
    path: str  # e.g. spec.ingress[1].from[0]
    ports: tuple[PortRange, ...]
    peer: Peer


@dataclass(frozen=True)
class Target:
    """The pod whose traffic is evaluated."""

    name: str  # how findings name it, e.g. StatefulSet/redis-master
    namespace: str
    labels: Mapping[str, str]
    named_ports: Mapping[str, tuple[int, str]]  # container port name -> (number, protocol)


@dataclass(frozen=True)
class Admitted:
    isolated: bool
    grants: tuple[Grant, ...]
    policies: tuple[str, ...]  # policies selecting the pod for this direction


def policy_types(spec: Mapping[str, Any]) -> list[str]:
    types = spec.get("policyTypes")
    if types:
        return [str(t) for t in types]
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def admitted(policies: Iterable[Mapping[str, Any]], target: Target, direction: str,
             default_namespace: str) -> Admitted:
    """Everything the policies admit to (Ingress) or from (Egress) the target pod."""
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    grants: list[Grant] = []
    selecting: list[str] = []
    for policy in policies:
        ns = namespace_of(policy, default_namespace)
        spec = policy.get("spec") or {}
        if ns != target.namespace or not selector_matches(spec.get("podSelector") or {}, target.labels):
            continue
        if direction not in policy_types(spec):
            continue
        selecting.append(name_of(policy))
        for i, rule in enumerate(spec.get(key) or []):
            rule = rule or {}
            ports = _ports(rule.get("ports"), target)
            if not ports:
                continue  # only named ports this pod does not have: the rule admits nothing here
            peers = rule.get(peers_key) or []
            base = f"spec.{key}[{i}]"
            if not peers:
                grants.append(Grant(name_of(policy), base, ports, Peer("any")))
            for j, peer in enumerate(peers):
                grants.append(Grant(name_of(policy), f"{base}.{peers_key}[{j}]", ports, _peer(peer or {}, ns)))
    return Admitted(bool(selecting), tuple(grants), tuple(selecting))


def _ports(entries: Sequence[Mapping[str, Any]] | None, target: Target) -> tuple[PortRange, ...]:
    if not entries:
        return EVERY_PORT
    out = []
    for entry in entries:
        entry = entry or {}
        protocol = str(entry.get("protocol") or "TCP")
        port = entry.get("port")
        if port is None:
            out.append(PortRange(protocol))
        elif isinstance(port, int):
            out.append(PortRange(protocol, port, int(entry.get("endPort") or port)))
        elif str(port).isdigit():
            out.append(PortRange(protocol, int(port), int(port)))
        else:
            named = target.named_ports.get(str(port))
            if named is not None and named[1] == protocol:
                out.append(PortRange(protocol, named[0], named[0]))
    return tuple(out)


def _peer(peer: Mapping[str, Any], policy_namespace: str) -> Peer:
    if "ipBlock" in peer:
        block = peer.get("ipBlock") or {}
        cidr = str(block.get("cidr"))
        if block.get("except"):
            cidr += " except " + ", ".join(map(str, block["except"]))
        return Peer("ipBlock", cidr=cidr)
    pod_selector = peer.get("podSelector")
    if "namespaceSelector" not in peer:
        return Peer("pods", namespaces=frozenset([policy_namespace]), pod_selector=pod_selector)
    ns_selector = peer.get("namespaceSelector") or {}
    pinned = requirements(ns_selector).get(NAME_LABEL)
    if pinned is not None:
        return Peer("pods", namespaces=pinned, pod_selector=pod_selector)
    return Peer("pods", namespace_selector=ns_selector, pod_selector=pod_selector)


@dataclass(frozen=True)
class Allowed:
    """Who may reach (or be reached on) one port: a namespace, optionally only some pods."""

    protocol: str
    port: int
    namespace: str = ""  # "" with anywhere=True: any peer at all (DNS egress)
    pod_labels: Mapping[str, str] | None = None  # the labels of the allowed pods; None = every pod
    pod_pins: Mapping[str, str] | None = None  # labels a peer's podSelector must pin to stay inside
    anywhere: bool = False
    why: str = ""

    def show(self) -> str:
        if self.anywhere:
            return f"anyone on {self.protocol} {self.port} ({self.why})"
        pods = "every pod" if self.pod_pins is None else "pods " + show_selector({"matchLabels": self.pod_pins})
        return f"{pods} in namespace {self.namespace} on {self.protocol} {self.port} ({self.why})"


def within(peer: Peer, allowed: Sequence[Allowed]) -> bool:
    """Every member of `peer` is among the allowed peers of the port."""
    if any(a.anywhere for a in allowed):
        return True
    if peer.kind != "pods" or peer.namespaces is None:
        return False
    return all(any(_within_one(peer, ns, a) for a in allowed) for ns in peer.namespaces)


def _within_one(peer: Peer, namespace: str, allowed: Allowed) -> bool:
    if allowed.namespace != namespace:
        return False
    if allowed.pod_pins is None:
        return True
    pins = requirements(peer.pod_selector)
    return all(k in pins and pins[k] <= {v} for k, v in allowed.pod_pins.items())


def reaches(peer: Peer, allowed: Allowed) -> bool:
    """The peer admits (some of) the allowed pods: used to tell when access is missing."""
    if peer.kind == "any" or allowed.anywhere:
        return True
    if peer.kind != "pods":
        return False
    if peer.namespaces is not None:
        if allowed.namespace not in peer.namespaces:
            return False
    elif not selector_matches(peer.namespace_selector or {}, {NAME_LABEL: allowed.namespace}):
        return False
    if allowed.pod_labels is None:
        return True
    return selector_matches(peer.pod_selector or {}, allowed.pod_labels)

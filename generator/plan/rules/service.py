"""Service updates: cluster IPs and IP families once set, the load balancer class, the health
check node port.

A Helm render never carries an allocated address, and the Service registry copies the live
clusterIP(s) into an update that has none, so a render without `clusterIP` is accepted. Only two
renders that both spell an address and disagree are refused (ClusterIP -> `clusterIP: None`, or
the reverse). Dropping `clusterIP: None` from a render is NOT refused but does nothing: the live
Service stays headless, silently.
"""

from __future__ import annotations

from generator.core.k8s import dig
from generator.plan.rules import sources
from generator.plan.rules.base import FIELD_IMMUTABLE, Obj, Violation, violation

_SRC = f"{sources.SERVICE}; 1.25-1.37 (dual-stack rules GA since 1.23)"
ONCE_SET = "may not change once set"


def _cluster_ips(svc: Obj) -> list[str]:
    # The strategy derives clusterIPs from clusterIP when only the latter is given.
    ips = dig(svc, "spec", "clusterIPs")
    if ips:
        return [str(i) for i in ips]
    ip = dig(svc, "spec", "clusterIP")
    return [str(ip)] if ip else []


def _cluster_ip_rules(old: Obj, new: Obj) -> list[Violation]:
    a, b = _cluster_ips(old), _cluster_ips(new)
    if not (a and b) or a == b == ["None"]:
        return []
    out: list[Violation] = []
    changed = [i for i, ip in enumerate(a) if i < len(b) and b[i] != ip] if len(a) == len(b) else (
        [0] if b[0] != a[0] else [])
    out.extend(violation(new, f"spec.clusterIPs[{i}]", f"spec.clusterIPs[{i}]", "Invalid", ONCE_SET,
                         "service-clusterip-immutable", _SRC, value=b) for i in changed)
    if len(a) > len(b) == 1 and dig(new, "spec", "ipFamilyPolicy") != "SingleStack":
        out.append(violation(new, "spec.ipFamilyPolicy", "spec.ipFamilyPolicy", "Invalid",
                             "must be set to 'SingleStack' when releasing the secondary clusterIP",
                             "service-clusterip-downgrade", _SRC, value=dig(new, "spec", "ipFamilyPolicy")))
    return out


def service_rules(old: Obj, new: Obj) -> list[Violation]:
    out: list[Violation] = []
    old_type = dig(old, "spec", "type") or "ClusterIP"
    new_type = dig(new, "spec", "type") or "ClusterIP"
    if "ExternalName" not in (old_type, new_type):  # to or from ExternalName bypasses the IP checks
        out.extend(_cluster_ip_rules(old, new))
        fa, fb = list(dig(old, "spec", "ipFamilies") or []), list(dig(new, "spec", "ipFamilies") or [])
        headless_a, headless_b = _cluster_ips(old) == ["None"], _cluster_ips(new) == ["None"]
        # Headless Services may change families; to or from headless is not checked.
        if fa and fb and headless_a == headless_b and not headless_b and fa[0] != fb[0]:
            out.append(violation(new, "spec.ipFamilies[0]", "spec.ipFamilies[0]", "Invalid", ONCE_SET,
                                 "service-ipfamilies-immutable", _SRC, value=fb))
    both_lb = old_type == new_type == "LoadBalancer"
    if both_lb and dig(old, "spec", "loadBalancerClass") != dig(new, "spec", "loadBalancerClass"):
        out.append(violation(new, "spec.loadBalancerClass", "spec.loadBalancerClass", "Invalid", ONCE_SET,
                             "service-lbclass-immutable", _SRC, value=dig(new, "spec", "loadBalancerClass")))
    a_hc, b_hc = dig(old, "spec", "healthCheckNodePort"), dig(new, "spec", "healthCheckNodePort")
    if both_lb and a_hc and b_hc and a_hc != b_hc:
        out.append(violation(new, "spec.healthCheckNodePort", "spec.healthCheckNodePort", "Forbidden",
                             FIELD_IMMUTABLE, "service-healthchecknodeport-immutable", _SRC))
    return out

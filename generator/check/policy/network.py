"""TR-NET-*: the effective ingress and egress of every Redis pod, against exactly what is needed.

Allowed ingress: the backend namespace on the Redis port; with replication, the release's Redis
pods on the Redis port (and, with Sentinel, the backend and those pods on the Sentinel port);
with metrics, the monitoring namespace on the exporter port. Allowed egress: DNS (port 53, any
destination) and, with replication, the release's Redis pods on the Redis/Sentinel ports.
Anything more is a finding, and so is a needed path no rule opens.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from generator.check.policy import deployment, netpol
from generator.check.policy.model import Context, Coverage, Evaluation, Finding, Rule
from generator.check.policy.netpol import ANY_PROTOCOL, Allowed, Grant, Target
from generator.core.k8s import containers, dig, pod_templates, selector_matches

POLICY_FILE = "chart/templates/networkpolicy.yaml"


def targets(ctx: Context) -> tuple[list[Target], bool]:
    """The Redis pods, and whether they were seen (False: assumed from Bitnami's conventions)."""
    selector = deployment.pod_selector(ctx)
    ns = ctx.settings.namespace
    found = []
    for pod in pod_templates(list(ctx.objects)):
        if not selector_matches({"matchLabels": selector}, pod.labels):
            continue
        ports = {}
        for c in containers(pod):
            for p in c.spec.get("ports") or []:
                if p.get("name") and p.get("containerPort"):
                    ports[str(p["name"])] = (int(p["containerPort"]), str(p.get("protocol") or "TCP"))
        found.append(Target(pod.name, ns, pod.labels, ports))
    if found or ctx.subchart:
        return found, True
    named = {"redis": (deployment.redis_port(ctx), "TCP")}
    if deployment.metrics(ctx):
        named["metrics"] = (deployment.metrics_port(ctx), "TCP")
    if deployment.sentinel(ctx):
        named["redis-sentinel"] = (deployment.sentinel_port(ctx), "TCP")
    assumed = [Target(f"StatefulSet/{deployment.fullname(ctx)}-{c}", ns,
                      {**selector, deployment.COMPONENT: c}, named) for c in deployment.components(ctx)]
    return assumed, False


def allowed_ingress(ctx: Context, target: Target) -> list[Allowed]:
    s = ctx.settings
    port = deployment.redis_port(ctx)
    out = [Allowed("TCP", port, s.backend_namespace, why="the backend namespace")]
    peers = dict(namespace=s.namespace, pod_labels=target.labels, pod_pins=deployment.pod_selector(ctx))
    if deployment.replicated(ctx):
        out.append(Allowed("TCP", port, why="replication between the release's Redis pods", **peers))  # type: ignore[arg-type]
        if deployment.sentinel(ctx):
            sp = deployment.sentinel_port(ctx)
            out.append(Allowed("TCP", sp, s.backend_namespace, why="clients asking Sentinel for the master"))
            out.append(Allowed("TCP", sp, why="Sentinel between the release's Redis pods", **peers))  # type: ignore[arg-type]
    if deployment.metrics(ctx):
        out.append(Allowed("TCP", deployment.metrics_port(ctx), str(getattr(s, "monitoring_namespace", "monitoring")),
                           why="Prometheus scrapes"))
    return out


def allowed_egress(ctx: Context, target: Target) -> list[Allowed]:
    out = [Allowed(p, 53, anywhere=True, why="DNS") for p in ("UDP", "TCP")]
    if deployment.replicated(ctx):
        peers = dict(namespace=ctx.settings.namespace, pod_labels=target.labels, pod_pins=deployment.pod_selector(ctx))
        out.append(Allowed("TCP", deployment.redis_port(ctx), why="replication", **peers))  # type: ignore[arg-type]
        if deployment.sentinel(ctx):
            out.append(Allowed("TCP", deployment.sentinel_port(ctx), why="Sentinel", **peers))  # type: ignore[arg-type]
    return out


def _excess(grant: Grant, allowed: list[Allowed]) -> list[str]:
    by_point: dict[tuple[str, int], list[Allowed]] = defaultdict(list)
    for a in allowed:
        by_point[(a.protocol, a.port)].append(a)
    problems: list[str] = []
    for r in grant.ports:
        inside = sorted(pt for pt in by_point if r.has(*pt))
        problems.extend(f"{proto} {port}" for proto, port in inside
                        if not netpol.within(grant.peer, by_point[(proto, port)]))
        if r.protocol == ANY_PROTOCOL or r.hi - r.lo + 1 > len(inside):
            other = f" other than {', '.join(f'{p} {n}' for p, n in inside)}" if inside else ""
            problems.append(r.show() + other)
    return problems


def _evaluate(ctx: Context, rule: Rule, direction: str) -> Evaluation:
    policies = ctx.of_kind("NetworkPolicy")
    pods, seen = targets(ctx)
    grouped: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    verb = "admits" if direction == "Ingress" else "lets the pods reach"
    allowed_of = allowed_ingress if direction == "Ingress" else allowed_egress
    for pod in pods:
        admitted = netpol.admitted(policies, pod, direction, ctx.settings.namespace)
        allowed = allowed_of(ctx, pod)
        if not admitted.isolated:
            grouped[(pod.name, "spec.template.metadata.labels",
                     f"no NetworkPolicy with policyType {direction} selects these pods: every "
                     f"{'source' if direction == 'Ingress' else 'destination'} is allowed on every port",
                     POLICY_FILE)].append(pod.name)
            continue
        for grant in admitted.grants:
            problems = _excess(grant, allowed)
            if problems:
                grouped[(grant.policy, grant.path, f"{verb} {grant.peer.show()} on {', '.join(problems)}",
                         ctx.source(grant.policy))].append(pod.name)
        for a in allowed:
            if a.anywhere:
                continue
            if not any(netpol.reaches(g.peer, a) and any(r.has(a.protocol, a.port) for r in g.ports)
                       for g in admitted.grants):
                grouped[(admitted.policies[0], f"spec.{direction.lower()}",
                         f"no rule opens {a.show()}", ctx.source(admitted.policies[0]))].append(pod.name)
    findings = [rule.finding(ctx, obj, path, f"{message}; for {', '.join(sorted(set(names)))}", file=file)
                for (obj, path, message, file), names in grouped.items()]
    if seen:
        return rule.evaluation(findings)
    findings.extend(_bitnami_policy(ctx, rule))
    return rule.evaluation(findings, Coverage.PARTIAL,
                           "subchart objects not rendered: Redis pod labels and ports assumed from Bitnami's "
                           "conventions; only our NetworkPolicy and redis.networkPolicy values were seen")


def _bitnami_policy(ctx: Context, rule: Rule) -> Iterable[Finding]:
    """Without the subchart its own NetworkPolicy is unseen: it must be off in the values."""
    if dig(deployment.redis_values(ctx), "networkPolicy", "enabled", default=True):
        yield rule.finding(ctx, ctx.values_file, "redis.networkPolicy.enabled",
                           "the Bitnami chart's NetworkPolicy is on (not rendered here: no subchart); "
                           "policies add up, and its default admits every source on the Redis port",
                           "set redis.networkPolicy.enabled: false (chart/values.yaml)")


def check_ingress(ctx: Context, rule: Rule) -> Evaluation:
    return _evaluate(ctx, rule, "Ingress")


def check_egress(ctx: Context, rule: Rule) -> Evaluation:
    return _evaluate(ctx, rule, "Egress")


RULES = (
    Rule("TR-NET-001", "ingress-exactly-backend", "network",
         "The union of every NetworkPolicy selecting a Redis pod admits exactly the backend namespace on the "
         "Redis port (plus replication, Sentinel and metrics peers when those are on), nothing else.",
         "narrow or remove the rule in chart/templates/networkpolicy.yaml (backend_namespace, "
         "monitoring_namespace), or the extra NetworkPolicy that selects the Redis pods",
         check_ingress),
    Rule("TR-NET-002", "egress-dns-only", "network",
         "Redis pods may reach DNS (port 53) and, with replication, the release's Redis pods; nothing else.",
         "restrict egress in chart/templates/networkpolicy.yaml to port 53 (and replication peers)",
         check_egress),
)

"""TR-EXP-*: Redis stays inside the cluster: ClusterIP Services only, no host network or ports."""

from __future__ import annotations

from generator.check.policy import deployment
from generator.check.policy.model import Context, Coverage, Evaluation, Rule
from generator.core.k8s import containers, dig, name_of

EXPOSING_KINDS = ("Ingress", "Route", "Gateway", "HTTPRoute", "TCPRoute", "TLSRoute", "GRPCRoute", "UDPRoute")
SERVICE_VALUES = ("master.service", "replica.service", "sentinel.service", "metrics.service")


def check_services(ctx: Context, rule: Rule) -> Evaluation:
    findings = []
    for svc in ctx.of_kind("Service"):
        spec = svc.get("spec") or {}
        kind = spec.get("type") or "ClusterIP"
        if kind != "ClusterIP":
            findings.append(rule.finding(ctx, name_of(svc), "spec.type", f"type {kind} exposes Redis outside "
                                         "the cluster", "set redis.<component>.service.type: ClusterIP"))
        if spec.get("externalIPs"):
            findings.append(rule.finding(ctx, name_of(svc), "spec.externalIPs",
                                         f"external IPs {', '.join(map(str, spec['externalIPs']))} route outside "
                                         "traffic to Redis", "empty redis.<component>.service.externalIPs"))
    for obj in ctx.of_kind(*EXPOSING_KINDS):
        findings.append(rule.finding(ctx, name_of(obj), "", f"a {obj.get('kind')} exposes a Service outside the "
                                     "cluster", "remove it (redis.extraDeploy)"))
    if ctx.subchart:
        return rule.evaluation(findings)
    r = deployment.redis_values(ctx)
    for key in SERVICE_VALUES:
        section = dig(r, *key.split("."), default={}) or {}
        if section.get("type", "ClusterIP") != "ClusterIP":
            findings.append(rule.finding(ctx, ctx.values_file, f"redis.{key}.type",
                                         f"type {section['type']} exposes Redis outside the cluster",
                                         f"set redis.{key}.type: ClusterIP"))
        if section.get("externalIPs"):
            findings.append(rule.finding(ctx, ctx.values_file, f"redis.{key}.externalIPs",
                                         "external IPs route outside traffic to Redis",
                                         f"empty redis.{key}.externalIPs"))
    if dig(r, "sentinel", "externalAccess", "enabled"):
        findings.append(rule.finding(ctx, ctx.values_file, "redis.sentinel.externalAccess.enabled",
                                     "per-node LoadBalancer Services expose Redis outside the cluster",
                                     "set redis.sentinel.externalAccess.enabled: false"))
    return rule.evaluation(findings, Coverage.PARTIAL,
                           "subchart objects not rendered: Bitnami's Services unseen; their values were checked")


def check_host(ctx: Context, rule: Rule) -> Evaluation:
    findings = []
    all_pods, seen = deployment.redis_pods(ctx)
    for pod in all_pods:
        if pod.spec.get("hostNetwork"):
            findings.append(rule.finding(ctx, pod.name, pod.at("spec", "hostNetwork"),
                                         "the pod shares the node's network: Redis listens on the node's address",
                                         "remove hostNetwork"))
        for c in containers(pod):
            for i, port in enumerate(c.spec.get("ports") or []):
                if port.get("hostPort"):
                    findings.append(rule.finding(ctx, pod.name, c.at(f"ports[{i}].hostPort"),
                                                 f"container {c.name} publishes port {port.get('containerPort')} on "
                                                 f"the node as {port['hostPort']}", "remove hostPort"))
    if seen:
        return rule.evaluation(findings)
    return rule.evaluation(findings, Coverage.PARTIAL, deployment.ASSUMED)


RULES = (
    Rule("TR-EXP-001", "cluster-ip-only", "exposure",
         "Every Service is ClusterIP without external IPs, and nothing (Ingress, Gateway route) exposes one.",
         "set redis.*.service.type: ClusterIP and leave externalIPs empty", check_services),
    Rule("TR-EXP-002", "no-host-network", "exposure",
         "No pod uses the host network and no container publishes a hostPort.",
         "remove hostNetwork / hostPort", check_host),
)

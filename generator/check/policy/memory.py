"""TR-MEM-*: a memory ceiling in the configuration redis-server really reads, with room for the
RDB fork under the container's memory limit, and an eviction policy chosen for OTP codes.

Without `maxmemory` Redis grows until the kernel kills the container at its limit: every code
since the last snapshot is lost, and the fork of a snapshot makes that most likely exactly then.
The headroom is generator/render/memory.py's inequality, 2.2 x maxmemory + 16Mi <= 0.9 x limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from generator.bitnami import names
from generator.check.policy import deployment, serverconf
from generator.check.policy.model import WARNING, Context, Coverage, Evaluation, Finding, Rule
from generator.core.k8s import containers, dig, pod_templates, selector_matches
from generator.render import memory

UNSEEN = "subchart objects not rendered: checked the configuration and resources the values would render"
_REDIS_UNITS = {"": 1, "k": 1000, "kb": 1024, "m": 1000**2, "mb": 1024**2, "g": 1000**3, "gb": 1024**3}
_REDIS_BYTES = re.compile(r"^([0-9]+)([kmg]b?)?$", re.IGNORECASE)


def redis_bytes(text: str) -> int | None:
    """A redis.conf memory value (100, 45mb, 1gb: k/m/g are powers of 1000, kb/mb/gb of 1024)."""
    m = _REDIS_BYTES.match(text.strip())
    return int(m.group(1)) * _REDIS_UNITS[(m.group(2) or "").lower()] if m else None


@dataclass(frozen=True)
class Limit:
    obj: str
    field: str
    memory: str | None  # the memory limit as written, None when there is none


def limits(ctx: Context) -> list[Limit]:
    """The memory limit of every Redis container: rendered, or as the values would render it."""
    if ctx.subchart:
        out = []
        selector = {"matchLabels": deployment.pod_selector(ctx)}
        for pod in pod_templates(list(ctx.objects)):
            if not selector_matches(selector, pod.labels):
                continue
            for c in containers(pod):
                if c.kind == "containers" and c.name == "redis":
                    out.append(Limit(pod.name, c.at("resources", "limits", "memory"),
                                     dig(c.spec, "resources", "limits", "memory")))
        return out
    r = deployment.redis_values(ctx)
    roles = ["master", "replica"] if deployment.replicated(ctx) else ["master"]
    return [Limit(ctx.values_file, f"redis.{role}.resources.limits.memory",
                  dig(r, role, "resources", "limits", "memory")) for role in roles]


def _roles(ctx: Context) -> list[serverconf.Effective]:
    return serverconf.from_render(ctx) if ctx.subchart else [serverconf.from_values(ctx)]


def _evaluation(ctx: Context, rule: Rule, findings: Iterator[Finding]) -> Evaluation:
    return rule.evaluation(findings) if ctx.subchart else rule.evaluation(findings, Coverage.PARTIAL, UNSEEN)


def _where(ctx: Context, effective: serverconf.Effective, name: str) -> tuple[str, str]:
    last = effective.last(name)
    return (last.obj, last.field) if last else (ctx.values_file, "redis.commonConfiguration")


def check_maxmemory(ctx: Context, rule: Rule) -> Evaluation:
    return _evaluation(ctx, rule, _maxmemory(ctx, rule))


def _maxmemory(ctx: Context, rule: Rule) -> Iterator[Finding]:
    found = [x for x in limits(ctx) if x.memory is not None]
    for effective in _roles(ctx):
        last = effective.last("maxmemory")
        obj, field = _where(ctx, effective, "maxmemory")
        value = redis_bytes(last.args[0]) if last and len(last.args) == 1 else None
        if last is None or not value:
            shown = "no maxmemory" if last is None else f"maxmemory {' '.join(last.args) or '(empty)'}"
            yield rule.finding(ctx, obj, field, f"{shown} in the final configuration of {effective.role}: Redis grows "
                               "until the kernel kills the container, losing every code since the last snapshot")
            continue
        for x in found:
            container = memory.to_bytes(str(x.memory))
            if container is not None and not memory.fits(value, container):
                yield rule.finding(ctx, obj, field, f"maxmemory {last.args[0]} of {effective.role} leaves no room for "
                                   f"the RDB fork under the {x.memory} limit of {x.obj}: the fork's worst case "
                                   f"{memory.peak_bound(value) / memory.MiB:.0f} MiB is over "
                                   f"{float(memory.LIMIT_MARGIN):g} x the limit "
                                   f"({float(memory.LIMIT_MARGIN * container) / memory.MiB:.0f} MiB; "
                                   f"at most maxmemory {memory.largest(container) // memory.MiB} MiB fits)")


def check_policy(ctx: Context, rule: Rule) -> Evaluation:
    return _evaluation(ctx, rule, _policy(ctx, rule))


def _policy(ctx: Context, rule: Rule) -> Iterator[Finding]:
    want = ctx.settings.maxmemory_policy
    for effective in _roles(ctx):
        last = effective.last("maxmemory-policy")
        obj, field = _where(ctx, effective, "maxmemory-policy")
        if last is None:
            yield rule.finding(ctx, obj, field, f"no maxmemory-policy in the final configuration of {effective.role}: "
                               "Redis' implicit noeviction refuses every new code once maxmemory is reached")
        elif last.args != (want,):
            yield rule.finding(ctx, obj, field, f"maxmemory-policy of {effective.role} is {' '.join(last.args)!r}, "
                               f"maxmemory_policy is {want!r}")


def check_limit(ctx: Context, rule: Rule) -> Evaluation:
    found = limits(ctx)
    findings = [rule.finding(ctx, x.obj, x.field, "the Redis container has no memory limit: nothing stops it from "
                             "taking the node's memory, and maxmemory has nothing to be checked against")
                for x in found if x.memory is None]
    if ctx.subchart and not found:
        findings.append(rule.finding(ctx, f"StatefulSet/{names.master(deployment.fullname(ctx))}", "spec",
                                     "no Redis container rendered: its memory limit is unknown"))
    return _evaluation(ctx, rule, iter(findings))


def check_noeviction(ctx: Context, rule: Rule) -> Evaluation:
    findings = []
    for effective in _roles(ctx):
        last = effective.last("maxmemory-policy")
        if last is not None and last.args == ("noeviction",):
            findings.append(rule.finding(
                ctx, last.obj, last.field, f"maxmemory-policy noeviction on {effective.role}: once maxmemory is "
                "reached every new code is refused (OOM) until older ones expire, up to "
                f"{ctx.settings.otp_ttl_seconds} s; SMS logins fail meanwhile"))
    return _evaluation(ctx, rule, iter(findings))


RULES = (
    Rule("TR-MEM-001", "maxmemory-with-headroom", "memory",
         "redis-server runs with a maxmemory that leaves room under the container's memory limit for the RDB fork "
         "to copy every page (2.2 x maxmemory + 16Mi <= 0.9 x limit).",
         "leave maxmemory unset (derived from resources.limits.memory) or lower it; drop later maxmemory lines",
         check_maxmemory),
    Rule("TR-MEM-002", "eviction-policy", "memory",
         "An eviction policy is set in the configuration redis-server finally reads, the environment's "
         "maxmemory_policy.",
         "keep redis.commonConfiguration as generated from maxmemory_policy", check_policy),
    Rule("TR-MEM-003", "memory-limit", "memory",
         "Every Redis container has a memory limit.",
         "set resources.limits.memory in the environment file (at least 64Mi)", check_limit),
    Rule("TR-MEM-004", "noeviction-refuses-codes", "memory",
         "A note when the store refuses new codes at maxmemory (noeviction) instead of evicting the codes "
         "closest to expiry.",
         "set maxmemory_policy: volatile-ttl (the default) to keep issuing codes through a flood",
         check_noeviction, level=WARNING),
)

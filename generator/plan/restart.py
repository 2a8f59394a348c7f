"""Which changes roll the Redis pods, and what a roll costs the OTP logins.

Any semantic change of a workload's spec.template makes a new controller revision and replaces
its pods. Bitnami's checksum/* annotations put the ConfigMaps' content into the template, so a
redis.conf change restarts Redis too, and its helm.sh/chart label does so on every chart bump.
"""

from __future__ import annotations

from typing import Any

from generator.core.k8s import dig
from generator.plan.rules.base import ABSENT, Obj, diff_paths, identity, normalize, show

WORKLOADS = {("apps", "StatefulSet"), ("apps", "Deployment"), ("apps", "DaemonSet")}
# Measured for issue 10 on real redis-server 7.0.15 with the rendered redis.conf (save 60 1), N live
# sms_otp records with EX 300, median of 3 runs on a shared 2-core machine: SIGTERM -> exit
# including the final RDB save, and start -> PONG including loading it. Codes survived every run.
MEASURED = ((100_000, 0.22, 0.10), (1_000_000, 1.6, 2.2))  # (records, save s, load s)
STARTUP_S = 2  # scheduling on the same node, volume mount, container start: seconds, not measured
# Kubernetes' own defaults where the rendered pod leaves a field out.
DEFAULT_GRACE_S = 30
DEFAULT_PERIOD_S = 10


def restart_reason(old: Obj, new: Obj) -> str | None:
    """Why the pods of this StatefulSet / Deployment / DaemonSet are replaced, or None."""
    grp, kind, _, _ = identity(new)
    if (grp, kind) not in WORKLOADS:
        return None
    raw_a, raw_b = dig(old, "spec", "template") or {}, dig(new, "spec", "template") or {}
    a, b = normalize(raw_a, ("spec", "template")), normalize(raw_b, ("spec", "template"))
    if a == b:
        return None
    # The render's own spelling ("512Mi"), but only where the values differ by value.
    semantic = {p for p, _, _ in diff_paths(a, b, "spec.template", limit=50)}
    changes = [c for c in diff_paths(raw_a, raw_b, "spec.template", limit=50) if c[0] in semantic][:8]
    parts = []
    for path, x, y in changes:
        if path.startswith("spec.template.metadata.annotations.checksum/"):
            what = path.rsplit("checksum/", 1)[1]
            parts.append(f"checksum/{what} changed (content of the {what} the pods mount)")
        elif path == "spec.template.metadata.labels.helm.sh/chart":
            parts.append(f"chart label {x} -> {y}")
        else:
            parts.append(f"{path}: {_short(x)} -> {_short(y)}")
    on_delete = kind != "Deployment" and dig(new, "spec", "updateStrategy", "type") == "OnDelete"
    when = "pods keep the old template until each is deleted (updateStrategy OnDelete)" if on_delete \
        else "pods are replaced"
    return f"pod template changed, {when}: " + "; ".join(parts)


def _short(value: Any) -> str:
    if value is ABSENT:
        return "<absent>"
    text = value if isinstance(value, str) else show(value)
    # both ends: image references differ at the tag, paths at the tail
    return text if len(text) <= 100 else text[:45] + "..." + text[-50:]


def _redis_container(sts: Obj) -> dict[str, Any]:
    containers = dig(sts, "spec", "template", "spec", "containers") or []
    return next((c for c in containers if c.get("name") == "redis"), containers[0] if containers else {})


def outage(sts: Obj, sentinel_down_after_ms: int | None = None) -> str:
    """What a roll of this Redis StatefulSet does to the OTP logins, from its rendered probes."""
    replicas = int(dig(sts, "spec", "replicas") or 1)
    grace = int(dig(sts, "spec", "template", "spec", "terminationGracePeriodSeconds") or DEFAULT_GRACE_S)
    probe = _redis_container(sts).get("readinessProbe") or {}
    delay, period = int(probe.get("initialDelaySeconds") or 0), int(probe.get("periodSeconds") or DEFAULT_PERIOD_S)
    persistent = bool(dig(sts, "spec", "volumeClaimTemplates"))
    (n1, save1, load1), (n2, save2, load2) = MEASURED
    if not persistent:
        return ("no volume: Redis keeps the codes in memory only, so every live OTP code is lost at the restart "
                "(users must request a new one)")
    if replicas > 1:
        how = (f"the {replicas} pods are replaced one at a time; while the master's pod restarts, Sentinel "
               f"promotes a replica after down-after-milliseconds {sentinel_down_after_ms} ms plus the election, "
               "and writes fail until then" if sentinel_down_after_ms is not None else
               f"the {replicas} pods are replaced one at a time; writes fail while the master's pod restarts")
        return f"{how}; each pod saves its RDB file on SIGTERM and loads it at start"
    low, high = delay + STARTUP_S, delay + period + STARTUP_S + 3
    return (f"standalone Redis: OTP logins fail for about {low}-{high} s. The pod leaves the Service when it is "
            f"deleted; Redis writes its RDB file on SIGTERM and exits (measured {save1} s for {n1:,} codes, "
            f"{save2} s for {n2:,}); the new pod starts once the old one is gone, loads the file ({load1} s / "
            f"{load2} s) and is Ready after the readiness probe's initialDelaySeconds {delay} s plus up to one "
            f"{period} s period (a move to another node adds the volume's detach and attach, tens of seconds). "
            f"Codes survive, their TTL keeps running. If the final save fails (a full disk), Redis is killed "
            f"after terminationGracePeriodSeconds {grace} s and codes since the last snapshot are lost")

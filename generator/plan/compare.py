"""One environment's plan: its objects on both sides paired and classified, the findings a
reviewer must read (forbidden updates with their runbooks, data at risk, restarts, deletions,
outputs the backend must follow), what could not be compared, and the per-object diffs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.bitnami import archive
from generator.core.k8s import dig
from generator.core.settings import PlanAcknowledgement, Settings
from generator.plan import acknowledge, classify, data, outputs, restart, runbooks, textdiff
from generator.plan.model import DELETE, FORBIDDEN, REMOVAL, RESTART, UPDATE, Change, EnvPlan, Finding
from generator.plan.objects import ARGOCD_CLUSTER, EMPTY, Indexed, index, short
from generator.plan.rules import Violation, claim_names, claims, forbidden
from generator.plan.rules.base import diff_paths, normalize
from generator.plan.sides import Side
from generator.render.values import subchart_values

NO_APPLICATION = "(no Argo CD Application: applied by hand)"


def _server(settings: Settings) -> str:
    return settings.argocd.destination_server if settings.argocd else NO_APPLICATION


def _indexed(side: Side, env: str) -> Indexed:
    settings, result = side.settings(env), side.results.get(env)
    if settings is None or result is None:
        return EMPTY
    objects = index(result.objects, settings.namespace, _server(settings))
    app = side.application(env)
    if app is None:
        return objects
    apps = index([app], "", ARGOCD_CLUSTER)
    return Indexed({**objects.objects, **apps.objects}, objects.subchart_keys)


def _claim_spec(sts: dict[str, Any] | None) -> tuple[str, str]:
    """(storage request, storage class) of the first claim template."""
    template = (dig(sts, "spec", "volumeClaimTemplates") or [{}])[0]
    return (str(dig(template, "spec", "resources", "requests", "storage") or ""),
            str(dig(template, "spec", "storageClassName") or ""))


def _forbidden(env: str, file: str, change: Change, v: Violation, app: str, resume: str,
               kube_version: str) -> Finding:
    assert change.old is not None and change.new is not None
    fields = [f.strip() for f in v.field.split(",")]
    shown = [f"changed: {p}: {x!r} -> {y!r}" for p, x, y in diff_paths(change.old, change.new, limit=60)
             if any(p.startswith(f) or f.startswith(p) for f in fields)][:8] or [f"changed: {v.field}"]
    detail = [v.message, *shown, f"rule {v.rule}: {v.source}"]
    if not v.certain:
        detail.append("depends on cluster state not visible offline")
    if not v.verified:
        detail.append("the Kubernetes version boundary of this rule was not read in source")
    growing = False
    if change.key[2] == "StatefulSet" and "volumeClaimTemplates" in v.field:
        (old_size, _), (new_size, _) = _claim_spec(change.old), _claim_spec(change.new)
        growing = bool(old_size and new_size) and normalize(new_size, ("requests", "storage")) > normalize(
            old_size, ("requests", "storage"))
        for old_claim, new_claim in zip(claims(change.old), claims(change.new), strict=False):
            for refusal in forbidden(old_claim, new_claim, kube_version):
                if refusal.certain:
                    detail.append(f"the claim cannot take it either: {refusal.message}")
                else:
                    detail.append(f"kubectl patch pvc {dig(old_claim, 'metadata', 'name')} is accepted only where the "
                                  "StorageClass allows expansion (allowVolumeExpansion: true)")
    size, storage_class = _claim_spec(change.new)
    steps = runbooks.for_violation(v, app, resume, claim_names(change.old), size, storage_class, growing)
    return Finding(env, FORBIDDEN, short(change.key), "the API server refuses this update, so the sync fails (objects "
                   "applied before it are changed already: a partial sync)", tuple(detail), steps, file)


def _findings(env: str, file: str, changes: Sequence[Change], now: Settings | None, app: str, resume: str,
              kube_version: str) -> list[Finding]:
    out: list[Finding] = []
    for c in changes:
        if c.action == UPDATE and c.forbidden:
            out.extend(_forbidden(env, file, c, v, app, resume, kube_version) for v in c.violations)
        elif c.action == UPDATE and c.restart and c.key[2] == "StatefulSet" and c.new is not None:
            down_after = now.sentinel_down_after_milliseconds if now is not None and now.sentinel_enabled else None
            out.append(Finding(env, RESTART, short(c.key), c.restart, (restart.outage(c.new, down_after),), file=file))
    removed: dict[str, list[str]] = {}  # one finding per way of leaving, listing its objects
    for c in changes:
        if c.action == DELETE:
            removed.setdefault(c.removal, []).append(short(c.key))
    for note, objects in removed.items():
        out.append(Finding(env, REMOVAL, objects[0] if len(objects) == 1 else f"{len(objects)} objects", note,
                           tuple(objects) if len(objects) > 1 else (), file=file))
    return out


def _not_compared(base: Side, new: Side, env: str, skipped: set[Any], old: Settings | None,
                  now: Settings | None) -> list[str]:
    if skipped:
        has, lacks = (base, new) if base.subchart(env) else (new, base)
        return [f"{len(skipped)} objects of the Bitnami subchart, rendered on {has.info.label}'s side only: "
                f"{lacks.info.label} has no archive for chart_version {lacks.info.chart_version} "
                f"(chart/charts/redis-{lacks.info.chart_version}.tgz or {archive.cache_dir()}): "
                + ", ".join(short(k) for k in sorted(skipped))]
    redis = any(s is not None and s.enable_redis for s in (old, now))
    sides = [s for s, settings in ((base, old), (new, now)) if settings is not None]
    if redis and not any(s.subchart(env) for s in sides):
        versions = " and ".join(f"{s.info.chart_version} ({s.info.label})" for s in sides)
        if len({s.info.chart_version for s in sides}) == 1:
            versions = f"{sides[0].info.chart_version}" + (" on either side" if len(sides) > 1 else "")
        return [f"the Bitnami subchart's objects (the Redis StatefulSet, its Services, ConfigMaps, ...): no archive "
                f"for chart_version {versions}; place redis-<version>.tgz in chart/charts/ or {archive.cache_dir()}"]
    return []


def uncompared_values(old: Settings | None, now: Settings | None) -> list[str]:
    """What the subchart is handed that changed, when its objects could not be rendered: the
    reviewer must not read "no changes" where a StatefulSet may change (or be refused)."""
    if old is None or now is None or not (old.enable_redis or now.enable_redis):
        return []
    return [f"redis.{path}: {a!r} -> {b!r}".replace("<absent>", "(unset)")
            for path, a, b in diff_paths(subchart_values(old), subchart_values(now), limit=20)]


def environment(env: str, base: Side, new: Side, common_acks: Sequence[PlanAcknowledgement] = ()) -> EnvPlan:
    old, now = base.settings(env), new.settings(env)
    p = new.prepared.get(env) or base.prepared[env]
    status = "added" if old is None else "removed" if now is None else "changed"
    plan = EnvPlan(env, status, p.env.file)
    base_idx, new_idx = _indexed(base, env), _indexed(new, env)
    keys, skipped = classify.compared_keys(base_idx, new_idx, base.subchart(env), new.subchart(env))
    syncing = new.application(env) if now is not None else base.application(env)
    app = str(dig(syncing, "metadata", "name") or "")
    resume = runbooks.resume_flags(dig(syncing, "spec", "syncPolicy", "automated"))
    kube_version = (now or old or p.settings).kube_version
    plan.changes = classify.changes(base_idx, new_idx, keys, kube_version,
                                    classify.removal(syncing, now is None, f"chart/values-{env}.yaml"))
    findings = _findings(env, plan.file, plan.changes, now, app, resume, kube_version)
    findings += data.at_risk(env, plan.file, base_idx, new_idx, old, now, classify.prune_of(syncing), app)
    if old is not None and now is not None and (changed := outputs.changed(old, now)):
        findings.append(outputs.finding(env, plan.file, changed))
        plan.outputs = changed
    items = now.plan_acknowledgements if now is not None else tuple(common_acks)
    plan.findings, plan.unused_acknowledgements = acknowledge.apply(env, findings, items)
    plan.not_compared = _not_compared(base, new, env, skipped, old, now)
    if plan.not_compared and not skipped:
        plan.values_changed = uncompared_values(old, now)
    if old is not None and now is not None and _server(old) != _server(now):
        plan.moved = (_server(old), _server(now))
    plan.diffs = [d for c in plan.changes if (d := textdiff.diff(c.label, c.old, c.new))]
    if status == "changed" and not plan.changes and not plan.findings and not plan.values_changed:
        plan.status = "unchanged"
    return plan

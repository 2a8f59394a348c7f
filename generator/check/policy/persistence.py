"""TR-PER-*: RDB snapshots in force in the configuration Redis really reads, on the PVC as configured."""

from __future__ import annotations

from typing import Any

from generator.bitnami import names
from generator.check.policy import deployment, serverconf
from generator.check.policy.model import Context, Coverage, Evaluation, Finding, Rule
from generator.core import quantity
from generator.core.k8s import dig, name_of

UNSEEN = "subchart objects not rendered: checked the configuration and PVC the values would render"


def _wanted(rdb_save: str) -> tuple[tuple[int, int], ...]:
    n = [int(x) for x in rdb_save.split()]
    return tuple((n[i], n[i + 1]) for i in range(0, len(n), 2))


def _show(rules: tuple[tuple[int, int], ...] | None) -> str:
    if rules is None:
        return "unparsable"
    return " ".join(f"{a} {b}" for a, b in rules) if rules else '"" (snapshots off)'


def check_rdb(ctx: Context, rule: Rule) -> Evaluation:
    s = ctx.settings
    if not s.persistence_enabled:
        return rule.evaluation((), Coverage.NOT_APPLICABLE, "persistence is off")
    roles = serverconf.from_render(ctx) if ctx.subchart else [serverconf.from_values(ctx)]
    findings: list[Finding] = []
    if not roles:
        findings.append(rule.finding(ctx, f"ConfigMap/{names.scripts(deployment.fullname(ctx))}", "data",
                                     "no Redis start script rendered: the effective configuration is unknown"))
    want = _wanted(s.rdb_save)
    for effective in roles:
        have = effective.save()
        last = effective.last("save")
        obj, field = (last.obj, last.field) if last else (ctx.values_file, "redis.commonConfiguration")
        if not have:
            findings.append(rule.finding(ctx, obj, field, f"RDB snapshots are off in the final configuration of "
                                         f"{effective.role} (effective save {_show(have)})",
                                         "remove `save \"\"` after the generated save line (redis.*Configuration)"))
        elif have != want:
            findings.append(rule.finding(ctx, obj, field, f"effective save rules of {effective.role} are "
                                         f"{_show(have)}, rdb_save is {s.rdb_save!r}",
                                         "let commonConfiguration be generated from rdb_save; drop other save lines"))
    if ctx.subchart:
        return rule.evaluation(findings)
    return rule.evaluation(findings, Coverage.PARTIAL, UNSEEN)


def _claims(ctx: Context) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for obj in ctx.of_kind("StatefulSet"):
        for i, claim in enumerate(dig(obj, "spec", "volumeClaimTemplates", default=[]) or []):
            out.append((name_of(obj), f"spec.volumeClaimTemplates[{i}]", claim.get("spec") or {}))
    for obj in ctx.of_kind("PersistentVolumeClaim"):
        out.append((name_of(obj), "spec", obj.get("spec") or {}))
    return out


def check_pvc(ctx: Context, rule: Rule) -> Evaluation:
    s = ctx.settings
    if not s.persistence_enabled:
        return rule.evaluation((), Coverage.NOT_APPLICABLE, "persistence is off")
    findings = []
    if ctx.subchart:
        claims = _claims(ctx)
        if not claims:
            findings.append(rule.finding(ctx, f"StatefulSet/{names.master(deployment.fullname(ctx))}", "spec",
                                         "persistence_enabled is true but no PersistentVolumeClaim is rendered",
                                         "set redis.master.persistence.enabled: true"))
        for obj, path, spec in claims:
            size = dig(spec, "resources", "requests", "storage")
            findings.extend(_compare(ctx, rule, obj, path, size, spec.get("storageClassName")))
        return rule.evaluation(findings)
    p = dig(deployment.redis_values(ctx), "master", "persistence", default={}) or {}
    if p.get("enabled") is False:
        findings.append(rule.finding(ctx, ctx.values_file, "redis.master.persistence.enabled",
                                     "persistence_enabled is true but the values turn the PVC off"))
    storage_class = p.get("storageClass") or None
    findings.extend(_compare(ctx, rule, ctx.values_file, "redis.master.persistence", p.get("size"),
                             "" if storage_class == "-" else storage_class))
    return rule.evaluation(findings, Coverage.PARTIAL, UNSEEN)


def _compare(ctx: Context, rule: Rule, obj: str, path: str, size: Any, storage_class: Any) -> list[Finding]:
    s = ctx.settings
    out = []
    try:
        same = quantity.parse(str(size)) == quantity.parse(s.storage_size)
    except (ValueError, TypeError):
        same = False
    if not same:
        out.append(rule.finding(ctx, obj, f"{path}.resources.requests.storage" if path.startswith("spec") else
                                f"{path}.size", f"PVC size is {size!r}, storage_size is {s.storage_size!r}"))
    want_class = s.storage_class_name or None
    if (storage_class or None) != want_class:
        out.append(rule.finding(ctx, obj, f"{path}.storageClassName" if path.startswith("spec") else
                                f"{path}.storageClass",
                                f"PVC class is {storage_class!r}, storage_class_name is {s.storage_class_name!r}"))
    return out


RULES = (
    Rule("TR-PER-001", "rdb-effective", "persistence",
         "RDB snapshots are on in the configuration redis-server finally reads (a later `save \"\"` cancels "
         "earlier lines), with the rules of rdb_save.",
         "keep redis.commonConfiguration as generated from rdb_save", check_rdb),
    Rule("TR-PER-002", "pvc-as-configured", "persistence",
         "The data PVC has the configured size (storage_size) and class (storage_class_name).",
         "set storage_size / storage_class_name in the environment file and rebuild", check_pvc),
)

"""TR-AUTH-*: password authentication on, the password from the environment's Secret, no way around it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.bitnami import names
from generator.check.policy import deployment, serverconf
from generator.check.policy.model import Context, Coverage, Evaluation, Finding, Rule
from generator.core.k8s import containers, dig
from generator.core.names import PASSWORD_KEY

EMPTY_SWITCHES = ("ALLOW_EMPTY_PASSWORD",)
_OFF = ("no", "false", "0", "")
UNSEEN = "subchart objects not rendered: start script and pod spec unseen; the chart values were checked"


def _values_auth(ctx: Context, rule: Rule) -> Iterator[Finding]:
    auth = dig(deployment.redis_values(ctx), "auth", default={}) or {}
    if auth.get("enabled") is not True:
        yield rule.finding(ctx, ctx.values_file, "redis.auth.enabled",
                           f"password authentication is {auth.get('enabled')!r}, must be true",
                           "set redis.auth.enabled: true (chart/values.yaml)")


def check_requirepass(ctx: Context, rule: Rule) -> Evaluation:
    findings = list(_values_auth(ctx, rule))
    if not ctx.subchart:
        effective = serverconf.from_values(ctx)
        findings.extend(_config_resets(ctx, rule, effective, require_flag=False))
        return rule.evaluation(findings, Coverage.PARTIAL, UNSEEN)
    roles = serverconf.from_render(ctx)
    if not roles:
        findings.append(rule.finding(ctx, f"ConfigMap/{names.scripts(deployment.fullname(ctx))}", "data",
                                     "no Redis start script rendered: cannot show redis-server gets --requirepass",
                                     "render the Bitnami chart with its default scripts"))
    for effective in roles:
        findings.extend(_config_resets(ctx, rule, effective, require_flag=True))
    return rule.evaluation(findings)


def _config_resets(ctx: Context, rule: Rule, effective: serverconf.Effective, require_flag: bool) -> Iterator[Finding]:
    last = effective.last("requirepass")
    script = f"ConfigMap/{names.scripts(deployment.fullname(ctx))}"
    if last is None:
        if require_flag:
            yield rule.finding(ctx, script, f"data.{effective.role}",
                               "redis-server is started without --requirepass: no password is required")
        return
    if last.args in ((), ("",)):
        yield rule.finding(ctx, last.obj, last.field,
                           f"`requirepass \"\"` ({last.where}) comes after the password and switches it off",
                           "remove the requirepass line from redis.commonConfiguration / master.configuration")
    for d in effective.directives:
        if d.name == "user" and d.args[:1] == ("default",) and "nopass" in d.args:
            yield rule.finding(ctx, d.obj, d.field,
                               "the ACL lets the default user in without a password (nopass)",
                               "remove `nopass` for the default user (redis.auth.acl)")


def check_secret(ctx: Context, rule: Rule) -> Evaluation:
    want, key = ctx.settings.secret_name, PASSWORD_KEY
    auth = dig(deployment.redis_values(ctx), "auth", default={}) or {}
    findings = []
    if auth.get("existingSecret") != want or auth.get("existingSecretPasswordKey") != key:
        findings.append(rule.finding(
            ctx, ctx.values_file, "redis.auth.existingSecret",
            f"the password is read from Secret {auth.get('existingSecret')!r} key "
            f"{auth.get('existingSecretPasswordKey')!r}, not the environment's {want!r} key {key!r}",
            "set secret_name in the environment file and rebuild"))
    if not ctx.subchart:
        return rule.evaluation(findings, Coverage.PARTIAL, UNSEEN)
    redis_pods, _ = deployment.redis_pods(ctx)
    selector = deployment.pod_selector(ctx)
    for pod in redis_pods:
        if any(pod.labels.get(k) != v for k, v in selector.items()):
            continue
        volumes = {str(v.get("name")): v for v in pod.spec.get("volumes") or []}
        for c in containers(pod):
            if c.name not in ("redis", "metrics", "sentinel"):
                continue
            if not _reads_secret(c.spec, volumes, want, key):
                findings.append(rule.finding(
                    ctx, pod.name, c.at("env"),
                    f"container {c.name} does not read its password from Secret {want} key {key}",
                    "keep redis.auth.existingSecret / existingSecretPasswordKey as generated"))
    return rule.evaluation(findings)


def _reads_secret(spec: dict[str, Any], volumes: dict[str, dict[str, Any]], want: str, key: str) -> bool:
    env = {str(e.get("name")): e for e in spec.get("env") or [] if isinstance(e, dict)}
    ref = dig(env.get("REDIS_PASSWORD"), "valueFrom", "secretKeyRef")
    if isinstance(ref, dict) and ref.get("name") == want and ref.get("key") == key:
        return True
    path = dig(env.get("REDIS_PASSWORD_FILE"), "value")
    if not isinstance(path, str):
        return False
    for mount in spec.get("volumeMounts") or []:
        mount_path = str(mount.get("mountPath", "")).rstrip("/")
        if not path.startswith(mount_path + "/"):
            continue
        secret = dig(volumes.get(str(mount.get("name"))), "secret")
        if not isinstance(secret, dict) or secret.get("secretName") != want:
            continue
        file = path[len(mount_path) + 1:]
        items = secret.get("items")
        if not items:
            return file == key
        return any(i.get("key") == key and i.get("path") == file for i in items)
    return False


def check_empty_switch(ctx: Context, rule: Rule) -> Evaluation:
    findings = []
    all_pods, seen = deployment.redis_pods(ctx)
    for pod in all_pods:
        for c in containers(pod):
            for i, e in enumerate(c.spec.get("env") or []):
                if str(e.get("name")) in EMPTY_SWITCHES and str(e.get("value", "")).lower() not in _OFF:
                    findings.append(rule.finding(ctx, pod.name, c.at(f"env[{i}].value"),
                                                 f"container {c.name} sets {e.get('name')}={e.get('value')!r}",
                                                 "remove the variable (redis.master.extraEnvVars) and keep auth on"))
    findings.extend(_empty_in_values(ctx, rule, ctx.values, ""))
    if seen:
        return rule.evaluation(findings)
    return rule.evaluation(findings, Coverage.PARTIAL, UNSEEN)


def _empty_in_values(ctx: Context, rule: Rule, node: object, path: str) -> Iterator[Finding]:
    """`allowEmptyPassword: true`, or ALLOW_EMPTY_PASSWORD in an extraEnvVars list, anywhere in the values."""
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{path}.{k}" if path else str(k)
            if str(k).lower() == "allowemptypassword" and v is True:
                yield rule.finding(ctx, ctx.values_file, here, "an empty-password switch is on",
                                   f"remove {here}")
            elif str(v).upper() in EMPTY_SWITCHES and k == "name" and str(node.get("value", "")).lower() not in _OFF:
                yield rule.finding(ctx, ctx.values_file, path, f"sets {v}={node.get('value')!r}",
                                   f"remove {path}")
            else:
                yield from _empty_in_values(ctx, rule, v, here)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _empty_in_values(ctx, rule, v, f"{path}[{i}]")


RULES = (
    Rule("TR-AUTH-001", "password-required", "auth",
         "redis-server requires a password: auth is on, --requirepass is passed, and no later configuration "
         "line (requirepass \"\", an ACL `nopass` default user) takes it back.",
         "keep redis.auth.enabled: true; drop requirepass/nopass lines from the Redis configuration",
         check_requirepass),
    Rule("TR-AUTH-002", "password-from-secret", "auth",
         "Every Redis container reads the password from the environment's Secret (secret_name, key redis-password).",
         "set secret_name in the environment file; keep redis.auth.existingSecret as generated",
         check_secret),
    Rule("TR-AUTH-003", "no-empty-password-switch", "auth",
         "No container and no value turns on an empty-password switch (ALLOW_EMPTY_PASSWORD, allowEmptyPassword).",
         "remove the switch and keep redis.auth.enabled: true",
         check_empty_switch),
)

"""TR-SEC-*: no literal Redis password in what is committed or rendered into ConfigMaps.

`check` renders from git with no password, so any password that shows up was committed. When
TF_VAR_redis_password or REDIS_PASSWORD is set, committed files are also searched for that exact
value (never printed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.check.policy import deployment
from generator.check.policy.model import Context, Coverage, Evaluation, Finding, Rule
from generator.core import files, passwords, yamlio
from generator.core.k8s import Container, containers, dig, name_of, pod_templates

SECRET_KEY = re.compile(r"(?i)(password|passwd|passphrase|requirepass|masterauth|auth-pass)$")
# REDIS_PASSWORD, REDISCLI_AUTH, ...; not switches like ALLOW_EMPTY_PASSWORD (TR-AUTH-003) nor *_FILE paths.
SECRET_ENV = re.compile(r"(?i)(password|passwd|secret|token|_auth)$")
SWITCHES = ("ALLOW_EMPTY_PASSWORD",)
# Lines of redis.conf / sentinel.conf that carry a password, and the ACL `>password` form.
CONF_PASSWORD = re.compile(r"^\s*(requirepass|masterauth|sentinel\s+auth-pass\s+\S+|sentinel\s+sentinel-pass)"
                           r"\s+(?P<value>\S+)", re.I | re.M)
ACL_PLAIN = re.compile(r"^\s*user\s+\S+.*\s>(?P<value>\S+)", re.M)
# A password handed to a program as an argument (a container's command or args, a probe, a
# script in a ConfigMap): `--requirepass x`, `--masterauth=x`, `redis-cli -a x`, quoted or not.
# `-a` counts only after redis-cli, whose flag it is.
FLAG_PASSWORD = re.compile(
    r"""(?:--(?:requirepass|masterauth|sentinel-pass|auth-pass|pass|password)\b|\bredis-cli\b[^\n;|&]*?\s-a\b)"""
    r"""["']?(?:=|\s+)["']?(?P<value>[^\s"';|&)]+)""", re.I)
SCANNED_DIRS = ("environments", "chart", "schemas")
MAX_SCAN_BYTES = 1 << 20


def _is_reference(value: str) -> bool:
    value = value.strip("\"'()")
    return value == "" or value.startswith("$") or value.startswith("{{")


def literal_flags(text: str) -> list[int]:
    """Offsets in `text` of each password given literally after a password flag."""
    return [m.start() for m in FLAG_PASSWORD.finditer(text) if not _is_reference(m.group("value"))]


def _configmap_findings(ctx: Context, rule: Rule) -> Iterator[Finding]:
    for cm in ctx.of_kind("ConfigMap"):
        for key, text in (cm.get("data") or {}).items():
            if not isinstance(text, str):
                continue
            found = [m.start() for pattern in (CONF_PASSWORD, ACL_PLAIN) for m in pattern.finditer(text)
                     if not _is_reference(m.group("value"))]
            for line in sorted({text.count("\n", 0, start) + 1 for start in (*found, *literal_flags(text))}):
                yield rule.finding(ctx, name_of(cm), f"data.{key} line {line}",
                                   "a literal password is rendered into a ConfigMap",
                                   "remove it; the password comes only from the Secret (secret_name)")


def _env_findings(ctx: Context, rule: Rule) -> Iterator[Finding]:
    all_pods, _ = deployment.redis_pods(ctx)
    for pod in all_pods:
        for c in containers(pod):
            for i, e in enumerate(c.spec.get("env") or []):
                name = str(e.get("name", ""))
                if SECRET_ENV.search(name) and name not in SWITCHES and e.get("value") not in (None, ""):
                    yield rule.finding(ctx, pod.name, c.at(f"env[{i}].value"),
                                       f"container {c.name} gets {name} as a literal value",
                                       "read it from the Secret (valueFrom.secretKeyRef or a mounted file)")


def _arguments(c: Container) -> Iterator[tuple[str, str]]:
    """(field path, text) of every string a container hands a program: command and args as one
    command line, each env value, the exec commands of its probes and lifecycle hooks."""
    argv = [str(a) for key in ("command", "args") for a in (c.spec.get(key) or []) if isinstance(a, str)]
    if argv:
        yield c.at("args" if c.spec.get("args") else "command"), " ".join(argv)
    for i, e in enumerate(c.spec.get("env") or []):
        if isinstance(e, dict) and isinstance(e.get("value"), str):
            yield c.at(f"env[{i}].value"), e["value"]
    hooks = [(p, c.spec.get(p)) for p in ("livenessProbe", "readinessProbe", "startupProbe")]
    hooks += [(f"lifecycle.{h}", dig(c.spec, "lifecycle", h)) for h in ("postStart", "preStop")]
    for where, hook in hooks:
        command = dig(hook, "exec", "command")
        if isinstance(command, list):
            yield c.at(f"{where}.exec.command"), " ".join(str(a) for a in command)


def _argument_findings(ctx: Context, rule: Rule) -> Iterator[Finding]:
    for pod in pod_templates(list(ctx.objects)):
        for c in containers(pod):
            for where, text in _arguments(c):
                if literal_flags(text):
                    yield rule.finding(ctx, pod.name, where, f"container {c.name} is handed a literal password "
                                       "as an argument (visible in the pod spec and to `ps`)",
                                       "read it from the Secret: an env var from secretKeyRef, used as $VAR")


def _secret_findings(ctx: Context, rule: Rule) -> Iterator[Finding]:
    for secret in ctx.of_kind("Secret"):
        if secret.get("data") or secret.get("stringData"):
            yield rule.finding(ctx, name_of(secret), "data", "a Secret with a password is rendered from committed "
                               "files (the password must only be given at build time)",
                               "empty secret.password in the values; use TF_VAR_redis_password at build time")


def check_rendered(ctx: Context, rule: Rule) -> Evaluation:
    findings = [*_configmap_findings(ctx, rule), *_env_findings(ctx, rule), *_argument_findings(ctx, rule)]
    if not ctx.password_supplied:
        findings.extend(_secret_findings(ctx, rule))
    supplied = passwords.supplied()
    for obj in ctx.objects if supplied else ():
        if obj.get("kind") == "Secret":
            continue
        if _contains(repr(obj), supplied):
            findings.append(rule.finding(ctx, name_of(obj), "", "the password given in the environment "
                                         "appears literally in this rendered object", "remove it"))
    if ctx.subchart or not ctx.settings.enable_redis:
        return rule.evaluation(findings)
    return rule.evaluation(findings, Coverage.PARTIAL,
                           "subchart objects not rendered: Bitnami's ConfigMaps unseen; our objects and values checked")


def _contains(text: str, supplied: list[str]) -> bool:
    return any(form in text for password in supplied for form in passwords.forms(password))


def _values_findings(ctx: Context, rule: Rule, node: Any, path: str, file: str) -> Iterator[Finding]:
    if isinstance(node, dict):
        for k, v in node.items():
            here = f"{path}.{k}" if path else str(k)
            if SECRET_KEY.search(str(k)) and isinstance(v, str) and v != "":
                yield rule.finding(ctx, file, here, "a literal password is committed in the values",
                                   f"empty {here}; give the password at build time (TF_VAR_redis_password)",
                                   file=file)
            else:
                yield from _values_findings(ctx, rule, v, here, file)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _values_findings(ctx, rule, v, f"{path}[{i}]", file)


def check_committed(ctx: Context, rule: Rule) -> Evaluation:
    findings: list[Finding] = []
    for name, text in sorted(ctx.values_files.items()):
        if name.startswith("values") and name.endswith(".yaml"):
            try:
                data = yamlio.load(text)
            except yamlio.YAMLError:
                continue
            findings.extend(_values_findings(ctx, rule, data, "", f"chart/{name}"))
    supplied = passwords.supplied()
    if supplied and ctx.root is not None:
        for path in _committed_files(ctx.root):
            try:
                text = files.read_regular_file(path, MAX_SCAN_BYTES).decode("utf-8", "replace")
            except OSError:
                continue  # not a regular file, or larger than any file of ours: the guard names it
            if _contains(text, supplied):
                rel = str(path.relative_to(ctx.root))
                findings.append(rule.finding(ctx, rel, "", "the password given in the environment appears "
                                             "literally in this file", "remove it and rotate the password",
                                             file=rel))
    if supplied and ctx.root is None:
        return rule.evaluation(findings, Coverage.PARTIAL, "no project directory: the committed files were not "
                               "searched for the password")
    return rule.evaluation(findings)


def _committed_files(root: Path) -> Iterator[Path]:
    for top in SCANNED_DIRS:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and "charts" not in path.relative_to(root).parts[1:2]:
                yield path


RULES = (
    Rule("TR-SEC-001", "no-password-in-render", "secrets",
         "No literal password in a rendered ConfigMap, container env value, or Secret rendered from git.",
         "keep the password only in the Secret named secret_name, given at build time", check_rendered,
         needs_redis=False),
    Rule("TR-SEC-002", "no-password-committed", "secrets",
         "No literal password in the committed values or files (environments/, chart/, schemas/).",
         "empty the value; give the password at build time (TF_VAR_redis_password)", check_committed,
         needs_redis=False),
)

"""The configuration redis-server actually ends up with, read from the rendered ConfigMaps.

Bitnami's start scripts run `redis-server` with arguments only: `--port`, `--requirepass`,
then `--include redis.conf --include master.conf` (replicas: replica.conf; Sentinel nodes:
replica.conf then redis.conf), then extra flags. Redis reads them in order and a later line
wins; for `save` the first line replaces the built-in default, later lines add to it, and
`save ""` clears everything before it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from generator.bitnami import config, names
from generator.check.policy import deployment
from generator.check.policy.model import Context
from generator.core.k8s import dig

REDIS_DEFAULT_SAVE = ((3600, 1), (300, 100), (60, 10000))  # Redis >= 6.2 without any `save` line
_ARGS = re.compile(r"^\s*ARGS\+?=\((.*)\)\s*$")
SCRIPTS = ("start-master.sh", "start-replica.sh", "start-node.sh")


@dataclass(frozen=True)
class Directive:
    name: str  # lower case
    args: tuple[str, ...]
    obj: str  # ConfigMap/<name>, or the values file when read from values
    field: str  # data.redis.conf line 3, or the values key

    @property
    def where(self) -> str:
        return f"{self.obj} {self.field}"


@dataclass(frozen=True)
class Effective:
    role: str  # the start script (or "values" when synthesized)
    directives: tuple[Directive, ...]

    def last(self, name: str) -> Directive | None:
        found = [d for d in self.directives if d.name == name]
        return found[-1] if found else None

    def save(self) -> tuple[tuple[int, int], ...] | None:
        """The snapshot rules in force; None when something unparsable was seen."""
        rules: list[tuple[int, int]] | None = None
        for d in self.directives:
            if d.name != "save":
                continue
            if rules is None or d.args in ((), ("",)):
                rules = []
            if d.args in ((), ("",)):
                continue
            if len(d.args) % 2 or not all(a.isdigit() for a in d.args):
                return None
            rules.extend((int(d.args[i]), int(d.args[i + 1])) for i in range(0, len(d.args), 2))
        return REDIS_DEFAULT_SAVE if rules is None else tuple(rules)


def parse_lines(text: str, obj: str, field: str) -> list[Directive]:
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            words = shlex.split(stripped, posix=True)
        except ValueError:
            words = stripped.split()
        if words:
            out.append(Directive(words[0].lower(), tuple(words[1:]), obj, f"{field} line {n}"))
    return out


def _configmap(ctx: Context, name: str) -> dict[str, Any] | None:
    for cm in ctx.of_kind("ConfigMap"):
        if (cm.get("metadata") or {}).get("name") == name:
            return dict(cm.get("data") or {})
    return None


def from_render(ctx: Context) -> list[Effective]:
    """One Effective per start script found in the rendered scripts ConfigMap."""
    full = deployment.fullname(ctx)
    scripts = _configmap(ctx, names.scripts(full)) or {}
    config_name = str(dig(deployment.redis_values(ctx), "existingConfigmap") or names.configuration(full))
    config = _configmap(ctx, config_name) or {}
    out = []
    for script in SCRIPTS:
        body = scripts.get(script)
        if not isinstance(body, str):
            continue
        directives: list[Directive] = []
        for args in _script_args(body):
            name, rest = args[0][2:].lower(), args[1:]
            if name == "include" and rest:
                key = rest[0].rsplit("/", 1)[-1]
                text = config.get(key)
                if isinstance(text, str):
                    directives.extend(parse_lines(text, f"ConfigMap/{config_name}", f"data.{key}"))
                continue
            directives.append(Directive(name, tuple(rest), f"ConfigMap/{names.scripts(full)}", f"data.{script}"))
        out.append(Effective(script, tuple(directives)))
    return out


def _script_args(body: str) -> list[list[str]]:
    """The `--option value...` groups the script appends to ARGS, in order."""
    tokens: list[str] = []
    for line in body.splitlines():
        m = _ARGS.match(line)
        if m:
            try:
                tokens.extend(shlex.split(m.group(1)))
            except ValueError:
                continue
    groups: list[list[str]] = []
    for token in tokens:
        if token.startswith("--"):
            groups.append([token])
        elif groups:
            groups[-1].append(token)
    return groups


def from_values(ctx: Context) -> Effective:
    """What the master would read, built from the values as Bitnami's templates would."""
    r = deployment.redis_values(ctx)
    common = str(r.get("commonConfiguration", config.DEFAULT_COMMON_CONFIGURATION))
    master = dig(r, "master", default={}) or {}
    master_conf = "\n".join([f"dir {dig(master, 'persistence', 'path', default=config.DATA_PATH)}",
                             str(master.get("configuration") or "")])
    directives = [*parse_lines(common, ctx.values_file, "redis.commonConfiguration"),
                  *parse_lines(master_conf, ctx.values_file, "redis.master.configuration")]
    flags = " ".join(str(f) for f in master.get("extraFlags") or [])
    for group in _script_args(f"ARGS+=({flags})"):
        directives.append(Directive(group[0][2:].lower(), tuple(group[1:]), ctx.values_file,
                                    "redis.master.extraFlags"))
    return Effective("values", tuple(directives))

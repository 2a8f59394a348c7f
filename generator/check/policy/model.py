"""The records every policy rule shares: what a rule is, what it looks at, what it reports.

A rule sees one rendered environment (`Context`) and returns an `Evaluation`: its findings and,
when it could not see everything it needs (no Bitnami objects without the subchart archive),
how far it got. A rule that could not look never passes silently: the report says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from generator.core.settings import Settings

ERROR = "error"
WARNING = "warning"


class Coverage(Enum):
    FULL = "full"  # every object the rule needs was rendered
    PARTIAL = "partial"  # evaluated on what was there (our objects, values); the rest is unseen
    NOT_APPLICABLE = "not applicable"  # the environment has nothing the rule is about


@dataclass(frozen=True)
class Finding:
    """One broken promise: which rule, where (object and field), what is wrong, what fixes it."""

    rule: str
    level: str
    env: str
    object: str  # Kind/name, or the values/settings file a value-only finding is about
    field: str  # JSON path inside that object ("" when about the object as a whole)
    message: str
    fix: str
    file: str = ""  # the repository file to change (SARIF location)
    suppressed: str = ""  # the written reason when an environment switched the rule off

    def line(self) -> str:
        where = f"{self.object} {self.field}".strip()
        return f"{self.level}: {self.env}: {self.rule} {where}: {self.message} (fix: {self.fix})"


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...] = ()
    coverage: Coverage = Coverage.FULL
    unseen: str = ""  # what could not be evaluated, when coverage is not FULL


@dataclass(frozen=True)
class Context:
    """One environment's render, as the rules read it."""

    settings: Settings
    objects: tuple[dict[str, Any], ...]
    values: dict[str, Any]  # the chart values this environment renders with (values.yaml + values-<env>.yaml)
    values_files: dict[str, str]  # generated chart files, relative to chart/ (their text)
    subchart: bool  # the Bitnami objects are among `objects`
    sources: dict[str, str] = field(default_factory=dict)  # "Kind/name" -> repository file that renders it
    root: Path | None = None  # the project, for rules that read committed files
    password_supplied: bool = False  # a password was given at render time, so our Secret is expected

    @property
    def env(self) -> str:
        return self.settings.env

    @property
    def values_file(self) -> str:
        return f"chart/values-{self.env}.yaml"

    def source(self, obj_name: str) -> str:
        """Where a fix for this object goes: our template, else the environment's values file."""
        return self.sources.get(obj_name) or self.values_file

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o.get("kind") in kinds]


Check = Callable[[Context, "Rule"], Evaluation]


@dataclass(frozen=True)
class Rule:
    id: str  # stable: reports, suppressions and CI annotations key on it
    name: str  # short kebab-case name
    family: str
    summary: str  # the promise, one sentence
    fix: str  # the setting that fixes a finding, in general
    check: Check
    level: str = ERROR
    # Most rules judge the Redis pods; with enable_redis false there are none, and the runner
    # reports them not applicable. Rules about files and values hold regardless.
    needs_redis: bool = True

    def finding(self, ctx: Context, obj: str, path: str, message: str, fix: str = "",
                file: str = "") -> Finding:
        return Finding(self.id, self.level, ctx.env, obj, path, message, fix or self.fix,
                       file or ctx.source(obj))

    def evaluation(self, findings: Iterable[Finding], coverage: Coverage = Coverage.FULL,
                   unseen: str = "") -> Evaluation:
        return Evaluation(tuple(findings), coverage, unseen)

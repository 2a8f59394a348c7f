"""Run every rule on one rendered environment and apply the environment's written exceptions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.check.policy.model import ERROR, Context, Coverage, Finding
from generator.check.policy.rules import RULES
from generator.core import yamlio
from generator.core.k8s import name_of
from generator.core.settings import Settings
from generator.render.values import chart_values


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    coverage: Coverage
    unseen: str


@dataclass(frozen=True)
class EnvReport:
    env: str
    findings: tuple[Finding, ...]  # in force
    suppressed: tuple[Finding, ...]  # switched off by policy_exceptions, each with its reason
    outcomes: tuple[RuleOutcome, ...]
    subchart: bool

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.level == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.level != ERROR)

    def with_coverage(self, *kinds: Coverage) -> list[RuleOutcome]:
        return [o for o in self.outcomes if o.coverage in kinds]


def exceptions(settings: Settings) -> dict[str, str]:
    """policy_exceptions as {rule: reason}; the schema already requires a non-blank reason."""
    return {item.rule: item.reason.strip() for item in settings.policy_exceptions}


def evaluate(ctx: Context) -> EnvReport:
    waived = exceptions(ctx.settings)
    active: list[Finding] = []
    suppressed: list[Finding] = []
    outcomes = []
    for rule in RULES:
        if rule.needs_redis and not ctx.settings.enable_redis:
            evaluation = rule.evaluation((), Coverage.NOT_APPLICABLE, "enable_redis is false")
        else:
            evaluation = rule.check(ctx, rule)
        outcomes.append(RuleOutcome(rule.id, evaluation.coverage, evaluation.unseen))
        for finding in evaluation.findings:
            if rule.id in waived:
                suppressed.append(replace(finding, suppressed=waived[rule.id]))
            else:
                active.append(finding)
    order = lambda f: (f.rule, f.object, f.field, f.message)  # noqa: E731
    return EnvReport(ctx.env, tuple(sorted(set(active), key=order)), tuple(sorted(set(suppressed), key=order)),
                     tuple(outcomes), ctx.subchart)


def context(result: Any, root: Path | None = None, password_supplied: bool = False) -> Context:
    """The rules' view of a renders.Result."""
    settings = result.settings
    values = chart_values(result.files, settings.env)
    return Context(
        settings=settings,
        objects=tuple(result.objects),
        values=values,
        values_files=dict(result.files),
        subchart=result.subchart is not None and bool(settings.enable_redis),
        sources=sources(result.rendered),
        root=root,
        password_supplied=password_supplied,
    )


def sources(rendered: str) -> dict[str, str]:
    """Kind/name -> chart/templates/<file> for the objects our own templates render (helm's
    `# Source:` comments); the subchart's objects are fixed through values, so they have none."""
    out = {}
    for doc in rendered.split("\n---"):
        first = next((line for line in doc.splitlines() if line.startswith("# Source: ")), "")
        parts = first[len("# Source: "):].split("/", 1)
        if len(parts) != 2 or not parts[1].startswith("templates/"):
            continue
        try:
            obj = yamlio.load(doc)
        except yamlio.YAMLError:
            continue
        if isinstance(obj, dict):
            out[name_of(obj)] = f"chart/{parts[1]}"
    return out


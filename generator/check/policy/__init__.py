"""Policy checks: the seed's security promises as named rules over a rendered environment.

`evaluate(context(result))` runs every rule in `rules.RULES` and returns an `EnvReport`;
`generator.check.report` turns reports into text, JSON or SARIF.
"""

from __future__ import annotations

from generator.check.policy.model import Context, Coverage, Finding, Rule
from generator.check.policy.rules import BY_ID, RULES
from generator.check.policy.runner import EnvReport, context, evaluate

__all__ = ["BY_ID", "RULES", "Context", "Coverage", "EnvReport", "Finding", "Rule", "context", "evaluate"]

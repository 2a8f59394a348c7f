"""check/policy/model.py: a finding names the rule, the object and field, the problem and the fix;
a rule's fix goes to the file that renders the object."""

from __future__ import annotations

from generator.check.policy.model import ERROR, Coverage, Evaluation, Finding, Rule
from tests.support.policy_objects import Case


def _rule() -> Rule:
    return Rule("TR-XYZ-001", "a-promise", "test", "Something holds.", "set the setting",
                lambda ctx, rule: rule.evaluation([]))


def test_a_finding_is_one_line_naming_rule_object_field_problem_and_fix() -> None:
    finding = Finding("TR-NET-001", ERROR, "dev", "NetworkPolicy/p", "spec.ingress[0]", "admits everyone",
                      "remove the rule")
    assert finding.line() == ("error: dev: TR-NET-001 NetworkPolicy/p spec.ingress[0]: admits everyone "
                              "(fix: remove the rule)")
    whole = Finding("TR-SEC-002", ERROR, "dev", "chart/values.yaml", "", "holds a password", "remove it")
    assert whole.line() == "error: dev: TR-SEC-002 chart/values.yaml: holds a password (fix: remove it)"


def test_a_rules_finding_points_at_the_template_or_the_values_file() -> None:
    ctx = Case().context()
    rule = _rule()
    ours = rule.finding(ctx, "NetworkPolicy/redis-backend-access", "spec", "wrong")
    assert (ours.file, ours.env, ours.fix, ours.level) == ("chart/templates/networkpolicy.yaml", "staging",
                                                           "set the setting", ERROR)
    bitnami = rule.finding(ctx, "StatefulSet/redis-master", "spec", "wrong", fix="this instead")
    assert (bitnami.file, bitnami.fix) == ("chart/values-staging.yaml", "this instead")


def test_an_evaluation_says_how_far_it_saw() -> None:
    assert _rule().evaluation([]) == Evaluation((), Coverage.FULL, "")
    partial = _rule().evaluation(iter(()), Coverage.PARTIAL, "the pods")
    assert (partial.findings, partial.coverage, partial.unseen) == ((), Coverage.PARTIAL, "the pods")


def test_the_context_reads_kinds_and_names_the_values_file() -> None:
    ctx = Case().context()
    assert ctx.values_file == "chart/values-staging.yaml"
    assert [o["metadata"]["name"] for o in ctx.of_kind("Service", "NetworkPolicy")] == [
        "redis-backend-access", "redis-master", "redis-headless"]

"""check/policy/runner.py: every rule run on one environment, its coverage said, its written exceptions applied."""

from __future__ import annotations

from generator.check.policy import Coverage
from tests.support.policy_objects import Case, container, run


def test_values_only_evaluation_is_partial_never_silent() -> None:
    report = run(Case(subchart=False))
    partial = {o.rule for o in report.with_coverage(Coverage.PARTIAL)}
    assert {"TR-AUTH-001", "TR-NET-001", "TR-PSS-011", "TR-PER-001", "TR-IMG-001"} <= partial
    assert all(o.unseen for o in report.outcomes if o.coverage is Coverage.PARTIAL)
    assert not run(Case()).with_coverage(Coverage.PARTIAL)


def test_disabled_redis_is_not_applicable() -> None:
    report = run(Case(objects=[], settings={"enable_redis": False}))
    assert report.findings == ()
    assert {o.coverage for o in report.outcomes if o.rule.startswith(("TR-NET", "TR-PSS"))} == {
        Coverage.NOT_APPLICABLE}


def test_exception_suppresses_with_reason() -> None:
    case = Case(settings={"policy_exceptions": [{"rule": "TR-PSS-013", "reason": "exporter image needs 10001"}]})
    container(case, "metrics")["securityContext"]["runAsUser"] = 10001
    report = run(case)
    assert not [f for f in report.findings if f.rule == "TR-PSS-013"]
    assert [(f.rule, f.suppressed) for f in report.suppressed] == [("TR-PSS-013", "exporter image needs 10001")]
    assert report.errors == 0

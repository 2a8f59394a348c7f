"""plan_acknowledgements: a forbidden or data-at-risk finding accepted with a written reason."""

from __future__ import annotations

from pathlib import Path

from generator.core.settings import PlanAcknowledgement
from generator.plan import acknowledge
from generator.plan.model import CONFLICT, DATA_AT_RISK, FORBIDDEN, Finding


def finding(kind: str, obj: str = "StatefulSet/redis/redis-master") -> Finding:
    return Finding("prod", kind, obj, "title", file="environments/prod.yaml")


def test_kind_and_object_must_match_with_or_without_the_namespace() -> None:
    items = (PlanAcknowledgement(FORBIDDEN, "StatefulSet/redis-master", " expanded by hand "),
             PlanAcknowledgement(DATA_AT_RISK, "StatefulSet/redis/redis-master", "codes may go"),
             PlanAcknowledgement(DATA_AT_RISK, "StatefulSet/other/redis-master", "another namespace"))
    out, unused = acknowledge.apply("prod", [finding(FORBIDDEN), finding(DATA_AT_RISK), finding(CONFLICT)], items)
    assert [(f.kind, f.acknowledged, f.blocking) for f in out] == [
        (FORBIDDEN, "expanded by hand", False), (DATA_AT_RISK, "codes may go", False), (CONFLICT, "", True)]
    assert unused == ["data-at-risk StatefulSet/other/redis-master"]


def test_a_conflict_cannot_be_acknowledged() -> None:
    out, _ = acknowledge.apply("prod", [finding(CONFLICT, "argocd.destination_server")],
                               (PlanAcknowledgement(CONFLICT, "argocd.destination_server", "no"),))
    assert out[0].blocking


def test_an_item_for_another_environment_applies_only_there() -> None:
    items = (PlanAcknowledgement(FORBIDDEN, "StatefulSet/redis-master", "qa only", environment="qa"),)
    out, unused = acknowledge.apply("prod", [finding(FORBIDDEN)], items)
    assert out[0].blocking and unused == []  # not prod's to report either


def test_common_items_are_read_for_a_removed_environment(tmp_path: Path) -> None:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "_common.yaml").write_text(
        "prefix: twofa\nplan_acknowledgements:\n"
        "  - {finding: data-at-risk, object: StatefulSet/redis-master, reason: retired, environment: qa}\n"
        "  - {finding: forbidden, reason: no object}\n")
    assert acknowledge.from_common(tmp_path) == (
        PlanAcknowledgement(DATA_AT_RISK, "StatefulSet/redis-master", "retired", "qa"),)

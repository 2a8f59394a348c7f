"""The records of a plan: each object's change, the findings a reviewer must read, the summary
per environment, and the two sides it compares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.plan.objects import Key
from generator.plan.rules import Violation

CREATE, UPDATE, DELETE = "create", "update", "delete"
# Finding kinds. The first two stop the plan (exit 1) unless acknowledged in the environment file;
# a conflict (two environments on one release) always does.
FORBIDDEN, DATA_AT_RISK, CONFLICT = "forbidden", "data-at-risk", "conflict"
RESTART, REMOVAL, OUTPUTS, NOT_COMPARED = "restart", "delete", "outputs", "not-compared"
ACKNOWLEDGEABLE = (FORBIDDEN, DATA_AT_RISK)
BLOCKING = (FORBIDDEN, DATA_AT_RISK, CONFLICT)


@dataclass(frozen=True)
class Change:
    """One object that differs between the sides."""

    key: Key
    label: str  # apiVersion/Kind/namespace/name
    action: str  # create, update, delete
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    violations: tuple[Violation, ...] = ()  # the API server's refusals of the update
    restart: str = ""  # why the pods are replaced
    removal: str = ""  # what Argo CD does with a deleted object

    @property
    def forbidden(self) -> bool:
        return bool(self.violations)


@dataclass(frozen=True)
class Finding:
    env: str
    kind: str  # FORBIDDEN, DATA_AT_RISK, ...
    object: str  # Kind/namespace/name, or the setting it is about
    title: str  # one line
    detail: tuple[str, ...] = ()
    runbook: tuple[str, ...] = ()
    file: str = ""  # the environment file to change (SARIF location)
    acknowledged: str = ""  # the written reason, when the environment file acknowledges it

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING and not self.acknowledged


@dataclass(frozen=True)
class Summary:
    create: int = 0
    update: int = 0
    restart: int = 0
    delete: int = 0
    forbidden: int = 0
    data_at_risk: int = 0

    def line(self) -> str:
        return (f"{self.create} to create, {self.update} to update ({self.restart} restart Redis), {self.delete} to "
                f"delete, {self.forbidden} forbidden, {self.data_at_risk} put data at risk")

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class EnvPlan:
    env: str
    status: str  # "changed", "unchanged", "added", "removed"
    file: str  # environments/<env>.yaml
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)  # what could not be compared, and why
    values_changed: list[str] = field(default_factory=list)  # the subchart's changed values, when not compared
    outputs: list[tuple[str, Any, Any]] = field(default_factory=list)
    unused_acknowledgements: list[str] = field(default_factory=list)
    moved: tuple[str, str] | None = None  # (old, new) destination server, when it changes
    diffs: list[str] = field(default_factory=list)  # the detail section, one text per object

    def summary(self) -> Summary:
        at_risk = sum(1 for f in self.findings if f.kind == DATA_AT_RISK)
        return Summary(
            create=sum(1 for c in self.changes if c.action == CREATE),
            update=sum(1 for c in self.changes if c.action == UPDATE and not c.forbidden),
            restart=sum(1 for c in self.changes if c.action == UPDATE and c.restart and not c.forbidden),
            delete=sum(1 for c in self.changes if c.action == DELETE),
            forbidden=sum(1 for c in self.changes if c.forbidden),
            data_at_risk=at_risk,
        )

    @property
    def blocked(self) -> bool:
        return any(f.blocking for f in self.findings)


@dataclass(frozen=True)
class SideInfo:
    name: str  # "base" or "new"
    label: str  # "HEAD (6295e06)", "the work tree"
    chart_version: str  # "" when the side has no environment
    subchart: str  # the archive used, "" when none was found


@dataclass
class Plan:
    base: SideInfo
    new: SideInfo
    envs: list[EnvPlan]

    @property
    def blocked(self) -> bool:
        return any(e.blocked for e in self.envs)

"""`plan`: what syncing the work tree does to what git REF deploys, environment by environment."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from generator import pipeline
from generator.check import destinations, renders
from generator.plan import acknowledge, compare, gitref, sides
from generator.plan.model import CONFLICT, Finding, Plan

__all__ = ["Plan", "make"]


def make(root: Path, ref: str = "HEAD", requested: Sequence[str] = (), workers: int = 2,
         reuse: tuple[Sequence[pipeline.Prepared], Sequence[renders.Result]] | None = None) -> Plan:
    """The plan of the environments asked for (none: every environment of either side).
    reuse: the work tree's prepared and checked renders (`check --base`)."""
    revision = gitref.resolve(root, ref)
    with tempfile.TemporaryDirectory(prefix="twofa-redis.plan.") as tmp:
        base_root = gitref.extract(root, revision, Path(tmp) / "base")
        base, new, names = sides.render(root, base_root, revision, requested, workers, reuse)
    common = acknowledge.from_common(root)
    plans = [compare.environment(env, base, new, common) for env in names]
    deployed = [destinations.Deployment(r.settings, new.prepared[env].env.file, r.objects)
                for env, r in sorted(new.results.items())]
    for conflict in destinations.conflicts(deployed):
        for p in plans:  # under each of the two environments: either may be the one to change
            if p.file in (conflict.first, conflict.second):
                p.findings.append(Finding(p.env, CONFLICT, "argocd.destination_server",
                                          conflict.line().removeprefix("error: "), file=p.file))
                p.status = "changed" if p.status == "unchanged" else p.status
    return Plan(base.info, new.info, plans)

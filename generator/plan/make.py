"""`plan`: what syncing the work tree does to what git REF deploys, environment by environment."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from generator import pipeline
from generator.check import destinations
from generator.plan import acknowledge, compare, gitref, sides
from generator.plan.model import CONFLICT, Finding, Plan

__all__ = ["Plan", "make"]


def make(root: Path, ref: str = "HEAD", requested: Sequence[str] = (), workers: int = 2,
         reuse: tuple[Sequence[pipeline.Prepared], Sequence[pipeline.Result]] | None = None) -> Plan:
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
    by_env = {p.env: p for p in plans}
    for conflict in destinations.conflicts(deployed):
        env = next(name for name, p in by_env.items() if p.file == conflict.second)
        by_env[env].findings.append(Finding(env, CONFLICT, "argocd.destination_server", conflict.line()
                                            .removeprefix("error: "), file=conflict.second))
        by_env[env].status = "changed" if by_env[env].status == "unchanged" else by_env[env].status
    return Plan(base.info, new.info, plans)

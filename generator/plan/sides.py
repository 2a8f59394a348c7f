"""The two sides of a plan, rendered together.

Base: git REF's environments/ and chart/templates/, extracted into a private directory and run
through the CURRENT generator with REF's own settings and chart_version (REF's Python code may
not even run here; its templates and settings are what changed). New: the work tree. Each side
renders with the Bitnami archive of its own chart_version (chart/charts/ or the archive cache);
both sides' helm calls share one pool. Neither side is checked again: `check` does that (and
`check --base` passes its already checked renders in, so they are not made twice).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator import pipeline
from generator.check import renders
from generator.core.errors import GeneratorError, UsageError
from generator.core.paths import CHART_DIR
from generator.core.settings import Settings
from generator.load import discovery
from generator.plan.gitref import Revision
from generator.plan.model import SideInfo
from generator.render import argocd


@dataclass
class Side:
    info: SideInfo
    prepared: dict[str, pipeline.Prepared] = field(default_factory=dict)
    results: dict[str, renders.Result] = field(default_factory=dict)
    environments: tuple[str, ...] = ()  # every environment of the side, rendered or not

    def settings(self, env: str) -> Settings | None:
        p = self.prepared.get(env)
        return p.settings if p is not None else None

    def application(self, env: str) -> dict[str, Any] | None:
        s = self.settings(env)
        return argocd.application(s) if s is not None and s.argocd is not None else None

    def subchart(self, env: str) -> bool:
        r = self.results.get(env)
        return r is not None and r.subchart is not None


def select(requested: Sequence[str], base: Sequence[str], new: Sequence[str]) -> list[str]:
    """The environments to plan: those asked for, each on at least one side; none asked: all."""
    if not requested:
        return sorted(set(base) | set(new))
    for name in requested:
        if not discovery.ENV_NAME.match(name):
            raise UsageError(f"{name!r} is not an environment name (lowercase letters, digits and '-')")
        if name not in base and name not in new:
            raise UsageError(f"unknown environment {name!r}: neither the work tree nor the base has "
                             f"environments/{name}.yaml (known: {', '.join(sorted(set(base) | set(new))) or 'none'})")
    return list(dict.fromkeys(requested))


def _prepare_base(base_root: Path, root: Path, names: list[str], revision: Revision) -> list[pipeline.Prepared]:
    try:
        return pipeline.prepare_all(base_root, names, ecr_root=root) if names else []
    except GeneratorError as e:
        # The files are REF's, not the work tree's: say so in every line.
        problems = [replace(p, file=f"{revision.ref}:{p.file}") for p in e.problems]
        if problems:
            raise type(e)(problems=problems) from None
        raise type(e)(f"{revision.ref}: {e}") from None


def _info(name: str, label: str, prepared: Sequence[pipeline.Prepared], results: Sequence[renders.Result]) -> SideInfo:
    version = prepared[0].settings.chart_version if prepared else ""
    found = next((r.subchart for r in results if r.subchart is not None), None)
    return SideInfo(name, label, version, str(found.archive) if found else "")


def render(root: Path, base_root: Path, revision: Revision, requested: Sequence[str], workers: int = 2,
           reuse: tuple[Sequence[pipeline.Prepared], Sequence[renders.Result]] | None = None,
           ) -> tuple[Side, Side, list[str]]:
    """(base, new, the environments planned). reuse: the work tree's prepared and checked renders
    of every environment (`check --base`), used instead of rendering the new side."""
    base_envs = discovery.known_environments(base_root)
    new_envs = discovery.known_environments(root)
    names = select(requested, base_envs, new_envs)
    base_prepared = _prepare_base(base_root, root, [n for n in names if n in base_envs], revision)
    if reuse is not None:
        new_prepared = [p for p in reuse[0] if p.env.name in names]
        new_results = [r for r in reuse[1] if r.settings.env in names]
    else:
        new_prepared = pipeline.prepare_all(root, [n for n in names if n in new_envs])
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool, contextlib.ExitStack() as stack:
        def start(project: Path | None, prepared: Sequence[pipeline.Prepared]) -> Callable[[], list[renders.Result]]:
            if not prepared:
                return list
            return stack.enter_context(renders.rendering(
                root, [p.settings for p in prepared], [p.env.file for p in prepared], pool,
                chart_source=project / CHART_DIR if project else None, checked=False))

        base_wait = start(base_root, base_prepared)
        new_wait = start(None, new_prepared) if reuse is None else None
        base_results = base_wait()
        if new_wait is not None:
            new_results = new_wait()
    base = Side(_info("base", revision.label, base_prepared, base_results),
                {p.env.name: p for p in base_prepared}, {r.settings.env: r for r in base_results}, tuple(base_envs))
    new = Side(_info("new", "the work tree", new_prepared, new_results),
               {p.env.name: p for p in new_prepared}, {r.settings.env: r for r in new_results}, tuple(new_envs))
    return base, new, names

"""Render and check environments on a private copy of chart/, chart/ untouched: stage the
templates and values (render/stage.py), run `helm lint` and `helm template` as Argo CD does
(every call in the caller's thread pool; a lint that passed on the same inputs is not rerun,
check/helmcache.py), then check what came back: the images, the Kubernetes schemas, the keys
we set in the subchart. The password reaches helm on its stdin only and never an error message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.bitnami import archive
from generator.check import helm, helmcache
from generator.core import atomic, invocation, passwords, yamlio
from generator.core.errors import CheckError, RenderError, ToolError
from generator.core.paths import CHART_DIR
from generator.core.settings import Settings
from generator.render import chart, stage

if TYPE_CHECKING:
    from generator.check import manifests

# How a helm without --skip-schema-validation (before 3.16) refuses it.
SKIP_REFUSED = "unknown flag: --skip-schema-validation"


@dataclass
class Result:
    """A rendered and checked environment."""

    settings: Settings
    files: dict[str, str]  # generated chart files, relative to chart/
    rendered: str  # the full `helm template` output
    objects: list[dict[str, Any]]
    summary: manifests.Summary
    subchart: archive.Subchart | None
    notes: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # files build wrote outside chart/ and build/


def render_checked(root: Path, settings_list: Sequence[Settings], env_files: Sequence[str],
                   password: str | None = None, require_subchart: bool = False, workers: int = 2,
                   lint_each: bool = True) -> list[Result]:
    """Render and check environments on a private copy of chart/; chart/ is not touched.

    `helm lint` checks the chart itself (metadata, template structure) and costs as much as a
    render: with `lint_each` false (check over many environments) it runs once, with the values
    of the first environment that deploys Redis, and each environment gets its own template.
    """
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool, \
            rendering(root, settings_list, env_files, pool, password, require_subchart, lint_each) as results:
        return results()


@contextlib.contextmanager
def rendering(root: Path, settings_list: Sequence[Settings], env_files: Sequence[str], pool: ThreadPoolExecutor,
              password: str | None = None, require_subchart: bool = False, lint_each: bool = True,
              chart_source: Path | None = None, checked: bool = True) -> Iterator[Callable[[], list[Result]]]:
    """Start every helm call in `pool` and yield what waits for the results, so that the caller
    can do its own work meanwhile (or start another side's renders in the same pool).

    chart_source: where the templates come from (default root's chart/; `plan` renders a git
    revision's); the archive of chart_version is looked up in root's chart/charts/ and the cache.
    checked false: render only (no lint, no schema, image or subchart checks), for what runs now.
    """
    source = chart_source or root / CHART_DIR
    if not (source / "templates").is_dir():
        raise RenderError(f"{CHART_DIR}/templates/: missing; our Helm templates are committed, "
                          f"restore them with `git checkout -- {CHART_DIR}`")
    shared = settings_list[0] if settings_list else None  # chart_version, chart_digest: one for all (check_shared)
    found = archive.find_verified(root / CHART_DIR, shared.chart_version, shared.chart_digest) if shared else None
    if found is None and require_subchart and shared:
        raise CheckError(f"{archive.missing(root / CHART_DIR, shared.chart_version)}, and --require-subchart was "
                         f"given: run {invocation.command('deps')} where the registry is reachable, or place it there")
    all_files = [chart.chart_files(s, f) for s, f in zip(settings_list, env_files, strict=True)]
    with atomic.scratch("twofa-redis.") as tmp:
        staged = stage.stage(source, tmp / "chart", all_files, found)
        # The password goes to helm through its stdin only: a file, even 0600, outlives a SIGKILL.
        secret = yamlio.dump_document({"secret": {"password": password}}) if password is not None else None
        specs = [_spec(staged, s, secret) for s in settings_list]
        # A lint that passed before on these very files passes again: it is not run, and its
        # environment's render need not check the values against the charts' schemas either
        # (the lint did). Anything else renders exactly as Argo CD does.
        linted, tree = _linted(staged, specs, root) if checked else ([False] * len(specs), None)
        wanted = range(len(specs)) if lint_each else \
            [next((i for i, s in enumerate(settings_list) if s.enable_redis), 0)] if specs else []
        lints: list[Future[str]] = [pool.submit(_helm, helm.lint_args(staged, specs[i]), password, root,
                                                specs[i].stdin, staged, tree)
                                    for i in wanted if checked and not linted[i]]
        done = [pool.submit(_template_checked, staged, s, files, spec, found, password, root, checked, skip)
                for s, files, spec, skip in zip(settings_list, all_files, specs, linted, strict=True)]

        def results() -> list[Result]:
            out = [future.result() for future in done]
            for lint in lints:
                lint.result()
            return out

        try:
            yield results
        finally:  # a caller that failed before waiting: start nothing more, let running helm end
            pending: list[Future[Any]] = [*done, *lints]
            for future in pending:
                future.cancel()
            wait(pending)


def _spec(stage: Path, settings: Settings, secret: str | None) -> helm.Render:
    return helm.Render(settings.release_name, settings.namespace, settings.kube_version,
                       (stage / f"values-{settings.env}.yaml",), settings.api_versions, secret)


def _linted(staged: Path, specs: Sequence[helm.Render], root: Path) -> tuple[list[bool], str | None]:
    """Which specs' lint passed before on these very files, and the staged tree's digest (hashed
    once, for every key of this render); never with a password."""
    if all(spec.stdin is not None for spec in specs):  # a password: never cached, always linted
        return [False] * len(specs), None
    tree = helmcache.tree(staged)
    return [spec.stdin is None and helmcache.passed(helm.lint_args(staged, spec), staged, root, tree)
            for spec in specs], tree


def _helm(args: list[str], password: str | None, root: Path, stdin: str | None = None, lint: Path | None = None,
          tree: str | None = None) -> str:
    try:  # a lint (in `lint`, whose digest is `tree`): not rerun for inputs it passed with, never with a password
        cacheable = lint is not None and password is None and stdin is None
        return helmcache.run(args, lint, root, tree) if lint and cacheable else helm.run(args, root=root, stdin=stdin)
    except ToolError as e:
        raise ToolError(passwords.scrub(str(e), password)) from None


def _template_checked(
    stage: Path,
    settings: Settings,
    files: dict[str, str],
    spec: helm.Render,
    found: archive.Subchart | None,
    password: str | None,
    root: Path,
    checked: bool = True,
    linted: bool = False,
) -> Result:
    try:
        rendered = _helm(helm.template_args(stage, spec, schema_checked=linted), password, root, spec.stdin)
    except ToolError as e:
        if not (linted and SKIP_REFUSED in str(e)):
            raise  # helm's own failure (a timeout, say) is not worth a second wait
        # A helm older than 3.16 (HELM may name any) has no such flag: render with the check.
        rendered = _helm(helm.template_args(stage, spec), password, root, spec.stdin)
    from generator.check import manifests, subchart
    from generator.images import listing as images

    objects = manifests.parse(rendered)
    if not checked:
        return Result(settings, files, rendered, objects, manifests.Summary(0, tool="not validated"), found)
    images.check_rendered(settings, objects)  # every image pulled is one `mirror` copies to ECR
    summary = manifests.validate(objects, settings.kube_version, cached=password is None)
    if summary.errors:
        raise CheckError(problems=(), message=passwords.scrub(
            f"{settings.env}: rendered objects are invalid:\n" + "\n".join("    " + e for e in summary.errors),
            password))
    notes = subchart.check(settings, files, found, root / CHART_DIR)
    return Result(settings, files, rendered, objects, summary, found, notes)


def warm() -> None:
    """Import what checking a render needs (_template_checked), for a caller with nothing else to
    do while helm runs: the imports then cost no time of their own."""
    from generator.check import manifests, subchart  # noqa: F401
    from generator.images import listing  # noqa: F401

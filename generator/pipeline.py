"""The spine: load -> validate -> resolve -> render -> helm -> check, then write.

`prepare` turns an environment name into validated settings, `render_checked` turns settings
into checked chart files and manifests without touching chart/, and `build` writes the result
(generator/render/write.py) only when every check passed. helm runs in its own processes, so
its calls for all environments share one thread pool while Python checks what came back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.bitnami import archive
from generator.check import helm, helmcache, manifests, subchart
from generator.core import atomic, invocation, passwords, yamlio
from generator.core.errors import CheckError, GeneratorError, RenderError, ToolError, ValidationError
from generator.core.paths import CHART_DIR
from generator.core.settings import Settings
from generator.images import listing as images
from generator.load import discovery, environment
from generator.load.yamlreader import UNREADABLE
from generator.render import chart, stage
from generator.validate import crossfield, schema

if TYPE_CHECKING:
    from generator.resolve.ecr import Resolution


@dataclass(frozen=True)
class Prepared:
    env: environment.Environment
    settings: Settings
    ecr: Resolution | None = None  # where ecr_registry/ecr_repository came from


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


def prepare(root: Path, name: str, resolve_ecr: bool = True) -> Prepared:
    """Load and validate one environment, check the settings it shares with the others, and
    resolve its ECR registry and repository (once; boto3 only when a source must be asked)."""
    env = environment.load(root, name)
    settings = schema.validate(env)
    others = []
    for other in discovery.known_environments(root):
        if other == name:
            continue
        try:
            # Parsed, not validated: here only the shared settings matter, and the other
            # environment's own build reports the rest.
            others.append(environment.load(root, other))
        except GeneratorError as e:
            if any(p.message.startswith(UNREADABLE) for p in e.problems):
                raise  # not a file at all (a FIFO, a device): a broken checkout, not a draft
            continue
    crossfield.check_shared([env, *others], schema.defaults())
    return _resolved(root, Prepared(env, settings)) if resolve_ecr else Prepared(env, settings)


def _resolved(root: Path, prepared: Prepared) -> Prepared:
    from generator.resolve import ecr

    settings, resolution = ecr.resolve(prepared.env, prepared.settings, root)
    return Prepared(prepared.env, settings, resolution)


def prepare_all(root: Path, names: Sequence[str] | None = None, ecr_root: Path | None = None,
                resolve_ecr: bool = True) -> list[Prepared]:
    """Every environment (or those named), validated; all problems of all files in one error.
    ecr_root: where a Terraform state path is relative to (default root); resolve_ecr False:
    ecr_registry/ecr_repository as written (docs needs no AWS)."""
    prepared: list[Prepared] = []
    problems: list[Any] = discovery.stray_files(root)
    for name in discovery.known_environments(root) if names is None else names:
        try:
            env = environment.load(root, name)
            prepared.append(Prepared(env, schema.validate(env)))
        except GeneratorError as e:
            if not e.problems:
                raise
            problems.extend(p for p in e.problems if p not in problems)  # _common.yaml's, once
    if problems:
        raise ValidationError(problems=problems)
    crossfield.check_shared([p.env for p in prepared], schema.defaults())
    return [_resolved(ecr_root or root, p) for p in prepared] if resolve_ecr else prepared


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
        lints: list[Future[str]] = []
        if checked and lint_each:
            lints = [pool.submit(_helm, helm.lint_args(staged, s), password, root, s.stdin, staged) for s in specs]
        elif checked and specs:
            first = specs[next((i for i, s in enumerate(settings_list) if s.enable_redis), 0)]
            lints = [pool.submit(_helm, helm.lint_args(staged, first), password, root, first.stdin, staged)]
        done = [pool.submit(_template_checked, staged, s, files, spec, found, password, root, checked)
                for s, files, spec in zip(settings_list, all_files, specs, strict=True)]

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


def _helm(args: list[str], password: str | None, root: Path, stdin: str | None = None, lint: Path | None = None) -> str:
    try:  # a lint (in `lint`): not rerun for inputs it passed with, never with a password (check/helmcache.py)
        cacheable = lint is not None and password is None and stdin is None
        return helmcache.run(args, lint, root) if lint and cacheable else helm.run(args, root=root, stdin=stdin)
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
) -> Result:
    rendered = _helm(helm.template_args(stage, spec), password, root, spec.stdin)
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


def build(
    root: Path,
    name: str | None,
    require_subchart: bool = False,
    say: Callable[[str], None] = print,
    verify_images: bool = False,
    fetch_timeout: float = 0.0,
) -> list[Result]:
    """Validate, render, check one environment (`name`) or all (None), then write chart/, build/ and
    argocd/ (render/write.py): nothing unless all passed. verify_images: every image and pin in ECR;
    fetch_timeout: a missing subchart archive is fetched first (generator/images/chartfetch.py)."""
    from generator.check import drift
    from generator.render import write
    from generator.secrets import mode as secretmode

    preps = [prepare(root, name)] if name is not None else prepare_all(root)
    for p in preps:
        if p.ecr is not None:
            say(f"{p.settings.env}: ECR {p.ecr.url} ({p.ecr.source})")
        if verify_images:
            from generator.images import mirror

            for checked in mirror.require_verified(p.settings):
                say(f"{p.settings.env}: in ECR: {checked.image.ref} {checked.digest}")
    fetched, said = "", False
    if fetch_timeout > 0 and preps:
        from generator.images import chartfetch

        # One chart for all: chart_version and chart_digest are shared settings.
        fetched, said = chartfetch.ensure(root, preps[0].settings, fetch_timeout, require_subchart)
    secrets = [secretmode.bundle_password(p.settings) for p in preps]
    password = next((pw for pw, _ in secrets if pw is not None), None)
    with ThreadPoolExecutor(max_workers=2) as pool, rendering(root, [p.settings for p in preps],
                                                             [p.env.file for p in preps], pool, password,
                                                             require_subchart) as results:
        applications = [drift.checked_applications(p.settings, p.env.file) for p in preps]  # while helm renders
        done = results()
    write.install(root, [write.Built(r.settings.env, r.files, secretmode.bundle_text(r.settings, r.rendered), apps)
                         for r, apps in zip(done, applications, strict=True)])
    for i, (result, apps, (_, note)) in enumerate(zip(done, applications, secrets, strict=True)):
        if said:  # the fetch's line already says the subchart is missing, and why
            result.notes = [n for n in result.notes if n != subchart.absent(result.settings, root / CHART_DIR)]
        # Shown by the caller with the environment's summary; the fetch once, with the first.
        result.notes[:0] = [line for line in ((fetched if i == 0 else ""), note) if line]
        result.written.extend(apps)
    return done

"""The spine: load -> validate -> resolve -> render -> helm -> check, then write.

`prepare` turns an environment name into validated settings, `render_checked` turns settings
into checked chart files and manifests without touching chart/, and `build` writes the result
(generator/render/write.py) only when every check passed. helm runs in its own processes, so
its calls for all environments share one thread pool while Python checks what came back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from generator.bitnami import archive
from generator.check import helm, manifests, subchart
from generator.core import atomic, passwords
from generator.core.errors import CheckError, GeneratorError, RenderError, ToolError, ValidationError
from generator.core.paths import CHART_DIR
from generator.core.settings import Settings
from generator.images import listing as images
from generator.load import discovery, environment
from generator.load.yamlreader import UNREADABLE
from generator.render import chart
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


def prepare_all(root: Path) -> list[Prepared]:
    """Every environment, validated; all problems of all files in one error."""
    prepared: list[Prepared] = []
    problems: list[Any] = discovery.stray_files(root)
    for name in discovery.known_environments(root):
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
    return [_resolved(root, p) for p in prepared]


def render_checked(
    root: Path,
    settings_list: Sequence[Settings],
    env_files: Sequence[str],
    password: str | None = None,
    require_subchart: bool = False,
    workers: int = 2,
    lint_each: bool = True,
) -> list[Result]:
    """Render and check environments on a private copy of chart/; chart/ is not touched.

    `helm lint` checks the chart itself (metadata, template structure) and costs as much as a
    render: with `lint_each` false (check over many environments) it runs once, with the values
    of the first environment that deploys Redis, and each environment gets its own template.
    """
    with _rendering(root, settings_list, env_files, password, require_subchart, workers, lint_each) as results:
        return results()


@contextlib.contextmanager
def _rendering(
    root: Path,
    settings_list: Sequence[Settings],
    env_files: Sequence[str],
    password: str | None,
    require_subchart: bool,
    workers: int = 2,
    lint_each: bool = True,
) -> Iterator[Callable[[], list[Result]]]:
    """Start every helm call in one pool and yield what waits for the results, so that the
    caller can do its own work meanwhile."""
    source = root / CHART_DIR
    if not (source / "templates").is_dir():
        raise RenderError(f"{CHART_DIR}/templates/: missing; our Helm templates are committed, "
                          f"restore them with `git checkout -- {CHART_DIR}`")
    shared = settings_list[0] if settings_list else None  # chart_version, chart_digest: one for all
    found = archive.find_verified(source, shared.chart_version, shared.chart_digest) if shared else archive.find(source)
    if found is None and require_subchart:
        raise CheckError("no redis chart archive in chart/charts/ and --require-subchart was given: "
                         "run `python -m generator deps` where the registry is reachable")
    all_files = [chart.chart_files(s, f) for s, f in zip(settings_list, env_files, strict=True)]
    with atomic.scratch("twofa-redis.") as tmp, \
            ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        stage = Path(tmp) / "chart"
        atomic.confined_copy(source, stage, ignore=("values-*.yaml",))
        for files in all_files:
            atomic.write_files(stage, files)
        if found is None:
            chart.strip_dependencies(stage)
        # The password goes to helm through its stdin only: a file, even 0600 in $TMPDIR, outlives
        # a SIGKILL.
        secret = yaml.safe_dump({"secret": {"password": password}}) if password is not None else None
        specs = [_spec(stage, s, secret) for s in settings_list]
        lints: list[Future[str]] = []
        if lint_each:
            lints = [pool.submit(_helm, helm.lint_args(stage, spec), password, root, spec.stdin) for spec in specs]
        elif specs:
            first = next((i for i, s in enumerate(settings_list) if s.enable_redis), 0)
            lints = [pool.submit(_helm, helm.lint_args(stage, specs[first]), password, root, specs[first].stdin)]
        checked = [pool.submit(_template_checked, stage, s, files, spec, found, password, root)
                   for s, files, spec in zip(settings_list, all_files, specs, strict=True)]

        def results() -> list[Result]:
            done = [future.result() for future in checked]
            for lint in lints:
                lint.result()
            return done

        yield results


def _spec(stage: Path, settings: Settings, secret: str | None) -> helm.Render:
    return helm.Render(settings.release_name, settings.namespace, settings.kube_version,
                       (stage / f"values-{settings.env}.yaml",), settings.api_versions, secret)


def _helm(args: list[str], password: str | None, root: Path, stdin: str | None = None) -> str:
    try:
        return helm.run(args, root=root, stdin=stdin)
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
) -> Result:
    rendered = _helm(helm.template_args(stage, spec), password, root, spec.stdin)
    objects = manifests.parse(rendered)
    images.check_rendered(settings, objects)  # every image pulled is one `mirror` copies to ECR
    summary = manifests.validate(objects, settings.kube_version)
    if summary.errors:
        raise CheckError(problems=(), message=passwords.scrub(
            f"{settings.env}: rendered objects are invalid:\n" + "\n".join("    " + e for e in summary.errors),
            password))
    notes = subchart.check(settings, files, found)
    return Result(settings, files, rendered, objects, summary, found, notes)


def build(
    root: Path,
    name: str,
    require_subchart: bool = False,
    say: Callable[[str], None] = print,
    verify_images: bool = False,
    fetch_timeout: float = 0.0,
) -> Result:
    """Validate, render, check; then write chart/ and build/<env>/ atomically. With
    verify_images, every image (and pinned digest) must also be in ECR; with fetch_timeout,
    a missing subchart archive is fetched first (generator/images/chartfetch.py)."""
    from generator.check import drift
    from generator.render import write
    from generator.secrets import mode as secretmode

    prepared = prepare(root, name)
    if prepared.ecr is not None:
        say(f"{name}: ECR {prepared.ecr.url} ({prepared.ecr.source})")
    if verify_images:
        from generator.images import mirror

        for checked in mirror.require_verified(prepared.settings):
            say(f"{name}: in ECR: {checked.image.ref} {checked.digest}")
    fetched, said = "", False
    if fetch_timeout > 0:
        from generator.images import chartfetch

        fetched, said = chartfetch.ensure(root, prepared.settings, fetch_timeout, require_subchart)
    password, note = secretmode.bundle_password(prepared.settings)
    with _rendering(root, [prepared.settings], [prepared.env.file], password, require_subchart) as results:
        applications = drift.checked_applications(prepared.settings, prepared.env.file)  # while helm renders
        (result,) = results()
    write.install(root, name, result.files, secretmode.bundle_text(prepared.settings, result.rendered), applications)
    if said:  # the fetch's line already says the subchart is missing, and why
        result.notes = [n for n in result.notes if n != subchart.absent(prepared.settings)]
    result.notes[:0] = [line for line in (fetched, note) if line]
    result.written.extend(applications)
    for line in result.notes:
        say(line)
    return result

"""One path for data: load -> validate -> resolve -> render -> helm -> check.

`prepare` turns an environment name into validated settings, `render_checked` turns settings
into checked chart files and manifests without touching chart/, and `build` writes the result
only when every check passed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from generator import helm, manifests, render
from generator.bitnami import archive as subchart
from generator.core import atomic, passwords
from generator.core.errors import CheckError, GeneratorError, RenderError, ToolError
from generator.core.paths import BUILD_DIR, CHART_DIR
from generator.core.settings import Settings
from generator.load import discovery, environment
from generator.validate import crossfield, schema
from generator.values import chart_values

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
    subchart: subchart.Subchart | None
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
        except GeneratorError:
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
            problems.extend(e.problems)
    if problems:
        raise type_of_first(problems)
    crossfield.check_shared([p.env for p in prepared], schema.defaults())
    return [_resolved(root, p) for p in prepared]


def type_of_first(problems: Sequence[Any]) -> GeneratorError:
    from generator.core.errors import ValidationError

    return ValidationError(problems=problems)


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
    chart = root / CHART_DIR
    if not (chart / "templates").is_dir():
        raise RenderError(f"{CHART_DIR}/templates/: missing; our Helm templates are committed, "
                          f"restore them with `git checkout -- {CHART_DIR}`")
    found = subchart.find(chart)
    if found is None and require_subchart:
        raise CheckError("no redis chart archive in chart/charts/ and --require-subchart was given: "
                         "run `python -m generator deps` where the registry is reachable")
    with tempfile.TemporaryDirectory(prefix="twofa-redis.") as tmp:
        stage = Path(tmp) / "chart"
        shutil.copytree(chart, stage, symlinks=True, ignore=shutil.ignore_patterns("values-*.yaml"))
        all_files = [render.chart_files(s, f) for s, f in zip(settings_list, env_files, strict=True)]
        for files in all_files:
            atomic.write_files(stage, files)
        if found is None:
            strip_dependencies(stage)
        secret_values = None
        if password is not None:
            secret_values = Path(tmp) / "secret-values.yaml"
            atomic.write_private(secret_values, yaml.safe_dump({"secret": {"password": password}}))

        def one(item: tuple[Settings, dict[str, str]]) -> Result:
            settings, files = item
            return _check_one(stage, settings, files, found, secret_values, password, lint_each)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            lint = None
            if not lint_each and settings_list:
                first = next((s for s in settings_list if s.enable_redis), settings_list[0])
                lint = pool.submit(_helm, helm.lint_args(stage, _spec(stage, first, secret_values)), password)
            results = list(pool.map(one, zip(settings_list, all_files, strict=True)))
            if lint is not None:
                lint.result()
            return results


def _spec(stage: Path, settings: Settings, secret_values: Path | None) -> helm.Render:
    values = [stage / f"values-{settings.env}.yaml"] + ([secret_values] if secret_values else [])
    return helm.Render(settings.release_name, settings.namespace, settings.kube_version, tuple(values),
                       settings.api_versions)


def _helm(args: list[str], password: str | None) -> str:
    try:
        return helm.run(args)
    except ToolError as e:
        raise ToolError(passwords.scrub(str(e), password)) from None


def _check_one(
    stage: Path,
    settings: Settings,
    files: dict[str, str],
    found: subchart.Subchart | None,
    secret_values: Path | None,
    password: str | None,
    lint: bool = True,
) -> Result:
    spec = _spec(stage, settings, secret_values)
    if lint:
        with ThreadPoolExecutor(max_workers=2) as pool:
            linted = pool.submit(_helm, helm.lint_args(stage, spec), password)
            template = pool.submit(_helm, helm.template_args(stage, spec), password)
            rendered = template.result()
            linted.result()
    else:
        rendered = _helm(helm.template_args(stage, spec), password)
    objects = manifests.parse(rendered)
    from generator import images

    images.check_rendered(settings, objects)  # every image pulled is one `mirror` copies to ECR
    summary = manifests.validate(objects, settings.kube_version)
    if summary.errors:
        raise CheckError(problems=(), message=passwords.scrub(
            f"{settings.env}: rendered objects are invalid:\n" + "\n".join("    " + e for e in summary.errors),
            password))
    notes = []
    if found is None:
        notes.append(f"{settings.env}: subchart not present in chart/charts/: rendered and validated our own "
                     "templates only (run `python -m generator deps`, or pass --require-subchart to fail)")
    else:
        if found.version != settings.chart_version:
            notes.append(f"{settings.env}: chart/charts/{found.archive.name} is version {found.version}, "
                         f"chart_version is {settings.chart_version}: run `python -m generator deps`")
        ours = chart_values(files, settings.env).get("redis") or {}
        unknown = subchart.unknown_keys(ours, found.defaults)
        if unknown:
            raise CheckError(f"{settings.env}: keys set for the redis subchart that its values.yaml "
                             f"({found.version}) does not have, so Helm would ignore them: " + ", ".join(
                                 f"redis.{k}" for k in unknown))
    return Result(settings, files, rendered, objects, summary, found, notes)


def strip_dependencies(stage: Path) -> None:
    """Without the archive helm refuses a chart that lists it; render ours alone."""
    meta_path = stage / "Chart.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    meta.pop("dependencies", None)
    meta_path.write_text(yaml.safe_dump(meta, sort_keys=False))


def build(
    root: Path,
    name: str,
    require_subchart: bool = False,
    say: Callable[[str], None] = print,
    verify_images: bool = False,
) -> Result:
    """Validate, render, check; then write chart/ and build/<env>/ atomically.
    With verify_images, every image (and pinned digest) must also be in ECR."""
    from generator import argocd, secretmode

    prepared = prepare(root, name)
    if prepared.ecr is not None:
        say(f"{name}: ECR {prepared.ecr.url} ({prepared.ecr.source})")
    if verify_images:
        from generator import mirror

        for checked in mirror.require_verified(prepared.settings):
            say(f"{name}: in ECR: {checked.image.ref} {checked.digest}")
    password, note = secretmode.bundle_password(prepared.settings)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # helm runs in its own processes: validate the Application meanwhile, not after.
        rendering = pool.submit(render_checked, root, [prepared.settings], [prepared.env.file], password,
                                require_subchart)
        argo = argocd.checked_files(prepared.settings, prepared.env.file)
        (result,) = rendering.result()
    chart = root / CHART_DIR
    target = root / BUILD_DIR / name
    with atomic.exclusive(root), atomic.staged_copy(chart) as staged, \
            _staged_bundle(root, name, secretmode.bundle_text(prepared.settings, result.rendered)) as bundle:
        atomic.write_files(staged, result.files)
        atomic.replace(staged, chart)
        try:
            _install_bundle(bundle, target)
        except (OSError, RenderError) as e:
            atomic.replace(staged, chart)  # `staged` holds the previous chart/ now: swap it back
            cause = e if isinstance(e, OSError) else e.__cause__
            reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(e)
            raise RenderError(f"cannot write {BUILD_DIR}/{name}/: {reason}; chart/ is left as it was") from e
    argocd.write(root, name, argo)
    result.notes[:0] = [note] if note else []
    result.written.extend(argo)
    for note in result.notes:
        say(note)
    return result


@contextlib.contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """One build at a time writes chart/: two concurrent builds would each copy chart/, add
    their own values file and swap the copy in, and the second swap would drop the first's.
    The lock is on the project directory itself (never renamed), so no lock file is left."""
    import fcntl

    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _staged_bundle(root: Path, name: str, text: str) -> Iterator[Path]:
    """build/<env>/ prepared next to the project (same file system, so it can be renamed into
    place), private from the start: it holds the Secret when a password was given."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{BUILD_DIR}-{name}.", dir=root))
    try:
        os.chmod(tmp, 0o700)
        atomic.write_private(tmp / "manifests.yaml", text)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _install_bundle(bundle: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    ignore = target.parent / ".gitignore"
    if not ignore.exists() or ignore.read_text() != "*\n":
        ignore.write_text("*\n")
    if target.exists():
        atomic.replace(bundle, target)  # the old bundle ends up at `bundle`, removed with it
    else:
        os.rename(bundle, target)


def write_bundle(root: Path, name: str, text: str) -> Path:
    """build/<env>/manifests.yaml, mode 0600 (it holds the Secret when a password was given)."""
    target = root / BUILD_DIR / name
    with _staged_bundle(root, name, text) as bundle:
        _install_bundle(bundle, target)
    return target / "manifests.yaml"

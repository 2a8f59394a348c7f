"""The spine: load -> validate -> resolve -> render -> helm -> check, then write.

`prepare` turns an environment name into validated settings, `render_checked` (check/renders.py)
turns settings into checked chart files and manifests without touching chart/, and `build` writes
the result (generator/render/write.py) only when every check passed. helm runs in its own
processes, so its calls for all environments share one thread pool while Python checks what
came back, and build does its own remaining work meanwhile.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.check import renders
from generator.core.errors import GeneratorError, ValidationError
from generator.core.paths import CHART_DIR
from generator.core.settings import Settings
from generator.load import discovery, environment
from generator.load.yamlreader import UNREADABLE
from generator.validate import schema

if TYPE_CHECKING:
    from generator.resolve.ecr import Resolution


@dataclass(frozen=True)
class Prepared:
    env: environment.Environment
    settings: Settings
    ecr: Resolution | None = None  # where ecr_registry/ecr_repository came from


def prepare(root: Path, name: str, resolve_ecr: bool = True, shared: bool = True) -> Prepared:
    """Load and validate one environment, check the settings it shares with the others (unless
    `shared` is false: the caller calls check_shared itself), and resolve its ECR registry and
    repository (once; boto3 only when a source must be asked)."""
    env = environment.load(root, name)
    settings = schema.validate(env)
    if shared:
        check_shared(root, env)
    return _resolved(root, Prepared(env, settings)) if resolve_ecr else Prepared(env, settings)


def check_shared(root: Path, env: environment.Environment) -> None:
    """The settings of the one chart (chart_version, ...) agree between `env` and every other
    environment: those are read, not validated (their own builds report the rest)."""
    others = []
    for other in discovery.known_environments(root):
        if other == env.name:
            continue
        try:
            others.append(environment.load(root, other))
        except GeneratorError as e:
            if any(p.message.startswith(UNREADABLE) for p in e.problems):
                raise  # not a file at all (a FIFO, a device): a broken checkout, not a draft
            continue
    from generator.validate import crossfield

    crossfield.check_shared([env, *others], schema.defaults())


def _local(settings: Settings) -> bool:
    """Resolving the ECR registry asks no one (generator/resolve/ecr.py)."""
    return bool(settings.ecr_registry and settings.ecr_repository) or not settings.enable_redis


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
    from generator.validate import crossfield

    crossfield.check_shared([p.env for p in prepared], schema.defaults())
    return [_resolved(ecr_root or root, p) for p in prepared] if resolve_ecr else prepared


def build(
    root: Path,
    name: str | None,
    require_subchart: bool = False,
    say: Callable[[str], None] = print,
    verify_images: bool = False,
    fetch_timeout: float = 0.0,
) -> list[renders.Result]:
    """Validate, render, check one environment (`name`) or all (None), then write chart/, build/ and
    argocd/ (render/write.py): nothing unless all passed. verify_images: every image and pin in ECR;
    fetch_timeout: a missing subchart archive is fetched first (generator/images/chartfetch.py)."""
    from generator.images import chartfetch
    from generator.secrets import mode as secretmode

    preps = [prepare(root, name, shared=False)] if name is not None else prepare_all(root)
    # One environment's build reads the others for the shared settings while helm renders, unless
    # something before the render asks the network or writes (then first, as it always was).
    # Either way nothing is printed before that check passed, and its problem is reported first.
    later = name is not None and not verify_images and _local(preps[0].settings) and \
        (fetch_timeout <= 0 or chartfetch.present(root, preps[0].settings))

    def shared_checked() -> None:
        if name is not None:
            check_shared(root, preps[0].env)
        _announce(preps, say, verify_images)

    if not later:
        shared_checked()
    fetched, said = "", False
    if fetch_timeout > 0 and preps:
        # One chart for all: chart_version and chart_digest are shared settings.
        fetched, said = chartfetch.ensure(root, preps[0].settings, fetch_timeout, require_subchart)
    with ThreadPoolExecutor(max_workers=2) as pool, contextlib.ExitStack() as stack:
        try:
            secrets = [secretmode.bundle_password(p.settings) for p in preps]
            password = next((pw for pw, _ in secrets if pw is not None), None)
            results = stack.enter_context(renders.rendering(
                root, [p.settings for p in preps], [p.env.file for p in preps], pool, password, require_subchart))
        except GeneratorError:
            if later:
                shared_checked()  # its problem is the one reported first, as always
            raise
        # While helm renders:
        if later:
            shared_checked()
        renders.warm()
        from generator.check import drift, subchart
        from generator.render import write

        applications = [drift.checked_applications(p.settings, p.env.file) for p in preps]
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


def _announce(preps: Sequence[Prepared], say: Callable[[str], None], verify_images: bool) -> None:
    """Where each environment's ECR came from, and with verify_images what ECR holds."""
    for p in preps:
        if p.ecr is not None:
            say(f"{p.settings.env}: ECR {p.ecr.url} ({p.ecr.source})")
        if verify_images:
            from generator.images import mirror

            for checked in mirror.require_verified(p.settings):
                say(f"{p.settings.env}: in ECR: {checked.image.ref} {checked.digest}")

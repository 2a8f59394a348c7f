"""What is committed against what the environments produce: the generated files of chart/ and
the Argo CD Applications of argocd/, each Application also valid against schemas/crds/."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path

from generator.check import manifests
from generator.core import files, invocation
from generator.core.errors import CheckError, Problem, ValidationError
from generator.core.paths import ARGOCD_DIR
from generator.core.settings import Settings
from generator.core.wording import plural
from generator.render import argocd, chartrepo

MAX_GENERATED = 4 << 20


def _committed(path: Path, shown: str) -> tuple[str | None, str | None]:
    """(text, problem): a generated file as committed, None when absent; a problem when it is
    not a regular file of UTF-8 text (a FIFO there would block the read forever)."""
    if not path.is_symlink() and not path.exists():
        return None, None
    try:
        return files.read_text(path, MAX_GENERATED), None
    except (OSError, UnicodeDecodeError) as e:
        return None, f"error: {shown}: cannot read: {getattr(e, 'strerror', None) or 'not UTF-8 text'}"


def fix_for(name: str) -> str:
    """The command that rewrites one generated file: its environment's build, or every
    environment's for the files they share (Chart.yaml, values.yaml)."""
    if name.startswith("values-") and name.endswith(".yaml"):
        return invocation.command("build", name.removeprefix("values-").removesuffix(".yaml"))
    return invocation.command("build", "--all")


def chart_drift(chart: Path, expected: dict[str, str]) -> list[str]:
    """A unified diff per generated file that differs from what the environments produce."""
    problems = []
    present = {p.name for p in chart.glob("values-*.yaml")} | {
        n for n in ("Chart.yaml", "values.yaml") if (chart / n).exists()
    }
    for name in sorted(present | set(expected)):
        path = chart / name
        want = expected.get(name)
        have, unreadable = _committed(path, f"chart/{name}")
        if unreadable:
            problems.append(unreadable)
            continue
        if want == have:
            continue
        if want is None:
            problems.append(f"error: chart/{name}: no environments/{name[7:]} produces it; delete it "
                            f"(`git rm chart/{name}`)")
            continue
        if have is None:
            problems.append(f"error: chart/{name}: missing; run {fix_for(name)}")
            continue
        diff = difflib.unified_diff(have.splitlines(keepends=True), want.splitlines(keepends=True),
                                    f"chart/{name} (committed)", f"chart/{name} (from environments/)")
        problems.append(f"error: chart/{name}: stale; run {fix_for(name)}:\n" + "".join(diff))
    return problems


def argocd_drift(root: Path, expected: dict[str, str]) -> list[str]:
    """A unified diff per argocd/ file that differs from what the environments produce."""
    problems = []
    directory = root / ARGOCD_DIR
    if os.path.lexists(directory) and not directory.is_dir():
        return [f"error: {ARGOCD_DIR}: not a directory ({files.kind(os.lstat(directory).st_mode)}); restore it "
                f"with `git checkout -- {ARGOCD_DIR}`"]
    present = {f"{ARGOCD_DIR}/{p.name}" for p in directory.glob("*.yaml")} if directory.is_dir() else set()
    for name in sorted(present | set(expected)):
        want = expected.get(name)
        path = root / name
        have, unreadable = _committed(path, name)
        if unreadable:
            problems.append(unreadable)
            continue
        if want == have:
            continue
        if want is None:
            problems.append(f"error: {name}: no environment with argocd settings produces it; delete it "
                            f"(`git rm {name}`)")
        elif have is None:
            problems.append(f"error: {name}: missing; run {invocation.command('build', Path(name).stem)}")
        else:
            diff = difflib.unified_diff(have.splitlines(keepends=True), want.splitlines(keepends=True),
                                        f"{name} (committed)", f"{name} (from environments/)")
            problems.append(f"error: {name}: stale; run {invocation.command('build', Path(name).stem)}:\n"
                            + "".join(diff))
    return problems


def checked_applications(settings: Settings, env_file: str) -> dict[str, str]:
    """argocd/<env>.yaml (render/argocd.py), after validating the Application against
    schemas/crds/; CheckError if invalid."""
    argo = settings.argocd
    if argo is not None and not argo.automated:
        idle = [f"argocd.{k}" for k, v in (("prune", argo.prune), ("self_heal", argo.self_heal)) if v]
        if idle:
            raise ValidationError(problems=[Problem(env_file, k, "takes effect only with argocd.automated: true "
                                                    "(Argo CD ignores it otherwise); set that, or remove this")
                                            for k in idle])
    produced = argocd.files(settings, env_file)
    custom = 1 + (chartrepo.CUSTOM_OBJECTS if chartrepo.region(settings) else 0)
    for name, text in produced.items():
        summary = manifests.validate(manifests.parse(text), settings.kube_version, cached=True)  # no secret in it
        if summary.errors or summary.custom != custom:
            detail = "\n".join("    " + e for e in summary.errors) or "    not validated against schemas/crds/"
            raise CheckError(f"{name}: the Application is invalid:\n{detail}")
    return produced


def applications(root: Path, sources: Sequence[tuple[Settings, str]]) -> tuple[list[str], list[str]]:
    """(progress lines, problems): every Application (of each settings and environment file)
    validated and compared with argocd/."""
    lines: list[str] = []
    problems: list[str] = []
    expected: dict[str, str] = {}
    for settings, env_file in sources:
        try:
            expected.update(checked_applications(settings, env_file))
        except CheckError as e:
            problems.extend(e.lines())
    problems.extend(argocd_drift(root, expected))
    verdict = "up to date" if not problems else "STALE or invalid"
    lines.append(f"argocd/: {plural(len(expected), 'Application')} validated against schemas/crds/, {verdict}")
    return lines, problems

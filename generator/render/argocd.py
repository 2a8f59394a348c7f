"""The Argo CD side: one Application per environment, in argocd/<env>.yaml.

One Application per environment rather than one ApplicationSet: environments differ in sync
policy (prod is synced by hand), which an ApplicationSet can only express through a
`templatePatch` string; a plain Application per file is validated by schema as it stands, shows
up in a pull request exactly as Argo CD will read it, and needs no ApplicationSet controller.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from generator.core import atomic, names
from generator.core.errors import RenderError
from generator.core.paths import ARGOCD_DIR, COMMON_FILE, ENV_DIR
from generator.core.settings import Settings
from generator.render import chart

CHART_PATH = "chart"  # what Argo CD points at: the directory `build` writes
SYNC_OPTIONS = ("CreateNamespace=true",)
# The namespace Argo CD creates admits only pods meeting the `restricted` Pod Security profile.
POD_SECURITY = {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
}


def file_name(env: str) -> str:
    return f"{ARGOCD_DIR}/{env}.yaml"


def application(settings: Settings) -> dict[str, Any]:
    """The Application of one environment, as data; None-free and in a stable key order."""
    argo = settings.argocd
    if argo is None:
        raise RenderError(f"{settings.env}: no argocd settings")
    helm: dict[str, Any] = {
        "releaseName": settings.release_name,
        "valueFiles": [f"values-{settings.env}.yaml"],
        "kubeVersion": settings.kube_version,
        "skipCrds": False,
    }
    if settings.api_versions:
        helm["apiVersions"] = list(settings.api_versions)
    sync: dict[str, Any] = {}
    if argo.automated:
        sync["automated"] = {"prune": argo.prune, "selfHeal": argo.self_heal}
    sync["syncOptions"] = list(SYNC_OPTIONS)
    sync["managedNamespaceMetadata"] = {"labels": dict(POD_SECURITY)}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": names.application(settings),
            "namespace": argo.namespace,
            "labels": {"app.kubernetes.io/part-of": settings.prefix, "twofa-redis/environment": settings.env},
            # Deleting the Application deletes what it deployed, rather than orphaning it.
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": argo.project,
            "source": {
                "repoURL": argo.repo_url,
                "targetRevision": argo.target_revision,
                "path": CHART_PATH,
                "helm": helm,
            },
            "destination": {"server": argo.destination_server, "namespace": settings.namespace},
            "syncPolicy": sync,
        },
    }


def files(settings: Settings, env_file: str) -> dict[str, str]:
    """argocd/<env>.yaml by path relative to the project root; nothing when argocd is unset."""
    if settings.argocd is None:
        return {}
    text = chart.render_template(
        "application.yaml.j2", env=settings.env, sources=[f"{ENV_DIR}/{COMMON_FILE}", env_file],
        application=application(settings),
    )
    return {file_name(settings.env): text}


def write(root: Path, env: str, produced: dict[str, str]) -> None:
    """Write (or remove) argocd/<env>.yaml atomically: a reader sees the old file or the new one."""
    path = root / file_name(env)
    text = produced.get(file_name(env))
    if text is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        atomic.write_text(path, text)
    except OSError as e:
        raise RenderError(f"cannot write {file_name(env)}: {e.strerror}") from e


def drift(root: Path, expected: dict[str, str]) -> list[str]:
    """A unified diff per argocd/ file that differs from what the environments produce."""
    problems = []
    directory = root / ARGOCD_DIR
    present = {f"{ARGOCD_DIR}/{p.name}" for p in directory.glob("*.yaml")} if directory.is_dir() else set()
    for name in sorted(present | set(expected)):
        want = expected.get(name)
        path = root / name
        have = path.read_text(encoding="utf-8") if path.exists() else None
        if want == have:
            continue
        if want is None:
            problems.append(f"error: {name}: no environment with argocd settings produces it; delete it")
        elif have is None:
            problems.append(f"error: {name}: missing; run `python -m generator build {Path(name).stem}`")
        else:
            diff = difflib.unified_diff(have.splitlines(keepends=True), want.splitlines(keepends=True),
                                        f"{name} (committed)", f"{name} (from environments/)")
            problems.append(f"error: {name}: stale; run `python -m generator build {Path(name).stem}`:\n"
                            + "".join(diff))
    return problems


def checked_files(settings: Settings, env_file: str) -> dict[str, str]:
    """`files`, after validating each Application against schemas/crds/; CheckError if invalid."""
    from generator import manifests
    from generator.core.errors import CheckError, Problem, ValidationError

    argo = settings.argocd
    if argo is not None and not argo.automated:
        idle = [f"argocd.{k}" for k, v in (("prune", argo.prune), ("self_heal", argo.self_heal)) if v]
        if idle:
            raise ValidationError(problems=[Problem(env_file, k, "takes effect only with argocd.automated: true "
                                                    "(Argo CD ignores it otherwise); set that, or remove this")
                                            for k in idle])
    produced = files(settings, env_file)
    for name, text in produced.items():
        summary = manifests.validate(manifests.parse(text), settings.kube_version)
        if summary.errors or summary.custom != 1:
            detail = "\n".join("    " + e for e in summary.errors) or "    not validated against schemas/crds/"
            raise CheckError(f"{name}: the Application is invalid:\n{detail}")
    return produced

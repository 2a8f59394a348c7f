"""The Argo CD side: one Application per environment, in argocd/<env>.yaml.

One Application per environment rather than one ApplicationSet: environments differ in sync
policy (prod is synced by hand), which an ApplicationSet can only express through a
`templatePatch` string; a plain Application per file is validated by schema as it stands, shows
up in a pull request exactly as Argo CD will read it, and needs no ApplicationSet controller.
"""

from __future__ import annotations

from typing import Any

from generator.core import names
from generator.core.errors import RenderError
from generator.core.paths import ARGOCD_DIR, COMMON_FILE, ENV_DIR
from generator.core.settings import Settings
from generator.render import chart, chartrepo

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
    return {file_name(settings.env): text + chartrepo.text(settings)}

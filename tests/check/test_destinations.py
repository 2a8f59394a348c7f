"""Across environments: two Applications deploying one release into one namespace of one cluster,
or rendering one object identity there, are an error naming both files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from generator import pipeline
from generator.check import destinations
from generator.core.settings import Settings


def deployment(settings: Settings, env: str, objects: tuple[dict[str, Any], ...] = (),
               **changes: Any) -> destinations.Deployment:
    argo = changes.pop("argocd", settings.argocd)
    return destinations.Deployment(dataclasses.replace(settings, env=env, argocd=argo, **changes),
                                   f"environments/{env}.yaml", objects)


def secret(name: str) -> dict[str, Any]:
    return {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": name}}


def test_same_release_namespace_and_server(bare_project: Path) -> None:
    s = pipeline.prepare(bare_project, "staging", resolve_ecr=False).settings
    assert s.argocd is not None
    server = s.argocd.destination_server
    other = dataclasses.replace(s.argocd, destination_server="https://elsewhere.example.internal")
    found = destinations.conflicts([deployment(s, "staging"), deployment(s, "qa"), deployment(s, "uat", argocd=other),
                                    deployment(s, "lab", namespace="lab"), deployment(s, "blue", release_name="blue"),
                                    deployment(s, "manual", argocd=None)])
    assert [c.line() for c in found] == [
        f"error: environments/qa.yaml and environments/staging.yaml: both Applications deploy release 'redis' into "
        f"namespace 'redis' on {server}: they would fight over one Redis; give each environment its own "
        "argocd.destination_server (or namespace or release_name)"]


def test_the_same_object_identity_from_two_releases(bare_project: Path) -> None:
    s = pipeline.prepare(bare_project, "staging", resolve_ecr=False).settings
    assert s.argocd is not None
    found = destinations.conflicts([
        deployment(s, "blue", (secret("redis-secret"), secret("blue")), release_name="blue"),
        deployment(s, "green", (secret("redis-secret"), secret("green")), release_name="green"),
        deployment(s, "lab", (secret("redis-secret"),), namespace="lab"),  # another namespace: another object
    ])
    assert [c.line() for c in found] == [
        f"error: environments/blue.yaml and environments/green.yaml: both render ExternalSecret/redis/redis-secret on "
        f"{s.argocd.destination_server}: each Application would overwrite (and, with prune, delete) the other's; "
        "rename them (secret_name, release_name) or deploy to another namespace or argocd.destination_server"]


def test_the_tests_project_passes_check(bare_project: Path, cli: Any) -> None:
    ran = cli(bare_project, "check")
    assert ran.code == 0, ran.err

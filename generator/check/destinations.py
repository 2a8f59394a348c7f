"""Across environments: no two may deploy into one place. Two Applications that deploy the same
release into the same namespace of the same cluster (or that render one object identity there)
fight over one Redis: each sync and self-heal undoes the other's, and a prune of one deletes the
other's objects. Each environment needs its own argocd.destination_server (they are separate
clusters), or its own namespace or release_name.

Environments without an Application (no `argocd:` settings) are applied by hand to a cluster
no setting names, so they are not compared.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.core.k8s import identity
from generator.core.settings import Settings


@dataclass(frozen=True)
class Deployment:
    settings: Settings
    file: str  # environments/<env>.yaml
    objects: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class Conflict:
    first: str  # environment files
    second: str
    message: str

    def line(self) -> str:
        return f"error: {self.first} and {self.second}: {self.message}"


def conflicts(deployments: Sequence[Deployment]) -> list[Conflict]:
    out: list[Conflict] = []
    placed = [d for d in deployments if d.settings.argocd is not None]
    by_place: dict[tuple[str, str, str], list[Deployment]] = {}
    for d in sorted(placed, key=lambda d: d.file):
        assert d.settings.argocd is not None
        by_place.setdefault((d.settings.argocd.destination_server, d.settings.namespace, d.settings.release_name),
                            []).append(d)
    same_release: set[tuple[str, str]] = set()
    for (server, namespace, name), group in sorted(by_place.items()):
        for i, first in enumerate(group):
            for second in group[i + 1:]:
                same_release.add((first.file, second.file))
                out.append(Conflict(first.file, second.file, f"both Applications deploy release {name!r} into "
                                    f"namespace {namespace!r} on {server}: they would fight over one Redis; give "
                                    "each environment its own argocd.destination_server (or namespace or "
                                    "release_name)"))
    owners: dict[tuple[str, str, str, str, str], Deployment] = {}
    shared: dict[tuple[str, str, str], list[str]] = {}
    for d in sorted(placed, key=lambda d: d.file):
        assert d.settings.argocd is not None
        for obj in d.objects:
            key = (d.settings.argocd.destination_server, *identity(obj, d.settings.namespace))
            other = owners.setdefault(key, d)
            if other is not d and (other.file, d.file) not in same_release:
                shown = "/".join(part for part in key[2:] if part)
                shared.setdefault((other.file, d.file, key[0]), []).append(shown)
    for (a_file, b_file, server), objects in sorted(shared.items()):
        out.append(Conflict(a_file, b_file, f"both render {', '.join(sorted(objects))} on {server}: each Application "
                            "would overwrite (and, with prune, delete) the other's; rename them (secret_name, "
                            "release_name) or deploy to another namespace or argocd.destination_server"))
    return out

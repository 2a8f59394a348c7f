"""The objects of one side of a plan, keyed the way Argo CD and the API server know them:
destination server, API group, kind, namespace, name (core/k8s.identity: the version is not part
of it, a namespace left out is the destination's; the server is, since another cluster holds
another object)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.bitnami import CHART
from generator.core.k8s import dig, identity

# (server, group, kind, namespace, name)
Key = tuple[str, str, str, str, str]
ARGOCD_CLUSTER = "(the Argo CD cluster)"  # where Applications live, whatever they deploy to
CHART_LABEL = "helm.sh/chart"


@dataclass(frozen=True)
class Indexed:
    """One side's objects of one environment."""

    objects: dict[Key, dict[str, Any]]
    subchart_keys: frozenset[Key]  # rendered by the Bitnami subchart (its helm.sh/chart label)


EMPTY = Indexed({}, frozenset())


def index(objects: Iterable[Mapping[str, Any]], namespace: str, server: str) -> Indexed:
    """Each object keyed, a copy with its namespace filled in where the API server fills it."""
    out: dict[Key, dict[str, Any]] = {}
    subchart: set[Key] = set()
    for obj in objects:
        placed = copy.deepcopy(dict(obj))
        grp, kind, ns, name = identity(placed, namespace)
        if ns:
            placed.setdefault("metadata", {})["namespace"] = ns
        key = (server, grp, kind, ns, name)
        out[key] = placed
        if str(dig(placed, "metadata", "labels", CHART_LABEL) or "").startswith(f"{CHART}-"):
            subchart.add(key)
    return Indexed(out, frozenset(subchart))


def label(key: Key, obj: Mapping[str, Any] | None = None) -> str:
    """apiVersion/Kind/namespace/name as reviewers read it."""
    _, grp, kind, namespace, name = key
    api = str(obj.get("apiVersion")) if obj is not None else (grp or "v1")
    return "/".join(part for part in (api, kind, namespace, name) if part)


def short(key: Key) -> str:
    """Kind/namespace/name: how findings and acknowledgements name an object."""
    _, _, kind, namespace, name = key
    return "/".join(part for part in (kind, namespace, name) if part)

"""What every immutability rule shares: the refusal record, the supported versions, object
identity, and comparing two renders the way the API server's apiequality.Semantic does
(resource quantities by value, so "1Gi" equals "1024Mi")."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from generator.core import quantity
from generator.core.k8s import api_group as group
from generator.core.k8s import dig
from generator.plan.rules import sources

Version = tuple[int, int]
Obj = Mapping[str, Any]
# The Kubernetes versions the project supports (schemas/values.schema.json kube_version).
MIN_VERSION: Version = (1, 25)
MAX_VERSION: Version = (1, 37)
FIELD_IMMUTABLE = "field is immutable"  # apimachinery FieldImmutableErrorMsg, every supported version


@dataclass(frozen=True)
class Violation:
    """One refusal the API server answers to an update.

    field: where the render changed (the StatefulSet message never says which field; we do).
    api_path, error_type, detail: what the API server puts in its field error ("spec",
        "Forbidden", "updates to statefulset spec ... are forbidden").
    message: the whole line as kubectl and Argo CD show it; where the API prints a value in Go
        syntax (v1.LabelSelector{...}) we print JSON.
    rule: our rule id; source: file:function and versions (rules/sources.py).
    certain: False when the outcome depends on cluster state not visible offline (a
        StorageClass's allowVolumeExpansion, a feature gate, whether a Job has started).
    verified: False when the version boundary was not read in source.
    """

    kind: str
    namespace: str
    name: str
    field: str
    api_path: str
    error_type: str
    detail: str
    message: str
    rule: str
    source: str
    certain: bool = True
    verified: bool = True


def parse_version(text: str) -> Version:
    """'1.33', 'v1.33.2' -> (1, 33); outside 1.25..1.37 is a ValueError (no rules were read there)."""
    m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?", text.strip())
    if not m:
        raise ValueError(f"not a Kubernetes version: {text!r} (expected e.g. 1.33)")
    version = (int(m.group(1)), int(m.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise ValueError(f"Kubernetes {text}: rules are known for 1.25 to 1.37 only")
    return version


def identity(obj: Obj) -> tuple[str, str, str, str]:
    """(group, kind, namespace, name): what the API server and Argo CD know an object by. The
    version is not part of it: apps/v1 and apps/v1beta2 StatefulSets are the same object."""
    return (group(str(obj.get("apiVersion", ""))), str(obj.get("kind", "")),
            str(dig(obj, "metadata", "namespace") or ""), str(dig(obj, "metadata", "name") or ""))


def qualified_kind(obj: Obj) -> str:
    g = group(str(obj.get("apiVersion", "")))
    return f"{obj.get('kind')}.{g}" if g else str(obj.get("kind"))


def show(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=lambda o: str(o))


def _is_quantity_path(path: tuple[str, ...]) -> bool:
    # Where Kubernetes types hold a resource.Quantity.
    if len(path) >= 2 and path[-2] in ("limits", "requests", "capacity", "allocatable"):
        return True
    return bool(path) and path[-1] == "sizeLimit"


def normalize(value: Any, path: tuple[str, ...] = ()) -> Any:
    """A deep copy with quantities as exact numbers."""
    if isinstance(value, Mapping):
        return {str(k): normalize(v, (*path, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v, path) for v in value]
    if _is_quantity_path(path) and not isinstance(value, bool):
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, str):
            try:
                return quantity.parse(value.strip())
            except ValueError:
                return value
    return value


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()


def diff_paths(a: Any, b: Any, path: str = "", limit: int = 20) -> list[tuple[str, Any, Any]]:
    """Leaf-level differences; list items keyed by 'name' when every item has one."""
    out: list[tuple[str, Any, Any]] = []

    def walk(x: Any, y: Any, p: str) -> None:
        if len(out) >= limit:
            return
        if isinstance(x, Mapping) and isinstance(y, Mapping):
            for k in sorted(set(x) | set(y), key=str):
                walk(x.get(k, ABSENT), y.get(k, ABSENT), f"{p}.{k}" if p else str(k))
        elif isinstance(x, list) and isinstance(y, list):
            if all(isinstance(i, Mapping) and "name" in i for i in [*x, *y]):
                xs, ys = {i["name"]: i for i in x}, {i["name"]: i for i in y}
                for n in [*xs, *[k for k in ys if k not in xs]]:
                    walk(xs.get(n, ABSENT), ys.get(n, ABSENT), f"{p}[name={n}]")
            elif len(x) == len(y):
                for i, (xi, yi) in enumerate(zip(x, y, strict=True)):
                    walk(xi, yi, f"{p}[{i}]")
            elif x != y:
                out.append((p, x, y))
        elif x != y:
            out.append((p, x, y))

    walk(a, b, path)
    return out


def violation(obj: Obj, field: str, api_path: str, error_type: str, detail: str, rule: str, source: str, *,
              value: Any = ABSENT, certain: bool = True, verified: bool = True) -> Violation:
    """The refusal as the API server words it: `<Kind>.<group> "<name>" is invalid: <path>: <type>: <detail>`."""
    name = str(dig(obj, "metadata", "name") or "")
    if error_type == "Invalid":
        line = f"{api_path}: Invalid value: {'' if value is ABSENT else show(value)}: {detail}"
    else:
        line = f"{api_path}: {error_type}: {detail}"
    return Violation(str(obj.get("kind")), str(dig(obj, "metadata", "namespace") or ""), name, field, api_path,
                     error_type, detail, f'{qualified_kind(obj)} "{name}" is invalid: {line}', rule, source,
                     certain, verified)


def metadata_rules(old: Obj, new: Obj) -> list[Violation]:
    """ValidateObjectMetaAccessorUpdate: name and namespace (and uid, creationTimestamp, ..., which
    a render never sets) are immutable. Argo CD never sends such an update: a renamed object is
    another identity, a create plus a prune. Here for callers that pair objects otherwise."""
    out = []
    for key in ("name", "namespace"):
        a, b = dig(old, "metadata", key) or "", dig(new, "metadata", key) or ""
        if a != b:
            out.append(violation(new, f"metadata.{key}", f"metadata.{key}", "Invalid", FIELD_IMMUTABLE,
                                 "metadata-immutable", f"{sources.OBJECTMETA}; 1.25-1.37", value=b))
    return out

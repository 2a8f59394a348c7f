"""The Terraform module's outputs of both sides (core/names.py): what the backend is told to use.
A change there (redis_host, the connection URL, the Sentinel fields, secret names) is one the
backend's configuration must make in the same change window."""

from __future__ import annotations

from typing import Any

from generator.core import names
from generator.core.settings import Settings
from generator.plan.model import OUTPUTS, Finding

MUST = "the backend must change with this"


def changed(old: Settings, new: Settings) -> list[tuple[str, Any, Any]]:
    """(output, old value, new value) for every output that differs; None where one side has none."""
    a, b = names.outputs(old), names.outputs(new)
    return [(k, a.get(k), b.get(k)) for k in [*a, *(k for k in b if k not in a)] if a.get(k) != b.get(k)]


def finding(env: str, file: str, changes: list[tuple[str, Any, Any]]) -> Finding:
    return Finding(env, OUTPUTS, "outputs", f"{', '.join(k for k, _, _ in changes)} change: {MUST}",
                   tuple(f"{k}: {_show(a)} -> {_show(b)}" for k, a, b in changes), file=file)


def _show(value: Any) -> str:
    return "(none)" if value is None else str(value)

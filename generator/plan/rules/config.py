"""ConfigMap and Secret updates: with `immutable: true` on the live object neither the flag nor
the data may change; a Secret's type never may. Neither our chart nor Bitnami sets `immutable`
today; the rules are here so that one that does is caught."""

from __future__ import annotations

import base64

from generator.plan.rules import sources
from generator.plan.rules.base import FIELD_IMMUTABLE, Obj, Violation, violation

IMMUTABLE_SET = "field is immutable when `immutable` is set"


def _secret_data(obj: Obj) -> dict[str, str]:
    # stringData is merged into data (base64) before validation: compare both as bytes.
    data = {str(k): str(v) for k, v in (obj.get("data") or {}).items()}
    for k, v in (obj.get("stringData") or {}).items():
        data[str(k)] = base64.b64encode(str(v).encode()).decode()
    return data


def configmap_rules(old: Obj, new: Obj) -> list[Violation]:
    if old.get("immutable") is not True:
        return []
    src = f"{sources.CONFIGMAP}; 1.25-1.37 (ImmutableEphemeralVolumes GA 1.21)"
    out = []
    if new.get("immutable") is not True:
        out.append(violation(new, "immutable", "immutable", "Forbidden", IMMUTABLE_SET, "configmap-immutable", src))
    for key in ("data", "binaryData"):
        if (old.get(key) or {}) != (new.get(key) or {}):
            out.append(violation(new, key, key, "Forbidden", IMMUTABLE_SET, "configmap-immutable", src))
    return out


def secret_rules(old: Obj, new: Obj) -> list[Violation]:
    src = f"{sources.SECRET}; 1.25-1.37"
    out = []
    a_type = old.get("type") or "Opaque"
    b_type = new.get("type") or a_type  # an update without a type keeps the old one
    if a_type != b_type:
        out.append(violation(new, "type", "type", "Invalid", FIELD_IMMUTABLE, "secret-type-immutable", src,
                             value=b_type))
    if old.get("immutable") is True:
        if new.get("immutable") is not True:
            out.append(violation(new, "immutable", "immutable", "Forbidden", IMMUTABLE_SET, "secret-immutable", src))
        if _secret_data(old) != _secret_data(new):
            out.append(violation(new, "data", "data", "Forbidden", IMMUTABLE_SET, "secret-immutable", src))
    return out

"""Data at risk: a PVC holding Redis's RDB file that no StatefulSet of the new side uses any more.

The StatefulSet controller names its claims <template>-<statefulset>-<ordinal> in its namespace
on its cluster, and never deletes them. So a release rename, a namespace or cluster move, the
switch to Sentinel (another StatefulSet) or turning persistence off leaves the old claim behind
while the new Redis starts on a new, empty one (or on no volume at all): the OTP codes live at the
switch are lost (at most otp_ttl_seconds' worth; users request a new code), and the old claim
keeps costing until someone deletes it. A scale-down is not a loss: the master (ordinal 0)
keeps its claim and Kubernetes keeps the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.core.k8s import dig
from generator.core.settings import Settings
from generator.plan import runbooks
from generator.plan.model import DATA_AT_RISK, Finding
from generator.plan.objects import Indexed, Key, short
from generator.plan.rules import claim_names

STATEFULSET = ("apps", "StatefulSet")


def _claims(side: Indexed) -> dict[tuple[str, str, str], Key]:
    """(server, namespace, claim name) -> the StatefulSet that makes it."""
    return {(key[0], key[3], claim): key for key, obj in side.objects.items() if key[1:3] == STATEFULSET
            for claim in claim_names(obj)}


def _templates(obj: Mapping[str, Any] | None) -> list[str]:
    return [str(dig(t, "metadata", "name")) for t in dig(obj, "spec", "volumeClaimTemplates") or []]


def _server(settings: Settings) -> str:
    return settings.argocd.destination_server if settings.argocd else "(no Argo CD Application)"


def _why(old: Settings | None, new: Settings | None, same: Mapping[str, Any] | None, prune: bool) -> list[str]:
    if new is None:
        return ["the environment is removed, and its Application prunes automatically"] if prune else []
    if old is None:
        return []
    why = []
    if _server(old) != _server(new):
        why.append(f"argocd.destination_server {_server(old)} -> {_server(new)}: the new cluster starts empty; Argo CD "
                   "stops managing the old cluster's objects, which keep running there")
    if old.namespace != new.namespace:
        why.append(f"namespace {old.namespace} -> {new.namespace}: a new, empty PVC in {new.namespace}")
    if old.release_name != new.release_name:
        why.append(f"release_name {old.release_name} -> {new.release_name}: Bitnami's names follow the release")
    if (old.architecture, old.sentinel_enabled) != (new.architecture, new.sentinel_enabled):
        why.append(f"architecture {old.architecture} -> {new.architecture}, Sentinel "
                   f"{'on' if old.sentinel_enabled else 'off'} -> {'on' if new.sentinel_enabled else 'off'}: "
                   "another StatefulSet with claims of its own")
    if old.persistence_enabled and not new.persistence_enabled:
        why.append("persistence_enabled turned off: Redis writes to an emptyDir, the claim is no longer mounted, and "
                   "every later restart loses every code")
    if not new.enable_redis:
        why.append("enable_redis turned off: nothing of Redis is rendered")
    return why or [f"StatefulSet {same and dig(same, 'metadata', 'name')} leaves the render"]


def at_risk(env: str, file: str, base: Indexed, new: Indexed, old: Settings | None, now: Settings | None,
            prune: bool, app: str) -> list[Finding]:
    """One finding per StatefulSet of the base side whose claims the new side abandons.
    prune: the Application that syncs the change deletes what leaves git (for a removed
    environment: its last Application)."""
    if now is None and not prune:
        return []  # removed, and nothing deletes it until a person deletes the Application
    produced = _claims(new)
    before = _claims(base)
    out = []
    for key, obj in sorted(base.objects.items()):
        if key[1:3] != STATEFULSET or not claim_names(obj):
            continue
        same = new.objects.get(key)
        if same is not None and _templates(same) == _templates(obj):
            continue  # the same claims (a scale-down keeps the master's): nothing abandoned
        lost = [c for c in claim_names(obj) if (key[0], key[3], c) not in produced]
        if not lost:
            continue
        fresh = sorted(f"{ns}/{c}" for (server, ns, c), owner in produced.items() if (server, ns, c) not in before)
        detail = [f"old PVC {key[3]}/{c}: holds the RDB file; no StatefulSet of the new side mounts it, and Kubernetes "
                  "never deletes it" for c in lost]
        detail += [f"new PVC {c}: created empty" for c in fresh] or ["no new PVC: the new side keeps no data on disk"]
        detail += [f"why: {w}" for w in _why(old, now, same, prune)]
        detail.append("lost: the OTP codes live at the switch (at most otp_ttl_seconds' worth); users request a new "
                      "code. Nothing else is stored in this Redis")
        if same is None and prune:
            detail.append(f"Argo CD prunes StatefulSet {key[4]}: its pods stop, the PVC stays behind unused")
        namespace = key[3]
        out.append(Finding(env, DATA_AT_RISK, short(key), "the PVC holding the RDB file is abandoned: "
                           + ", ".join(f"{namespace}/{c}" for c in lost), tuple(detail),
                           runbooks.abandoned(app, namespace, key[4], lost, fresh, now is None), file))
    return out

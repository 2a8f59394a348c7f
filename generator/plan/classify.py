"""Every object that differs between the sides, classified: create, update (in place, or rolling
the Redis pods), delete (pruned by Argo CD or left running), or an update the API server refuses.

Objects are paired by identity (objects.Key): a rename or a move to another namespace is a
delete plus a create, never an update, as Argo CD syncs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from generator.core.k8s import dig
from generator.plan import restart
from generator.plan.model import CREATE, DELETE, UPDATE, Change
from generator.plan.objects import ARGOCD_CLUSTER, Indexed, Key, label
from generator.plan.rules import forbidden
from generator.plan.rules.base import normalize

SYNC_OPTIONS = "argocd.argoproj.io/sync-options"


def compared_keys(base: Indexed, new: Indexed, base_subchart: bool, new_subchart: bool) -> tuple[set[Key], set[Key]]:
    """(keys compared, keys that could not be): the subchart's objects of a side that rendered it
    cannot be compared with a side that could not (its archive was missing)."""
    every = set(base.objects) | set(new.objects)
    skipped: set[Key] = set()
    if base_subchart and not new_subchart:
        skipped = set(base.subchart_keys)
    elif new_subchart and not base_subchart:
        skipped = set(new.subchart_keys)
    return every - skipped, skipped


def changes(base: Indexed, new: Indexed, keys: set[Key], kube_version: str,
            removal: Callable[[Key, Mapping[str, Any]], str]) -> list[Change]:
    """The objects among `keys` that differ (by value: "1Gi" equals "1024Mi"), each classified."""
    out = []
    for key in sorted(keys):
        old, now = base.objects.get(key), new.objects.get(key)
        if old is not None and now is not None and normalize(old) == normalize(now):
            continue
        if old is None:
            assert now is not None
            out.append(Change(key, label(key, now), CREATE, None, now))
        elif now is None:
            out.append(Change(key, label(key, old), DELETE, old, None, removal=removal(key, old)))
        else:
            refused = tuple(forbidden(old, now, kube_version))
            out.append(Change(key, label(key, now), UPDATE, old, now, refused, restart.restart_reason(old, now) or ""))
    return out


def prune_of(application: Mapping[str, Any] | None) -> bool:
    """Does this Application delete what leaves git (automated sync with prune)?"""
    return bool(dig(application, "spec", "syncPolicy", "automated", "prune")) if application else False


def removal(application: Mapping[str, Any] | None, env_removed: bool, values_file: str) -> Callable[
        [Key, Mapping[str, Any]], str]:
    """What Argo CD does with an object that leaves the render, under that Application."""
    app = str(dig(application, "metadata", "name") or "")
    server = str(dig(application, "spec", "destination", "server") or "")

    def note(key: Key, obj: Mapping[str, Any]) -> str:
        if obj.get("kind") == "Application":
            return (f"the Application leaves argocd/: applied by hand, it stays until `argocd app delete {app}`; "
                    "through an app-of-apps that prunes argocd/, it is deleted. Either way its "
                    "resources-finalizer then deletes every object it deployed")
        if "Prune=false" in str(dig(obj, "metadata", "annotations", SYNC_OPTIONS) or ""):
            return "left by Argo CD: the object's sync-options say Prune=false (the app stays OutOfSync)"
        if application is None:
            return "deleted by nothing: no Argo CD Application deploys this environment (kubectl delete by hand)"
        if server and key[0] != server and key[0] != ARGOCD_CLUSTER and not env_removed:
            return (f"left running on {key[0]}: {app} now deploys to {server}, and Argo CD no longer manages what it "
                    "left on the old cluster (delete it there by hand once the new one serves)")
        if env_removed:
            return (f"the environment is removed: deleted when its Application {app} is (resources-finalizer); "
                    f"until then that Application's syncs fail, since {values_file} is gone")
        if prune_of(application):
            return f"pruned by Argo CD at the next automated sync of {app} (foreground deletion)"
        return (f"left running by Argo CD: prune is off, so {app} shows OutOfSync ('ignored (requires pruning)') "
                f"until `argocd app sync {app} --prune`")

    return note

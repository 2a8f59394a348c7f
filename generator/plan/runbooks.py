"""What an operator does instead of a sync that the API server refuses or that loses data: the
steps printed under each such finding, with the environment's own names.

On an environment Argo CD syncs automatically (and self-heals), automated sync is paused first
so it does not race the manual steps, and restored last with the Application's own flags. Sync
options do not get past the API server: Replace=true is the same validation;
Force=true,Replace=true deletes and recreates the object (an outage) and a StatefulSet recreated
that way keeps its old claims unchanged; RespectIgnoreDifferences on /spec/volumeClaimTemplates
only hides the change.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.plan.rules import Violation


def resume_flags(automated: dict[str, object] | None) -> str:
    """The `argocd app set` flags that restore an Application's automated sync ('' when manual)."""
    if not automated:
        return ""
    return "--sync-policy automated" + (" --auto-prune" if automated.get("prune") else "") + (
        " --self-heal" if automated.get("selfHeal") else "")


def _paused(app: str, resume: str, steps: list[str]) -> tuple[str, ...]:
    if not resume:
        return tuple(steps)
    return (f"argocd app set {app} --sync-policy none            # stop automated sync racing these steps",
            *steps, f"argocd app set {app} {resume}   # as the Application says")


def bigger_volume(app: str, resume: str, namespace: str, sts: str, claims: Sequence[str], size: str,
                  storage_class: str) -> tuple[str, ...]:
    """storage_size up: expand each claim in place, re-create the StatefulSet without its pods."""
    cannot = "else the claim cannot grow: delete the StatefulSet and its PVCs, then sync (the live codes go)"
    steps = [f"kubectl get storageclass {storage_class} -o jsonpath='{{.allowVolumeExpansion}}'   # must print true; "
             f"{cannot}" if storage_class else
             f"kubectl get storageclass   # the (default) class's ALLOWVOLUMEEXPANSION must say true; {cannot}"]
    steps += [f"kubectl -n {namespace} patch pvc {c} -p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":"
              f"\"{size}\"}}}}}}}}'" for c in claims]
    steps += [f"kubectl -n {namespace} get pvc {' '.join(claims)} -w                  # until CAPACITY is {size}",
              f"kubectl -n {namespace} delete statefulset {sts} --cascade=orphan   # the pods keep running",
              f"merge this change, then: argocd app sync {app}   # re-creates {sts}, which adopts its pods: no restart"]
    return _paused(app, resume, steps)


def replace_volume(app: str, resume: str, namespace: str, sts: str, claims: Sequence[str]) -> tuple[str, ...]:
    """storage_size down, another storage class, persistence off: a claim cannot shrink or move."""
    steps = [f"kubectl -n {namespace} delete statefulset {sts}    # pods stop, RDB saved on SIGTERM, PVCs kept"]
    steps += [f"kubectl -n {namespace} delete pvc {c}    # the live OTP codes go with it" for c in claims]
    steps += [f"merge this change, then: argocd app sync {app}   # a new StatefulSet with new claims",
              "(codes issued in the last otp_ttl_seconds are lost; users request a new code)"]
    return _paused(app, resume, steps)


def recreate(app: str, resume: str, namespace: str, kind: str, name: str, orphan: bool) -> tuple[str, ...]:
    """A frozen field other than the claims: delete the object (keeping the pods when they would be
    adopted) and let the sync create it anew."""
    cascade = " --cascade=orphan   # pods keep running and are adopted" if orphan else "   # its pods stop"
    steps = [f"kubectl -n {namespace} delete {kind.lower()} {name}{cascade}",
             f"merge this change, then: argocd app sync {app}"]
    if kind == "Service":
        steps.append("(a new cluster IP; DNS follows, open connections to the old address break and reconnect)")
    return _paused(app, resume, steps)


def for_violation(v: Violation, app: str, resume: str, claims: Sequence[str], size: str,
                  storage_class: str, growing: bool) -> tuple[str, ...]:
    """The runbook of one refusal."""
    if v.kind == "StatefulSet":
        if "volumeClaimTemplates" in v.field:
            only_size = all(f.strip().endswith("resources.requests.storage") for f in v.field.split(","))
            if only_size and growing:
                return bigger_volume(app, resume, v.namespace, v.name, claims, size, storage_class)
            return replace_volume(app, resume, v.namespace, v.name, claims)
        # selector, serviceName, podManagementPolicy: a new StatefulSet adopts the old pods only
        # when its selector still matches them.
        return recreate(app, resume, v.namespace, v.kind, v.name, orphan="spec.selector" not in v.field)
    return recreate(app, resume, v.namespace, v.kind, v.name, orphan=False)


def abandoned(app: str, namespace: str, sts: str, lost: Sequence[str], fresh: Sequence[str],
              removed: bool) -> tuple[str, ...]:
    """A claim left behind: switch the backend in the same window, then clean up."""
    if removed:
        steps = [f"argocd app delete {app}   # its finalizer deletes every object; the PVCs stay",
                 *[f"kubectl -n {namespace} delete pvc {c}   # once nothing needs the codes" for c in lost]]
        return tuple(steps)
    steps = [f"sync in a quiet hour: argocd app sync {app} (add the sync option PruneLast=true to keep {sts} "
             "serving until the new Redis is healthy)",
             "switch the backend to the new outputs (redis_host, redis_connection_url) in the same window",
             *[f"kubectl -n {namespace} delete pvc {c}   # after checking the new Redis serves" for c in lost]]
    if fresh:
        steps.insert(0, f"the new Redis starts empty on {', '.join(fresh)}")
    return tuple(steps)

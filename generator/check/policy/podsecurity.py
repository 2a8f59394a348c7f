"""TR-PSS-*: the Kubernetes Pod Security "restricted" profile, control by control, for every container
(init, regular and ephemeral, the exporter included), plus the seed's own promise of UID 1001.

Controls follow https://kubernetes.io/docs/concepts/security/pod-security-standards/ (restricted
includes baseline). Host network and host ports are TR-EXP-002.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from generator.check.policy import deployment
from generator.check.policy.model import Context, Coverage, Evaluation, Finding, Rule
from generator.core.k8s import Container, PodTemplate, containers, dig

SEED_UID = 1001
ALLOWED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                   "projected", "secret"}
SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes"}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
SECCOMP_OK = {"RuntimeDefault", "Localhost"}
FIX = "redis.master.containerSecurityContext / redis.metrics.containerSecurityContext (chart/values.yaml)"

Issue = tuple[str, str]  # (field path, message)
PodCheck = Callable[[PodTemplate], Iterator[Issue]]


def _rule(pod_check: PodCheck) -> Callable[[Context, Rule], Evaluation]:
    def check(ctx: Context, rule: Rule) -> Evaluation:
        all_pods, seen = deployment.redis_pods(ctx)
        findings: list[Finding] = [rule.finding(ctx, pod.name, path, message)
                                   for pod in all_pods for path, message in pod_check(pod)]
        if seen:
            return rule.evaluation(findings)
        return rule.evaluation(findings, Coverage.PARTIAL, deployment.ASSUMED)
    return check


def _sc(c: Container) -> dict[str, Any]:
    return c.security


def host_namespaces(pod: PodTemplate) -> Iterator[Issue]:
    for key in ("hostPID", "hostIPC"):
        if pod.spec.get(key):
            yield pod.at("spec", key), f"{key} shares the node's {key[4:]} namespace"


def privileged(pod: PodTemplate) -> Iterator[Issue]:
    for c in containers(pod):
        if _sc(c).get("privileged"):
            yield c.at("securityContext.privileged"), f"container {c.name} is privileged"


def capabilities(pod: PodTemplate) -> Iterator[Issue]:
    for c in containers(pod):
        caps = _sc(c).get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            yield c.at("securityContext.capabilities.drop"), f"container {c.name} does not drop ALL capabilities"
        extra = [a for a in caps.get("add") or [] if a != "NET_BIND_SERVICE"]
        if extra:
            yield c.at("securityContext.capabilities.add"), f"container {c.name} adds {', '.join(extra)}"


def volume_types(pod: PodTemplate) -> Iterator[Issue]:
    for i, volume in enumerate(pod.spec.get("volumes") or []):
        kinds = set(volume) - {"name"}
        bad = sorted(kinds - ALLOWED_VOLUMES)
        if bad:
            yield pod.at("spec", f"volumes[{i}]"), f"volume {volume.get('name')} is of type {', '.join(bad)}"


def apparmor(pod: PodTemplate) -> Iterator[Issue]:
    for key, value in (pod.metadata.get("annotations") or {}).items():
        if str(key).startswith("container.apparmor.security.beta.kubernetes.io/") and (
                value not in ("runtime/default",) and not str(value).startswith("localhost/")):
            yield pod.at("metadata.annotations", str(key)), f"AppArmor profile {value}"
    contexts = [(pod.at("spec.securityContext"), pod.spec.get("securityContext") or {})]
    contexts += [(c.at("securityContext"), _sc(c)) for c in containers(pod)]
    for path, sc in contexts:
        kind = dig(sc, "appArmorProfile", "type")
        if kind is not None and kind not in SECCOMP_OK:
            yield f"{path}.appArmorProfile.type", f"AppArmor profile {kind}"


def selinux(pod: PodTemplate) -> Iterator[Issue]:
    contexts = [(pod.at("spec.securityContext"), pod.spec.get("securityContext") or {})]
    contexts += [(c.at("securityContext"), _sc(c)) for c in containers(pod)]
    for path, sc in contexts:
        opts = sc.get("seLinuxOptions") or {}
        if opts.get("type", "") not in SELINUX_TYPES:
            yield f"{path}.seLinuxOptions.type", f"SELinux type {opts['type']}"
        for key in ("user", "role"):
            if opts.get(key):
                yield f"{path}.seLinuxOptions.{key}", f"SELinux {key} {opts[key]} is set"


def proc_mount(pod: PodTemplate) -> Iterator[Issue]:
    for c in containers(pod):
        if _sc(c).get("procMount", "Default") != "Default":
            yield c.at("securityContext.procMount"), f"container {c.name} has procMount {_sc(c)['procMount']}"


def seccomp(pod: PodTemplate) -> Iterator[Issue]:
    pod_type = dig(pod.spec, "securityContext", "seccompProfile", "type")
    if pod_type is not None and pod_type not in SECCOMP_OK:
        yield pod.at("spec.securityContext.seccompProfile.type"), f"pod seccomp profile {pod_type}"
    for c in containers(pod):
        kind = dig(_sc(c), "seccompProfile", "type")
        if kind is None and pod_type is None:
            yield c.at("securityContext.seccompProfile"), f"container {c.name} has no seccomp profile (pod has none)"
        elif kind is not None and kind not in SECCOMP_OK:
            yield c.at("securityContext.seccompProfile.type"), f"container {c.name} seccomp profile {kind}"


def sysctls(pod: PodTemplate) -> Iterator[Issue]:
    for i, s in enumerate(dig(pod.spec, "securityContext", "sysctls", default=[]) or []):
        if s.get("name") not in SAFE_SYSCTLS:
            yield pod.at(f"spec.securityContext.sysctls[{i}]"), f"unsafe sysctl {s.get('name')}"


def privilege_escalation(pod: PodTemplate) -> Iterator[Issue]:
    for c in containers(pod):
        if _sc(c).get("allowPrivilegeEscalation") is not False:
            yield (c.at("securityContext.allowPrivilegeEscalation"),
                   f"container {c.name} does not set allowPrivilegeEscalation: false")


def run_as_non_root(pod: PodTemplate) -> Iterator[Issue]:
    pod_value = dig(pod.spec, "securityContext", "runAsNonRoot")
    if pod_value is False:
        yield pod.at("spec.securityContext.runAsNonRoot"), "pod sets runAsNonRoot: false"
    for c in containers(pod):
        value = _sc(c).get("runAsNonRoot")
        if value is False or (value is None and pod_value is not True):
            yield c.at("securityContext.runAsNonRoot"), f"container {c.name} may run as root (runAsNonRoot not true)"


def run_as_user(pod: PodTemplate) -> Iterator[Issue]:
    pod_uid = dig(pod.spec, "securityContext", "runAsUser")
    if pod_uid == 0:
        yield pod.at("spec.securityContext.runAsUser"), "pod runs as UID 0"
    for c in containers(pod):
        if _sc(c).get("runAsUser") == 0:
            yield c.at("securityContext.runAsUser"), f"container {c.name} runs as UID 0"


def seed_uid(pod: PodTemplate) -> Iterator[Issue]:
    pod_uid = dig(pod.spec, "securityContext", "runAsUser")
    for c in containers(pod):
        uid = _sc(c).get("runAsUser", pod_uid)
        if uid != SEED_UID:
            yield (c.at("securityContext.runAsUser"),
                   f"container {c.name} runs as UID {uid}, the seed promises {SEED_UID}")


def _pss(number: int, name: str, summary: str, pod_check: PodCheck, fix: str = FIX) -> Rule:
    return Rule(f"TR-PSS-{number:03d}", name, "pod-security", summary, fix, _rule(pod_check))


RULES = (
    _pss(1, "host-namespaces", "No pod shares the node's PID or IPC namespace (hostPID, hostIPC).", host_namespaces,
         "remove hostPID / hostIPC"),
    _pss(2, "not-privileged", "No container is privileged.", privileged,
         "keep redis.sysctl.enabled: false; remove privileged"),
    _pss(3, "capabilities", "Every container drops ALL capabilities and adds none but NET_BIND_SERVICE.",
         capabilities),
    _pss(4, "volume-types", "Only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, "
         "projected and secret volumes (no hostPath).", volume_types,
         "remove the volume (redis.sysctl.mountHostSys: false, redis.master.extraVolumes)"),
    _pss(5, "apparmor", "No AppArmor profile other than RuntimeDefault or Localhost.", apparmor),
    _pss(6, "selinux", "No custom SELinux user or role, and only container SELinux types.", selinux),
    _pss(7, "proc-mount", "Every container uses the Default /proc mount.", proc_mount),
    _pss(8, "seccomp", "Every container runs under the RuntimeDefault or a Localhost seccomp profile.", seccomp),
    _pss(9, "sysctls", "Only the safe sysctls are set.", sysctls, "remove redis.master.podSecurityContext.sysctls"),
    _pss(10, "no-privilege-escalation", "Every container sets allowPrivilegeEscalation: false.",
         privilege_escalation),
    _pss(11, "run-as-non-root", "Every container must run as non-root (runAsNonRoot: true).", run_as_non_root),
    _pss(12, "not-uid-0", "No pod or container sets runAsUser: 0.", run_as_user,
         "keep redis.volumePermissions.enabled: false and runAsUser: 1001"),
    _pss(13, "uid-1001", "Every container runs as UID 1001, as the seed promises.", seed_uid,
         "set runAsUser: 1001 in the container security contexts (chart/values.yaml)"),
)

"""check/policy/podsecurity.py, TR-PSS-*: the Pod Security "restricted" profile, control by control,
and UID 1001. Each rule fires on every known-bad release (the good one of
tests/support/policy_objects.py with one thing broken) and stays silent on the good one."""

from __future__ import annotations

from generator.check.policy import podsecurity
from tests.support.policy_objects import (
    Break,
    container,
    init_container,
    rule_suite,
)

BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-PSS-001": [("hostPID", lambda c: c.pod.update(hostPID=True)),
                   ("hostIPC", lambda c: c.pod.update(hostIPC=True))],
    "TR-PSS-002": [
        ("privileged exporter", lambda c: container(c, "metrics")["securityContext"].update(privileged=True)),
        ("sysctl init container on in values",
         lambda c: (setattr(c, "subchart", False), {"redis": {"sysctl": {"enabled": True}}})[1]),
    ],
    "TR-PSS-003": [
        ("capabilities not dropped", lambda c: container(c)["securityContext"].pop("capabilities")),
        ("NET_ADMIN added", lambda c: container(c)["securityContext"]["capabilities"].update(add=["NET_ADMIN"])),
    ],
    "TR-PSS-004": [("hostPath volume", lambda c: c.pod["volumes"].append({"name": "h", "hostPath": {"path": "/"}}))],
    "TR-PSS-005": [
        ("AppArmor unconfined", lambda c: container(c)["securityContext"].update(
            appArmorProfile={"type": "Unconfined"})),
        ("AppArmor annotation", lambda c: c.find("StatefulSet")["spec"]["template"]["metadata"].update(
            annotations={"container.apparmor.security.beta.kubernetes.io/redis": "unconfined"})),
    ],
    "TR-PSS-006": [
        ("SELinux type", lambda c: container(c)["securityContext"].update(seLinuxOptions={"type": "spc_t"})),
        ("SELinux user", lambda c: c.pod["securityContext"].update(seLinuxOptions={"user": "system_u"})),
    ],
    "TR-PSS-007": [("Unmasked /proc", lambda c: container(c)["securityContext"].update(procMount="Unmasked"))],
    "TR-PSS-008": [
        ("seccomp missing everywhere", lambda c: container(c, "metrics")["securityContext"].pop("seccompProfile")),
        ("seccomp Unconfined", lambda c: container(c)["securityContext"].update(
            seccompProfile={"type": "Unconfined"})),
    ],
    "TR-PSS-009": [("unsafe sysctl", lambda c: c.pod["securityContext"].update(
        sysctls=[{"name": "net.core.somaxconn", "value": "1024"}]))],
    "TR-PSS-010": [
        ("allowPrivilegeEscalation unset", lambda c: container(c)["securityContext"].pop("allowPrivilegeEscalation")),
        ("init container may escalate", lambda c: init_container(c, allowPrivilegeEscalation=True)),
    ],
    "TR-PSS-011": [
        ("runAsNonRoot unset", lambda c: container(c, "metrics")["securityContext"].pop("runAsNonRoot")),
        ("runAsNonRoot false", lambda c: container(c)["securityContext"].update(runAsNonRoot=False)),
    ],
    "TR-PSS-012": [
        ("root init container", lambda c: init_container(c, runAsUser=0)),
        ("volumePermissions on in values",
         lambda c: (setattr(c, "subchart", False), {"redis": {"volumePermissions": {"enabled": True}}})[1]),
    ],
    "TR-PSS-013": [("exporter as UID 10001", lambda c: container(c, "metrics")["securityContext"].update(
        runAsUser=10001))],
}


test_every_rule_has_a_firing_case, test_good_release_has_no_finding, test_rule_fires = rule_suite(
    podsecurity.RULES, BAD)

"""Every rule fires on a known-bad release and stays silent on a good one.

`BAD` holds one or more broken releases per rule (the hand-written objects of
tests/policy_objects.py, one thing changed); the good release and the real renders of every
environment (tests/test_check_policy.py) must produce no finding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from generator.check import policy
from generator.check.policy import Coverage
from tests.support.policy_objects import SECURE, Case

Break = Callable[[Case], dict[str, Any] | None]  # mutates the case; may return a values patch


def _container(case: Case, name: str = "redis") -> dict[str, Any]:
    return next(c for c in case.pod["containers"] if c["name"] == name)


def _config(case: Case, key: str, text: str) -> None:
    case.find("ConfigMap", "redis-configuration")["data"][key] += "\n" + text


def _add_policy(case: Case, spec: dict[str, Any], name: str = "extra", namespace: str = "redis") -> None:
    case.objects.append({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                         "metadata": {"name": name, "namespace": namespace}, "spec": spec})


REDIS_PODS = {"matchLabels": {"app.kubernetes.io/name": "redis"}}
NS = "kubernetes.io/metadata.name"


def _init(case: Case, **security: Any) -> None:
    case.pod["initContainers"] = [{"name": "volume-permissions", "image": _container(case)["image"],
                                   "securityContext": {**SECURE, **security}}]


BAD: dict[str, list[tuple[str, Break]]] = {
    "TR-AUTH-001": [
        ("auth disabled in values", lambda c: {"redis": {"auth": {"enabled": False}}}),
        ("start script without --requirepass", lambda c: c.find("ConfigMap", "redis-scripts")["data"].update(
            {"start-master.sh": 'ARGS=("--port" "6379")\nARGS+=("--protected-mode" "no")\n'})),
        ('a later requirepass "" cancels the password', lambda c: _config(c, "master.conf", 'requirepass ""')),
        ("ACL default user nopass", lambda c: _config(c, "redis.conf", "user default on nopass ~* +@all")),
    ],
    "TR-AUTH-002": [
        ("password volume from another Secret", lambda c: c.pod["volumes"][1]["secret"].update(secretName="other")),
        ("existingSecret not the environment's", lambda c: {"redis": {"auth": {"existingSecret": "other"}}}),
        ("wrong key in the Secret", lambda c: c.pod["volumes"][1]["secret"]["items"][0].update(key="pw")),
    ],
    "TR-AUTH-003": [
        ("ALLOW_EMPTY_PASSWORD=yes", lambda c: _container(c)["env"][0].update(value="yes")),
        ("empty-password switch in the exporter",
         lambda c: _container(c, "metrics")["env"].append({"name": "ALLOW_EMPTY_PASSWORD", "value": "yes"})),
        ("extraEnvVars in values", lambda c: {"redis": {"master": {"extraEnvVars": [
            {"name": "ALLOW_EMPTY_PASSWORD", "value": "yes"}]}}}),
    ],
    "TR-NET-001": [
        ("two policies whose union opens the port to another namespace", lambda c: _add_policy(c, {
            "podSelector": {"matchLabels": {"app.kubernetes.io/component": "master"}},
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {NS: "web"}}}],
                         "ports": [{"port": 6379}]}]})),
        ("namespaceSelector {} means every namespace", lambda c: c.policy["ingress"][0]["from"].append(
            {"namespaceSelector": {}})),
        ("podSelector-only peer means the Redis namespace itself", lambda c: c.policy["ingress"][0]["from"].append(
            {"podSelector": {"matchLabels": {"role": "client"}}})),
        ("a rule with ports but no peers admits every source", lambda c: c.policy["ingress"].append(
            {"ports": [{"port": 6379}]})),
        ("ingress: [{}] admits everything", lambda c: c.policy["ingress"].append({})),
        ("ipBlock admits addresses", lambda c: c.policy["ingress"][0]["from"].append(
            {"ipBlock": {"cidr": "10.0.0.0/8"}})),
        ("backend allowed on every port", lambda c: c.policy["ingress"][0].pop("ports")),
        ("named port resolves to the Redis port", lambda c: c.policy["ingress"][1]["ports"].append(
            {"port": "redis"})),
        ("namespace selected by a label, not by name", lambda c: c.policy["ingress"][0]["from"].__setitem__(
            0, {"namespaceSelector": {"matchLabels": {"team": "backend"}}})),
        ("OR across peers: namespace peer and a separate pod peer", lambda c: c.policy["ingress"][0].__setitem__(
            "from", [{"namespaceSelector": {"matchLabels": {NS: "twofa-backend"}}},
                     {"podSelector": {"matchLabels": {"app": "backend"}}}])),
        ("no policy isolates the pods", lambda c: c.objects.remove(c.find("NetworkPolicy"))),
        ("the backend cannot reach Redis", lambda c: c.policy["ingress"].pop(0)),
        ("metrics port open with metrics off", lambda c: c.settings.update(metrics_enabled=False)),
        ("Bitnami's own policy on, unseen without the subchart",
         lambda c: (setattr(c, "subchart", False), {"redis": {"networkPolicy": {"enabled": True}}})[1]),
    ],
    "TR-NET-002": [
        ("egress: [{}] allows everything", lambda c: c.policy["egress"].append({})),
        ("egress not isolated (policyTypes Ingress only)", lambda c: c.policy.update(policyTypes=["Ingress"])),
        ("egress to the internet on 443", lambda c: c.policy["egress"].append(
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]})),
        ("defaulted policyTypes without egress rules leave egress open",
         lambda c: (c.policy.pop("policyTypes"), c.policy.pop("egress"))[0] and None),
    ],
    "TR-EXP-001": [
        ("NodePort Service", lambda c: c.find("Service", "redis-master")["spec"].update(type="NodePort")),
        ("LoadBalancer Service", lambda c: c.find("Service", "redis-master")["spec"].update(type="LoadBalancer")),
        ("external IPs", lambda c: c.find("Service", "redis-master")["spec"].update(externalIPs=["203.0.113.9"])),
        ("LoadBalancer in values without the subchart",
         lambda c: (setattr(c, "subchart", False), {"redis": {"master": {"service": {"type": "LoadBalancer"}}}})[1]),
    ],
    "TR-EXP-002": [
        ("hostNetwork", lambda c: c.pod.update(hostNetwork=True)),
        ("hostPort", lambda c: _container(c)["ports"][0].update(hostPort=6379)),
    ],
    "TR-PSS-001": [("hostPID", lambda c: c.pod.update(hostPID=True)),
                   ("hostIPC", lambda c: c.pod.update(hostIPC=True))],
    "TR-PSS-002": [
        ("privileged exporter", lambda c: _container(c, "metrics")["securityContext"].update(privileged=True)),
        ("sysctl init container on in values",
         lambda c: (setattr(c, "subchart", False), {"redis": {"sysctl": {"enabled": True}}})[1]),
    ],
    "TR-PSS-003": [
        ("capabilities not dropped", lambda c: _container(c)["securityContext"].pop("capabilities")),
        ("NET_ADMIN added", lambda c: _container(c)["securityContext"]["capabilities"].update(add=["NET_ADMIN"])),
    ],
    "TR-PSS-004": [("hostPath volume", lambda c: c.pod["volumes"].append({"name": "h", "hostPath": {"path": "/"}}))],
    "TR-PSS-005": [
        ("AppArmor unconfined", lambda c: _container(c)["securityContext"].update(
            appArmorProfile={"type": "Unconfined"})),
        ("AppArmor annotation", lambda c: c.find("StatefulSet")["spec"]["template"]["metadata"].update(
            annotations={"container.apparmor.security.beta.kubernetes.io/redis": "unconfined"})),
    ],
    "TR-PSS-006": [
        ("SELinux type", lambda c: _container(c)["securityContext"].update(seLinuxOptions={"type": "spc_t"})),
        ("SELinux user", lambda c: c.pod["securityContext"].update(seLinuxOptions={"user": "system_u"})),
    ],
    "TR-PSS-007": [("Unmasked /proc", lambda c: _container(c)["securityContext"].update(procMount="Unmasked"))],
    "TR-PSS-008": [
        ("seccomp missing everywhere", lambda c: _container(c, "metrics")["securityContext"].pop("seccompProfile")),
        ("seccomp Unconfined", lambda c: _container(c)["securityContext"].update(
            seccompProfile={"type": "Unconfined"})),
    ],
    "TR-PSS-009": [("unsafe sysctl", lambda c: c.pod["securityContext"].update(
        sysctls=[{"name": "net.core.somaxconn", "value": "1024"}]))],
    "TR-PSS-010": [
        ("allowPrivilegeEscalation unset", lambda c: _container(c)["securityContext"].pop("allowPrivilegeEscalation")),
        ("init container may escalate", lambda c: _init(c, allowPrivilegeEscalation=True)),
    ],
    "TR-PSS-011": [
        ("runAsNonRoot unset", lambda c: _container(c, "metrics")["securityContext"].pop("runAsNonRoot")),
        ("runAsNonRoot false", lambda c: _container(c)["securityContext"].update(runAsNonRoot=False)),
    ],
    "TR-PSS-012": [
        ("root init container", lambda c: _init(c, runAsUser=0)),
        ("volumePermissions on in values",
         lambda c: (setattr(c, "subchart", False), {"redis": {"volumePermissions": {"enabled": True}}})[1]),
    ],
    "TR-PSS-013": [("exporter as UID 10001", lambda c: _container(c, "metrics")["securityContext"].update(
        runAsUser=10001))],
    "TR-IMG-001": [
        ("Docker Hub image", lambda c: _container(c)["image"].__len__() and _container(c).update(
            image="docker.io/bitnami/redis:8.2.1")),
        ("init container from elsewhere", lambda c: (_init(c), c.pod["initContainers"][0].update(
            image="public.ecr.aws/x/os-shell:12"))[0]),
    ],
    "TR-IMG-002": [("digest required, tag given", lambda c: c.settings.update(require_image_digest=True))],
    "TR-IMG-003": [
        ("redis-latest in prod", lambda c: c.settings.update(env="prod")),
        ("plain latest in prod", lambda c: (c.settings.update(env="prod", metrics_enabled=False),
                                            _container(c).update(image=f"{_container(c)['image'][:-13]}:latest"))[0]),
    ],
    "TR-PER-001": [
        ('save "" after the generated line', lambda c: _config(c, "master.conf", 'save ""')),
        ("Bitnami's default commonConfiguration", lambda c: c.find("ConfigMap", "redis-configuration")["data"].update(
            {"redis.conf": 'appendonly yes\nsave ""'})),
        ("save rules differ from rdb_save", lambda c: _config(c, "master.conf", "save 900 1")),
        ("values without the subchart", lambda c: (setattr(c, "subchart", False),
                                                   {"redis": {"master": {"configuration": 'save ""'}}})[1]),
        ("no save line: Redis defaults, not rdb_save", lambda c: c.find("ConfigMap", "redis-configuration")[
            "data"].update({"redis.conf": "appendonly no"})),
    ],
    "TR-PER-002": [
        ("PVC size", lambda c: c.find("StatefulSet")["spec"]["volumeClaimTemplates"][0]["spec"]["resources"][
            "requests"].update(storage="1Gi")),
        ("PVC class", lambda c: c.find("StatefulSet")["spec"]["volumeClaimTemplates"][0]["spec"].pop(
            "storageClassName")),
        ("no PVC", lambda c: c.find("StatefulSet")["spec"].pop("volumeClaimTemplates")),
    ],
    "TR-SEC-001": [
        ("requirepass literal in a ConfigMap", lambda c: _config(c, "redis.conf", "requirepass hunter22hunter")),
        ("ACL plaintext password", lambda c: _config(c, "redis.conf", "user app on >s3cretpass ~* +@all")),
        ("REDIS_PASSWORD literal env", lambda c: _container(c)["env"].append(
            {"name": "REDIS_PASSWORD", "value": "s3cretpass"})),
        ("Secret rendered from committed values", lambda c: c.objects.append(
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "redis-secret", "namespace": "redis"},
             "data": {"redis-password": "czNjcmV0cGFzcw=="}})),
    ],
    "TR-SEC-002": [],  # committed values are generated: see test_committed_password_in_values below
}


def _run(case: Case, patch: dict[str, Any] | None = None) -> policy.EnvReport:
    return policy.evaluate(case.context(patch))


def _cases() -> list[Any]:
    return [pytest.param(rule, breaker, id=f"{rule}: {label}") for rule, items in BAD.items()
            for label, breaker in items]


def test_every_rule_has_a_firing_case() -> None:
    covered = {rule for rule, items in BAD.items() if items} | {"TR-SEC-002"}
    assert covered == {r.id for r in policy.RULES}


@pytest.mark.parametrize("rule", [r.id for r in policy.RULES])
@pytest.mark.parametrize("subchart", [True, False], ids=["rendered", "values-only"])
def test_good_release_has_no_finding(rule: str, subchart: bool) -> None:
    report = _run(Case(subchart=subchart))
    assert [f.line() for f in report.findings if f.rule == rule] == []


@pytest.mark.parametrize(("rule", "breaker"), _cases())
def test_rule_fires(rule: str, breaker: Break) -> None:
    case = Case()
    patch = breaker(case)
    report = _run(case, patch if isinstance(patch, dict) else None)
    fired = [f for f in report.findings if f.rule == rule]
    assert fired, f"{rule} did not fire; findings: {[f.line() for f in report.findings]}"
    for f in fired:
        assert f.object and f.message and f.fix and f.env == case.context().env


def test_committed_password_in_values() -> None:
    case = Case()
    ctx = case.context()
    files = dict(ctx.values_files)
    files["values.yaml"] = files["values.yaml"].replace('password: ""', "password: hunter22hunter")
    from dataclasses import replace
    report = policy.evaluate(replace(ctx, values_files=files))
    fired = [f for f in report.findings if f.rule == "TR-SEC-002"]
    assert [(f.object, f.field) for f in fired] == [("chart/values.yaml", "secret.password")]
    assert "hunter22" not in fired[0].line()


def test_environment_password_found_verbatim_in_committed_files(tmp_path: Any, monkeypatch: Any) -> None:
    from dataclasses import replace
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "staging.yaml").write_text("# old password: Corr3ct-Horse\nenv: staging\n")
    monkeypatch.setenv("TF_VAR_redis_password", "Corr3ct-Horse")
    report = policy.evaluate(replace(Case().context(), root=tmp_path))
    fired = [f for f in report.findings if f.rule == "TR-SEC-002"]
    assert [f.object for f in fired] == ["environments/staging.yaml"]
    assert all("Corr3ct" not in f.line() for f in report.findings)
    monkeypatch.delenv("TF_VAR_redis_password")
    assert not [f for f in policy.evaluate(replace(Case().context(), root=tmp_path)).findings]


def test_values_only_evaluation_is_partial_never_silent() -> None:
    report = _run(Case(subchart=False))
    partial = {o.rule for o in report.with_coverage(Coverage.PARTIAL)}
    assert {"TR-AUTH-001", "TR-NET-001", "TR-PSS-011", "TR-PER-001", "TR-IMG-001"} <= partial
    assert all(o.unseen for o in report.outcomes if o.coverage is Coverage.PARTIAL)
    assert not _run(Case()).with_coverage(Coverage.PARTIAL)


def test_disabled_redis_is_not_applicable() -> None:
    report = _run(Case(objects=[], settings={"enable_redis": False}))
    assert report.findings == ()
    assert {o.coverage for o in report.outcomes if o.rule.startswith(("TR-NET", "TR-PSS"))} == {
        Coverage.NOT_APPLICABLE}


def test_exception_suppresses_with_reason() -> None:
    case = Case(settings={"policy_exceptions": [{"rule": "TR-PSS-013", "reason": "exporter image needs 10001"}]})
    _container(case, "metrics")["securityContext"]["runAsUser"] = 10001
    report = _run(case)
    assert not [f for f in report.findings if f.rule == "TR-PSS-013"]
    assert [(f.rule, f.suppressed) for f in report.suppressed] == [("TR-PSS-013", "exporter image needs 10001")]
    assert report.errors == 0


def test_finding_names_object_field_and_fix() -> None:
    case = Case()
    case.policy["ingress"][0]["from"].append({"namespaceSelector": {}})
    (finding,) = [f for f in _run(case).findings if f.rule == "TR-NET-001"]
    assert finding.object == "NetworkPolicy/redis-backend-access"
    assert finding.field == "spec.ingress[0].from[1]"
    assert "every namespace" in finding.message and "TCP 6379" in finding.message
    assert finding.file == "chart/templates/networkpolicy.yaml"

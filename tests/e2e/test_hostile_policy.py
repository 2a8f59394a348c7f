"""What the policy rules must see (issue 14): a privileged hostPath pod in every pod-bearing
kind, and a literal password on a command line, in a probe, an env value or a ConfigMap script.
The rules run on the objects as `check` renders them (the kinds' table is core/k8s.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from generator.check import policy
from generator.check.policy import secrets
from generator.core.k8s import pod_templates

LITERAL = "hunter2hunter2"
SAFE = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
        "readOnlyRootFilesystem": True, "seccompProfile": {"type": "RuntimeDefault"}}


def workload(kind: str, pod: dict[str, Any], name: str = "evil") -> dict[str, Any]:
    labels = {"app": name}
    template = {"metadata": {"labels": labels}, "spec": pod}
    meta = {"name": name, "namespace": "redis"}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {**meta, "labels": labels}, "spec": pod}
    if kind == "ReplicationController":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": {"selector": labels, "template": template}}
    if kind == "CronJob":
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta,
                "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}}
    api = "batch/v1" if kind == "Job" else "apps/v1"
    return {"apiVersion": api, "kind": kind, "metadata": meta,
            "spec": {"selector": {"matchLabels": labels}, "template": template}}


KINDS = ("Pod", "ReplicationController", "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob",
         "ArgoRollout")
HOSTILE = {"containers": [{"name": "evil", "image": "x", "securityContext": {"privileged": True}}],
           "volumes": [{"name": "host", "hostPath": {"path": "/"}}]}


@pytest.mark.parametrize("kind", KINDS)
def test_every_pod_bearing_kind_has_its_pod_template_seen(kind: str) -> None:
    obj = workload("Deployment" if kind == "ArgoRollout" else kind, HOSTILE)
    if kind == "ArgoRollout":  # a custom workload: a pod template at spec.template counts too
        obj = {**obj, "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout"}
    pods = pod_templates([obj])
    assert [p.spec["containers"][0]["name"] for p in pods] == ["evil"]


def _container(**spec: Any) -> dict[str, Any]:
    return {"securityContext": {"runAsNonRoot": True}, "containers": [{"name": "app", "image": "x",
                                                                       "securityContext": SAFE, **spec}]}


ARGUMENTS = {
    "args": _container(args=["--requirepass", LITERAL]),
    "equals": _container(command=["redis-server", f"--requirepass={LITERAL}"]),
    "one_string": _container(command=["sh", "-c"], args=[f"exec redis-server --masterauth {LITERAL}"]),
    "probe": _container(livenessProbe={"exec": {"command": ["redis-cli", "-a", LITERAL, "ping"]}}),
    "env_value": _container(env=[{"name": "EXTRA_FLAGS", "value": f"--requirepass '{LITERAL}'"}]),
    "prestop": _container(lifecycle={"preStop": {"exec": {"command": ["redis-cli", "--pass", LITERAL]}}}),
}
REFERENCES = {
    "env_reference": _container(args=["--requirepass", "$(REDIS_PASSWORD)"]),
    "bitnami_style": _container(command=["sh", "-c"], args=['ARGS+=("--requirepass" "${REDIS_PASSWORD}")']),
    "cli_with_env_auth": _container(livenessProbe={"exec": {"command": ["redis-cli", "-a", "$REDIS_PASSWORD"]}}),
}


def _findings(objects: list[dict[str, Any]]) -> list[str]:
    # The two checks read the objects only; settings give the environment's name to findings.
    ctx = policy.Context(settings=SimpleNamespace(env="dev"), objects=tuple(objects),  # type: ignore[arg-type]
                         values={}, values_files={}, subchart=True)
    rule = next(r for r in secrets.RULES if r.id == "TR-SEC-001")
    found = [*secrets._argument_findings(ctx, rule), *secrets._configmap_findings(ctx, rule)]
    text = yaml.safe_dump([f.line() for f in found]) if found else ""
    assert LITERAL not in text, "the password is printed"
    return [f"{f.object} {f.field}" for f in found]


@pytest.mark.parametrize("name", ARGUMENTS)
def test_a_literal_password_handed_to_a_program_is_found(name: str) -> None:
    assert _findings([workload("Deployment", ARGUMENTS[name], "app")]), name


@pytest.mark.parametrize("name", REFERENCES)
def test_a_password_read_from_the_environment_is_not_a_finding(name: str) -> None:
    assert _findings([workload("Deployment", REFERENCES[name], "app")]) == []


@pytest.mark.parametrize("script", [f"exec redis-server --requirepass {LITERAL}\n", f"redis-cli -a {LITERAL} ping\n",
                                    f"requirepass {LITERAL}\n", f"masterauth {LITERAL}\n"])
def test_a_literal_password_in_a_configmap_script_is_found(script: str) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "start"},
          "data": {"s.sh": "#!/bin/sh\n" + script}}
    assert _findings([cm]) == ["ConfigMap/start data.s.sh line 2"]


def test_check_reports_a_privileged_replication_controller(bare_project: Path, cli) -> None:
    image = ('"{{ dig "image" "registry" "r" .Values.redis }}/{{ dig "image" "repository" "x" .Values.redis }}:'
             '{{ dig "image" "tag" "t" .Values.redis }}"')  # the environment's own image: only the rule fails
    text = yaml.safe_dump(workload("ReplicationController", HOSTILE)).replace(
        "namespace: redis", "namespace: {{ .Release.Namespace }}").replace("image: x", f"image: {image}")
    (bare_project / "chart" / "templates" / "extra.yaml").write_text(text)
    ran = cli(bare_project, "check")
    assert ran.code == 1
    assert "TR-PSS-002 ReplicationController/evil" in ran.out + ran.err
